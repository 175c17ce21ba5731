"""Pieces shared by the person pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse

from waymark.people.forms import apply_service_errors


def _url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return None


def _run(form: forms.Form, action) -> Any:
    """Call a service with the form's data; a ValidationError goes back onto the form."""
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
