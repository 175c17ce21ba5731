"""The enforcement work oversight may sample for quality assurance (issue 20 item 1): closed visit
records (the assurance team's five areas, 003 §7.49) and visit plans (003 §7.54). Registered from
``registrations.register_oversight_feeds``; reads only this module's tables."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from waymark.core.assurance import WorkItem
from waymark.core.clock import LONDON
from waymark.operations.models import Visit


def _items(rows) -> list[WorkItem]:
    return [
        WorkItem(
            id=pk,
            worker_id=worker,
            team_id=team,
            on=at.astimezone(LONDON).date(),
            url=reverse("operations:visit", args=[pk]),
            category=visit_type or "",
        )
        for pk, worker, team, at, visit_type in rows
    ]


def visit_records(start: date, end: date) -> list[WorkItem]:
    """Visits closed in the window; the officer in charge did the work."""
    return _items(
        Visit.objects.filter(
            closed_at__isnull=False,
            closed_at__date__gte=start,
            closed_at__date__lte=end,
            officer_in_charge__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", "officer_in_charge_id", "team_id", "closed_at", "visit_type")
    )


def visit_plans(start: date, end: date) -> list[WorkItem]:
    """Visits deployed in the window: their plan as deployed; its author did the work."""
    return _items(
        Visit.objects.filter(
            deployed_at__isnull=False,
            deployed_at__date__gte=start,
            deployed_at__date__lte=end,
            created_by__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", "created_by_id", "team_id", "deployed_at", "visit_type")
    )
