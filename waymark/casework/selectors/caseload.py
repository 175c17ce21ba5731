"""The case owner's lists (brief casework.md §1, §3, §4): caseload, referrals, overdue decisions,
people out of contact or past their band's limit, trace and locate, reviews and case preparation,
and the data-quality lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]
from django.db.models import Exists, OuterRef, Q, QuerySet

from waymark.accounts.models import Team
from waymark.casework import rules
from waymark.casework.models import Case, CasePreparation, CaseReview, Referral, TraceReferral
from waymark.casework.selectors._common import _past_limit_q
from waymark.casework.selectors.access import visible_cases
from waymark.casework.selectors.barriers import barriers_open, etd_waiting_for_appeal
from waymark.casework.selectors.reporting import events_missing_outcome
from waymark.casework.workflows import CaseStatus, ReferralStatus
from waymark.core import clock
from waymark.people.models import Person
from waymark.people.selectors import person_visible_queryset


def criminal_casework_team_ids() -> list[int]:
    return list(Team.objects.filter(unit=rules.CRIMINAL_CASEWORK_UNIT).values_list("pk", flat=True))


def referable_without_owner(
    user, *, limit: int = 500
) -> list[tuple[Person, list[tuple[str, str]]]]:
    """People who meet the referral criteria and have no criminal-casework owner and no referral
    awaiting checks. The database narrows to candidates; the rules decide."""
    team_ids = criminal_casework_team_ids()
    candidates = (
        person_visible_queryset(user)
        .filter(record_status="active")
        .exclude(owning_team_id__in=team_ids)
        .exclude(
            Exists(
                Referral.objects.filter(
                    person=OuterRef("pk"), status=ReferralStatus.AWAITING_CHECKS
                )
            )
        )
        .filter(
            Q(convictions__custodial=True)
            | Q(harm_level__in=rules.SERIOUS_HARM_LEVELS)
            | Q(convictions__isnull=False)
        )
        .distinct()
        .prefetch_related("convictions")
        .order_by("pk")
    )
    from waymark.casework.services import sentences_of

    found = []
    for person in candidates.iterator(chunk_size=500):
        met = rules.referral_criteria(sentences_of(person), harm_level=person.harm_level)
        if met:
            found.append((person, met))
            if len(found) >= limit:
                break
    return found


def referrals_awaiting(user) -> QuerySet[Referral]:
    return Referral.objects.filter(
        status=ReferralStatus.AWAITING_CHECKS, person__in=person_visible_queryset(user)
    ).select_related("person")


def decision_overdue(user) -> QuerySet[Case]:
    """001 §6.24: time-served for more than 12 months with no deportation decision."""
    cutoff = clock.today() - relativedelta(months=rules.DECISION_OVERDUE_MONTHS)
    return (
        visible_cases(user)
        .filter(
            status=CaseStatus.OPEN,
            person__deportation_decision_date__isnull=True,
            person__release_date__lt=cutoff,
        )
        .select_related("person")
        .order_by("effective_band", "person__release_date")
    )


def caseload(user, *, owner=None) -> QuerySet[Case]:
    qs = (
        visible_cases(user)
        .filter(status=CaseStatus.OPEN)
        .select_related("person", "person__owning_team")
    )
    if owner is not None:
        qs = qs.filter(person__case_owner=owner)
    return qs.order_by("effective_band", "next_review_due", "pk")


def flagged_no_absconder_decision(user) -> QuerySet[Case]:
    """Out of contact past their band's limit with no absconder decision (brief §3)."""
    today = clock.today()
    return (
        visible_cases(user)
        .filter(
            status=CaseStatus.OPEN, out_of_contact_since__isnull=False, absconder_since__isnull=True
        )
        .filter(_past_limit_q(today))
        .select_related("person")
        .order_by("effective_band", "out_of_contact_since")
    )


def out_of_contact(user) -> QuerySet[Case]:
    return (
        visible_cases(user)
        .filter(status=CaseStatus.OPEN, out_of_contact_since__isnull=False)
        .select_related("person")
        .order_by("-consecutive_missed", "out_of_contact_since")
    )


def trace_queue(user) -> QuerySet[TraceReferral]:
    return (
        TraceReferral.objects.filter(outcome="", person__in=person_visible_queryset(user))
        .select_related("person")
        .order_by("-priority", "referred_at")
    )


def reviews_due(user, *, within_days: int = 14) -> QuerySet[CaseReview]:
    return (
        CaseReview.objects.filter(
            completed_at__isnull=True,
            due_on__lte=clock.today() + timedelta(days=within_days),
            person__in=person_visible_queryset(user),
        )
        .select_related("person", "person__case_owner")
        .order_by("due_on")
    )


def preparation_by_caseworker(user=None) -> list[dict[str, Any]]:
    """001 §7.5: per caseworker, cases in preparation, finalised, on time within 8 weeks."""
    qs = CasePreparation.objects.select_related("caseworker")
    if user is not None:
        qs = qs.filter(person__in=person_visible_queryset(user))
    rows: dict[int, dict[str, Any]] = {}
    today = clock.today()
    for p in qs:
        row = rows.setdefault(
            p.caseworker_id,
            {
                "caseworker": p.caseworker,
                "open": 0,
                "overdue": 0,
                "finalised": 0,
                "on_time": 0,
                "days": [],
            },
        )
        if p.finalised_on:
            row["finalised"] += 1
            row["days"].append(p.days_taken)
            row["on_time"] += int(p.finalised_on <= p.finalise_due_on)
        else:
            row["open"] += 1
            row["overdue"] += int(today > p.finalise_due_on)
    for row in rows.values():
        days = sorted(row.pop("days"))
        row["median_days"] = days[len(days) // 2] if days else None
    return sorted(rows.values(), key=lambda r: r["caseworker"].display_name)


def data_quality(user) -> dict[str, QuerySet]:
    visible = person_visible_queryset(user)
    return {
        "ownership_unclear": (
            Case.objects.filter(status=CaseStatus.OPEN, person__in=visible)
            .filter(Q(person__owning_team__isnull=True) | Q(person__case_owner__isnull=True))
            .select_related("person")
        ),
        "outcome_missing": events_missing_outcome(user),
        "barrier_no_owner": barriers_open(user).filter(owner__isnull=True),
        "etd_waiting_for_appeal": etd_waiting_for_appeal(user),
        "review_overdue": CaseReview.objects.filter(
            completed_at__isnull=True, due_on__lt=clock.today(), person__in=visible
        ).select_related("person"),
    }


DATA_QUALITY_LABELS = {
    "ownership_unclear": "Open cases with no owning team or no named case owner",
    "outcome_missing": "Past reporting events with no outcome",
    "barrier_no_owner": "Open barriers to removal with no owner",
    "etd_waiting_for_appeal": "No travel document and an open appeal, with no ETD application under way",
    "review_overdue": "Case reviews overdue",
}
