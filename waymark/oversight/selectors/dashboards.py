"""Reads for the dashboards per module (issue 20 item 3; oversight.md §3 "Insight": "dashboards per
module are live from the data, filterable by period and team, exportable").

A dashboard is built from the metric registry only (``waymark.core.metrics``): every figure a module
registers, with its name, definition, unit, direction, owner and as-of time, counted for the period
and team asked for where the figure can be split that way, and said plainly where it cannot:

- a figure that declares ``by_period`` is counted from the records over the period's days, and its
  trend by month is counted the same way, month by month;
- any other figure is counted now when the period runs to today, or read from its daily snapshot
  as at the period's last day when the period is over; its trend by month is the last daily
  snapshot of each month (``MetricSnapshot``);
- a team asked for a figure that cannot be split by team gets no number, the reason, and the
  figure for everyone beside it.

Oversight imports no module: the figures are computed by the modules' registered functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import QuerySet
from django.http import Http404

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.metrics import Metric, batch, metrics_for_module
from waymark.oversight import rules
from waymark.oversight.models import MetricSnapshot
from waymark.oversight.selectors.metrics import MODULE_LABELS, snapshots_as_at

# The dashboards, in the order the pages list them: the four modules and the platform's work.
DASHBOARD_MODULES: tuple[str, ...] = ("monitoring", "casework", "operations", "nrm", "work")
DASHBOARD_TITLES: dict[str, str] = {**MODULE_LABELS, "work": "Work queues (platform)"}

PERIOD_CHOICES: tuple[tuple[str, str], ...] = (
    ("this_month", "This month so far"),
    ("last_month", "Last month"),
    ("quarter", "The last full quarter"),
    ("12_months", "The last 12 months"),
    ("custom", "From and to dates you choose"),
)
DEFAULT_PERIOD = "12_months"

# How a figure's value was counted (the page and the export say it in these words).
BASIS_PERIOD = "period"
BASIS_NOW = "now"
BASIS_SNAPSHOT = "snapshot"
BASIS_NO_SNAPSHOT = "no_snapshot"
BASIS_LABELS = {
    BASIS_PERIOD: "Counted from the records over the period",
    BASIS_NOW: "Counted now: this figure cannot be counted over a period",
    BASIS_SNAPSHOT: "From its daily snapshot: this figure cannot be counted over a period",
    BASIS_NO_SNAPSHOT: "No daily snapshot by the end of the period",
}
TREND_RECORDS = "records"
TREND_SNAPSHOTS = "snapshots"
TREND_LABELS = {
    TREND_RECORDS: "Counted from the records for each month.",
    TREND_SNAPSHOTS: "From the daily snapshots: the last one taken in each month (this figure "
    "cannot be counted over a past period).",
}


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included (Europe/London)."""

    key: str
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    return _month_start(day) + relativedelta(months=1) - timedelta(days=1)


def period_for(
    key: str, *, today: date | None = None, start: date | None = None, end: date | None = None
) -> Period:
    """The days a period choice covers, as of ``today``. ``custom`` takes ``start`` and ``end``
    (checked by the form)."""
    today = today or clock.today()
    if key == "this_month":
        return Period(key, _month_start(today), today)
    if key == "last_month":
        last = _month_start(today) - timedelta(days=1)
        return Period(key, _month_start(last), last)
    if key == "quarter":
        first_of_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        last = first_of_quarter - timedelta(days=1)
        return Period(key, _month_start(last) - relativedelta(months=2), last)
    if key == "custom":
        if start is None or end is None:
            raise ValueError("A custom period needs its start and end")
        return Period(key, start, end)
    # The last 12 months up to today (as the operations measures' default period counts them).
    return Period("12_months", today - relativedelta(months=12) + timedelta(days=1), today)


def trend_months(period: Period) -> list[tuple[date, date]]:
    """The months a trend chart covers: at least ``DASHBOARD_TREND_MONTHS`` up to the period's
    last month, more when the period is longer; each as (first day, last day), the last month cut
    at the period's end."""
    last = _month_start(period.end)
    first = min(
        _month_start(period.start), last - relativedelta(months=rules.DASHBOARD_TREND_MONTHS - 1)
    )
    months = []
    month = first
    while month <= last:
        months.append((month, min(_month_end(month), period.end)))
        month += relativedelta(months=1)
    return months


def access_module(module: str) -> str:
    """The module a dashboard is asked for, or 404 when there is none (or it registers nothing)."""
    if module not in DASHBOARD_MODULES or not metrics_for_module(module):
        raise Http404("No such dashboard")
    return module


