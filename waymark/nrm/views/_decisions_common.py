"""What the decision pages share: object lookup with the 404 rule, the consultation audit, the
form-page pattern (one service call; a refusal goes onto the form for the GOV.UK error summary)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from waymark.core.audit import audit_record
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.models import AuditAction
from waymark.nrm import permissions as perms
from waymark.nrm.models import (
    Decision,
    Referral,
)
from waymark.nrm.services.decisions import outcomes_for

PAGE = 25


def _seen(user, referral: Referral) -> None:
    if not perms.may_see_referral(user, referral):
        raise Http404("No such referral")


def _viewed(request, referral: Referral, target) -> None:
    """The consultation audit of a page showing a referral's restricted content."""
    audit_record(
        actor=request.user,
        action=AuditAction.CONSULTATION,
        verb="nrm.decision_viewed",
        target=target,
        person_id=referral.person_id,
        payload={"route": request.resolver_match.view_name if request.resolver_match else ""},
    )


def _get(model, pk: int, user, referral_of: Callable[[Any], Referral]):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404("Not found")
    _seen(user, referral_of(obj))
    return obj


def _service(form, call) -> Any:
    try:
        return call()
    except ValidationError as exc:
        form_add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "You may not do this")
    return None


def _page(request, template: str, context: dict, form=None):
    status = 400 if form is not None and form.is_bound and form.errors else 200
    if form is not None:
        context = {"form": form, "fields": form_fields(form), **context}
    return render(request, f"nrm/{template}", context, status=status)


def _form_page(request, form, *, title: str, submit: str, back: str, facts=(), intro=""):
    return _page(
        request,
        "decision_form.html",
        {"title": title, "submit": submit, "back": back, "facts": facts, "intro": intro},
        form,
    )


def _named(name: str) -> str:
    """A page of another helper's (merged later); the NRM home until then."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return "/nrm/"


def _referral_url(referral: Referral) -> str:
    """The referral's page (helper A's ``nrm:referral``); the NRM home until it is merged."""
    for name, args in (("nrm:referral", [referral.pk]), ("nrm:home", [])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return "/nrm/"


def _decision_facts(decision: Decision) -> list[tuple[str, str]]:
    return [
        ("Referral", decision.referral.reference),
        ("Stage", decision.get_stage_display()),
        ("Outcome", outcomes_for(decision.stage).get(decision.outcome, decision.outcome)),
        ("Status", decision.get_status_display()),
        ("Legal test", decision.legal_test),
        ("Guidance", str(decision.guidance)),
        ("Decision maker", decision.decision_maker.display_name),
    ]
