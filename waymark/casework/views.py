"""Casework pages: case owners, reporting centres, removals and gatekeepers, managers.

Thin: fetch through selectors (404 for what the user may not see), validate with a form, call one
service, show a refusal as a GOV.UK error summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from waymark.accounts.models import Grade, User
from waymark.casework import forms as f
from waymark.casework import rules, selectors, services
from waymark.casework.models import (
    AbsconderDeclaration,
    Barrier,
    CasePreparation,
    CaseReview,
    Charter,
    Commission,
    ContactStep,
    DetentionRequest,
    FurtherSubmission,
    NonComplianceStatus,
    Referral,
    RemovalDirection,
    ReportingEvent,
    ReportingRestriction,
    TraceReferral,
)
from waymark.core import clock
from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.forms import form_add_service_errors
from waymark.core.permissions import no_personal_data, requires
from waymark.people.pages import person_form_page, person_page_context
from waymark.people.services import person_record_view
from waymark.work.selectors import RESTRICTED_LABEL, person_withheld

VIEW = "casework.view_case"
MANAGE = "casework.manage_casework"
INTAKE = "casework.manage_intake"
CENTRE = "casework.run_reporting_centre"
REMOVALS = "casework.manage_removals"
GATEKEEP = "casework.decide_detention"
MI = "casework.view_casework_mi"
PAGE_SIZE = 50


def _person_url(person) -> str:
    return reverse("casework:person", args=[person.pk])


def _data(request):
    return request.POST if request.method == "POST" else None


def _form(
    request,
    person,
    form,
    *,
    title: str,
    submit: str,
    action: Callable[[Any], Any],
    intro: str = "",
    back: str | None = None,
    done: str | None = None,
):
    """On a valid POST call ``action(cleaned_data)`` (one service call) and go to ``done`` (the
    person's casework tab); a service refusal becomes an error on the form and nothing changes."""
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You may not do this")
        else:
            messages.success(request, f"{title}: done")
            return redirect(done or _person_url(person))
    return person_form_page(
        request,
        person,
        form,
        title=title,
        submit=submit,
        current="casework",
        intro=intro,
        back=back or _person_url(person),
    )


def _team_members(person):
    if person.owning_team_id is None:
        return User.objects.none()
    return person.owning_team.members.filter(is_active=True).order_by("first_name", "last_name")


# ------------------------------------------------------------------------------------------------
# The case owner's working day


@requires(MANAGE)
def home(request):
    user = request.user
    quality = selectors.data_quality(user)
    return render(
        request,
        "casework/home.html",
        {
            "mine": selectors.caseload(user, owner=user).count(),
            "results": selectors.commissions_for_owner(user)[:20],
            "counts": {
                "caseload": selectors.caseload(user).count(),
                "flagged": selectors.flagged_no_absconder_decision(user).count(),
                "out-of-contact": selectors.out_of_contact(user).count(),
                "reviews": selectors.reviews_due(user).count(),
                "referrals": selectors.referrals_awaiting(user).count(),
                "decision-overdue": selectors.decision_overdue(user).count(),
                "further-submissions": selectors.further_submissions_pending(user).count(),
                "trace": selectors.trace_queue(user).count(),
                "barriers": selectors.barriers_open(user).count(),
            },
            "quality": {key: qs.count() for key, qs in quality.items()},
            "quality_labels": selectors.DATA_QUALITY_LABELS,
            "lists": LISTS,
        },
    )


LISTS = {
    "mine": "My caseload",
    "caseload": "Caseload",
    "flagged": "Past their band's limit with no absconder decision",
    "out-of-contact": "Out of contact",
    "reviews": "Case reviews due in the next 14 days or overdue",
    "referrals": "Referrals awaiting intake checks",
    "referable": "Meet the referral criteria with no criminal-casework owner",
    "decision-overdue": "Deportation decision overdue (time served over 12 months)",
    "further-submissions": "Further submissions awaiting a decision",
    "trace": "Trace and locate: referrals in priority order",
    "barriers": "Open barriers to removal",
    "preparation": "Case preparation by caseworker",
    "data-quality": "Data quality",
}


@requires(MANAGE)
def work_list(request, kind: str):
    user = request.user
    if kind not in LISTS:
        raise Http404("No such list")
    context: dict[str, Any] = {"kind": kind, "title": LISTS[kind], "today": clock.today()}
    rows: Any = []
    if kind == "mine":
        rows = selectors.caseload(user, owner=user)
    elif kind == "caseload":
        rows = selectors.caseload(user)
    elif kind == "flagged":
        rows = selectors.flagged_no_absconder_decision(user)
    elif kind == "out-of-contact":
        rows = selectors.out_of_contact(user)
    elif kind == "reviews":
        rows = selectors.reviews_due(user)
    elif kind == "referrals":
        rows = selectors.referrals_awaiting(user)
    elif kind == "referable":
        rows = selectors.referable_without_owner(user, limit=200)
    elif kind == "decision-overdue":
        rows = selectors.decision_overdue(user)
    elif kind == "further-submissions":
        rows = selectors.further_submissions_pending(user)
    elif kind == "trace":
        rows = selectors.trace_queue(user)
    elif kind == "barriers":
        rows = selectors.barriers_open(user).order_by("started_on")
    elif kind == "preparation":
        context["preparation"] = selectors.preparation_by_caseworker(user)
    elif kind == "data-quality":
        context["quality"] = selectors.data_quality(user)
        context["labels"] = selectors.DATA_QUALITY_LABELS
    context["page"] = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context["band_limits"] = {b: rules.absconder_limit_days(b) for b in rules.BANDS}
    return render(request, "casework/list.html", context)


# ------------------------------------------------------------------------------------------------
# The person's casework tab


@requires(VIEW)
def person(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    person_record_view(actor=request.user, person=subject, page="casework")
    case = selectors.cases_with_band().filter(person=subject).first()
    restriction = services.restriction_in_force(subject)
    today = clock.today()
    non_compliance = (
        subject.non_compliance.filter(status=NonComplianceStatus.OPEN)
        .prefetch_related("steps")
        .first()
    )
    results = list(subject.reporting_commissions.all()[:20])
    if subject.case_owner_id == request.user.pk:
        for c in results:
            services.commission_result_seen(actor=request.user, commission=c)
    context = person_page_context(request, subject, "casework")
    context.update(
        {
            "case": case,
            "restriction": restriction,
            "today": today,
            "now_dt": clock.now(),
            "frequency_label": (
                dict(rules.FREQUENCY_CHOICES).get(restriction.frequency_days, "")
                if restriction
                else ""
            ),
            "criteria": rules.referral_criteria(
                services.sentences_of(subject), harm_level=subject.harm_level
            ),
            "upcoming": subject.reporting_events.filter(
                due_on__gte=today, cancelled=False
            ).order_by("due_on")[:6],
            "past_events": subject.reporting_events.filter(
                due_on__lt=today, cancelled=False
            ).order_by("-due_on")[:12],
            "changes": restriction.changes.all()[:5] if restriction else [],
            "non_compliance": non_compliance,
            "declaration": subject.absconder_declarations.filter(ended_at__isnull=True).first(),
            "traces": subject.trace_referrals.all(),
            "commissions": results,
            "reviews": subject.case_reviews.all().order_by("-due_on")[:6],
            "preparation": subject.case_preparations.all()[:3],
            "barriers": subject.removal_barriers.select_related("owner").all(),
            "etds": subject.etd_applications.all(),
            "red_notices": subject.red_notices.all(),
            "submissions": subject.further_submissions.all(),
            "directions": subject.removal_directions.select_related("charter").all(),
            "detention_requests": subject.detention_requests.all(),
            "offers": subject.voluntary_return_offers.all(),
            "reoffences": subject.reoffences.all(),
            "referrals": subject.casework_referrals.all(),
            "band_history": case.band_history.all()[:5] if case else [],
            "can_manage": request.user.has_perm(MANAGE),
            "can_removals": request.user.has_perm(REMOVALS),
            "can_override": request.user.has_perm("casework.override_band"),
            "can_intake": request.user.has_perm(INTAKE),
            "grounds": dict(rules.GROUNDS),
            "failure_labels": rules.FAILURE_REASON_LABELS,
        }
    )
    return render(request, "casework/person.html", context)


def _get(model, request, pk):
    return selectors.access_for_person(request.user, model, pk)


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def restriction_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    form = f.RestrictionForm(
        _data(request),
        initial={
            "frequency_days": str(rules.DEFAULT_FREQUENCY_DAYS),
            "window_minutes": rules.DEFAULT_WINDOW_MINUTES,
            "place_kind": "reporting_centre",
            "starts_on": clock.today(),
        },
    )
    return _form(
        request,
        subject,
        form,
        title="Set reporting restrictions",
        submit="Set reporting",
        intro=f"Weekly by default; less often only with a reason. A {rules.DEFAULT_WINDOW_MINUTES}-minute window "
        f"unless there is a reason; a window over {rules.detain_window_limit_minutes()} minutes cannot be "
        "combined with detention on reporting (001 §6.64-6.66).",
        action=lambda d: services.restriction_set(
            actor=request.user,
            person=subject,
            centre=d["centre"],
            place_kind=d["place_kind"],
            police_station=d["police_station"],
            frequency_days=d["frequency_days"],
            frequency_reason=d["frequency_reason"],
            window_start=d["window_start"],
            window_minutes=d["window_minutes"],
            window_reason=d["window_reason"],
            detain_on_reporting=d["detain_on_reporting"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
        ),
    )


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def restriction_edit(request, pk: int):
    restriction = _get(ReportingRestriction, request, pk)
    initial = {name: getattr(restriction, name) for name in services.RESTRICTION_FIELDS}
    initial["frequency_days"] = str(restriction.frequency_days)
    form = f.RestrictionForm(_data(request), initial=initial)

    def act(d):
        if not d["reason"].strip():
            raise ValidationError({"reason": "Enter the reason for the change"})
        changes = {name: d[name] for name in services.RESTRICTION_FIELDS}
        services.restriction_change(
            actor=request.user, restriction=restriction, reason=d["reason"], **changes
        )

    return _form(
        request,
        restriction.person,
        form,
        title="Change reporting restrictions",
        submit="Save the change",
        intro="The reporting centre's list shows the change, and what changed, as soon as you save it.",
        action=act,
    )


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def commission_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.CommissionForm(_data(request)),
        title="Commission the reporting centre",
        submit="Send to the centre",
        action=lambda d: services.commission_request(
            actor=request.user, person=subject, kind=d["kind"], instructions=d["instructions"]
        ),
    )


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def contact_step(request, pk: int):
    step = ContactStep.objects.select_related("non_compliance__person").filter(pk=pk).first()
    if step is None:
        raise Http404("No such step")
    subject = selectors.access_case_person(request.user, step.non_compliance.person_id)
    due = step.due_at.astimezone(clock.LONDON)
    return _form(
        request,
        subject,
        f.ContactStepForm(_data(request)),
        title=step.get_step_display(),
        submit="Record",
        intro=f"Due by {due:%-d %B %Y at %H:%M} (band {step.non_compliance.band}).",
        action=lambda d: services.contact_step_record(
            actor=request.user, step=step, result=d["result"], contact_made=d["contact_made"]
        ),
    )


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def absconder_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.AbsconderForm(_data(request)),
        title="Declare an absconder",
        submit="Declare",
        intro="Only when every mandatory step to re-establish contact has been taken and failed, and the "
        "person's whereabouts are unknown (001 §7.23). The declaration records the steps and when.",
        action=lambda d: services.absconder_declare(
            actor=request.user,
            person=subject,
            reasons=d["reasons"],
            whereabouts_unknown=d["whereabouts_unknown"],
        ),
    )


@requires(MANAGE)
@require_POST
def trace_new(request, pk: int):
    declaration = _get(AbsconderDeclaration, request, pk)
    try:
        services.trace_refer(actor=request.user, declaration=declaration)
        messages.success(request, "Referred to trace and locate")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_person_url(declaration.person))


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def trace_outcome(request, pk: int):
    referral = _get(TraceReferral, request, pk)
    return _form(
        request,
        referral.person,
        f.TraceOutcomeForm(_data(request)),
        title="Record the trace-and-locate outcome",
        submit="Record",
        action=lambda d: services.trace_outcome_record(
            actor=request.user, referral=referral, outcome=d["outcome"], note=d["note"]
        ),
    )


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def reoffence_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.ReoffenceForm(_data(request)),
        title="Record a new offence",
        submit="Record",
        action=lambda d: services.reoffence_record(
            actor=request.user, person=subject, offence=d["offence"], offence_on=d["offence_on"]
        ),
    )