def dashboard_modules() -> list[tuple[str, str, int]]:
    """Each dashboard: (module, title, how many figures it shows)."""
    return [
        (module, DASHBOARD_TITLES[module], len(metrics_for_module(module)))
        for module in DASHBOARD_MODULES
        if metrics_for_module(module)
    ]


def visible_teams(user: Any) -> QuerySet[Team]:
    """The teams a user may filter the figures by: every active team for someone who sees every
    team's queues, otherwise their own (the platform's rule for workload, ``work.selectors``)."""
    from waymark.work.selectors import workload_teams

    return workload_teams(user).order_by("name")


@dataclass
class DashboardRow:
    metric: Metric
    value: Any
    basis: str  # one of BASIS_LABELS
    as_of: datetime | None
    snapshot_day: date | None = None
    team_split: bool = True  # False: a team was asked for and the figure cannot be split by team
    everyone_value: Any = None  # the figure for everyone, shown beside "cannot be split by team"
    trend: list[tuple[date, Any]] = field(default_factory=list)
    trend_source: str = ""  # TREND_RECORDS, TREND_SNAPSHOTS, or "" (no trend)
    chart: dict[str, Any] | None = None  # drawn by the view from ``trend``

    @property
    def basis_label(self) -> str:
        label = BASIS_LABELS[self.basis]
        if self.basis == BASIS_SNAPSHOT and self.snapshot_day:
            return f"{label} (taken {self.snapshot_day:%-d %B %Y})"
        return label

    @property
    def trend_label(self) -> str:
        return TREND_LABELS.get(self.trend_source, "")


def _snapshot_trends(
    keys: Iterable[str], months: list[tuple[date, date]], team: Team | None
) -> dict[str, dict[date, float | None]]:
    """The last snapshot of each month, per figure: {key: {month: value}}."""
    qs = MetricSnapshot.objects.filter(
        metric_key__in=list(keys), day__gte=months[0][0], day__lte=months[-1][1]
    )
    qs = qs.filter(team=team) if team is not None else qs.filter(team__isnull=True)
    out: dict[str, dict[date, float | None]] = {}
    for key, day, value in qs.order_by("metric_key", "day").values_list(
        "metric_key", "day", "value"
    ):
        out.setdefault(key, {})[_month_start(day)] = value  # later days overwrite earlier ones
    return out


def dashboard_rows(
    module: str, period: Period, team: Team | None = None, *, today: date | None = None
) -> list[DashboardRow]:
    """Every figure the module registers, for the period and team, with its trend by month."""
    today = today or clock.today()
    months = trend_months(period)
    figures = metrics_for_module(module)
    live = period.end >= today
    rows: list[DashboardRow] = []
    with batch():  # figures read from one summary (the EM figures) compute it once per period
        past = {} if live else snapshots_as_at(period.end, team)
        past_everyone = {} if live or team is None else snapshots_as_at(period.end)
        by_snapshot = [m.key for m in figures if not m.by_period and (team is None or m.by_team)]
        snapshot_trends = _snapshot_trends(by_snapshot, months, team) if by_snapshot else {}
        for metric in figures:
            splits = team is None or metric.by_team
            row = _row(
                metric,
                period,
                team if splits else None,
                live,
                past if splits else past_everyone,
            )
            if not splits:
                row.everyone_value, row.value, row.team_split = row.value, None, False
                rows.append(row)
                continue
            if metric.by_period:
                row.trend = [(m0, metric.value(team, start=m0, end=m1)) for m0, m1 in months]
                row.trend_source = TREND_RECORDS
            else:
                trend = snapshot_trends.get(metric.key, {})
                row.trend = [(m0, trend.get(m0)) for m0, _m1 in months]
                row.trend_source = TREND_SNAPSHOTS
            rows.append(row)
    return rows


def _row(
    metric: Metric,
    period: Period,
    team: Team | None,
    live: bool,
    snapshots: dict[str, MetricSnapshot],
) -> DashboardRow:
    if metric.by_period:
        value = metric.value(team, start=period.start, end=period.end)
        return DashboardRow(metric, value, BASIS_PERIOD, metric.value_as_of())
    if live:
        return DashboardRow(metric, metric.value(team), BASIS_NOW, metric.value_as_of())
    snapshot = snapshots.get(metric.key)
    if snapshot is None:
        return DashboardRow(metric, None, BASIS_NO_SNAPSHOT, None)
    return DashboardRow(metric, snapshot.value, BASIS_SNAPSHOT, snapshot.as_of, snapshot.day)
