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

from waymark.core import audit
from waymark.core.forms import form_add_service_errors
from waymark.core.permissions import no_personal_data, requires, signed_in
from waymark.oversight import forms_governance as f
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    ComplaintStatus,
    ComplaintTheme,
    EscalationStatus,
    LessonSource,
)
from waymark.oversight.selectors import governance as sel
from waymark.oversight.services import governance as services
from waymark.oversight.services import governance_escalations as escalations
from waymark.oversight.views.governance import _form_page, _page, _people, _person

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
        "handler_id": int(handler) if handler.isdigit() else None,
    }


@requires(perms.VIEW_COMPLAINTS)
def complaints(request):
    filters = _complaint_filters(request)
    page = _page(request, sel.complaints_queryset(**filters))
    rows = sel.complaint_rows(page.object_list)
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


@requires(perms.MANAGE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    form = f.ComplaintForm(request.POST or None)
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
            return redirect("oversight:complaint", complaint.pk)
    return _form_page(
        request,
        form,
        title="Record a complaint",
        submit="Record the complaint",
        back=reverse("oversight:complaints"),
        back_text="Back to complaints",
        intro=f"A complaint is answered within {rules.COMPLAINT_RESPONSE_WORKING_DAYS} working "
        "days of the day it was received (weekends and bank holidays do not count).",
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
            "can_open_person": request.user.has_perm("people.view_person"),
            "target_days": rules.COMPLAINT_RESPONSE_WORKING_DAYS,
            "review_days": rules.COMPLAINT_REVIEW_WORKING_DAYS,
            **_escalation_actions(request.user, row),
        },
    )


def _escalation_actions(user, row) -> dict[str, bool]:
    """Which next step of the complaint's escalation the user may take now."""
    c, review, ombudsman = row.complaint, row.review, row.ombudsman
    manages = user.has_perm(perms.MANAGE_COMPLAINTS)
    return {
        "can_request_review": manages and c.status == ComplaintStatus.RESPONDED and review is None,
        "can_allocate_review": manages
        and review is not None
        and review.status in (EscalationStatus.REQUESTED, EscalationStatus.ALLOCATED),
        "can_respond_review": review is not None
        and review.status == EscalationStatus.ALLOCATED
        and escalations.may_respond_review(user, review),
        "can_refer": manages
        and review is not None
        and review.status == EscalationStatus.RESPONDED
        and ombudsman is None,
        "can_record_finding": manages
        and ombudsman is not None
        and ombudsman.status == EscalationStatus.WITH_OMBUDSMAN,
    }


def _escalation_page(request, row, form, *, title, submit, intro="", warning=""):
    return _form_page(
        request,
        form,
        title=title,
        submit=submit,
        back=reverse("oversight:complaint", args=[row.complaint.pk]),
        back_text="Back to the complaint",
        intro=intro,
        warning=warning,
    )


def _saved(request, row, message: str):
    messages.success(request, message)
    return redirect("oversight:complaint", row.complaint.pk)


