"""Correspondence pages: intake, item, match queue, list. Thin: validate, call one service."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core import clock
from waymark.core.follow_ups import correspondence_follow_ups
from waymark.core.forms import form_add_service_errors
from waymark.core.permissions import requires
from waymark.correspondence import rules, selectors, services
from waymark.correspondence.forms import (
    EmlUploadForm,
    ListFilterForm,
    MatchConfirmForm,
    NoPersonNeededForm,
    PersonSearchForm,
    PostedLetterForm,
)
from waymark.correspondence.matching import person_match_find
from waymark.correspondence.models import Category, Channel, Mailbox, MatchStatus
from waymark.documents.services import upload_read


@requires("correspondence.view_correspondenceitem", "correspondence.add_correspondenceitem")
@require_http_methods(["GET", "POST"])
def intake(request):
    kind = request.POST.get("kind", "")
    eml_form = EmlUploadForm(
        request.POST if kind == "eml" else None,
        request.FILES if kind == "eml" else None,
        prefix="eml",
    )
    post_form = PostedLetterForm(
        request.POST if kind == "post" else None,
        request.FILES if kind == "post" else None,
        prefix="post",
    )
    if request.method == "POST":
        try:
            if kind == "eml" and eml_form.is_valid():
                mailbox = Mailbox.objects.filter(pk=eml_form.cleaned_data["mailbox"]).first()
                notes: list[str] = []
                item, created = services.correspondence_register_eml(
                    actor=request.user,
                    raw=upload_read(
                        eml_form.cleaned_data["file"], limit=rules.MAX_EML_UPLOAD_BYTES
                    ),
                    mailbox=mailbox,
                    notes=notes,
                )
                if notes:
                    messages.info(request, f"Please check: {'; '.join(notes)}")
                return _registered(request, item, created)
            if kind == "post" and post_form.is_valid():
                data = post_form.cleaned_data
                attachments = []
                if data["attachment"]:
                    attachments.append(
                        (
                            data["attachment"].name,
                            upload_read(data["attachment"]),
                            data["attachment"].content_type or "",
                        )
                    )
                received = datetime.combine(data["received_on"], time(9, 0), tzinfo=clock.LONDON)
                item, created = services.correspondence_register(
                    actor=request.user,
                    channel=Channel.POST,
                    sender=data["sender"],
                    recipients=[],
                    subject=data["subject"],
                    body=data["body"],
                    received_at=min(received, clock.now()),
                    attachments=attachments,
                )
                return _registered(request, item, created)
        except ValidationError as exc:
            form_add_service_errors(eml_form if kind == "eml" else post_form, exc)
    form = post_form if kind == "post" else eml_form
    return render(
        request,
        "correspondence/intake.html",
        {"form": form, "eml_form": eml_form, "post_form": post_form, "kind": kind},
    )


def _registered(request, item, created):
    if created:
        messages.success(request, f"Registered: {item.get_match_status_display().lower()}")
    else:
        messages.success(
            request, "This is a copy of correspondence already registered: it has been linked"
        )
    return redirect("correspondence:item", item.pk)


@requires("correspondence.view_correspondenceitem")
def item_list(request):
    filters = ListFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.correspondence_list(user=request.user, **{k: v for k, v in values.items() if v})
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "correspondence/list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": MatchStatus.choices,
            "categories": Category.choices,
            "channels": Channel.choices,
            "values": values,
        },
    )


@requires("correspondence.view_correspondenceitem")
def match_queue(request):
    page = Paginator(selectors.match_queue(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "correspondence/match_queue.html", {"page": page})


@requires("correspondence.view_correspondenceitem")
def item_detail(request, pk):
    item = selectors.access_correspondence_item(request.user, pk)
    context = {
        "item": item,
        "copies": item.copies.select_related("mailbox"),
        "attachments": item.attachments.select_related("document"),
        "task": selectors.task_for(item.task_id, item=item),
        "match_task": selectors.task_for(item.match_task_id, item=item),
        "follow_ups": correspondence_follow_ups(request.user, item.pk),
    }
    if item.match_status == MatchStatus.MATCH_NEEDED and request.user.has_perm(
        "correspondence.match_correspondence"
    ):
        search = PersonSearchForm(request.GET or None)
        context.update(
            {
                "search_form": search,
                "results": _search(request.user, search) if request.GET else [],
                "suggestions": _suggestions(request.user, item),
                "no_person_form": NoPersonNeededForm(),
            }
        )
    return render(request, "correspondence/item.html", context)


def _as_person(row):
    return getattr(row, "person", row)


def _search(user, form):
    if not form.is_valid():
        return []
    reference = form.cleaned_data["reference"]
    name = form.cleaned_data["name"]
    dob = form.cleaned_data["date_of_birth"]
    if not (reference or name or dob):
        return []
    try:
        from waymark.people.search import person_search
    except ImportError:
        from waymark.people.selectors import person_visible_queryset

        qs = person_visible_queryset(user)
        if reference:
            qs = qs.filter(reference__iexact=reference) | qs.filter(
                references__value__iexact=reference
            )
        if name:
            qs = qs.filter(family_name__icontains=name.split()[-1])
        if dob:
            qs = qs.filter(date_of_birth=dob)
        return list(qs.distinct()[:20])
    return [
        _as_person(r)
        for r in person_search(
            user=user, query=name, reference=reference, date_of_birth=dob, limit=20
        )
    ]


def _suggestions(user, item):
    """People the matcher found but could not choose between, as the user may see them."""
    from waymark.people.selectors import person_visible_queryset

    found = person_match_find(subject=item.subject, body=item.body)
    if not found.candidate_ids:
        return []
    return list(person_visible_queryset(user).filter(pk__in=found.candidate_ids))


@requires("correspondence.view_correspondenceitem", "correspondence.match_correspondence")
@require_POST
def item_match(request, pk):
    from waymark.people.selectors import access_person

    item = selectors.access_correspondence_item(request.user, pk)
    form = MatchConfirmForm(request.POST)
    if form.is_valid():
        person = access_person(request.user, form.cleaned_data["person"])
        if request.POST.get("confirm") != "yes":
            return render(
                request, "correspondence/match_confirm.html", {"item": item, "person": person}
            )
        try:
            services.correspondence_match(actor=request.user, item=item, person=person)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Matched to {person.full_name} ({person.reference})")
            return redirect("correspondence:item", item.pk)
    return redirect("correspondence:item", item.pk)


@requires("correspondence.view_correspondenceitem", "correspondence.match_correspondence")
@require_POST
def item_no_person_needed(request, pk):
    item = selectors.access_correspondence_item(request.user, pk)
    form = NoPersonNeededForm(request.POST)
    if form.is_valid():
        try:
            services.correspondence_mark_no_person_needed(
                actor=request.user, item=item, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Marked as needing no person")
            return redirect("correspondence:item", item.pk)
    context = {
        "item": item,
        "copies": item.copies.select_related("mailbox"),
        "attachments": item.attachments.select_related("document"),
        "task": selectors.task_for(item.task_id, item=item),
        "match_task": selectors.task_for(item.match_task_id, item=item),
        "search_form": PersonSearchForm(),
        "results": [],
        "suggestions": [],
        "no_person_form": form,
        "form": form,
    }
    return render(request, "correspondence/item.html", context)
