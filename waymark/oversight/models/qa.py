"""Oversight tables: quality assurance (issue 20 item 1; oversight.md §1, §6 "Sampling",
"Disputes"; 003 §7.36-7.54).

- ``Checklist`` / ``ChecklistQuestion``: a versioned checklist per kind of work (a ``WorkKind`` key
  from ``waymark.core.assurance``), each question with guidance, a weight and coded failure
  reasons. A new version replaces the current one; reviews keep the version they used.
- ``SamplingRule``: how work of a kind is drawn for review (random with a monthly cap, 100% of a
  category, targeted, time-driven, adaptive with normal/tightened/reduced levels).
- ``SampleDraw``: one seeded, recorded draw (seed, population ids with their hash and count,
  strata with their rate and level, cap applied, ids drawn) that an auditor re-derives.
- ``SampleItem``: one drawn piece of work to review.
- ``QAReview`` / ``QAAnswer``: a first-line (line manager) or second-line (assurance team) review,
  red/amber/green per question with coded reasons.
- ``QADispute``: the reviewed person's challenge to a review, decided and kept.
- ``LearningItem``: what a failure teaches its person; ``TeamObservation``: a team observed, with
  the next observation due by its rating (003 §7.46).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL
TEAM = "accounts.Team"

__all__ = [
    "Checklist",
    "ChecklistQuestion",
    "LearningItem",
    "QAAnswer",
    "QADispute",
    "QALevelEvent",
    "QAReview",
    "Rag",
    "ReviewLine",
    "RuleMethod",
    "SampleDraw",
    "SampleItem",
    "SamplingRule",
    "TeamObservation",
]


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class Checklist(models.Model):
    kind_key = models.CharField(max_length=80, help_text="The work kind (core.assurance) it checks")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind_key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind_key", "version"], name="oversight_checklist_version_once"
            )
        ]
        permissions = [
            ("view_qa", "See quality-assurance rules, samples, reviews and trends"),
            ("review_first_line", "Review work as a line manager (first line)"),
            ("review_second_line", "Review work as the assurance team (second line)"),
            ("configure_qa", "Configure sampling rules and checklists, and draw samples"),
            ("decide_qa_disputes", "Decide disputes about quality reviews"),
            ("record_observations", "Record team observations"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class ChecklistQuestion(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="questions")
    order = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=40)
    area = models.CharField(max_length=100, blank=True, help_text="e.g. one of 003 §7.49's areas")
    text = models.CharField(max_length=300)
    guidance = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField(default=1)
    failure_reasons = models.JSONField(default=list, help_text="[[code, label], ...]")

    class Meta:
        ordering = ["checklist", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "code"], name="oversight_question_code_once"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def reason_labels(self) -> dict[str, str]:
        return dict(self.failure_reasons)


class RuleMethod(models.TextChoices):
    RANDOM = "random", "Random percentage (with a monthly cap)"
    CATEGORY = "category", "All of a category"
    NEW_STAFF = "new_staff", "Targeted: new staff"
    AFTER_FAILURE = "after_failure", "Targeted: after a failure"
    TIME = "time", "Time-driven: work at a set age"
    ADAPTIVE = "adaptive", "Adaptive levels (normal / tightened / reduced)"


class SamplingRule(models.Model):
    name = models.CharField(max_length=200)
    kind_key = models.CharField(max_length=80)
    method = models.CharField(max_length=20, choices=RuleMethod.choices)
    rate = models.FloatField(default=0.1, help_text="Share drawn (0-1); adaptive: the normal rate")
    monthly_cap = models.PositiveIntegerField(null=True, blank=True)
    category = models.CharField(max_length=80, blank=True)
    age_days = models.PositiveIntegerField(null=True, blank=True)
    # Adaptive rules: per decision type (the rule's rounds) or per person (each person's items).
    per_person = models.BooleanField(default=False)
    tightened_rate = models.FloatField(null=True, blank=True)
    reduced_rate = models.FloatField(null=True, blank=True)
    scheme = models.JSONField(
        default=dict, blank=True, help_text="Switching numbers that differ from rules.py's"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A change is a new rule replacing this one from a date (``services.qa.rule_change``): the
    # old rule ends the day before (``ends_on``, its last day in force) and stays, with its draws.
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    starts_on = models.DateField(null=True, blank=True, help_text="First day in force")
    ends_on = models.DateField(null=True, blank=True, help_text="Last day in force")
    change_reason = models.TextField(blank=True, help_text="Why this rule replaced the one before")
    # Ended without a successor (``services.qa.rule_end``): why, kept on the rule's page.
    end_reason = models.TextField(blank=True, help_text="Why the rule was ended, not replaced")

    class Meta:
        ordering = ["kind_key", "name"]

    def __str__(self) -> str:
        return self.name


class SampleDraw(models.Model):
    rule = models.ForeignKey(SamplingRule, on_delete=models.PROTECT, related_name="draws")
    period_start = models.DateField()
    period_end = models.DateField()
    drawn_at = models.DateTimeField()
    drawn_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seed = models.BigIntegerField()
    population = models.JSONField(default=list, help_text="The candidate ids, sorted")
    population_count = models.PositiveIntegerField()
    population_hash = models.CharField(max_length=64)
    strata = models.JSONField(
        default=list, help_text='[{"key", "level", "rate", "ids"}]: each drawn at its rate'
    )
    cap_remaining = models.PositiveIntegerField(null=True, blank=True)
    drawn = models.JSONField(default=list)
    level = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"Draw {self.pk} of {self.rule}"


class SampleItem(models.Model):
    draw = models.ForeignKey(SampleDraw, on_delete=models.PROTECT, related_name="items")
    kind_key = models.CharField(max_length=80)
    item_id = models.BigIntegerField()
    worker = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        TEAM, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_id = models.BigIntegerField(null=True, blank=True)
    item_on = models.DateField()
    url = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["draw", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "item_id"], name="oversight_sample_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind_key} {self.item_id}"


class ReviewLine(models.TextChoices):
    FIRST = "first", "First line (line manager)"
    SECOND = "second", "Second line (assurance team)"


class QAReview(models.Model):
    item = models.ForeignKey(SampleItem, on_delete=models.PROTECT, related_name="reviews")
    line = models.CharField(max_length=10, choices=ReviewLine.choices)
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()
    rating = models.CharField(max_length=10, choices=Rag.choices)
    score = models.FloatField(help_text="Weighted share of the points available (0-1)")
    feedback = models.TextField(blank=True)
    corrective_action = models.TextField(blank=True)
    corrective_task_id = models.BigIntegerField(null=True, blank=True)
    # After a dispute that changed it: the rating that stands.
    final_rating = models.CharField(max_length=10, choices=Rag.choices)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "line"], name="oversight_review_once_per_line")
        ]

    def __str__(self) -> str:
        return f"{self.get_line_display()} review of {self.item}"


class QAAnswer(models.Model):
    review = models.ForeignKey(QAReview, on_delete=models.PROTECT, related_name="answers")
    question = models.ForeignKey(ChecklistQuestion, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=10, choices=Rag.choices)
    reason_codes = models.JSONField(default=list)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "question__order"]

    def __str__(self) -> str:
        return f"{self.rating} for {self.question_id} in review {self.review_id}"


class QADispute(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "", "Not yet decided"
        UPHELD = "upheld", "Upheld: the rating changes"
        REJECTED = "rejected", "Not upheld: the rating stands"

    review = models.OneToOneField(QAReview, on_delete=models.PROTECT, related_name="dispute")
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    grounds = models.TextField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    revised_rating = models.CharField(max_length=10, choices=Rag.choices, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Dispute of {self.review}"


class LearningItem(models.Model):
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(QAReview, on_delete=models.PROTECT, related_name="learning_items")
    question = models.ForeignKey(ChecklistQuestion, on_delete=models.PROTECT, related_name="+")
    reason_codes = models.JSONField(default=list)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=12,
        choices=[("open", "Open"), ("done", "Done"), ("withdrawn", "Withdrawn (dispute upheld)")],
        default="open",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text


class TeamObservation(models.Model):
    team = models.ForeignKey(TEAM, on_delete=models.PROTECT, related_name="+")
    observed_on = models.DateField()
    observer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=10, choices=Rag.choices)
    notes = models.TextField()
    next_due_on = models.DateField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-observed_on", "-pk"]

    def __str__(self) -> str:
        return f"Observation of team {self.team_id} on {self.observed_on}"


class QALevelEvent(models.Model):
    """A recorded event in an adaptive rule's levels that the lots alone do not give: an assurance
    manager's corrective action resuming a discontinued rule (or person) at tightened (ISO 2859-1).
    The level is replayed from the lots and these events."""

    class Kind(models.TextChoices):
        RESUMED = "resumed", "Corrective action recorded: resumed at tightened"

    rule = models.ForeignKey(SamplingRule, on_delete=models.PROTECT, related_name="level_events")
    worker = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RESUMED)
    reason = models.TextField(help_text="The corrective action taken")
    # The newest draw of the rule (or the rules it replaced) when this was recorded: lots of that
    # draw and earlier come before it in the replay, later draws' lots after it.
    after_draw_id = models.BigIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on rule {self.rule_id}"