@requires(MANAGE)
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


@requires(MANAGE)
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


@requires(MANAGE)
@require_POST
def preparation_initial(request, pk: int):
    prep = _get(CasePreparation, request, pk)
    try:
        services.case_preparation_initial_done(actor=request.user, prep=prep)
        messages.success(request, "Initial preparation recorded")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_person_url(prep.person))


@requires(MANAGE)
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


@requires(MANAGE)
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


@requires(MANAGE)
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


@requires(MANAGE)
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


@requires(MANAGE)
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


@requires(MANAGE)
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


@requires(MANAGE)
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


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def decision_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.DecisionDateForm(_data(request)),
        title="Record the deportation decision",
        submit="Record",
        action=lambda d: services.deportation_decision_record(
            actor=request.user, person=subject, decided_on=d["decided_on"], note=d["note"]
        ),
    )


@requires("casework.override_band")
@require_http_methods(["GET", "POST"])
def band_override(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    case = services.case_ensure(actor=request.user, person=subject)
    return _form(
        request,
        subject,
        f.BandOverrideForm(_data(request)),
        title="Override the band",
        submit="Save",
        intro=f"Computed: band {case.computed_band} — {case.computed_reason}.",
        action=lambda d: services.band_override(
            actor=request.user,
            case=case,
            band=int(d["band"]) if d["band"] else None,
            reason=d["reason"],
        ),
    )


@requires(INTAKE)
@require_POST
def refer(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    try:
        services.referral_create(actor=request.user, person=subject)
        messages.success(request, "Referred to criminal casework: intake checks due within 28 days")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_person_url(subject))


@requires(INTAKE)
@require_http_methods(["GET", "POST"])
def referral_route(request, pk: int):
    referral = _get(Referral, request, pk)
    subject = referral.person
    band, reason = services.band_compute(subject)
    from waymark.accounts.models import Team

    team = Team.objects.filter(slug=rules.routing()[band]).first()
    owners = (
        team.members.filter(is_active=True).order_by("first_name") if team else User.objects.none()
    )
    return _form(
        request,
        subject,
        f.RouteForm(_data(request), owners=owners),
        title="Intake checks and routing",
        submit="Route the case",
        intro=f"Band {band} ({reason}) goes to {team.name if team else 'no configured team'}. Intake is due "
        f"by {referral.intake_due_on:%-d %B %Y} ({rules.INTAKE_DAYS} days from referral).",
        action=lambda d: services.referral_route(
            actor=request.user,
            referral=referral,
            outstanding_applications_checked=d["outstanding_applications_checked"],
            outstanding_applications=d["outstanding_applications"],
            owner=d["owner"],
        ),
    )


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def detention_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.DetentionRequestForm(_data(request)),
        title="Ask to detain",
        submit="Send to gatekeeping",
        action=lambda d: services.detention_request(
            actor=request.user, person=subject, grounds=d["grounds"]
        ),
    )


