"""Oversight tables: fairness and safeguarding monitoring (issue 20 item 5; oversight.md §3, §6).

The figures themselves are computed live from the decision points the modules register
(``waymark.core.fairness``); what is stored is what people do about them. A ``DisparityReview`` is
an "explain or reform" item: a disparity that was flagged (the ratio outside 0.8-1.25 and its
confidence interval excluding 1, for a group at or above the small-group threshold), frozen as it
was when the item was opened, with an owner, a due date and the owner's recorded answer: an
explanation of why the disparity is justified, or the reform that will be made.

States (``workflows.DISPARITY_REVIEW_WORKFLOW``):

    open -> answered          (the owner records an explanation or a reform)
    answered -> closed        (someone who manages the items accepts the answer)
    answered -> open          (the answer is sent back, with a reason)

One item at a time per decision point, dimension and group: a new one may be opened once the last
is closed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

USER = settings.AUTH_USER_MODEL

__all__ = ["AnswerKind", "DisparityReview", "DisparityReviewStatus", "FairnessCount"]


class DisparityReviewStatus(models.TextChoices):
    OPEN = "open", "Open: awaiting an answer"
    ANSWERED = "answered", "Answered: awaiting acceptance"
    CLOSED = "closed", "Closed"


class AnswerKind(models.TextChoices):
    EXPLAIN = "explain", "Explain: the disparity is justified"
    REFORM = "reform", "Reform: the practice will change"


class DisparityReview(models.Model):
    """An "explain or reform" item for one flagged disparity. States: see the module docstring."""

    decision_point = models.CharField(max_length=80, help_text="core.fairness key")
    decision_point_label = models.CharField(max_length=200)
    dimension = models.CharField(max_length=40)
    group = models.CharField(max_length=200)
    reference_group = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    # The figures as they stood when the item was opened.
    group_count = models.PositiveIntegerField()
    group_outcomes = models.PositiveIntegerField()
    reference_count = models.PositiveIntegerField()
    reference_outcomes = models.PositiveIntegerField()
    ratio = models.FloatField()
    ci_low = models.FloatField()
    ci_high = models.FloatField()
    status = models.CharField(
        max_length=20,
        choices=DisparityReviewStatus.choices,
        default=DisparityReviewStatus.OPEN,
        db_index=True,
    )
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, help_text="Why it was opened, what to look at")
    answer_kind = models.CharField(max_length=10, choices=AnswerKind.choices, blank=True)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision_point", "dimension", "group"],
                condition=~Q(status="closed"),
                name="oversight_one_live_disparity_review",
            ),
        ]
        permissions = [
            ("view_fairness", "See fairness monitoring figures and explain-or-reform items"),
            ("manage_disparity_reviews", "Open, accept and send back explain-or-reform items"),
            ("export_fairness", "Export fairness monitoring figures"),
        ]

    def __str__(self) -> str:
        return f"Explain or reform: {self.decision_point_label}, {self.dimension} {self.group}"


class FairnessCount(models.Model):
    """A summary row of the read model ``oversight.fairness`` (``core.read_models``): how many of a
    decision point's decisions fell in one group of one dimension, and how many had the outcome,
    within one period band ending on the rebuild's date. The bands are disjoint: ``months`` 3 is
    the last 3 months, 6 the 3 months before those, 12 and 24 likewise, so the page's "last N
    months" is the sum of the bands up to N. Written only by
    ``services.fairness_read_model.fairness_read_model_rebuild``; read only through
    ``selectors.fairness`` (protected breakdowns behind their permission, each read audited).

    The dimension ``__people__`` (group "") holds, per band, how many distinct people the decisions
    of the whole period up to that band are about: the number a protected breakdown's
    consultation entry names."""

    decision_point = models.CharField(max_length=80)
    months = models.PositiveSmallIntegerField()
    dimension = models.CharField(max_length=40)
    group = models.CharField(max_length=200, blank=True)
    decisions = models.BigIntegerField()
    outcomes = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["decision_point", "dimension"], name="oversight_fairness_pd_idx")
        ]

    def __str__(self) -> str:
        return f"{self.decision_point} {self.dimension}={self.group} ({self.months} months)"
