"""Removals (brief casework.md §5): planned directions, detention gatekeeping, charters, and for
other modules what happened to a person afterwards (enforcement operations' measures of effect)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from waymark.casework import rules
from waymark.casework.models import (
    Case,
    Charter,
    DetentionRequest,
    GatekeepingDecision,
    RemovalDirection,
    ReportingRestriction,
    VoluntaryReturnOffer,
)
from waymark.casework.workflows import CaseStatus, RemovalStatus
from waymark.core import clock
from waymark.people.selectors import person_visible_queryset


def removals_planned(user) -> QuerySet[RemovalDirection]:
    return (
        RemovalDirection.objects.filter(
            status=RemovalStatus.PLANNED, person__in=person_visible_queryset(user)
        )
        .select_related("person", "charter")
        .order_by("planned_for")
    )


def gatekeeping_pending(user) -> QuerySet[DetentionRequest]:
    return (
        DetentionRequest.objects.filter(
            decision=GatekeepingDecision.PENDING, person__in=person_visible_queryset(user)
        )
        .select_related("person", "requested_by")
        .order_by("requested_at")
    )


def charter_summary(charter: Charter) -> dict[str, Any]:
    manifest = charter.manifest.all()
    by_status = Counter(manifest.values_list("status", flat=True))
    reasons = Counter(
        manifest.filter(status=RemovalStatus.FAILED).values_list("failure_reason", flat=True)
    )
    return {
        "charter": charter,
        "planned": sum(by_status.values()),
        "removed": by_status[RemovalStatus.REMOVED],
        "failed": by_status[RemovalStatus.FAILED],
        "pending": by_status[RemovalStatus.PLANNED],
        "reasons": [(rules.FAILURE_REASON_LABELS[k], n) for k, n in reasons.most_common()],
    }


# Read in this order: the first that applies is the person's outcome.
REMOVAL_OUTCOME_LABELS = {
    "removed": "Removed",
    "returned": "Returned voluntarily",
    "detained": "Detained",
    "released": "Released (reporting or case closed)",
    "case_open": "Case open",
}
_OUTCOME_CHUNK = 900  # keeps each IN (...) under SQLite's bound-parameter limit
# A closed case's outcome by its status; an open case is ``case_open``.
_CASE_OUTCOMES: dict[str, str] = {CaseStatus.REMOVED: "removed", CaseStatus.CLOSED: "released"}


def removal_outcomes_for_people(person_ids) -> dict[int, str]:
    """For each person known to criminal casework, what happened: ``removed`` (removal directions
    carried out, or the case closed as removed), ``returned`` (left under a voluntary-return
    offer), ``detained`` (case detained, or a request to detain accepted), ``released`` (a
    reporting restriction in force, or the case closed) or ``case_open``. People casework has no
    record of are left out. ``person_ids`` is ids, or a queryset of ids (read as a subquery).
    Read-only; keys of ``REMOVAL_OUTCOME_LABELS``."""
    if isinstance(person_ids, QuerySet):
        chunks: list = [person_ids]  # one subquery each, however many people
    else:
        ids = sorted({int(pk) for pk in person_ids if pk is not None})
        chunks = [
            ids[start : start + _OUTCOME_CHUNK] for start in range(0, len(ids), _OUTCOME_CHUNK)
        ]
    today = clock.today()
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in chunks:
        for pk in RemovalDirection.objects.filter(
            person_id__in=chunk, status=RemovalStatus.REMOVED
        ).values_list("person_id", flat=True):
            found[pk].add("removed")
        for pk, status, detained in Case.objects.filter(person_id__in=chunk).values_list(
            "person_id", "status", "detained"
        ):
            found[pk].add(_CASE_OUTCOMES.get(status, "case_open"))
            if detained and status == CaseStatus.OPEN:
                found[pk].add("detained")
        for pk in VoluntaryReturnOffer.objects.filter(
            person_id__in=chunk, outcome="departed"
        ).values_list("person_id", flat=True):
            found[pk].add("returned")
        for pk in DetentionRequest.objects.filter(
            person_id__in=chunk, decision=GatekeepingDecision.ACCEPTED
        ).values_list("person_id", flat=True):
            found[pk].add("detained")
        for pk in (
            ReportingRestriction.objects.filter(person_id__in=chunk, starts_on__lte=today)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .values_list("person_id", flat=True)
        ):
            found[pk].add("released")
    return {
        pk: next(key for key in REMOVAL_OUTCOME_LABELS if key in outcomes)
        for pk, outcomes in found.items()
    }


def removal_outcome_dates_for_people(person_ids) -> dict[int, date]:
    """For people removed or returned (see ``removal_outcomes_for_people``), the day they left: the
    removal date of directions carried out, or the departure date of a voluntary return. Read-only."""
    ids = sorted({int(pk) for pk in person_ids if pk is not None})
    left: dict[int, date] = {}
    for start in range(0, len(ids), _OUTCOME_CHUNK):
        chunk = ids[start : start + _OUTCOME_CHUNK]
        for pk, day in RemovalDirection.objects.filter(
            person_id__in=chunk, status=RemovalStatus.REMOVED
        ).values_list("person_id", "planned_for"):
            left[pk] = min(day, left.get(pk, day))
        for pk, departed in VoluntaryReturnOffer.objects.filter(
            person_id__in=chunk, outcome="departed", departed_on__isnull=False
        ).values_list("person_id", "departed_on"):
            if departed is not None:
                left[pk] = min(departed, left.get(pk, departed))
    return left
