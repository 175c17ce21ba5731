"""Oversight tables: governance beyond the tracker (issue 20 item 6; oversight.md §4, §6
"Governance"): risk registers with their review cadence and acceptances, the EM supplier issues
log (000 rec 4: "a joint issues log and risk register"), complaints with the 20-working-day target
(000 §5.93), and lessons learned from reviews, litigation and incidents.

States (``workflows.py``):

    risk:            open -> closed (with a reason) -> open (reopened)
    supplier issue:  open -> with_supplier | resolved; with_supplier -> open | resolved;
                     resolved -> closed | open (reopened)
    complaint:       received -> allocated (a handler, a task on their queue) -> responded
                     allocated -> allocated (reallocated)

A risk's rating is likelihood x impact (each 1-5); its level (high, medium, low) sets how often it
is reviewed (``rules.RISK_REVIEW_DAYS``, SimpleRisk's 90/180/360). A review records the rating then
and moves the next review date; an acceptance holds until it expires, and the risk is due for
review on the expiry date at the latest. Complaints name the person concerned by id
(``person_id``), as other oversight tables do; people's tables are never written.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

USER = settings.AUTH_USER_MODEL

__all__ = [
    "Complaint",
    "ComplaintChannel",
    "ComplaintEscalation",
    "ComplaintOutcome",
    "ComplaintStage",
    "ComplaintStatus",
    "ComplaintTheme",
    "ComplaintThemeTag",
    "EscalationStatus",
    "Lesson",
    "LessonSource",
    "RegisterKind",
    "Risk",
    "RiskAcceptance",
    "RiskEdit",
    "RiskRegister",
    "RiskReview",
    "RiskStatus",
    "SupplierIssue",
    "SupplierIssueStatus",
]


def _score_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 1}) & Q(**{f"{field}__lte": 5}), name=name
    )


# --- risk registers ---------------------------------------------------------------------------


class RegisterKind(models.TextChoices):
    DIRECTORATE = "directorate", "Directorate register"
    JOINT = "joint", "Joint register with a supplier"
    PROGRAMME = "programme", "Programme or team register"


class RiskRegister(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=RegisterKind.choices)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # A joint register names the contract owner (000 rec 4) and the supplier it is held with.
    contract_owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.CharField(max_length=200, blank=True)
    contract = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            # The service refuses a name that differs only in case; two added at the same moment
            # both passed that check, and "name" alone is unique case by case.
            models.UniqueConstraint(Lower("name"), name="oversight_register_name_any_case"),
        ]
        permissions = [
            ("view_risks", "See risk registers and the supplier issues log"),
            ("manage_risks", "Keep risk registers, review risks and log supplier issues"),
            ("accept_risks", "Accept a risk for a time (not one's own)"),
            ("view_complaints", "See complaints"),
            ("manage_complaints", "Record, allocate and respond to complaints"),
            (
                "record_complaints",
                "Record a complaint that arrives in correspondence one reads, for the complaints "
                "team to allocate",
            ),
            ("analyse_complaints", "See the complaint themes analysis"),
            ("view_lessons", "Read and search lessons learned"),
            ("manage_lessons", "Record lessons learned"),
        ]

    def __str__(self) -> str:
        return self.name


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Risk(models.Model):
    register = models.ForeignKey(RiskRegister, on_delete=models.PROTECT, related_name="risks")
    number = models.PositiveIntegerField(help_text="Its number within the register")
    title = models.CharField(max_length=200)
    cause = models.TextField()
    effect = models.TextField()
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    likelihood = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    controls = models.TextField(blank=True)
    mitigating_actions = models.TextField(blank=True)
    target_likelihood = models.PositiveSmallIntegerField()
    target_impact = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN, db_index=True
    )
    next_review_on = models.DateField(db_index=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["register", "number"]
        constraints = [
            models.UniqueConstraint(fields=["register", "number"], name="oversight_risk_number"),
            _score_check("likelihood", "oversight_risk_likelihood_1_5"),
            _score_check("impact", "oversight_risk_impact_1_5"),
            _score_check("target_likelihood", "oversight_risk_target_likelihood_1_5"),
            _score_check("target_impact", "oversight_risk_target_impact_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.register.name} risk {self.number}"

    @property
    def rating(self) -> int:
        return self.likelihood * self.impact

    @property
    def target_rating(self) -> int:
        return self.target_likelihood * self.target_impact

    @property
    def level(self) -> str:
        from waymark.oversight import rules

        return rules.risk_level(self.rating)


class RiskReview(models.Model):
    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    reviewed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    likelihood = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    rating = models.PositiveSmallIntegerField(help_text="The rating then")
    level = models.CharField(max_length=10)
    note = models.TextField()
    next_review_on = models.DateField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["risk", "-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.risk} on {self.reviewed_on}"


class RiskEdit(models.Model):
    """A change to a risk's words, owner or target (``services.risk_edit``): each changed field's
    old and new value, who changed it, when and why. The rating changes only by a review."""

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="edits")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(
        help_text='{"field": {"old": ..., "new": ...}}, owners by id and name'
    )
    reason = models.TextField()

    class Meta:
        ordering = ["risk", "-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"Change to {self.risk} on {self.changed_at:%Y-%m-%d}"


class RiskAcceptance(models.Model):
    """A risk accepted (tolerated above its target) until a date, by someone other than its owner.
    It lapses on ``expires_on``; the risk is due for review then at the latest."""

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="acceptances")
    accepted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    accepted_on = models.DateField()
    expires_on = models.DateField()
    rating = models.PositiveSmallIntegerField(help_text="The rating accepted")
    reason = models.TextField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["risk", "-accepted_on", "-pk"]

    def __str__(self) -> str:
        return f"Acceptance of {self.risk} until {self.expires_on}"


# --- the EM supplier issues log (000 rec 4) -------------------------------------------------


class SupplierIssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    WITH_SUPPLIER = "with_supplier", "With the supplier"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class SupplierIssue(models.Model):
    register = models.ForeignKey(RiskRegister, on_delete=models.PROTECT, related_name="issues")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField()
    raised_on = models.DateField()
    raised_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    supplier_contact = models.CharField(max_length=200, blank=True)
    target_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20,
        choices=SupplierIssueStatus.choices,
        default=SupplierIssueStatus.OPEN,
        db_index=True,
    )
    status_changed_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    risk = models.ForeignKey(
        Risk, null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    history = models.JSONField(default=list, help_text="Each status change: on, by, from, to, note")

    class Meta:
        ordering = ["register", "number"]
        constraints = [
            models.UniqueConstraint(fields=["register", "number"], name="oversight_issue_number")
        ]

    def __str__(self) -> str:
        return f"{self.register.name} issue {self.number}"


# --- complaints (000 §5.93) -------------------------------------------------------------------


class ComplaintChannel(models.TextChoices):
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    WEB_FORM = "web_form", "Web form"
    MP = "mp", "Through a Member of Parliament"
    IN_PERSON = "in_person", "In person"


class ComplaintTheme(models.TextChoices):
    STAFF_CONDUCT = "staff_conduct", "Staff conduct"
    DELAY = "delay", "Delay"
    COMMUNICATION = "communication", "Communication"
    DECISION = "decision", "A decision"
    EM_EQUIPMENT = "em_equipment", "Electronic monitoring equipment or supplier"
    REPORTING = "reporting", "Reporting arrangements"
    DETENTION = "detention", "Detention or removal"
    DATA = "data", "Personal data"
    DISCRIMINATION = "discrimination", "Discrimination"
    OTHER = "other", "Other"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "Received: to allocate"
    ALLOCATED = "allocated", "Allocated: response due"
    RESPONDED = "responded", "Responded"


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


class Complaint(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    channel = models.CharField(max_length=20, choices=ComplaintChannel.choices)
    received_on = models.DateField(db_index=True)
    complainant = models.CharField(max_length=200, help_text="Who complained")
    # The person Waymark holds a record of whom the complaint concerns, where known (by id, as the
    # other oversight tables name people; people's tables are never written).
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # The correspondence item it was recorded from, if any (by id: correspondence's table is
    # read through its selectors, never written); one complaint an item.
    correspondence_item_id = models.BigIntegerField(null=True, blank=True, unique=True)
    summary = models.TextField()
    nation = models.CharField(max_length=30, default="england-and-wales")
    due_on = models.DateField(help_text="The response target: 20 working days from receipt")
    status = models.CharField(
        max_length=20,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
        db_index=True,
    )
    handler = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    allocated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_on = models.DateField(null=True, blank=True)
    response = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=ComplaintOutcome.choices, blank=True)
    responded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(responded_on__isnull=True)
                | Q(responded_on__gte=models.F("received_on")),
                name="oversight_complaint_responded_after_receipt",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def on_time(self) -> bool | None:
        if self.responded_on is None:
            return None
        return self.responded_on <= self.due_on


class ComplaintThemeTag(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="themes")
    theme = models.CharField(max_length=30, choices=ComplaintTheme.choices)

    class Meta:
        ordering = ["complaint", "theme"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "theme"], name="oversight_complaint_theme")
        ]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.theme}"


class ComplaintStage(models.TextChoices):
    REVIEW = "review", "Stage 2: internal review"
    OMBUDSMAN = "ombudsman", "The Parliamentary and Health Service Ombudsman"


class EscalationStatus(models.TextChoices):
    REQUESTED = "requested", "Review requested: to allocate"
    ALLOCATED = "allocated", "Review allocated: response due"
    RESPONDED = "responded", "Review responded"
    WITH_OMBUDSMAN = "with_ombudsman", "With the Ombudsman"
    DECIDED = "decided", "The Ombudsman has decided"


class ComplaintEscalation(models.Model):
    """A complaint taken further after its stage-1 response: a stage-2 internal review (its own
    20-working-day target, by someone other than the stage-1 handler), then the Ombudsman (their
    reference, finding and any remedy). One of each a complaint; stage 1 stays as it was."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="escalations")
    stage = models.CharField(max_length=20, choices=ComplaintStage.choices)
    status = models.CharField(max_length=20, choices=EscalationStatus.choices, db_index=True)
    requested_on = models.DateField(help_text="When the complainant asked for it")
    reason = models.TextField(blank=True, help_text="Why the complainant is not satisfied")
    due_on = models.DateField(null=True, blank=True, help_text="A review's response target")
    ombudsman_reference = models.CharField(max_length=60, blank=True)
    handler = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    allocated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ComplaintOutcome.choices, blank=True)
    response = models.TextField(blank=True, help_text="The review's response, or the finding")
    remedy = models.TextField(blank=True, help_text="The Ombudsman's recommended remedy, if any")
    responded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["complaint", "requested_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "stage"], name="oversight_complaint_escalation_once"
            ),
            models.CheckConstraint(
                condition=Q(responded_on__isnull=True)
                | Q(responded_on__gte=models.F("requested_on")),
                name="oversight_escalation_responded_after_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.get_stage_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (
            EscalationStatus.REQUESTED,
            EscalationStatus.ALLOCATED,
            EscalationStatus.WITH_OMBUDSMAN,
        )

    @property
    def on_time(self) -> bool | None:
        if self.responded_on is None or self.due_on is None:
            return None
        return self.responded_on <= self.due_on


# --- lessons learned ----------------------------------------------------------------------------


class LessonSource(models.TextChoices):
    REVIEW = "review", "Review or inspection"
    LITIGATION = "litigation", "Litigation"
    INCIDENT = "incident", "Incident"
    COMPLAINT = "complaint", "Complaint"
    QUALITY_ASSURANCE = "quality_assurance", "Quality assurance"


class Lesson(models.Model):
    title = models.CharField(max_length=200)
    source_type = models.CharField(max_length=30, choices=LessonSource.choices)
    source_reference = models.CharField(max_length=200)
    summary = models.TextField(help_text="What happened")
    lesson = models.TextField(help_text="What we learned")
    actions = models.TextField(blank=True, help_text="What is being done about it")
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    learned_on = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-learned_on", "-pk"]

    def __str__(self) -> str:
        return self.title