@requires(VIEW, "people.add_note")
@require_http_methods(["GET", "POST"])
def voluntary_return_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.VoluntaryReturnForm(_data(request)),
        title="Record a voluntary-return offer",
        submit="Record",
        action=lambda d: services.voluntary_return_offer(
            actor=request.user,
            person=subject,
            option=d["option"],
            context=d["context"],
            outcome=d["outcome"],
            departed_on=d["departed_on"],
        ),
    )


# ------------------------------------------------------------------------------------------------
# Removals and gatekeeping


@requires(REMOVALS)
@require_http_methods(["GET", "POST"])
def directions_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    blocking = list(services.blocking_barriers(subject))
    intro = (
        "Open barriers that block removal: "
        + ", ".join(b.get_barrier_type_display() for b in blocking)
        + f". Directions can be set only by an {rules.BARRIER_OVERRIDE_GRADE} or above with a reason."
        if blocking
        else "No open barrier blocks removal."
    )
    return _form(
        request,
        subject,
        f.DirectionsForm(_data(request)),
        title="Set removal directions",
        submit="Set directions",
        intro=intro,
        action=lambda d: services.removal_directions_set(
            actor=request.user,
            person=subject,
            route=d["route"],
            planned_for=d["planned_for"],
            flight=d["flight"],
            charter=d["charter"],
            escorts=d["escorts"] or 0,
            override_reason=d["override_reason"],
        ),
    )


