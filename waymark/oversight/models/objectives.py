"""Oversight tables: objectives linked to service priorities (issue 20 item 2; oversight.md §2
"Individual objectives linked to service priorities"; 000 §3.10, §5.76; 002 rec 3b).

- ``ServicePriority``: what the service has said matters (timely EM breach action, NRM reasonable
  grounds within 5 working days, visit closure within 48 hours, ...), with where it comes from.
- ``Objective``: an objective for a team or for one person in it, over a period, linked to a
  priority: its owner, its measure (preferably a key of the metric registry, ``core.metrics``, so
  the actual value comes from the figure's one definition; otherwise a measure the owner reports),
  its target and whether higher is better (the metric's, for a registered figure).
- ``ObjectiveMeasurement``: the actual value and its red/amber/green for one month of the period,
  recorded when measured (again in the same month replaces that month): the objective's history.
- ``ObjectiveUpdate``: a dated comment or progress update by the owner (or a manager), optionally
  reporting the actual value of a measure that is not a registered figure.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

USER = settings.AUTH_USER_MODEL
TEAM = "accounts.Team"

__all__ = [
    "Objective",
    "ObjectiveMeasurement",
    "ObjectiveOutcome",
    "ObjectiveStatus",
    "ObjectiveUpdate",
    "ServicePriority",
]


class ServicePriority(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="e.g. 004 rec 3; 002 rec 3b")
    metric_key = models.CharField(
        max_length=80, blank=True, help_text="The registered figure that measures it, if any"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ObjectiveStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ObjectiveOutcome(models.TextChoices):
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"
    CARRIED_OVER = "carried_over", "Carried over to a new period"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Objective(models.Model):
    priority = models.ForeignKey(
        ServicePriority, on_delete=models.PROTECT, related_name="objectives"
    )
    title = models.CharField(max_length=200)
    team = models.ForeignKey(TEAM, on_delete=models.PROTECT, related_name="+")
    # Blank: the team's objective; set: one person's (a member of the team).
    person = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    metric_key = models.CharField(max_length=80, blank=True)
    measure_label = models.CharField(
        max_length=200, blank=True, help_text="What is measured when it is not a registered figure"
    )
    target = models.FloatField()
    higher_is_better = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)
    # Closing (``workflows.OBJECTIVE_WORKFLOW``): at its period's end a manager records the outcome
    # and what was achieved, or carries it over into a new objective for the next period.
    status = models.CharField(
        max_length=10, choices=ObjectiveStatus.choices, default=ObjectiveStatus.OPEN, db_index=True
    )
    outcome = models.CharField(max_length=20, choices=ObjectiveOutcome.choices, blank=True)
    closing_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    final_actual = models.FloatField(null=True, blank=True, help_text="The last value measured")
    final_rag = models.CharField(max_length=5, blank=True)
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_to"
    )

    class Meta:
        ordering = ["-period_start", "team_id", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="oversight_objective_period_ordered",
            )
        ]
        permissions = [
            ("view_objectives", "See objectives, their red/amber/green and history"),
            ("manage_objectives", "Set and edit objectives for the teams one manages"),
            ("manage_any_team_objectives", "Set and edit objectives for any team"),
        ]

    def __str__(self) -> str:
        return self.title


class ObjectiveMeasurement(models.Model):
    class Source(models.TextChoices):
        METRIC = "metric", "The registered figure"
        OWNER = "owner", "Reported by the owner"
        SNAPSHOT = "snapshot", "The figure's daily snapshot (the month's last)"

    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="measurements")
    month = models.DateField(help_text="The first day of the month measured")
    measured_at = models.DateTimeField()
    actual = models.FloatField()
    target = models.FloatField(help_text="The target when measured")
    rag = models.CharField(
        max_length=10, choices=[(c, c.title()) for c in ("green", "amber", "red")]
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["objective", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "month"], name="oversight_objective_measured_once_a_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.objective_id} {self.month:%Y-%m}: {self.rag}"


class ObjectiveUpdate(models.Model):
    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField()
    text = models.TextField()
    actual = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-posted_at", "-pk"]

    def __str__(self) -> str:
        return f"Update on {self.objective_id}"
