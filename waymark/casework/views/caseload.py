"""The case owner's working day: the casework home page, the lists, and the person's casework tab."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from waymark.casework import rules, selectors, services
from waymark.casework.permissions import (
    MANAGE_CASEWORK,
    MANAGE_INTAKE,
    MANAGE_REMOVALS,
    OVERRIDE_BAND,
    VIEW_CASE,
)
from waymark.casework.views._common import PAGE_SIZE
from waymark.casework.workflows import NonComplianceStatus
from waymark.core import clock
from waymark.core.permissions import requires
from waymark.people.pages import person_page_context
from waymark.people.services import person_record_view


@requires(MANAGE_CASEWORK)
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


@requires(MANAGE_CASEWORK)
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


@requires(VIEW_CASE)
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
            "reporting": selectors.reporting_history(subject),
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
            "can_manage": request.user.has_perm(MANAGE_CASEWORK),
            "can_removals": request.user.has_perm(MANAGE_REMOVALS),
            "can_override": request.user.has_perm(OVERRIDE_BAND),
            "can_intake": request.user.has_perm(MANAGE_INTAKE),
            "grounds": dict(rules.GROUNDS),
            "failure_labels": rules.FAILURE_REASON_LABELS,
        }
    )
    return render(request, "casework/person.html", context)