@requires(REMOVALS)
@require_http_methods(["GET", "POST"])
def removal_outcome(request, pk: int):
    direction = _get(RemovalDirection, request, pk)
    return _form(
        request,
        direction.person,
        f.RemovalOutcomeForm(_data(request)),
        title="Record the removal outcome",
        submit="Record",
        intro="A failed removal re-opens the barrier its reason points to.",
        action=lambda d: services.removal_outcome_record(
            actor=request.user,
            direction=direction,
            removed=d["removed"] == "yes",
            failure_reason=d["failure_reason"],
            note=d["note"],
        ),
    )


@requires(REMOVALS)
def removals(request):
    user = request.user
    return render(
        request,
        "casework/removals.html",
        {
            "planned": selectors.removals_planned(user)[:100],
            "gatekeeping": selectors.gatekeeping_pending(user) if user.has_perm(GATEKEEP) else [],
            "charters": [
                selectors.charter_summary(c) for c in Charter.objects.order_by("-departs_on")[:20]
            ],
            "can_gatekeep": user.has_perm(GATEKEEP),
        },
    )


@requires(REMOVALS)
def charter(request, pk: int):
    found = Charter.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No such charter")
    manifest = found.manifest.filter(
        person__in=selectors.person_visible_queryset(request.user)
    ).select_related("person")
    return render(
        request,
        "casework/charter.html",
        {
            "summary": selectors.charter_summary(found),
            "manifest": manifest,
            "labels": rules.FAILURE_REASON_LABELS,
        },
    )


