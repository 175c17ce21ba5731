"""What the EM Hub's pages share: permission names, the page size and the person form page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from waymark.core.forms import form_add_service_errors
from waymark.people.pages import person_form_page

EM = "monitoring.manage_em"


MI = "monitoring.view_em_mi"


SUPPLIER = "monitoring.manage_supplier"


PAGE_SIZE = 50


def _person_url(person) -> str:
    return reverse("monitoring:person", args=[person.pk])


def _form(
    request,
    person,
    form,
    *,
    title: str,
    submit: str,
    action: Callable[[Any], str],
    intro: str = "",
    back: str | None = None,
    extra: dict | None = None,
):
    """The shared form flow: on a valid POST call ``action(cleaned_data)`` (one service call) and
    redirect to what it returns; a service refusal becomes an error on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            target = action(form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You may not do this")
        else:
            messages.success(request, f"{title}: done")
            return redirect(target)
    return person_form_page(
        request,
        person,
        form,
        title=title,
        submit=submit,
        current="monitoring",
        intro=intro,
        back=back or _person_url(person),
        extra=extra,
    )
