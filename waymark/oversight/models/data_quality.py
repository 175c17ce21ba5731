"""Oversight tables: data quality (issue 20 item 4; oversight.md §3 "Data quality", §6).

The rules are the modules' (``waymark.core.data_quality``); what is stored is each measurement,
so a score can be shown over time. A ``DataQualityScore`` is one rule's score on one day, for one
team or for every team (``team`` empty); a ``DataQualityFailure`` is one failing record kept from
that measurement (a capped sample per rule, ``rules.DATA_QUALITY_SAMPLE_CAP``), with its owner and
the task that asks them to put it right. Measuring again on the same day replaces that day's
measurement; earlier days are kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

USER = settings.AUTH_USER_MODEL

__all__ = ["DataQualityFailure", "DataQualityScore"]


class DataQualityScore(models.Model):
    rule_key = models.CharField(max_length=80)
    module = models.CharField(max_length=40)
    dimension = models.CharField(max_length=20)
    measured_on = models.DateField()
    measured_at = models.DateTimeField()
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked = models.PositiveIntegerField()
    failing = models.PositiveIntegerField()
    score = models.FloatField(null=True, blank=True, help_text="Percent passing; empty: none")
    state = models.CharField(max_length=10)  # pass / warn / fail

    class Meta:
        ordering = ["rule_key", "-measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_key", "measured_on"],
                condition=Q(team__isnull=True),
                name="oversight_dq_score_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["rule_key", "measured_on", "team"],
                condition=Q(team__isnull=False),
                name="oversight_dq_team_score_once_a_day",
            ),
        ]
        indexes = [models.Index(fields=["rule_key", "measured_on"])]
        permissions = [
            ("view_data_quality", "See data-quality scores and failing records"),
            ("measure_data_quality", "Measure data quality and send failing records to owners"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_key} on {self.measured_on}"


class DataQualityFailure(models.Model):
    rule_key = models.CharField(max_length=80)
    measured_on = models.DateField()
    record_key = models.CharField(max_length=120)
    label = models.CharField(max_length=300)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["rule_key", "-measured_on", "pk"]
        indexes = [models.Index(fields=["rule_key", "measured_on"])]

    def __str__(self) -> str:
        return self.label
