"""The person page's shared pieces, for the people app and for module apps: the identity bar
(badges, tabs, what the user may do) and a generic GOV.UK form page about a person. Modules build
their person tabs with these instead of importing people's views.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from waymark.core.forms import form_fields
from waymark.people.countries import country_name
from waymark.people.models import HarmLevel, OwnershipState, Person, VulnerabilityAssessment
from waymark.people.permissions import can_add_note, can_change_ownership, can_change_record
from waymark.people.selectors import access_person
from waymark.people.tabs import person_tabs


def person_badges(person: Person) -> list[dict[str, str]]:
    """The warnings shown in the identity bar, most serious first."""
    badges = []
    if person.is_merged:
        badges.append({"text": "Merged record", "classes": "moj-badge--black"})
    if person.harm_level in (HarmLevel.VERY_HIGH, HarmLevel.HIGH):
        badges.append(
            {"text": f"Harm: {person.get_harm_level_display()}", "classes": "moj-badge--red"}
        )
    elif person.harm_level == HarmLevel.NOT_ASSESSED:
        badges.append({"text": "Harm not assessed", "classes": "moj-badge--grey"})
    else:
        badges.append(
            {"text": f"Harm: {person.get_harm_level_display()}", "classes": "moj-badge--blue"}
        )
    if person.vulnerability_assessment == VulnerabilityAssessment.NOT_YET_ASSESSED:
        badges.append({"text": "Vulnerability not yet assessed", "classes": "moj-badge--purple"})
    elif person.vulnerability_assessment == VulnerabilityAssessment.VULNERABLE:
        badges.append({"text": "Vulnerable", "classes": "moj-badge--purple"})
    if person.ownership_state == OwnershipState.UNCLEAR:
        badges.append({"text": "Ownership unclear", "classes": "moj-badge--red"})
    if person.no_fixed_abode:
        badges.append({"text": "No fixed abode", "classes": "moj-badge--blue"})
    if person.restricted_access:
        badges.append({"text": "Restricted record", "classes": "moj-badge--black"})
    # ``all()`` and not a filter, so a page that prefetched the flags (the summary) reads them once.
    for flag in person.flags.all():
        if flag.ended_at is not None:
            continue
        badges.append({"text": flag.get_flag_type_display(), "classes": "moj-badge--bright-purple"})
    return badges


def person_page_context(request, person: Person, current: str) -> dict[str, Any]:
    """The person's identity bar, badges and tabs, for any page about the person."""
    return {
        "person": person,
        "nationality_names": [country_name(n.country) for n in person.nationalities.all()],
        "badges": person_badges(person),
        "tabs": person_tabs(user=request.user, person=person, current=current),
        "can_change": can_change_record(request.user, person),
        "can_note": can_add_note(request.user, person),
        "can_own": can_change_ownership(request.user, person),
        "can_merge": request.user.has_perm("people.merge_person") and not person.is_merged,
        "can_view_protected": request.user.has_perm("people.view_protected_characteristics"),
        "survivor_visible": _visible_survivor(request.user, person),
    }


def _visible_survivor(user, person: Person) -> Person | None:
    if not person.is_merged:
        return None
    try:
        return access_person(user, person.merged_into_id)
    except Http404:
        return None


def person_form_page(
    request,
    person: Person,
    form: forms.Form,
    *,
    title: str,
    submit: str,
    current: str = "summary",
    intro: str = "",
    back: str | None = None,
    extra: dict | None = None,
):
    """A GOV.UK form page about a person (``people/form.html``), 400 when the form has errors."""
    context = person_page_context(request, person, current)
    context.update(
        {
            "form": form,
            "fields": form_fields(form),
            "title": title,
            "submit": submit,
            "intro": intro,
            "back": back or reverse("people:detail", args=[person.pk]),
            **(extra or {}),
        }
    )
    return render(
        request, "people/form.html", context, status=400 if form.is_bound and form.errors else 200
    )
