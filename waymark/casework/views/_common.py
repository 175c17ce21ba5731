"""What every casework page shares: the person's casework tab as the way back, one form page that
calls one service and shows a refusal as a GOV.UK error summary, and reaching a record by key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from waymark.accounts.models import User
from waymark.casework import selectors
from waymark.core.forms import form_add_service_errors
from waymark.people.pages import person_form_page

PAGE_SIZE = 50


def _person_url(person) -> str:
    return reverse("casework:person", args=[person.pk])


def _data(request):
    return request.POST if request.method == "POST" else None


def _form(
    request,
    person,
    form,
    *,
    title: str,
    submit: str,
    action: Callable[[Any], Any],
    intro: str = "",
    back: str | None = None,
    done: str | None = None,
):
    """On a valid POST call ``action(cleaned_data)`` (one service call) and go to ``done`` (the
    person's casework tab); a service refusal becomes an error on the form and nothing changes."""
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You may not do this")
        else:
            messages.success(request, f"{title}: done")
            return redirect(done or _person_url(person))
    return person_form_page(
        request,
        person,
        form,
        title=title,
        submit=submit,
        current="casework",
        intro=intro,
        back=back or _person_url(person),
    )


def _team_members(person):
    if person.owning_team_id is None:
        return User.objects.none()
    return person.owning_team.members.filter(is_active=True).order_by("first_name", "last_name")


def _get(model, request, pk):
    return selectors.access_for_person(request.user, model, pk)
