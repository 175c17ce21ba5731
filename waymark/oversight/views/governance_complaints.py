"""Complaint and lesson pages (issue 20 item 6): complaints (list, record, allocate, respond, the
themes analysis) and lessons learned with their search. Complaints are personal data: every
complaint page is logged as a consultation by the personal-data middleware (naming the people
concerned through ``audit.note_consulted``) and never cached; the themes analysis is an aggregate
and lessons are written to be shared, so both are marked ``no_personal_data``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from waymark.core import audit, charts, clock
from waymark.core.forms import form_add_service_errors
from waymark.core.permissions import no_personal_data, requires, signed_in
from waymark.oversight import forms_governance as f
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    ComplaintStatus,
    ComplaintTheme,
    LessonSource,
)
from waymark.oversight.selectors import governance as sel
from waymark.oversight.services import governance as services
from waymark.oversight.views.governance import _form_page, _page, _people, _person
from waymark.oversight.views.governance_escalations import escalation_actions
from waymark.oversight.views.governance_escalations import (
    urlpatterns as escalation_urlpatterns,
)

# ------------------------------------------------------------------------------------------------
# Complaints


def _complaint_filters(request) -> dict:
    status = request.GET.get("status", "")
    handler = request.GET.get("handler", "")
    return {
        "status": status if status in sel.COMPLAINT_FILTERS else "",
        "theme": request.GET.get("theme", "")
        if request.GET.get("theme", "") in ComplaintTheme.values
        else "",
        "handler_id": int(handler) if handler.isdecimal() else None,
    }


@requires(perms.VIEW_COMPLAINTS)
def complaints(request):
    filters = _complaint_filters(request)
    page = _page(request, sel.complaints_queryset(**filters))
    rows = sel.complaint_rows(page.object_list, request.user)
    audit.note_consulted(
        people=[r.complaint.person_id for r in rows if r.complaint.person_id],
        count=page.paginator.count,
    )
    return render(
        request,
        "oversight/governance/complaints.html",
        {
            "rows": rows,
            "page": page,
            "filters": filters,
            "statuses": sel.COMPLAINT_FILTERS,
            "themes": ComplaintTheme.choices,
            "handlers": sel.complaint_handlers(),
            "counts": sel.complaint_counts(),
            "can_manage": request.user.has_perm(perms.MANAGE_COMPLAINTS),
            "can_analyse": request.user.has_perm(perms.ANALYSE_COMPLAINTS),
            "target_days": rules.COMPLAINT_RESPONSE_WORKING_DAYS,
        },
    )


# How a correspondence item's channel arrives, as a complaint's channel.
ITEM_CHANNELS = {"email": "email", "post": "letter", "upload": "letter", "api": "web_form"}


def _correspondence_for(request):
    """The correspondence item ``?correspondence=<id>`` (GET) or the form's hidden field (POST)
    names, read with the user's own access (404 if they may not read it); None without one."""
    raw = request.POST.get("correspondence_item") or request.GET.get("correspondence") or ""
    if not raw:
        return None
    if not raw.isdecimal():
        raise Http404("No such correspondence")
    from waymark.correspondence.selectors import access_correspondence_item

    return access_correspondence_item(request.user, int(raw))


def _from_item(item) -> dict:
    """The form's answers as the item gives them (the person if it was matched)."""
    summary = item.subject.strip()
    if item.body.strip():
        summary = f"{summary}\n\n{item.body.strip()}" if summary else item.body.strip()
    return {
        "channel": ITEM_CHANNELS.get(item.channel, ""),
        "received_on": item.received_at.astimezone(clock.LONDON).date(),
        "complainant": item.sender[:200],
        "person_reference": item.person.reference if item.person_id else "",
        "summary": summary[: rules.TEXT_MAX_CHARS],
        "correspondence_item": item.pk,
    }


