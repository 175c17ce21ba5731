"""Merging another record into this one (with a confirmation page) and undoing a merge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from waymark.core.permissions import requires
from waymark.people import services
from waymark.people.countries import country_name
from waymark.people.forms import MergeForm, ReasonForm
from waymark.people.models import Person, PersonMerge
from waymark.people.pages import person_form_page, person_page_context
from waymark.people.selectors import access_person
from waymark.people.views._common import _run


@requires("people.view_person", "people.merge_person")
def merge(request, pk: int):
    """Step 1: the other record's reference and a reason. Step 2: both side by side; confirm."""
    person = access_person(request.user, pk)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            other = access_person(request.user, form.cleaned_data["other_reference"])
        except Http404:
            other = None
            form.add_error(
                "other_reference", "There is no record with that reference that you can see"
            )
        if other is not None and other.pk == person.pk:
            form.add_error("other_reference", "Enter the reference of a different record")
        elif other is not None and other.is_merged:
            form.add_error(
                "other_reference", f"{other.reference} has already been merged into another record"
            )
        if not form.errors:
            if request.POST.get("confirm") == "yes":
                merged = _run(
                    form,
                    lambda d: services.person_merge(
                        actor=request.user, survivor=person, merged=other, reason=d["reason"]
                    ),
                )
                if merged:
                    messages.success(request, f"{other.reference} merged into this record")
                    return redirect("people:detail", pk=person.pk)
            else:
                context = person_page_context(request, person, "summary")
                context.update(
                    {
                        "other": other,
                        "reason": form.cleaned_data["reason"],
                        "other_reference": other.reference,
                        "pair": [_merge_side(person), _merge_side(other)],
                    }
                )
                return render(request, "people/merge_confirm.html", context)
    return person_form_page(
        request,
        person,
        form,
        title="Merge another record into this one",
        submit="Continue",
        intro="Use this when two records turn out to be the same person. Everything on the "
        "other record moves to this one, and the merge can be undone.",
    )


def _merge_side(person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "names": list(person.names.all()),
        "dates_of_birth": list(person.dates_of_birth.all()),
        "nationalities": [country_name(n.country) for n in person.nationalities.all()],
        "references": list(person.references.all()),
        "timeline_count": person.timeline.count(),
        "note_count": person.notes.count(),
    }


@requires("people.view_person", "people.merge_person")
def unmerge(request, pk: int, merge_pk: int):
    person = access_person(request.user, pk)
    merge_row = get_object_or_404(PersonMerge, pk=merge_pk, survivor=person, undone_at__isnull=True)
    form = ReasonForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            form,
            lambda d: services.person_unmerge(
                actor=request.user, merge=merge_row, reason=d["reason"]
            ),
        )
    ):
        messages.success(
            request, f"Merge undone: {merge_row.merged.reference} is a separate record again"
        )
        return redirect("people:detail", pk=person.pk)
    return person_form_page(
        request,
        person,
        form,
        title=f"Undo the merge of {merge_row.merged.reference}",
        submit="Undo merge",
        intro="Everything that moved with the merge moves back to the other record.",
    )
