"""The EM work oversight may sample for quality assurance (issue 20 item 1): EM review decisions,
breach decisions (mitigation decisions) and responses to representations (and other challenges;
the category is the challenge's kind). The worker is who decided or recorded it; records that do
not say so are still offered (``worker_id`` None). Registered from
``registrations.register_oversight_feeds``; reads only this module's tables."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from waymark.core.assurance import WorkItem, worker_teams
from waymark.core.clock import LONDON
from waymark.monitoring.models import Challenge, Mitigation, Review


def _day(value) -> date:
    return value.astimezone(LONDON).date()


def _items(rows, url_name, url_arg=lambda r: r[0]) -> list[WorkItem]:
    teams = worker_teams(r[1] for r in rows)
    return [
        WorkItem(
            id=r[0],
            worker_id=r[1],
            team_id=teams.get(r[1]),
            on=_day(r[2]),
            person_id=r[3],
            url=reverse(url_name, args=[url_arg(r)]),
            category=r[4] or "",
        )
        for r in rows
    ]


def _window(field: str, start: date, end: date) -> dict:
    return {f"{field}__date__gte": start, f"{field}__date__lte": end}


def em_review_decisions(start: date, end: date) -> list[WorkItem]:
    rows = list(
        Review.objects.filter(decided_at__isnull=False, **_window("decided_at", start, end))
        .order_by("pk")
        .values_list("pk", "decided_by_id", "decided_at", "person_id", "outcome")
    )
    return _items(rows, "monitoring:review")


def breach_decisions(start: date, end: date) -> list[WorkItem]:
    rows = list(
        Mitigation.objects.filter(decided_at__isnull=False, **_window("decided_at", start, end))
        .exclude(decision="")
        .order_by("pk")
        .values_list(
            "pk", "decided_by_id", "decided_at", "breach__person_id", "decision", "breach_id"
        )
    )
    return _items(rows, "monitoring:breach", url_arg=lambda r: r[5])


def representation_responses(start: date, end: date) -> list[WorkItem]:
    rows = list(
        Challenge.objects.filter(
            responded_at__isnull=False,
            **_window("responded_at", start, end),
        )
        .order_by("pk")
        .values_list("pk", "recorded_by_id", "responded_at", "person_id", "kind")
    )
    return _items(rows, "monitoring:challenge")
