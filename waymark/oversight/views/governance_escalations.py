"""A complaint's escalation pages (issue 20 item 6): record a request for a stage-2 review,
allocate it (never to the stage-1 handler), record its response; record the Ombudsman's
referral and finding. Thin: reads through ``selectors.governance``, writes through
``services.governance_escalations``. Each page shows one complaint, so each GET is a
consultation (the personal-data middleware), as the complaint's own page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from waymark.core.forms import form_add_service_errors
from waymark.core.permissions import requires, signed_in
from waymark.oversight import forms_governance as f
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import ComplaintStatus, EscalationStatus
from waymark.oversight.selectors import governance as sel
from waymark.oversight.services import governance as services
from waymark.oversight.services import governance_escalations as escalations
from waymark.oversight.views.governance import _form_page


def escalation_actions(user, row) -> dict[str, bool]:
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


urlpatterns = [
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
]