@requires(REMOVALS)
@require_http_methods(["GET", "POST"])
def charter_new(request):
    form = f.CharterForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.charter_create(
                actor=request.user,
                reference=form.cleaned_data["reference"],
                destination=form.cleaned_data["destination"],
                departs_on=form.cleaned_data["departs_on"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Charter {created.reference} created")
            return redirect("casework:charter", created.pk)
    from waymark.core.forms import form_fields

    return render(
        request,
        "casework/simple_form.html",
        {
            "form": form,
            "fields": form_fields(form),
            "title": "Plan a charter flight",
            "submit": "Create",
            "back": reverse("casework:removals"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(GATEKEEP)
@require_http_methods(["GET", "POST"])
def detention_decide(request, pk: int):
    row = _get(DetentionRequest, request, pk)
    return _form(
        request,
        row.person,
        f.DetentionDecisionForm(_data(request)),
        title="Decide the request to detain",
        submit="Record the decision",
        intro=f"Grounds: {row.grounds}",
        done=reverse("casework:removals"),
        action=lambda d: services.detention_decide(
            actor=request.user,
            request=row,
            accept=d["decision"] == "accept",
            rejection_reason=d["rejection_reason"],
            note=d["note"],
        ),
    )


# ------------------------------------------------------------------------------------------------
# The reporting centre


@requires(CENTRE)
def centre(request):
    centres = list(selectors.reporting_centres_for(request.user))
    chosen = next(
        (c for c in centres if str(c.pk) == request.GET.get("centre")),
        centres[0] if centres else None,
    )
    try:
        day = (
            date.fromisoformat(request.GET.get("day", ""))
            if request.GET.get("day")
            else clock.today()
        )
    except ValueError:
        day = clock.today()
        messages.error(request, "The date must look like 2026-11-23; showing today")
    total = selectors.day_list_events(chosen, day).count() if chosen else 0
    page = Paginator(range(total), selectors.DAY_LIST_PAGE).get_page(request.GET.get("page"))
    rows = selectors.day_list(chosen, day, page=page.number) if chosen else []
    missing = selectors.events_missing_outcome().filter(centre=chosen).count() if chosen else 0
    return render(
        request,
        "casework/centre.html",
        {
            "centres": centres,
            "chosen": chosen,
            "day": day,
            "rows": rows,
            "today": clock.today(),
            "page": page,
            "total": total,
            "missing": missing,
            "previous": day.fromordinal(day.toordinal() - 1),
            "next": day.fromordinal(day.toordinal() + 1),
            "missing_events": selectors.events_missing_outcome().filter(centre=chosen)[:20]
            if chosen
            else [],
            # A restricted record keeps its place on the list (the count is the centre's workload) but
            # is not named, nor opened, for an officer who may not see it (issue 14 item 7).
            "withheld": lambda person: person_withheld(request.user, person),
            "restricted_label": RESTRICTED_LABEL,
        },
    )


def _centre_event(request, pk: int) -> ReportingEvent:
    event = ReportingEvent.objects.select_related("person", "centre").filter(pk=pk).first()
    if event is None:
        raise Http404("No such event")
    if (
        not request.user.has_perm("work.view_any_queue")
        and not request.user.teams.filter(pk=event.centre_id).exists()
    ):
        raise Http404("No such event")
    if person_withheld(request.user, event.person):
        raise Http404("No such event")
    return event


@requires(CENTRE)
@require_http_methods(["GET", "POST"])
def event_outcome(request, pk: int):
    event = _centre_event(request, pk)
    back = reverse("casework:centre") + f"?centre={event.centre_id}&day={event.due_on.isoformat()}"
    return _form(
        request,
        event.person,
        f.OutcomeForm(_data(request)),
        title=f"Reporting event {event.due_on:%-d %B %Y}, {event.window_start:%H:%M}",
        submit="Record",
        back=back,
        done=back,
        action=lambda d: services.event_outcome_record(
            actor=request.user,
            event=event,
            outcome=d["outcome"],
            reason=d["reason"],
            rescheduled_to=d["rescheduled_to"],
        ),
    )


@requires(CENTRE)
@require_http_methods(["GET", "POST"])
def commission_result(request, pk: int):
    commission = Commission.objects.select_related("person").filter(pk=pk).first()
    if commission is None:
        raise Http404("No such commission")
    subject = selectors.access_case_person(request.user, commission.person_id)
    event = subject.reporting_events.filter(due_on=clock.today(), cancelled=False).first()
    back = reverse("casework:centre")
    return _form(
        request,
        subject,
        f.CommissionResultForm(_data(request)),
        title=f"{commission.get_kind_display()}: record the result",
        submit="Send to the case owner",
        intro=commission.instructions,
        back=back,
        done=back,
        action=lambda d: services.commission_result_record(
            actor=request.user,
            commission=commission,
            done=d["done"] == "yes",
            result=d["result"],
            event=event,
        ),
    )


# ------------------------------------------------------------------------------------------------
# Management information


@no_personal_data
@requires(MI)
def mi(request):
    return render(
        request,
        "casework/mi.html",
        {"f": selectors.mi_figures(), "rules": rules, "bands": list(rules.BANDS)},
    )


@requires(MI)
@export_view
def mi_csv(request):
    """The figures as CSV through the export helper (issue 14 item 11); aggregate, naming nobody."""
    rows = list(_mi_rows(selectors.mi_figures()))
    return export_csv(
        request,
        filename="casework-figures.csv",
        header=["figure", "key", "value"],
        rows=rows,
        count=len(rows),
        disclosure=Disclosure(
            verb="casework.mi_exported", query={}, purpose="Casework figures (MI), as CSV"
        ),
    )


def _mi_rows(figures: dict[str, Any]):
    """The rows of the figures CSV: figure, key, value."""
    yield ["definition", "reporting_population", figures["definition"]]
    for key in (
        "non_detained",
        "reporting_population",
        "absconders",
        "flagged",
        "reviews_due_14",
        "reviews_overdue",
        "prep_finalised",
        "prep_on_time",
        "further_decided",
        "further_on_time",
    ):
        yield ["headline", key, figures[key]]
    for row in figures["figure_1"]:
        for band, n in zip(rules.BANDS, row["bands"], strict=True):
            yield ["figure_1", f"{row['team']} band {band}", n]
    for row in figures["figure_6"]:
        for key in ("planned", "removed", "failed"):
            yield ["figure_6", f"{row['year']} {key}", row[key]]
    for _key, label, n in figures["figure_8"]:
        yield ["figure_8", label, n]
    for row in figures["figure_9"]:
        yield ["figure_9", f"{row['year']} referred", row["referred"]]
        yield ["figure_9", f"{row['year']} located", row["located"]]
    for label, n in figures["gatekeeping"]["by_reason"]:
        yield ["detention_rejected", label, n]
    for row in figures["reoffending"]:
        yield ["reoffending", row["label"], row["rate"]]