@requires(perms.MANAGE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def complaint_review_request(request, pk: int):
    row = sel.access_complaint(request.user, pk)
    c = row.complaint
    form = f.ComplaintReviewRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_review_request(actor=request.user, complaint=c, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return _saved(request, row, f"Stage 2 review of {c.reference} recorded")
    return _escalation_page(
        request,
        row,
        form,
        title=f"Stage 2 review of complaint {c.reference}",
        submit="Record the request",
        intro=f"The review is due {rules.COMPLAINT_REVIEW_WORKING_DAYS} working days after the "
        "request, and must be by someone other than the stage-1 handler.",
        warning=""
        if c.status == ComplaintStatus.RESPONDED
        else "A review follows the stage-1 response: record that first.",
    )


def _review_of(row):
    if row.review is None:
        raise Http404("No review of this complaint")
    return row.review


@requires(perms.MANAGE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def complaint_review_allocate(request, pk: int):
    row = sel.access_complaint(request.user, pk)
    review = _review_of(row)
    stage1 = row.complaint.handler_id
    form = f.ComplaintAllocateForm(
        request.POST or None,
        handlers=[h for h in sel.complaint_handler_choices() if h[0] != stage1],
    )
    if request.method == "POST" and form.is_valid():
        handler = sel.complaint_handler_get(form.cleaned_data["handler"])
        try:
            if handler is None:
                raise ValidationError(
                    {"handler": "Select a member of staff who may see complaints"}
                )
            services.complaint_review_allocate(
                actor=request.user, escalation=review, handler=handler
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return _saved(request, row, f"Review of {row.complaint.reference} allocated")
    return _escalation_page(
        request,
        row,
        form,
        title=f"Allocate the review of complaint {row.complaint.reference}",
        submit="Allocate",
        intro=f"The reviewer gets a task on their team's complaints queue, due "
        f"{review.due_on:%-d %B %Y}. The stage-1 handler is not offered.",
        warning=""
        if review.status in (EscalationStatus.REQUESTED, EscalationStatus.ALLOCATED)
        else "This review has been responded to.",
    )


@signed_in
@require_http_methods(["GET", "POST"])
def complaint_review_respond(request, pk: int):
    row = sel.access_complaint(request.user, pk)
    review = _review_of(row)
    if not escalations.may_respond_review(request.user, review):
        raise Http404("No such complaint")
    form = f.ComplaintRespondForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_review_respond(
                actor=request.user, escalation=review, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return _saved(request, row, f"Review of {row.complaint.reference} recorded")
    warning = ""
    if review.status == EscalationStatus.RESPONDED:
        warning = "This review has been responded to."
    elif review.status == EscalationStatus.REQUESTED:
        warning = "Allocate the review to a reviewer before recording its response."
    return _escalation_page(
        request,
        row,
        form,
        title=f"Record the review's response to {row.complaint.reference}",
        submit="Record the response",
        intro=f"Asked for {review.requested_on:%-d %B %Y}; the target is "
        f"{review.due_on:%-d %B %Y}.",
        warning=warning,
    )


@requires(perms.MANAGE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def complaint_ombudsman_refer(request, pk: int):
    row = sel.access_complaint(request.user, pk)
    form = f.ComplaintOmbudsmanReferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_ombudsman_refer(
                actor=request.user, complaint=row.complaint, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return _saved(request, row, "The Ombudsman's referral is recorded")
    return _escalation_page(
        request,
        row,
        form,
        title=f"The Ombudsman has taken up complaint {row.complaint.reference}",
        submit="Record the referral",
        intro="The Parliamentary and Health Service Ombudsman considers a complaint after the "
        "department's own review.",
    )


@requires(perms.MANAGE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def complaint_ombudsman_decide(request, pk: int):
    row = sel.access_complaint(request.user, pk)
    if row.ombudsman is None:
        raise Http404("The Ombudsman has not taken up this complaint")
    form = f.ComplaintOmbudsmanDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_ombudsman_decide(
                actor=request.user, escalation=row.ombudsman, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return _saved(request, row, "The Ombudsman's finding is recorded")
    return _escalation_page(
        request,
        row,
        form,
        title=f"The Ombudsman's finding on complaint {row.complaint.reference}",
        submit="Record the finding",
        intro=f"Reference {row.ombudsman.ombudsman_reference}, taken up "
        f"{row.ombudsman.requested_on:%-d %B %Y}.",
        warning=""
        if row.ombudsman.status == EscalationStatus.WITH_OMBUDSMAN
        else "The finding is recorded already.",
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
            "target_days": rules.COMPLAINT_RESPONSE_WORKING_DAYS,
            "can_view": request.user.has_perm(perms.VIEW_COMPLAINTS),
        },
    )


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
    path("complaints/themes/", complaint_themes, name="complaint-themes"),
    path("complaints/<int:pk>/", complaint, name="complaint"),
    path("complaints/<int:pk>/allocate/", complaint_allocate, name="complaint-allocate"),
    path("complaints/<int:pk>/respond/", complaint_respond, name="complaint-respond"),
    path(
        "complaints/<int:pk>/review/",
        complaint_review_request,
        name="complaint-review-request",
    ),
    path(
        "complaints/<int:pk>/review/allocate/",
        complaint_review_allocate,
        name="complaint-review-allocate",
    ),
    path(
        "complaints/<int:pk>/review/respond/",
        complaint_review_respond,
        name="complaint-review-respond",
    ),
    path(
        "complaints/<int:pk>/ombudsman/",
        complaint_ombudsman_refer,
        name="complaint-ombudsman-refer",
    ),
    path(
        "complaints/<int:pk>/ombudsman/finding/",
        complaint_ombudsman_decide,
        name="complaint-ombudsman-decide",
    ),
    path("lessons/", lessons, name="lessons"),
    path("lessons/new/", lesson_new, name="lesson-new"),
    path("lessons/<int:pk>/", lesson, name="lesson"),
]
