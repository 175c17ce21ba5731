"""Case progression pages: reviews, case preparation, barriers to removal, travel documents,
RED.0004 notices and further submissions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from waymark.accounts.models import Grade, User
from waymark.casework import forms as f
from waymark.casework import rules, selectors, services
from waymark.casework.models import Barrier, CasePreparation, CaseReview, FurtherSubmission
from waymark.casework.permissions import MANAGE_CASEWORK
from waymark.casework.views._common import _data, _form, _get, _person_url, _team_members
from waymark.core import clock
from waymark.core.permissions import requires


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    row = _get(CaseReview, request, pk)
    return _form(
        request,
        row.person,
        f.ReviewForm(_data(request)),
        title="Review the case",
        submit="Complete the review",
        intro=f"Due {row.due_on:%-d %B %Y}. Every case is reviewed at least every {rules.CASE_REVIEW_MONTHS} "
        "months (001 §7.6).",
        action=lambda d: services.case_review_complete(
            actor=request.user, review=row, summary=d["summary"], next_action=d["next_action"]
        ),
    )


@requires(MANAGE_CASEWORK)
@require_POST
def preparation_start(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    try:
        services.case_preparation_start(actor=request.user, person=subject)
        messages.success(
            request, f"Case preparation started: {rules.CASE_PREP_TOTAL_WEEKS} weeks to finalise"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_person_url(subject))


@requires(MANAGE_CASEWORK)
@require_POST
def preparation_initial(request, pk: int):
    prep = _get(CasePreparation, request, pk)
    try:
        services.case_preparation_initial_done(actor=request.user, prep=prep)
        messages.success(request, "Initial preparation recorded")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_person_url(prep.person))


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def preparation_finalise(request, pk: int):
    prep = _get(CasePreparation, request, pk)
    seniors = (
        User.objects.filter(is_active=True, grade__in=[Grade.HEO, Grade.SEO, Grade.G7, Grade.G6])
        .exclude(pk=prep.caseworker_id)
        .order_by("first_name", "last_name")
    )
    return _form(
        request,
        prep.person,
        f.PreparationFinaliseForm(_data(request), seniors=seniors),
        title="Finalise case preparation",
        submit="Finalise",
        action=lambda d: services.case_preparation_finalise(
            actor=request.user, prep=prep, senior=d["senior"]
        ),
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def barrier_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    form = f.BarrierForm(
        _data(request), owners=_team_members(subject), initial={"blocks_removal": True}
    )
    return _form(
        request,
        subject,
        form,
        title="Record a barrier to removal",
        submit="Record",
        action=lambda d: services.barrier_add(
            actor=request.user,
            person=subject,
            barrier_type=d["barrier_type"],
            detail=d["detail"],
            started_on=d["started_on"],
            owner=d["owner"],
            blocks_removal=d["blocks_removal"],
        ),
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def barrier_clear(request, pk: int):
    barrier = _get(Barrier, request, pk)
    return _form(
        request,
        barrier.person,
        f.BarrierClearForm(_data(request), initial={"cleared_on": clock.today()}),
        title=f"Clear the barrier: {barrier.get_barrier_type_display()}",
        submit="Clear",
        action=lambda d: services.barrier_clear(
            actor=request.user, barrier=barrier, cleared_on=d["cleared_on"], note=d["note"]
        ),
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def etd_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    nationality = subject.nationalities.values_list("country", flat=True).first()
    return _form(
        request,
        subject,
        f.EtdForm(_data(request), initial={"country": nationality}),
        title="Record an emergency travel document application",
        submit="Record",
        intro="Progress the application alongside any appeal, not after it (001 §7.10).",
        action=lambda d: services.etd_record(
            actor=request.user,
            person=subject,
            country=d["country"],
            status=d["status"],
            applied_on=d["applied_on"],
            note=d["note"],
        ),
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def red_notice_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.RedNoticeForm(_data(request)),
        title="Record a RED.0004 notice",
        submit="Record",
        action=lambda d: services.red_notice_record(
            actor=request.user, person=subject, served_on=d["served_on"], grounds=d["grounds"]
        ),
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def further_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.FurtherSubmissionForm(_data(request)),
        title="Record further submissions",
        submit="Record",
        intro=f"A decision is due within {rules.FURTHER_SUBMISSIONS_WORKING_DAYS} working days (004 rec 4).",
        action=lambda d: services.further_submission_record(
            actor=request.user,
            person=subject,
            received_on=d["received_on"],
            grounds=d["grounds"],
            summary=d["summary"],
        ),
    )


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def further_decide(request, pk: int):
    row = _get(FurtherSubmission, request, pk)
    considered = ", ".join(dict(rules.GROUNDS)[g] for g in row.already_considered) or "none"
    return _form(
        request,
        row.person,
        f.FurtherDecisionForm(_data(request)),
        title="Decide further submissions",
        submit="Record the decision",
        intro=f"Due {row.decision_due_on:%-d %B %Y}. Grounds already considered under a RED.0004 notice: "
        f"{considered}.",
        action=lambda d: services.further_submission_decide(
            actor=request.user, submission=row, decision=d["decision"]
        ),
    )
