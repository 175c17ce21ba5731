"""What the planning pages share: permission names, the team choices and the form-page pattern
(validate, call one service, show a refusal as a GOV.UK error summary)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render

from waymark.core.forms import form_add_service_errors, form_fields
from waymark.operations import permissions as perms
from waymark.operations import services
from waymark.people.selectors import access_person

VIEW = perms.VIEW_OPERATIONS


PLAN = perms.PLAN


AUTHORISE = perms.AUTHORISE


COMMAND = perms.COMMAND


ANSWER = perms.ANSWER


def _teams(user):
    from waymark.accounts.models import Team

    if user.has_perm("operations.view_all_operations"):
        return Team.objects.filter(is_active=True).order_by("name")
    return user.teams.filter(is_active=True).order_by("name")


def _run(request, form, action: Callable[[dict], Any]) -> Any:
    """Call one service with the form's data; a refusal goes back onto the form (nothing saved)."""
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        form_add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "You may not do this")
    return None


def _form_page(
    request,
    form,
    *,
    title: str,
    submit: str,
    back: str,
    guidance: str = "",
    intro: str = "",
    extra: dict | None = None,
):
    return render(
        request,
        "operations/plan/form.html",
        {
            "form": form,
            "fields": form_fields(form),
            "title": title,
            "submit": submit,
            "back": back,
            "guidance": guidance,
            "intro": intro,
            **(extra or {}),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _subjects(request, form) -> list | None:
    people = []
    for reference in form.subject_references():
        try:
            people.append(access_person(request.user, reference))
        except Http404:
            form.add_error("subjects", f"No person with the reference {reference} that you may see")
            return None
    return people


def _premises(request, form):
    values = form.premises_values()
    try:
        return services.premises_find_or_record(actor=request.user, **values)
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return None
