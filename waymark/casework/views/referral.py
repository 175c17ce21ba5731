"""Referral and banding pages: the deportation decision, overriding a band, referring a person and
intake's checks and routing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from waymark.accounts.models import User
from waymark.casework import forms as f
from waymark.casework import rules, selectors, services
from waymark.casework.models import Referral
from waymark.casework.permissions import MANAGE_CASEWORK, MANAGE_INTAKE, OVERRIDE_BAND
from waymark.casework.views._common import _data, _form, _get, _person_url
from waymark.core.permissions import requires


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def decision_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.DecisionDateForm(_data(request)),
        title="Record the deportation decision",
        submit="Record",
        action=lambda d: services.deportation_decision_record(
            actor=request.user, person=subject, decided_on=d["decided_on"], note=d["note"]
        ),
    )


@requires(OVERRIDE_BAND)
@require_http_methods(["GET", "POST"])
def band_override(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    case = services.case_ensure(actor=request.user, person=subject)
    return _form(
        request,
        subject,
        f.BandOverrideForm(_data(request)),
        title="Override the band",
        submit="Save",
        intro=f"Computed: band {case.computed_band} — {case.computed_reason}.",
        action=lambda d: services.band_override(
            actor=request.user,
            case=case,
            band=int(d["band"]) if d["band"] else None,
            reason=d["reason"],
        ),
    )


@requires(MANAGE_INTAKE)
@require_POST
def refer(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    try:
        services.referral_create(actor=request.user, person=subject)
        messages.success(request, "Referred to criminal casework: intake checks due within 28 days")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_person_url(subject))


@requires(MANAGE_INTAKE)
@require_http_methods(["GET", "POST"])
def referral_route(request, pk: int):
    referral = _get(Referral, request, pk)
    subject = referral.person
    band, reason = services.band_compute(subject)
    from waymark.accounts.models import Team

    team = Team.objects.filter(slug=rules.routing()[band]).first()
    owners = (
        team.members.filter(is_active=True).order_by("first_name") if team else User.objects.none()
    )
    return _form(
        request,
        subject,
        f.RouteForm(_data(request), owners=owners),
        title="Intake checks and routing",
        submit="Route the case",
        intro=f"Band {band} ({reason}) goes to {team.name if team else 'no configured team'}. Intake is due "
        f"by {referral.intake_due_on:%-d %B %Y} ({rules.INTAKE_DAYS} days from referral).",
        action=lambda d: services.referral_route(
            actor=request.user,
            referral=referral,
            outstanding_applications_checked=d["outstanding_applications_checked"],
            outstanding_applications=d["outstanding_applications"],
            owner=d["owner"],
        ),
    )
