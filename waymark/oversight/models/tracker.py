"""Oversight's tables (brief oversight.md; issue 20). Built so far: item 6's recommendations and
actions tracker — one account, always current, of what has been done about every recommendation
of the five seeds (001 rec 1, §3.16-3.18).

A ``Recommendation`` is one recommendation as its report numbers it ("1", "4a", "5e(ii)"), with
the Home Office's response where the report gives it. An ``Action`` is what someone owns to
satisfy it, with a milestone, a due date and, optionally, a named evidence check Waymark can
evaluate. States of an action (``workflows.py``):

    open -> closed | closed_with_monitoring      (signed off by someone other than the owner,
                                                  with the named evidence passing)
    closed | closed_with_monitoring -> open      (reopened, with a reason)

An ``ActionUpdate`` is a dated progress note with its evidence; one that revises the due date
keeps the old date, so the action's slipping history is the list of its revisions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL


class Response(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    PARTIALLY_ACCEPTED = "partially_accepted", "Partially accepted"
    REJECTED = "rejected", "Rejected"
    NOT_GIVEN = "not_given", "Not given in the report"


class Recommendation(models.Model):
    seed = models.CharField(max_length=3, help_text="The seed report's file number, e.g. 002")
    source_title = models.CharField(max_length=300)
    number = models.CharField(max_length=20, help_text='As the report numbers it: "1", "4a"')
    order = models.PositiveIntegerField(default=0, help_text="Its place in the report")
    theme = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    response = models.CharField(max_length=20, choices=Response.choices, default=Response.NOT_GIVEN)
    response_text = models.TextField(blank=True)
    implementation_date_text = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["seed", "order"]
        constraints = [
            models.UniqueConstraint(fields=["seed", "number"], name="oversight_recommendation_once")
        ]
        permissions = [
            ("view_tracker", "See the recommendations and actions tracker"),
            ("manage_actions", "Add actions to recommendations and post updates"),
            ("sign_off_actions", "Close (sign off) and reopen actions"),
            ("export_tracker", "Export the recommendations and actions tracker"),
        ]

    def __str__(self) -> str:
        return f"{self.seed} recommendation {self.number}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    CLOSED_WITH_MONITORING = "closed_with_monitoring", "Closed with monitoring"


class Action(models.Model):
    """What someone owns to satisfy a recommendation. States: see the module docstring."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="actions"
    )
    description = models.TextField()
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    milestone = models.CharField(max_length=200, blank=True)
    due_on = models.DateField()
    original_due_on = models.DateField()
    evidence_kind = models.CharField(max_length=60, default="none")
    evidence_parameter = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=30, choices=ActionStatus.choices, default=ActionStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    closure_note = models.TextField(blank=True)
    evidence_result = models.TextField(blank=True, help_text="What the check found at sign-off")

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"Action {self.pk} on {self.recommendation}"


class ActionUpdate(models.Model):
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    posted_on = models.DateField()
    posted_at = models.DateTimeField()
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField()
    evidence = models.TextField(blank=True)
    previous_due_on = models.DateField(null=True, blank=True)
    revised_due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["action", "posted_at", "pk"]

    def __str__(self) -> str:
        return f"Update {self.pk} on action {self.action_id}"

    @property
    def revises_due_date(self) -> bool:
        return self.revised_due_on is not None
