"""Barriers to removal (brief casework.md §4): open barriers by type and age, travel documents
waiting on an appeal, further submissions awaiting a decision."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from waymark.casework import rules
from waymark.casework.models import Barrier, EtdApplication, FurtherSubmission
from waymark.casework.workflows import EtdStatus
from waymark.core import clock
from waymark.people.selectors import person_visible_queryset


def barriers_open(user=None) -> QuerySet[Barrier]:
    qs = Barrier.objects.filter(cleared_on__isnull=True)
    if user is not None:
        qs = qs.filter(person__in=person_visible_queryset(user))
    return qs.select_related("person", "owner")


AGE_BANDS = [
    (0, 30, "Under 30 days"),
    (30, 91, "1 to 3 months"),
    (91, 365, "3 to 12 months"),
    (365, None, "Over a year"),
]


def barriers_by_type_and_age(user=None) -> list[dict[str, Any]]:
    today = clock.today()
    table: dict[str, Counter] = {key: Counter() for key, _ in rules.BARRIER_TYPES}
    for barrier_type, started in barriers_open(user).values_list("barrier_type", "started_on"):
        age = (today - started).days
        label = next(
            lbl for low, high, lbl in AGE_BANDS if age >= low and (high is None or age < high)
        )
        table[barrier_type][label] += 1
    return [
        {
            "type": key,
            "label": label,
            "ages": [table[key][lbl] for *_r, lbl in AGE_BANDS],
            "total": sum(table[key].values()),
        }
        for key, label in rules.BARRIER_TYPES
    ]


def etd_waiting_for_appeal(user=None) -> QuerySet[Barrier]:
    """001 §7.10: an open appeal and no travel document, with no ETD application under way."""
    qs = (
        barriers_open(user)
        .filter(barrier_type="no_travel_document")
        .filter(
            Exists(
                Barrier.objects.filter(
                    person=OuterRef("person"), barrier_type="appeal", cleared_on__isnull=True
                )
            )
        )
    )
    return qs.exclude(
        Exists(
            EtdApplication.objects.filter(person=OuterRef("person")).exclude(
                status=EtdStatus.NOT_STARTED
            )
        )
    )


def further_submissions_pending(user=None) -> QuerySet[FurtherSubmission]:
    qs = FurtherSubmission.objects.filter(decided_on__isnull=True)
    if user is not None:
        qs = qs.filter(person__in=person_visible_queryset(user))
    return qs.select_related("person").order_by("decision_due_on")
