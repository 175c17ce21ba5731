"""Data quality: each rule's latest score and its trend, by team, and the failing records kept
from its latest measurement (issue 20 item 4). The rules are the modules'
(``waymark.core.data_quality``); the measurements are oversight's (``DataQualityScore``,
``DataQualityFailure``), written by ``services.data_quality.data_quality_measure``."""

from __future__ import annotations

from dataclasses import dataclass, field

from waymark.core.data_quality import (
    DIMENSIONS,
    DataQualityRule,
    data_quality_rule,
    data_quality_rules,
)
from waymark.oversight import rules
from waymark.oversight.models import DataQualityFailure, DataQualityScore


@dataclass
class RuleSummary:
    rule: DataQualityRule
    latest: DataQualityScore | None = None
    trend: list[DataQualityScore] = field(default_factory=list)  # oldest first
    teams: list[DataQualityScore] = field(default_factory=list)

    @property
    def dimension_label(self) -> str:
        return DIMENSIONS.get(self.rule.dimension, self.rule.dimension)


def data_quality_summaries(*, dimension: str = "", module: str = "") -> list[RuleSummary]:
    """Every registered rule with its latest score (for every team) and its trend."""
    chosen = [
        r
        for r in data_quality_rules()
        if (not dimension or r.dimension == dimension) and (not module or r.module == module)
    ]
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    keys = [r.key for r in chosen]
    totals: dict[str, list[DataQualityScore]] = {k: [] for k in keys}
    # Only each rule's last few every-team scores, numbered in the database (a year of daily
    # measurements is hundreds of rows a rule; the dashboard shows a dozen).
    recent = (
        DataQualityScore.objects.filter(rule_key__in=keys, team__isnull=True)
        .annotate(
            recent=Window(
                RowNumber(), partition_by=[F("rule_key")], order_by=F("measured_on").desc()
            )
        )
        .filter(recent__lte=rules.DATA_QUALITY_TREND_MEASUREMENTS)
        .order_by("rule_key", "-measured_on")
    )
    for s in recent:
        totals[s.rule_key].append(s)
    return [
        RuleSummary(
            rule=r,
            latest=totals[r.key][0] if totals[r.key] else None,
            trend=list(reversed(totals[r.key])),
        )
        for r in chosen
    ]


def data_quality_detail(key: str) -> RuleSummary | None:
    """One rule: its trend, and its latest scores by team (worst first)."""
    rule = data_quality_rule(key)
    if rule is None:
        return None
    summary = data_quality_summaries(module=rule.module)
    found = next(s for s in summary if s.rule.key == key)
    if found.latest is not None:
        found.teams = list(
            DataQualityScore.objects.filter(
                rule_key=key, measured_on=found.latest.measured_on, team__isnull=False
            )
            .select_related("team")
            .order_by("score", "team__name")
        )
    return found


def data_quality_failures(key: str):
    """The failing records kept from the rule's latest measurement, with owner, team and task."""
    latest = (
        DataQualityScore.objects.filter(rule_key=key, team__isnull=True)
        .order_by("-measured_on")
        .values_list("measured_on", flat=True)
        .first()
    )
    if latest is None:
        return DataQualityFailure.objects.none()
    return (
        DataQualityFailure.objects.filter(rule_key=key, measured_on=latest)
        .select_related("person", "team", "owner", "task")
        .order_by("pk")
    )


def data_quality_latest_state(key: str) -> DataQualityScore | None:
    return (
        DataQualityScore.objects.filter(rule_key=key, team__isnull=True)
        .order_by("-measured_on")
        .first()
    )
