"""Non-compliance pages: the contact checklist, declaring an absconder, trace and locate, and
recording a new offence."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from waymark.casework import forms as f
from waymark.casework import selectors, services
from waymark.casework.models import AbsconderDeclaration, ContactStep, TraceReferral
from waymark.casework.permissions import MANAGE_CASEWORK
from waymark.casework.views._common import _data, _form, _get, _person_url
from waymark.core import clock
from waymark.core.permissions import requires


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def contact_step(request, pk: int):
    step = ContactStep.objects.select_related("non_compliance__person").filter(pk=pk).first()
    if step is None:
        raise Http404("No such step")
    subject = selectors.access_case_person(request.user, step.non_compliance.person_id)
    due = step.due_at.astimezone(clock.LONDON)
    return _form(
        request,
        subject,
        f.ContactStepForm(_data(request)),
        title=step.get_step_display(),
        submit="Record",
        intro=f"Due by {due:%-d %B %Y at %H:%M} (band {step.non_compliance.band}).",
        action=lambda d: services.contact_step_record(
            actor=request.user, step=step, result=d["result"], contact_made=d["contact_made"]
        ),
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def absconder_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.AbsconderForm(_data(request)),
        title="Declare an absconder",
        submit="Declare",
        intro="Only when every mandatory step to re-establish contact has been taken and failed, and the "
        "person's whereabouts are unknown (001 §7.23). The declaration records the steps and when.",
        action=lambda d: services.absconder_declare(
            actor=request.user,
            person=subject,
            reasons=d["reasons"],
            whereabouts_unknown=d["whereabouts_unknown"],
        ),
    )


@requires(MANAGE_CASEWORK)
@require_POST
def trace_new(request, pk: int):
    declaration = _get(AbsconderDeclaration, request, pk)
    try:
        services.trace_refer(actor=request.user, declaration=declaration)
        messages.success(request, "Referred to trace and locate")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_person_url(declaration.person))


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def trace_outcome(request, pk: int):
    referral = _get(TraceReferral, request, pk)
    return _form(
        request,
        referral.person,
        f.TraceOutcomeForm(_data(request)),
        title="Record the trace-and-locate outcome",
        submit="Record",
        action=lambda d: services.trace_outcome_record(
            actor=request.user, referral=referral, outcome=d["outcome"], note=d["note"]
        ),
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def reoffence_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.ReoffenceForm(_data(request)),
        title="Record a new offence",
        submit="Record",
        action=lambda d: services.reoffence_record(
            actor=request.user, person=subject, offence=d["offence"], offence_on=d["offence_on"]
        ),
    )
