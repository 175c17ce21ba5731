"""Forms that change the record: notes, ownership, names, references, vulnerabilities, flags."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from waymark.core.permissions import requires
from waymark.people import services
from waymark.people.forms import (
    AliasForm,
    FlagForm,
    NoteCorrectForm,
    NoteForm,
    OwnershipForm,
    ReasonForm,
    ReferenceForm,
    VulnerabilityAssessmentForm,
    VulnerabilityForm,
)
from waymark.people.models import Flag, Note
from waymark.people.pages import person_form_page
from waymark.people.selectors import access_person
from waymark.people.views._common import _run


@requires("people.view_person", "people.add_note")
def note_add(request, pk: int):
    person = access_person(request.user, pk)
    form = NoteForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            form, lambda d: services.note_add(actor=request.user, person=person, text=d["text"])
        )
    ):
        messages.success(request, "Note added")
        return redirect("people:timeline", pk=person.pk)
    return person_form_page(
        request,
        person,
        form,
        title="Add a note",
        submit="Add note",
        current="timeline",
        back=reverse("people:timeline", args=[person.pk]),
    )


@requires("people.view_person", "people.add_note")
def note_correct(request, pk: int, note_pk: int):
    person = access_person(request.user, pk)
    note = get_object_or_404(Note, pk=note_pk, person=person)
    form = NoteCorrectForm(request.POST or None, initial={"text": note.text})
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            form,
            lambda d: services.note_correct(
                actor=request.user, note=note, text=d["text"], reason=d["reason"]
            ),
        )
    ):
        messages.success(request, "Note corrected. The original note is kept.")
        return redirect("people:timeline", pk=person.pk)
    return person_form_page(
        request,
        person,
        form,
        title="Correct a note",
        submit="Save correction",
        current="timeline",
        back=reverse("people:timeline", args=[person.pk]),
        intro="The original note stays on the record with your correction beside it.",
        extra={"original_note": note},
    )


@requires("people.view_person", "people.change_ownership")
def ownership(request, pk: int):
    person = access_person(request.user, pk)
    form = OwnershipForm(
        request.POST or None, initial={"team": person.owning_team_id, "owner": person.case_owner_id}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            form,
            lambda d: services.ownership_change(
                actor=request.user,
                person=person,
                team=d["team"],
                owner=d["owner"],
                reason=d["reason"],
            ),
        )
    ):
        messages.success(request, "Ownership changed")
        return redirect("people:detail", pk=person.pk)
    return person_form_page(
        request, person, form, title="Change ownership", submit="Change ownership"
    )


def _simple_change(request, pk: int, form_class, *, title: str, submit: str, done: str, call):
    person = access_person(request.user, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid() and _run(form, lambda d: call(person, d)):
        messages.success(request, done)
        return redirect("people:detail", pk=person.pk)
    return person_form_page(request, person, form, title=title, submit=submit)


@requires("people.view_person", "people.change_person")
def alias_add(request, pk: int):
    return _simple_change(
        request,
        pk,
        AliasForm,
        title="Add another name",
        submit="Add name",
        done="Name added",
        call=lambda person, d: services.alias_add(actor=request.user, person=person, **d),
    )


@requires("people.view_person", "people.change_person")
def reference_add(request, pk: int):
    return _simple_change(
        request,
        pk,
        ReferenceForm,
        title="Add a reference",
        submit="Add reference",
        done="Reference added",
        call=lambda person, d: services.reference_add(actor=request.user, person=person, **d),
    )


@requires("people.view_person", "people.change_person")
def vulnerability_add(request, pk: int):
    return _simple_change(
        request,
        pk,
        VulnerabilityForm,
        title="Record a vulnerability",
        submit="Record vulnerability",
        done="Vulnerability recorded",
        call=lambda person, d: services.vulnerability_record(
            actor=request.user, person=person, **d
        ),
    )


@requires("people.view_person", "people.change_person")
def vulnerability_assessment(request, pk: int):
    return _simple_change(
        request,
        pk,
        VulnerabilityAssessmentForm,
        title="Record the vulnerability assessment",
        submit="Save assessment",
        done="Vulnerability assessment recorded",
        call=lambda person, d: services.vulnerability_assessment_record(
            actor=request.user, person=person, **d
        ),
    )


@requires("people.view_person", "people.change_person")
def flag_add(request, pk: int):
    return _simple_change(
        request,
        pk,
        FlagForm,
        title="Set a flag",
        submit="Set flag",
        done="Flag set",
        call=lambda person, d: services.flag_set(actor=request.user, person=person, **d),
    )


@requires("people.view_person", "people.change_person")
def flag_end(request, pk: int, flag_pk: int):
    person = access_person(request.user, pk)
    flag = get_object_or_404(Flag, pk=flag_pk, person=person, ended_at__isnull=True)
    form = ReasonForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            form, lambda d: services.flag_end(actor=request.user, flag=flag, reason=d["reason"])
        )
    ):
        messages.success(request, "Flag ended")
        return redirect("people:detail", pk=person.pk)
    return person_form_page(
        request, person, form, title=f"End flag: {flag.get_flag_type_display()}", submit="End flag"
    )
