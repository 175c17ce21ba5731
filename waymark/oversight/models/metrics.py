"""Oversight tables: metrics (issue 20 item 3; oversight.md §3 "Insight", §6 "One definition per
figure": daily snapshots).

The figures themselves are defined in the platform's metric registry (``waymark.core.metrics``),
registered by each module. A ``MetricSnapshot`` is one figure's value on one day, kept with the
name, definition and unit it had then, so a figure can be shown "as at" a past date with the
definition it was counted by. The snapshot sweep writes at most one row per figure per day (the
first run of the day); it is never edited afterwards.

A figure that can be split by team (``Metric.by_team``) is also snapshotted per team: one row per
active team with ``team`` set, beside the row for everyone (``team`` empty), so "as at" a past
date works for one team too.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

__all__: list[str] = ["MetricSnapshot"]


class MetricSnapshot(models.Model):
    metric_key = models.CharField(max_length=100)
    day = models.DateField()
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: the figure for everyone",
    )
    value = models.FloatField(null=True, blank=True, help_text="None: nothing to count")
    name = models.CharField(max_length=200)
    definition = models.TextField()
    unit = models.CharField(max_length=20)
    module = models.CharField(max_length=40)
    as_of = models.DateTimeField(help_text="The time the value was true at")
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["metric_key", "-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric_key", "day"],
                condition=Q(team__isnull=True),
                name="oversight_snapshot_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["metric_key", "day", "team"],
                condition=Q(team__isnull=False),
                name="oversight_team_snapshot_once_a_day",
            ),
        ]
        indexes = [models.Index(fields=["day"], name="oversight_snapshot_day")]
        permissions = [
            ("view_metrics", "See the metric registry, reconciliation checks and snapshots"),
            ("export_metrics", "Export the metric registry and its snapshots"),
        ]

    def __str__(self) -> str:
        who = f" ({self.team_id})" if self.team_id else ""
        return f"{self.metric_key}{who} on {self.day}: {self.value}"