@requires(perms.MANAGE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    return _complaint_form(request, _correspondence_for(request))


@requires(perms.RECORD_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def complaint_from_correspondence(request):
    """A complaint recorded by whoever reads the correspondence it arrived in (one item a
    complaint); without an item to record it from, there is nothing to do here."""
    item = _correspondence_for(request)
    if item is None:
        raise Http404("Open the correspondence item, then record it as a complaint")
    return _complaint_form(request, item)


def _complaint_form(request, item):
    form = f.ComplaintForm(request.POST or None, initial=_from_item(item) if item else None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Complaint {complaint.reference} recorded: respond by "
                f"{complaint.due_on:%-d %B %Y}",
            )
            if item is not None and not perms.may_view_complaint(request.user, complaint):
                return redirect("correspondence:item", item.pk)  # recorded for the team
            return redirect("oversight:complaint", complaint.pk)
    return _form_page(
        request,
        form,
        title="Record a complaint",
        submit="Record the complaint",
        back=reverse("oversight:complaints"),
        back_text="Back to complaints",
        intro=f"A complaint is answered within {rules.COMPLAINT_RESPONSE_WORKING_DAYS} working "
        "days of the day it was received (weekends and bank holidays do not count)."
        + (
            f" Filled in from the correspondence from {item.sender} received "
            f"{item.received_at:%-d %B %Y}: check each answer and choose the themes."
            if item
            else ""
        ),
    )


@requires(perms.VIEW_COMPLAINTS)
def complaint(request, pk: int):
    row = sel.access_complaint(request.user, pk)
    c = row.complaint
    if c.person_id:
        audit.note_consulted(people=[c.person_id])
    return render(
        request,
        "oversight/governance/complaint.html",
        {
            "row": row,
            "complaint": c,
            "is_responded": c.status == ComplaintStatus.RESPONDED,
            "can_allocate": request.user.has_perm(perms.MANAGE_COMPLAINTS)
            and c.status != ComplaintStatus.RESPONDED,
            "can_respond": perms.may_respond_complaint(request.user, c)
            and c.status == ComplaintStatus.ALLOCATED,
            "can_open_person": request.user.has_perm("people.view_person")
            and row.person_reference != sel.RESTRICTED_REFERENCE,
            "can_open_correspondence": request.user.has_perm(
                "correspondence.view_correspondenceitem"
            ),
            "target_days": rules.COMPLAINT_RESPONSE_WORKING_DAYS,
            "review_days": rules.COMPLAINT_REVIEW_WORKING_DAYS,
            **escalation_actions(request.user, row),
        },
    )


@requires(perms.MANAGE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def complaint_allocate(request, pk: int):
    row = sel.access_complaint(request.user, pk)
    c = row.complaint
    form = f.ComplaintAllocateForm(request.POST or None, handlers=sel.complaint_handler_choices())
    if request.method == "POST" and form.is_valid():
        handler = sel.complaint_handler_get(form.cleaned_data["handler"])
        try:
            if handler is None:
                raise ValidationError(
                    {"handler": "Select a member of staff who may see complaints"}
                )
            services.complaint_allocate(actor=request.user, complaint=c, handler=handler)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Complaint {c.reference} allocated")
            return redirect("oversight:complaint", c.pk)
    return _form_page(
        request,
        form,
        title=f"Allocate complaint {c.reference}",
        submit="Allocate",
        back=reverse("oversight:complaint", args=[c.pk]),
        back_text="Back to the complaint",
        intro=f"The handler gets a task on their team's complaints queue, due "
        f"{c.due_on:%-d %B %Y}.",
        warning="This complaint has been responded to." if c.status == "responded" else "",
    )


@signed_in
@require_http_methods(["GET", "POST"])
def complaint_respond(request, pk: int):
    row = sel.access_complaint(request.user, pk)
    c = row.complaint
    if not perms.may_respond_complaint(request.user, c):
        raise Http404("No such complaint")
    form = f.ComplaintRespondForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_respond(actor=request.user, complaint=c, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Response to {c.reference} recorded")
            return redirect("oversight:complaint", c.pk)
    warning = ""
    if c.status == ComplaintStatus.RESPONDED:
        warning = "This complaint has been responded to."
    elif c.status == ComplaintStatus.RECEIVED:
        warning = "Allocate the complaint to a handler before recording a response."
    return _form_page(
        request,
        form,
        title=f"Record the response to {c.reference}",
        submit="Record the response",
        back=reverse("oversight:complaint", args=[c.pk]),
        back_text="Back to the complaint",
        intro=f"Received {c.received_on:%-d %B %Y}; the target is {c.due_on:%-d %B %Y}.",
        warning=warning,
    )


@requires(perms.ANALYSE_COMPLAINTS)
@no_personal_data
def complaint_themes(request):
    analysis = sel.complaint_themes_analysis()
    return render(
        request,
        "oversight/governance/themes.html",
        {
            "a": analysis,
            **_themes_charts(analysis),
            "target_days": rules.COMPLAINT_RESPONSE_WORKING_DAYS,
            "can_view": request.user.has_perm(perms.VIEW_COMPLAINTS),
        },
    )


def _themes_charts(a) -> dict:
    """The themes page's two charts (drawn on the server, decision 0014), each beside its table:
    complaints by theme over the months shown, largest first, and each month's complaints
    received against those answered within the target."""
    if not a.total:
        return {"theme_chart": None, "month_chart": None}
    themes = sorted(
        ((label, a.totals[key]) for key, label in a.themes if a.totals[key]),
        key=lambda t: -t[1],
    )
    labels = [label for label, _n in themes]
    counts = [n for _label, n in themes]
    theme_chart = charts.bar_chart(
        labels,
        [("Complaints", counts)],
        title=f"Complaints by theme, last {len(a.months)} months",
        horizontal=True,
        summary=charts.largest_sentence(
            "complaints",
            labels,
            counts,
            verb="were about",
            singular="complaint",
            then="a complaint with two themes counts under each",
        ),
        chart_id="chart-complaint-themes",
    )
    months = [charts.month_label(m, short=False) for m in a.months]
    received = [a.month_totals[m] for m in a.months]
    on_time = [a.month_on_time[m] for m in a.months]
    month_chart = charts.line_chart(
        charts.month_axis_labels(a.months),
        [("Received", received), ("Answered on time", on_time)],
        title="Complaints received and answered on time, by month received",
        y_label="Complaints",
        summary=charts.trend_sentence(
            "complaints received",
            months,
            received,
            then=f"{sum(on_time):,} of the {a.total:,} were answered within "
            f"{rules.COMPLAINT_RESPONSE_WORKING_DAYS} working days",
        ),
        chart_id="chart-complaint-months",
    )
    return {"theme_chart": theme_chart, "month_chart": month_chart}


# ------------------------------------------------------------------------------------------------
# Lessons learned


@requires(perms.VIEW_LESSONS)
@no_personal_data
def lessons(request):
    query = request.GET.get("q", "").strip()[:200]
    source = request.GET.get("source", "")
    source = source if source in LessonSource.values else ""
    if query:
        found = sel.lesson_search(query, source_type=source)
        page = None
        items = found
    else:
        page = _page(request, sel.lessons_queryset(source_type=source))
        items = list(page.object_list)
    return render(
        request,
        "oversight/governance/lessons.html",
        {
            "items": items,
            "page": page,
            "query": query,
            "source": source,
            "sources": LessonSource.choices,
            "source_labels": dict(LessonSource.choices),
            "counts": sel.lesson_counts(),
            "highlight": (lambda text: sel.lesson_highlight(text, query)),
            "can_manage": request.user.has_perm(perms.MANAGE_LESSONS),
        },
    )


@requires(perms.MANAGE_LESSONS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def lesson_new(request):
    form = f.LessonForm(request.POST or None, people=_people())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["owner"] = _person(data["owner"])
        try:
            lesson = services.lesson_record(actor=request.user, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Lesson recorded")
            return redirect("oversight:lesson", lesson.pk)
    return _form_page(
        request,
        form,
        title="Record a lesson learned",
        submit="Record the lesson",
        back=reverse("oversight:lessons"),
        back_text="Back to lessons learned",
    )


@requires(perms.VIEW_LESSONS)
@no_personal_data
def lesson(request, pk: int):
    item = sel.access_lesson(request.user, pk)
    return render(
        request,
        "oversight/governance/lesson.html",
        {"lesson": item, "source_labels": dict(LessonSource.choices)},
    )


urlpatterns = [
    path("complaints/", complaints, name="complaints"),
    path("complaints/new/", complaint_new, name="complaint-new"),
    path(
        "complaints/from-correspondence/",
        complaint_from_correspondence,
        name="complaint-from-correspondence",
    ),
    path("complaints/themes/", complaint_themes, name="complaint-themes"),
    path("complaints/<int:pk>/", complaint, name="complaint"),
    path("complaints/<int:pk>/allocate/", complaint_allocate, name="complaint-allocate"),
    path("complaints/<int:pk>/respond/", complaint_respond, name="complaint-respond"),
    *escalation_urlpatterns,
    path("lessons/", lessons, name="lessons"),
    path("lessons/new/", lesson_new, name="lesson-new"),
    path("lessons/<int:pk>/", lesson, name="lesson"),
]
