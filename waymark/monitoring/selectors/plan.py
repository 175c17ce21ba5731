"""The operational plan (brief §8): the Hub's weekly workload against staff in post and stock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.monitoring import rules
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    Challenge,
    Condition,
    ConditionStatus,
    DeviceStock,
    StaffInPost,
)
from waymark.work.registry import task_types
from waymark.work.selectors import tasks_for

WORK_MINUTES = rules.PLAN_WORK_MINUTES


def operational_plan(
    *, weeks: int = 12, releases_per_week: int | None = None, today: date | None = None
) -> dict[str, Any]:
    """Forecast the Hub's weekly workload against staff in post (000 Figure 10) and device stock,
    and the backlog it leads to (000 rec 5). Rates come from the last 8 weeks of records unless given."""
    today = today or clock.today()
    since = datetime.combine(
        today - timedelta(weeks=rules.PLAN_LOOKBACK_WEEKS), time(0), tzinfo=LONDON
    )
    per_week = Decimal(rules.PLAN_LOOKBACK_WEEKS)
    releases = (
        Decimal(releases_per_week)
        if releases_per_week is not None
        else Decimal(Condition.objects.filter(decided_at__gte=since).count()) / per_week
    )
    breach_items = (
        Decimal(
            Breach.objects.filter(
                received_at__gte=since, disposition=BreachDisposition.ACTIONABLE
            ).count()
            + AccumulatedViolation.objects.filter(raised_at__gte=since).count()
        )
        / per_week
    )
    representations = (
        Decimal(Challenge.objects.filter(received_on__gte=since.date()).count()) / per_week
    )
    active = Condition.objects.filter(status=ConditionStatus.ACTIVE).count()
    reviews = Decimal(active) / Decimal(
        rules.WEEKS_PER_REVIEW_INTERVAL
    )  # each person on EM, once a quarter
    demand_hours = (
        releases * WORK_MINUTES["release"]
        + breach_items * WORK_MINUTES["breach"]
        + reviews * WORK_MINUTES["review"]
        + representations * WORK_MINUTES["representation"]
    ) / 60
    staff = list(StaffInPost.objects.order_by("grade"))
    caseworking_fte = sum(
        (s.in_post_fte for s in staff if s.grade in ("AO", "EO", "HEO")), Decimal(0)
    )
    capacity_hours = caseworking_fte * rules.PLAN_FTE_HOURS_PER_WEEK * rules.PLAN_PRODUCTIVE_SHARE
    backlog_now = Decimal(_open_em_tasks())
    weekly = []
    backlog = backlog_now
    avg_minutes = (
        Decimal(WORK_MINUTES["breach"])
        if not demand_hours
        else demand_hours
        * 60
        / max(releases + breach_items + reviews + representations, Decimal(1))
    )
    for week in range(1, weeks + 1):
        shortfall_hours = demand_hours - capacity_hours
        backlog = max(Decimal(0), backlog + shortfall_hours * 60 / avg_minutes)
        weekly.append(
            {"week": week, "starting": today + timedelta(weeks=week - 1), "backlog": int(backlog)}
        )
    stock = {s.device_type: s.available for s in DeviceStock.objects.all()}
    return {
        "assumptions": {
            "minutes": WORK_MINUTES,
            "fte_hours": rules.PLAN_FTE_HOURS_PER_WEEK,
            "productive": rules.PLAN_PRODUCTIVE_SHARE,
        },
        "weekly_demand": {
            "releases": round(releases, 1),
            "breach_items": round(breach_items, 1),
            "reviews": round(reviews, 1),
            "representations": round(representations, 1),
        },
        "demand_hours": round(demand_hours, 1),
        "capacity_hours": round(capacity_hours, 1),
        "staff": staff,
        "backlog_now": int(backlog_now),
        "weeks": weekly,
        "device_weeks_of_stock": {
            k: (None if not releases else round(Decimal(v) / releases, 1)) for k, v in stock.items()
        },
    }


def _open_em_tasks() -> int:
    """Active EM work now: every EM task carries an "em-" dedupe key and a monitoring task type."""
    em_types = [kind.key for kind in task_types() if kind.module == "monitoring"]
    return tasks_for(dedupe_prefix="em-", task_types=em_types).count()
