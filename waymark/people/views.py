"""Person pages: search, the person page with its tabs, and the forms that change the record.

Views are thin: fetch through ``access_person`` (404 if the user may not see the person), validate
a form, call one service, redirect. Every person page is logged as a consultation.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from waymark.core.forms import (
    form_fields,
)
from waymark.core.models import AuditEvent
from waymark.core.permissions import requires
from waymark.people import services
from waymark.people.countries import country_name
from waymark.people.forms import (
    AliasForm,
    FlagForm,
    MergeForm,
    NoteCorrectForm,
    NoteForm,
    OwnershipForm,
    PersonCreateForm,
    PersonDetailsForm,
    PersonSearchForm,
    ProtectedCharacteristicsReasonForm,
    ReasonForm,
    ReferenceForm,
    VulnerabilityAssessmentForm,
    VulnerabilityForm,
    apply_service_errors,
)
from waymark.people.models import (
    AddressType,
    Flag,
    NameType,
    Note,
    Person,
    PersonMerge,
)
from waymark.people.pages import (  # noqa: F401 - re-exported for old imports
    person_badges,
    person_form_page,
    person_page_context,
)
from waymark.people.search import person_search as search_people
from waymark.people.selectors import access_person

SEARCH_PAGE_SIZE = 25
SEARCH_MAX_RESULTS = 500
TIMELINE_PAGE_SIZE = 25
ACCESS_HISTORY_PAGE_SIZE = 50


# --------------------------------------------------------------------------------------------
# Shared page pieces


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


# --------------------------------------------------------------------------------------------
# Search


@requires("people.view_person")
def person_search(request):
    params = (
        "reference",
        "name",
        "date_of_birth_0",
        "date_of_birth_1",
        "date_of_birth_2",
        "nationality",
    )
    searched = any(request.GET.get(p) for p in params) or "search" in request.GET
    form = PersonSearchForm(request.GET if searched else None)
    page = None
    if searched and form.is_valid():
        data = form.cleaned_data
        results = search_people(
            user=request.user,
            query=data["name"],
            reference=data["reference"],
            date_of_birth=data["date_of_birth"],
            nationality=data["nationality"],
            limit=SEARCH_MAX_RESULTS,
        )
        page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "fields": {f["name"]: f for f in form_fields(form)},
            "page": page,
            "searched": searched,
            "country_name": country_name,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --------------------------------------------------------------------------------------------
# Adding a person, changing their details


def _possible_duplicates(user, data) -> list:
    """People already recorded who may be this person: same reference, or a close name match
    (with the same date of birth when one is given)."""
    found: dict[int, Any] = {}
    if data.get("reference_value"):
        for result in search_people(user=user, reference=data["reference_value"], limit=10):
            found[result.person.pk] = result
    name = f"{data['given_names']} {data['family_name']}"
    for result in search_people(
        user=user, query=name, date_of_birth=data.get("date_of_birth"), limit=10
    ):
        found.setdefault(result.person.pk, result)
    return list(found.values())


@requires("people.view_person", "people.add_person")
def person_create(request):
    """Two steps when the record may already exist: the user sees the possible matches and must
    confirm that none of them is the person before a new record is made (no duplicates by habit)."""
    teams = list(request.user.teams.filter(is_active=True).order_by("name"))
    form = PersonCreateForm(request.POST or None, teams=teams)
    matches = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        matches = [] if data["no_match_confirmed"] else _possible_duplicates(request.user, data)
        if not matches:
            references = (
                [(data["reference_type"], data["reference_value"])]
                if data["reference_type"]
                else []
            )
            person = _run(
                form,
                lambda d: services.person_create(
                    actor=request.user,
                    given_names=d["given_names"],
                    family_name=d["family_name"],
                    date_of_birth=d["date_of_birth"],
                    sex=d["sex"],
                    nationalities=[d["nationality"]] if d["nationality"] else [],
                    references=references,
                    owning_team=d["owning_team"],
                ),
            )
            if person is not None:
                messages.success(request, f"{person.full_name} recorded as {person.reference}")
                return redirect("people:detail", pk=person.pk)
        else:
            form = PersonCreateForm(
                {**request.POST.dict(), "no_match_confirmed": "True"}, teams=teams
            )
            form.is_valid()
    return render(
        request,
        "people/create.html",
        {
            "form": form,
            "fields": form_fields(form),
            "matches": matches,
            "country_name": country_name,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires("people.view_person", "people.change_person")
def person_details_change(request, pk: int):
    person = access_person(request.user, pk)
    initial = {
        k: getattr(person, k)
        for k in ("given_names", "family_name", "date_of_birth", "sex", "main_language", "email")
    }
    initial.update(
        interpreter_needed="yes" if person.interpreter_needed else "no",
        no_fixed_abode="yes" if person.no_fixed_abode else "no",
    )
    form = PersonDetailsForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(form, lambda d: services.person_update(actor=request.user, person=person, **d))
    ):
        messages.success(request, "Details changed")
        return redirect("people:detail", pk=person.pk)
    return person_form_page(
        request,
        person,
        form,
        title="Change personal details",
        submit="Save changes",
        intro="The old values stay in the record's history with your reason.",
    )


# --------------------------------------------------------------------------------------------
# The person page and its tabs


@requires("people.view_person")
def person_detail(request, pk: int):
    person = access_person(request.user, pk)
    services.person_record_view(actor=request.user, person=person, page="summary")
    context = person_page_context(request, person, "summary")
    context.update(
        {
            "names": person.names.exclude(name_type=NameType.PRIMARY),
            "dates_of_birth": person.dates_of_birth.all(),
            "references": person.references.all(),
            "addresses": person.addresses.all(),
            "phones": person.phone_numbers.all(),
            "convictions": person.convictions.all(),
            "vulnerabilities": person.vulnerabilities.all(),
            "flags": person.flags.select_related("set_by", "ended_by"),
            "ownership_history": person.ownership_history.select_related(
                "changed_by", "from_team", "to_team", "from_owner", "to_owner"
            ),
            "bail_grants": person.bail_grants.all(),
            "merges": person.merges_absorbed.select_related("merged", "performed_by", "undone_by"),
            "reporting_centre": AddressType.REPORTING_CENTRE,
        }
    )
    return render(request, "people/detail.html", context)


@requires("people.view_person")
def person_timeline(request, pk: int):
    person = access_person(request.user, pk)
    services.person_record_view(actor=request.user, person=person, page="timeline")
    events = person.timeline.select_related("actor")
    modules = sorted(set(person.timeline.values_list("module", flat=True).distinct()))
    module = request.GET.get("module", "")
    if module:
        events = events.filter(module=module)
    page = Paginator(events, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    note_ids = [
        int(e.related_id)
        for e in page
        if e.related_type == "people.note" and e.related_id.isdigit()
    ]
    notes = {
        n.pk: n
        for n in Note.objects.filter(pk__in=note_ids)
        .select_related("author", "corrects", "corrects__author")
        .prefetch_related("corrections__author")
    }
    items = [
        {
            "event": e,
            "note": notes.get(int(e.related_id))
            if e.related_type == "people.note" and e.related_id.isdigit()
            else None,
        }
        for e in page
    ]
    context = person_page_context(request, person, "timeline")
    context.update({"page": page, "items": items, "modules": modules, "module": module})
    return render(request, "people/timeline.html", context)


@requires("people.view_person")
def person_tasks(request, pk: int):
    person = access_person(request.user, pk)
    services.person_record_view(actor=request.user, person=person, page="tasks")
    from waymark.work.models import ACTIVE_STATUSES
    from waymark.work.selectors import task_visible_queryset

    # Only the tasks in queues the user may see: another team's work stays hidden.
    tasks = list(
        task_visible_queryset(request.user)
        .filter(person=person)
        .order_by("-created_at", "-pk")[:200]
    )
    rows = [
        {
            "task": t,
            "href": _url_or_none("work:task-detail", t.pk),
            "active": t.status in ACTIVE_STATUSES,
        }
        for t in tasks
    ]
    context = person_page_context(request, person, "tasks")
    context.update({"rows": rows})
    return render(request, "people/tasks.html", context)


@requires("people.view_person")
def person_documents(request, pk: int):
    person = access_person(request.user, pk)
    services.person_record_view(actor=request.user, person=person, page="documents")
    try:
        from waymark.documents.selectors import document_list_for_person
    except ImportError:  # pragma: no cover - documents app not installed
        documents = []
    else:
        documents = list(document_list_for_person(person=person)[:200])
    rows = [{"document": d, "href": _url_or_none("documents:detail", d.pk)} for d in documents]
    upload = None
    if request.user.has_perm("documents.add_document") and not person.is_merged:
        upload = _url_or_none("documents:upload", person.pk)
    context = person_page_context(request, person, "documents")
    context.update({"rows": rows, "upload_href": upload})
    return render(request, "people/documents.html", context)


@requires("people.view_person", "core.view_access_history")
def person_access_history(request, pk: int):
    person = access_person(request.user, pk)
    services.person_record_view(actor=request.user, person=person, page="access-history")
    events = (
        AuditEvent.objects.filter(person_id=person.pk).select_related("actor").order_by("-sequence")
    )
    page = Paginator(events, ACCESS_HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = person_page_context(request, person, "access-history")
    context.update({"page": page})
    return render(request, "people/access_history.html", context)


@requires("people.view_person", "people.view_protected_characteristics")
def person_protected_characteristics(request, pk: int):
    """Restricted fields: the user must give a reason first; the view is logged with it."""
    person = access_person(request.user, pk)
    form = ProtectedCharacteristicsReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.protected_characteristics_view(
                actor=request.user, person=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            context = person_page_context(request, person, "summary")
            context.update({"record": record, "reason": form.cleaned_data["reason"]})
            return render(request, "people/protected_characteristics.html", context)
    return person_form_page(
        request,
        person,
        form,
        title="See protected characteristics",
        submit="Continue",
        intro="Protected characteristics are recorded only for equality monitoring. Your reason and "
        "this view are logged in the person's access history.",
    )


# --------------------------------------------------------------------------------------------
# Forms that change the record


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
