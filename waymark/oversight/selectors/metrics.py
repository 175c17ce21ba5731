"""Reads for the metric registry (issue 20 item 3): every registered figure with its definition,
owner, as-of time and current value; the reconciliation checks; and the daily snapshots, read "as
at" a past date. The figures are computed by the modules that register them
(``waymark.core.metrics``): oversight imports no module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Max, QuerySet
from django.http import Http404

from waymark.accounts.models import Team
from waymark.core.metrics import (
    Metric,
    Reconciliation,
    ReconciliationResult,
    metrics,
    reconciliations,
    reconciliations_run,
)
from waymark.oversight import rules
from waymark.oversight.models import MetricSnapshot

UNIT_LABELS = {
    "count": "Count",
    "percent": "Percentage",
    "hours": "Hours",
    "days": "Days",
    "rate": "Rate",
}
HIGHER_IS_BETTER_LABELS = {True: "Higher is better", False: "Lower is better", None: "Neither"}
MODULE_LABELS = {
    "casework": "Criminal casework",
    "monitoring": "Electronic monitoring",
    "nrm": "Modern slavery (NRM)",
    "operations": "Enforcement visits",
    "work": "Work queues",
}


@dataclass(frozen=True)
class MetricRow:
    metric: Metric
    value: Any
    as_of: datetime | None
    team_value: bool  # False: the figure cannot be split by team, so no value is shown for one


def metric_modules() -> list[tuple[str, str]]:
    present = sorted({m.module for m in metrics().values()})
    return [(key, MODULE_LABELS.get(key, key.capitalize())) for key in present]


def metric_teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def registered() -> list[Metric]:
    return list(metrics().values())


def access_metric(key: str) -> Metric:
    try:
        return metrics()[key]
    except KeyError:
        raise Http404("No such figure") from None


def registry_rows(*, module: str = "", team: Team | None = None) -> list[MetricRow]:
    """Every registered figure (of one module if asked), with its value now (for one team if
    asked, where the figure can be split by team) and the time that value is true at."""
    rows = []
    for metric in metrics().values():
        if module and metric.module != module:
            continue
        splittable = team is None or metric.by_team
        rows.append(
            MetricRow(
                metric,
                metric.value(team) if splittable else None,
                metric.value_as_of() if splittable else None,
                splittable,
            )
        )
    return rows


def reconciliation_rows(team: Team | None = None) -> list[ReconciliationResult]:
    """Every reconciliation check, failing ones first."""
    results = reconciliations_run(team)
    return sorted(results, key=lambda r: (r.passed, r.check.label))


def _of_team(qs: QuerySet[MetricSnapshot], team: Team | None) -> QuerySet[MetricSnapshot]:
    """The rows for everyone (``team`` None) or for one team."""
    return qs.filter(team=team) if team is not None else qs.filter(team__isnull=True)


def snapshots_for(
    key: str, *, days: int | None = None, team: Team | None = None
) -> QuerySet[MetricSnapshot]:
    from waymark.core import clock

    since = clock.today() - timedelta(days=days or rules.METRIC_HISTORY_DAYS)
    return _of_team(MetricSnapshot.objects.filter(metric_key=key, day__gt=since), team).order_by(
        "-day"
    )


def snapshots_as_at(day: date, team: Team | None = None) -> dict[str, MetricSnapshot]:
    """Each figure's snapshot as at ``day`` (for everyone, or for ``team``): that day's, or the
    latest before it (its ``day`` says which)."""
    latest = (
        _of_team(MetricSnapshot.objects.filter(day__lte=day), team)
        .values("metric_key")
        .annotate(last=Max("day"))
        .order_by()
    )
    wanted = {(r["metric_key"], r["last"]) for r in latest}
    if not wanted:
        return {}
    days = {d for _k, d in wanted}
    snapshots = _of_team(
        MetricSnapshot.objects.filter(day__in=days, metric_key__in={k for k, _d in wanted}), team
    )
    return {s.metric_key: s for s in snapshots if (s.metric_key, s.day) in wanted}


@dataclass(frozen=True)
class SnapshotCheck:
    check: Reconciliation
    left: MetricSnapshot | None
    right: MetricSnapshot | None

    @property
    def passed(self) -> bool | None:
        """None when either figure has no snapshot by that day."""
        if self.left is None or self.right is None:
            return None
        if self.left.value is None or self.right.value is None:
            return False
        return abs(self.left.value - self.right.value) <= self.check.tolerance


def reconciliations_as_at(snapshots: dict[str, MetricSnapshot]) -> list[SnapshotCheck]:
    return [
        SnapshotCheck(check, snapshots.get(check.left_metric), snapshots.get(check.right_metric))
        for check in reconciliations().values()
    ]


def snapshots_between(start: date, end: date, team: Team | None = None) -> QuerySet[MetricSnapshot]:
    return _of_team(MetricSnapshot.objects.filter(day__gte=start, day__lte=end), team).order_by(
        "day", "metric_key"
    )


def value_text(value: Any, unit: str) -> str:
    """A figure as the pages show it: whole numbers with thousands separators, others to one
    decimal place; a percentage with its sign; an en dash for nothing to count."""
    if value is None:
        return "\u2013"  # an en dash: nothing to count
    number = float(value)
    text = f"{int(number):,}" if number.is_integer() else f"{number:,.1f}"
    return f"{text}%" if unit == "percent" else text
