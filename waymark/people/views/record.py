"""The person page and its tabs. Every one is logged as a consultation of the record."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render

from waymark.core.clock import LONDON
from waymark.core.exports import Disclosure, export_csv, export_view, export_xlsx
from waymark.core.models import AuditEvent
from waymark.core.permissions import requires
from waymark.people import services
from waymark.people.forms import ProtectedCharacteristicsReasonForm, apply_service_errors
from waymark.people.models import AddressType, Note
from waymark.people.pages import person_form_page, person_page_context
from waymark.people.selectors import access_person, person_summary_lists
from waymark.people.views._common import _url_or_none

TIMELINE_PAGE_SIZE = 25
ACCESS_HISTORY_PAGE_SIZE = 50


@requires("people.view_person")
def person_detail(request, pk: int):
    person = access_person(request.user, pk)
    services.person_record_view(actor=request.user, person=person, page="summary")
    # One statement reads every list the summary shows, the identity bar's flags and
    # nationalities included (selectors.person_summary_lists).
    lists = person_summary_lists(person)
    context = person_page_context(request, person, "summary")
    context.update(
        {
            "names": lists["names"],
            "dates_of_birth": lists["dates_of_birth"],
            "references": lists["references"],
            "addresses": lists["addresses"],
            "phones": lists["phones"],
            "convictions": lists["convictions"],
            "vulnerabilities": lists["vulnerabilities"],
            "flags": lists["flags"],
            "ownership_history": lists["ownership_history"],
            "bail_grants": lists["bail_grants"],
            "merges": lists["merges"],
            "reporting_centre": AddressType.REPORTING_CENTRE,
        }
    )
    return render(request, "people/detail.html", context)


def _timeline_date(text: str) -> date | None:
    """A filter date typed as '27 3 2026', '27/3/2026' or '2026-03-27'; None when it is not one."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if "-" in text:
            return date.fromisoformat(text)
        day, month, year = (int(part) for part in re.split(r"[\s/.]+", text))
        return date(year, month, day)
    except (ValueError, OverflowError):  # OverflowError: a year of 20 digits
        return None


@requires("people.view_person")
def person_timeline(request, pk: int):
    """The person's one chronological stream, filtered by module, kind of event, words in its
    summary and a date range; each event links to what it is about where a module registered
    that page, and the person's open tasks (in queues the user may see) head it."""
    from waymark.work.models import ACTIVE_STATUSES
    from waymark.work.registry import subject_link
    from waymark.work.selectors import task_visible_queryset

    person = access_person(request.user, pk)
    services.person_record_view(actor=request.user, person=person, page="timeline")
    events = person.timeline.select_related("actor")
    modules = sorted(set(person.timeline.values_list("module", flat=True).distinct()))
    kinds = sorted(set(person.timeline.values_list("event_type", flat=True).distinct()))
    module = request.GET.get("module", "")
    kind = request.GET.get("kind", "")
    query = (request.GET.get("q") or "").strip()[:100]
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    day_from, day_to = _timeline_date(raw_from), _timeline_date(raw_to)
    errors = {}
    if raw_from.strip() and day_from is None:
        errors["from"] = "Enter the first day as a real date, for example 27 3 2026"
    if raw_to.strip() and day_to is None:
        errors["to"] = "Enter the last day as a real date, for example 27 3 2026"
    if module:
        events = events.filter(module=module)
    if kind:
        events = events.filter(event_type=kind)
    if query:
        events = events.filter(summary__icontains=query)
    if day_from:
        events = events.filter(occurred_at__gte=datetime.combine(day_from, time(0), tzinfo=LONDON))
    if day_to:
        end = datetime.combine(day_to, time(0), tzinfo=LONDON) + timedelta(days=1)
        events = events.filter(occurred_at__lt=end)
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
    items = []
    for e in page:
        note = (
            notes.get(int(e.related_id))
            if e.related_type == "people.note" and e.related_id.isdigit()
            else None
        )
        author = note.author if note is not None else e.actor
        items.append(
            {
                "event": e,
                "note": note,
                "author": author.display_name if author is not None else "",
                "link": subject_link(e.related_type, e.related_id) if e.related_type else None,
            }
        )
    open_tasks = list(
        task_visible_queryset(request.user)
        .filter(person=person, status__in=ACTIVE_STATUSES)
        .select_related("assignee")
        .order_by("due_at", "pk")[:10]
    )
    context = person_page_context(request, person, "timeline")
    context.update(
        {
            "page": page,
            "items": items,
            "modules": modules,
            "module": module,
            "kinds": kinds,
            "kind": kind,
            "query": query,
            "raw_from": raw_from,
            "raw_to": raw_to,
            "filter_errors": errors,
            "filtered": bool(module or kind or query or day_from or day_to),
            "open_tasks": open_tasks,
        }
    )
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


ACCESS_HISTORY_HEADER = ["When", "Who", "What", "Verb", "Page", "Channel", "Recipient", "Purpose"]


@requires("people.view_person", "core.view_access_history")
@export_view
def person_access_history_export(request, pk: int):
    """The person's whole access history as CSV or XLSX, for a subject access request: one
    disclosure in the audit trail (the export is itself part of the history it exports)."""
    person = access_person(request.user, pk)
    events = (
        AuditEvent.objects.filter(person_id=person.pk).select_related("actor").order_by("sequence")
    )
    rows = [
        [
            e.occurred_at,
            e.actor_label,
            e.get_action_display(),
            e.verb,
            (e.payload or {}).get("page", "") if isinstance(e.payload, dict) else "",
            e.channel,
            e.recipient,
            e.purpose,
        ]
        for e in events
    ]
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    options = {
        "filename": f"access-history-{person.reference}.{file_format}",
        "header": ACCESS_HISTORY_HEADER,
        "rows": rows,
        "count": len(rows),
        "disclosure": Disclosure(
            verb="person.access_history_exported",
            purpose="The person's access history (DPA 2018 s62), for a subject access request",
            query={"person": person.reference},
            people=[person.pk],
            target=person,
        ),
    }
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title="Access history", **options)
    return export_csv(request, **options)
