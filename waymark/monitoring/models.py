"""Electronic monitoring records (brief monitoring.md; seed 000).

One person may have several bail grants over time (``people.BailGrant``, the platform's record);
each EM condition hangs off the grant that imposed it. Fitting orders, breaches, reviews, challenges
and trail-data requests all point at the person (for the single timeline and for team scoping)
and at the condition where one exists.
Supplier events are stored exactly once by the supplier's own event id: that unique constraint is
what makes a replayed or concurrent notification harmless.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from waymark.core.models import FigureFactBase
from waymark.monitoring import rules

USER = settings.AUTH_USER_MODEL


class GrantedBy(models.TextChoices):
    """The same values as ``people.BailGrantedBy``: the grant itself is the platform's record."""

    IMMIGRATION_JUDGE = "immigration_judge", "Immigration judge"
    SECRETARY_OF_STATE = "secretary_of_state", "Secretary of State"


class ExemptionGround(models.TextChoices):
    IMPRACTICAL = "impractical", "Impractical"
    CONVENTION_RIGHTS = "convention_rights", "Contrary to Convention rights"


class Exemption(models.Model):
    """A decision that the EM duty does not apply to this person (000 §1.3-1.4, §5.22)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="em_exemptions"
    )
    ground = models.CharField(max_length=30, choices=ExemptionGround.choices)
    reasons = models.TextField()
    evidence = models.TextField(
        help_text="What the decision rests on: reports, medical evidence, etc."
    )
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_on", "-pk"]
        indexes = [models.Index(fields=["person", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class DeviceType(models.TextChoices):
    GPS_FITTED = "gps_fitted", "Fitted GPS tag"
    NON_FITTED = "non_fitted", "Non-fitted device"
    RADIO_FREQUENCY = "radio_frequency", "Radio-frequency tag (legacy)"


class ConditionStatus(models.TextChoices):
    AWAITING_FITTING = "awaiting_fitting", "Awaiting fitting"
    ACTIVE = "active", "Active (monitored)"
    CEASED = "ceased", "Ceased"


class Condition(models.Model):
    """An EM condition of bail (brief monitoring §1)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="em_conditions"
    )
    bail_grant = models.ForeignKey(
        "people.BailGrant", on_delete=models.PROTECT, related_name="em_conditions"
    )
    # Custody at the grant: drives the "held awaiting fitting" and "released awaiting a device" views.
    held_in_detention = models.BooleanField(
        default=True, help_text="In prison or an IRC when bail was granted"
    )
    release_expected_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ConditionStatus.choices, default=ConditionStatus.AWAITING_FITTING
    )
    device_type = models.CharField(max_length=20, choices=DeviceType.choices)
    curfew_days = models.JSONField(default=list, blank=True, help_text="ISO weekday numbers 1-7")
    curfew_start = models.TimeField(null=True, blank=True)
    curfew_end = models.TimeField(null=True, blank=True)
    start_date = models.DateField()
    conditions_text = models.TextField(blank=True)
    decided_at = models.DateTimeField(help_text="When the decision to impose EM was made")
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    representations_due_at = models.DateTimeField()
    fitting_due_at = models.DateTimeField()
    fitting_limit_rule = models.CharField(max_length=60)
    # The recommender's advice and the caseworker's decision (000 §5.30).
    recommended_device_type = models.CharField(max_length=20, choices=DeviceType.choices)
    recommended_review_months = models.PositiveSmallIntegerField(
        default=rules.REVIEW_INTERVAL_MONTHS
    )
    recommendation_reasons = models.JSONField(default=list)
    recommender_version = models.CharField(max_length=20)
    departure_reasons = models.TextField(blank=True)
    # Fitting outcome.
    device_serial = models.CharField(max_length=60, blank=True)
    issued_phone_number = models.CharField(max_length=30, blank=True)
    fitted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at"]
        indexes = [
            models.Index(fields=["status", "fitting_due_at"]),
            models.Index(fields=["person", "status"]),
        ]
        permissions = [
            ("manage_em", "Can record EM conditions, fittings and breaches"),
            ("view_em_mi", "Can view EM management information"),
            (
                "manage_supplier",
                "Can manage supplier performance, the issues log and risk register",
            ),
            ("supplier_notify", "Can send supplier notifications (machine client)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(curfew_start__isnull=True, curfew_end__isnull=True)
                | Q(curfew_start__isnull=False, curfew_end__isnull=False),
                name="em_condition_curfew_start_and_end_together",
            ),
        ]

    def __str__(self) -> str:
        return f"EM condition ({self.get_device_type_display()}) for {self.person_id}"

    @property
    def has_curfew(self) -> bool:
        return self.curfew_start is not None

    @property
    def departs_from_recommendation(self) -> bool:
        return self.device_type != self.recommended_device_type


class DeviceStock(models.Model):
    """Devices available to fit and the plan for each type (000 Figure 11)."""

    device_type = models.CharField(max_length=20, choices=DeviceType.choices, unique=True)
    available = models.PositiveIntegerField(default=0)
    planned_in_use = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class FittingPlace(models.TextChoices):
    PRISON = "prison", "Prison"
    IRC = "irc", "Immigration removal centre"
    HOME = "home", "Home address"
    REPORTING_CENTRE = "reporting_centre", "Reporting centre"


class OrderKind(models.TextChoices):
    INSTALL = "install", "Installation"
    VARIATION = "variation", "Variation"
    REMOVAL = "removal", "Removal"


class OrderStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to send"
    SENT = "sent", "Sent to the supplier"
    SEND_FAILED = "send_failed", "Could not be sent"
    SLOT_CONFIRMED = "slot_confirmed", "Slot confirmed"
    SLOT_DECLINED = "slot_declined", "Slot declined"
    FITTED = "fitted", "Fitted"
    FAILED = "failed", "Fitting failed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class FailureReason(models.TextChoices):
    NOT_AVAILABLE = "not_available", "Person not available"
    UNCOOPERATIVE = "uncooperative", "Person uncooperative"
    SUPPLIER_DID_NOT_ATTEND = "supplier_did_not_attend", "Supplier did not attend"
    EQUIPMENT_FAULT = "equipment_fault", "Equipment fault"
    OTHER = "other", "Other"


class FittingOrder(models.Model):
    """An order to the supplier, sent through the integration, never by email (000 §5.73)."""

    reference = models.CharField(max_length=20, unique=True)
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="orders")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="em_orders")
    kind = models.CharField(max_length=20, choices=OrderKind.choices, default=OrderKind.INSTALL)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.QUEUED
    )
    place = models.CharField(max_length=20, choices=FittingPlace.choices)
    place_details = models.CharField(max_length=300)
    language = models.CharField(max_length=100, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    requested_slot_start = models.DateTimeField()
    slot_warning = models.CharField(max_length=400, blank=True)
    confirmed_slot_start = models.DateTimeField(null=True, blank=True)
    slot_answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)
    silence_flagged_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_send_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=30, choices=FailureReason.choices, blank=True)
    failure_detail = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "sent_at"])]

    def __str__(self) -> str:
        return self.reference


class SupplierEvent(models.Model):
    """One notification from the supplier, stored once by its own event id. Event ids are the
    supplier's own, so they are unique per client: one client's ``breach.ended`` can never reach
    another client's breach (issue 14 item 13)."""

    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=40)
    idempotency_key = models.CharField(max_length=200, blank=True)
    body_sha256 = models.CharField(max_length=64)
    payload = models.JSONField()
    received_at = models.DateTimeField()
    client_label = models.CharField(max_length=100, blank=True)
    response_status = models.PositiveSmallIntegerField(default=201)
    response_body = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["event_type", "received_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client_label", "event_id"], name="supplier_event_once_per_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class BreachDisposition(models.TextChoices):
    ACTIONABLE = "actionable", "Actionable: a work item"
    BATTERY_COUNTED = "battery_counted", "Battery: counted towards an accumulated violation"
    BATTERY_BELOW = "battery_below", "Battery: below the accumulated threshold so far"


class Breach(models.Model):
    event = models.OneToOneField(
        SupplierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="breach"
    )
    # Indexed through Meta's (person, breach_type, started_at) only.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="em_breaches", db_index=False
    )
    condition = models.ForeignKey(
        Condition, null=True, blank=True, on_delete=models.PROTECT, related_name="breaches"
    )
    breach_type = models.CharField(max_length=40, choices=rules.BREACH_TYPES)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    details = models.TextField(blank=True)
    disposition = models.CharField(max_length=20, choices=BreachDisposition.choices)
    accumulated = models.ForeignKey(
        "AccumulatedViolation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="breaches",
    )
    priority = models.IntegerField(default=0)
    priority_reason = models.CharField(max_length=300, blank=True)
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ladder_step = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["person", "breach_type", "started_at"]),
            models.Index(fields=["breach_type", "started_at"]),
            models.Index(fields=["received_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="em_breach_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_breach_type_display()} from {self.started_at:%d %b %Y %H:%M}"

    @property
    def duration(self):
        return None if self.ended_at is None else self.ended_at - self.started_at


class AccumulatedViolation(models.Model):
    """Battery breaches summing to the threshold in the rolling window (000 §5.16, note 20)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="em_accumulated"
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    total_seconds = models.PositiveIntegerField()
    raised_at = models.DateTimeField()
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class MitigationDecision(models.TextChoices):
    PENDING = "", "Not yet decided"
    ACCEPTED = "accepted", "Accepted: no further action"
    REJECTED = "rejected", "Not accepted: the breach stands"


class Mitigation(models.Model):
    """An explanation of a breach and the decision on it (000 §1.33, §5.82)."""

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="mitigations")
    received_on = models.DateField()
    given_by = models.CharField(
        max_length=30,
        choices=[("person", "The person"), ("representative", "Their representative")],
    )
    explanation = models.TextField()
    decision = models.CharField(max_length=20, choices=MitigationDecision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    communicated_on = models.DateField(null=True, blank=True)
    communicated_by_method = models.CharField(max_length=30, blank=True)
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class LadderAction(models.Model):
    """A step of the escalation ladder applied to a person for one breach (000 §5.83-5.84)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="em_ladder_actions"
    )
    breach = models.OneToOneField(Breach, on_delete=models.PROTECT, related_name="ladder_action")
    step = models.PositiveSmallIntegerField()
    step_key = models.CharField(max_length=30)
    letter = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField()

    class Meta:
        ordering = ["-applied_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class ReferralStatus(models.TextChoices):
    PREPARING = "preparing", "Preparing the case file"
    REFERRED = "referred", "Referred to criminal investigations"
    ACCEPTED = "accepted", "Accepted for investigation"
    DECLINED = "declined", "Declined"
    CHARGED = "charged", "Charged"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    CONVICTED = "convicted", "Convicted"
    ACQUITTED = "acquitted", "Not convicted"


EVIDENCE_CHECKLIST = [
    ("bail_conditions", "Copy of the bail conditions and the EM condition"),
    ("breach_reports", "Supplier breach reports with start and end times"),
    ("warning_letters", "Warning letters and proof of service"),
    ("contact_attempts", "Record of contact attempts made"),
    ("mitigation", "Any mitigation given and the decision on it"),
    ("supplier_statement", "Witness statement from the supplier"),
]


class ProsecutionReferral(models.Model):
    """A case file for the criminal investigations team (000 §5.19, note 22)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="em_referrals"
    )
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PREPARING
    )
    breaches = models.ManyToManyField(Breach, related_name="referrals")
    checklist = models.JSONField(
        default=dict, help_text="Evidence item key -> true when in the file"
    )
    compliance_attempts = models.TextField(blank=True)
    outcome_note = models.TextField(blank=True)
    opened_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    referred_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class ReviewStatus(models.TextChoices):
    DUE = "due", "Due"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting HEO sign-off"
    COMPLETED = "completed", "Completed"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue EM"
    CEASE = "cease", "Cease EM"
    VARY_CURFEW_REMOVED = "vary_curfew_removed", "Vary: curfew removed"
    VARY_CURFEW_AMENDED = "vary_curfew_amended", "Vary: curfew amended"
    VARY_DEVICE_CHANGED = "vary_device_changed", "Vary: device type changed"


class Review(models.Model):
    """The 3-monthly EM review (000 §5.17, §5.80-5.81)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="em_reviews")
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="reviews")
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DUE)
    outcome = models.CharField(max_length=30, choices=ReviewOutcome.choices, blank=True)
    reasons_vulnerability = models.TextField(blank=True)
    reasons_medical = models.TextField(blank=True)
    reasons_convention_rights = models.TextField(blank=True)
    reasons_harm = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "due_on"], name="em_review_once_per_due_date"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class ChallengeKind(models.TextChoices):
    REPRESENTATION = "representation", "Representations"
    PRE_ACTION = "pre_action", "Pre-action protocol letter"
    JUDICIAL_REVIEW = "judicial_review", "Judicial review"


class ChallengeOutcome(models.TextChoices):
    PENDING = "", "Not yet decided"
    EM_CEASED = "em_ceased", "EM ceased"
    CURFEW_REMOVED = "curfew_removed", "Curfew removed"
    CURFEW_AMENDED = "curfew_amended", "Curfew amended"
    DEVICE_CHANGED = "device_changed", "Device type changed"
    MAINTAINED = "maintained", "EM maintained unchanged"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Challenge(models.Model):
    """Representations, pre-action letters and judicial reviews against EM (000 §5.18, Figure 14)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="em_challenges"
    )
    condition = models.ForeignKey(
        Condition, null=True, blank=True, on_delete=models.PROTECT, related_name="challenges"
    )
    kind = models.CharField(max_length=20, choices=ChallengeKind.choices)
    received_on = models.DateField()
    from_party = models.CharField(max_length=200)
    summary = models.TextField()
    is_complaint = models.BooleanField(default=False, help_text="000 §5.93")
    due_at = models.DateTimeField()
    deadline_basis = models.CharField(max_length=200)
    outcome = models.CharField(max_length=20, choices=ChallengeOutcome.choices, blank=True)
    outcome_reasons = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["kind", "received_on"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class RequesterKind(models.TextChoices):
    HOME_OFFICE = "home_office", "Home Office (internal)"
    POLICE = "police", "Police"
    PROBATION = "probation", "Probation"
    SUBJECT_ACCESS = "subject_access", "Subject access request"
    FOI = "foi", "Freedom of information"


class TrailRequestType(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance monitoring"
    TRAIL = "trail", "Trail monitoring"


class LawfulGround(models.TextChoices):
    """The DPIA list (000 §5.34)."""

    BREACH_OF_BAIL = "breach_of_bail", "Breach of bail conditions"
    ABSCONDING = "absconding", "Absconding"
    ARTICLE_8 = "article_8", "Article 8 representations or further submissions"
    ALLEGATIONS = "allegations", "Allegations or intelligence of breaches"
    SAR_OR_LEGAL = "sar_or_legal", "Subject access request or legal challenge"


class TrailStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved: requested from the supplier"
    CLOSED = "closed", "Closed"


class TrailOutcome(models.TextChoices):
    """000 Figure 9."""

    PENDING = "", "Not yet decided"
    PROVIDED = "provided", "Data provided"
    PARTIAL = "partial", "Partial data provided"
    REJECTED_JUSTIFICATION = "rejected_justification", "Rejected: insufficient justification"
    REJECTED_TOO_BROAD = "rejected_too_broad", "Rejected: too broad in scope"
    REJECTED_OTHER = "rejected_other", "Rejected: other reason"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TrailDataRequest(models.Model):
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="em_trail_requests"
    )
    requester_kind = models.CharField(max_length=20, choices=RequesterKind.choices)
    requester_name = models.CharField(max_length=200)
    request_type = models.CharField(max_length=20, choices=TrailRequestType.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    lawful_ground = models.CharField(max_length=20, choices=LawfulGround.choices)
    justification = models.TextField()
    too_broad = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=TrailStatus.choices, default=TrailStatus.AWAITING_APPROVAL
    )
    outcome = models.CharField(max_length=30, choices=TrailOutcome.choices, blank=True)
    outcome_reasons = models.TextField(blank=True)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    returned_data = models.JSONField(
        null=True, blank=True, help_text="Points returned by the supplier"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    retention_until = models.DateTimeField(null=True, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        permissions = [
            ("approve_trail_request", "Can approve trail-data requests"),
            ("view_trail_data", "Can view returned trail data"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="em_trail_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class TrailDataView(models.Model):
    request = models.ForeignKey(TrailDataRequest, on_delete=models.PROTECT, related_name="views")
    viewed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField()
    purpose = models.CharField(max_length=500)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class ServiceFigure(models.Model):
    """The supplier's monthly figures for one service level (000 Figure 12)."""

    month = models.DateField(help_text="First day of the month")
    measure = models.CharField(
        max_length=40, choices=[(k, v[0]) for k, v in rules.SERVICE_LEVELS.items()]
    )
    met = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    event = models.ForeignKey(
        SupplierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "measure"], name="em_service_figure_once_a_month"
            ),
            models.CheckConstraint(
                condition=Q(met__lte=models.F("total")), name="em_service_met_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class FaultCause(models.TextChoices):
    CHARGING = "charging", "Charging"
    SIM = "sim", "SIM"
    COMMUNICATION = "communication", "Communication failure"
    STRAP = "strap", "Strap"
    OTHER = "other", "Other"


class DeviceFault(models.Model):
    event = models.OneToOneField(
        SupplierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="fault"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="em_faults"
    )
    device_serial = models.CharField(max_length=60)
    cause = models.CharField(max_length=20, choices=FaultCause.choices)
    reported_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class LogKind(models.TextChoices):
    ISSUE = "issue", "Issue"
    RISK = "risk", "Risk"


class JointLogEntry(models.Model):
    """The joint issues log and risk register with the contract owner (000 rec 4, §5.75)."""

    kind = models.CharField(max_length=10, choices=LogKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField()
    owner = models.CharField(
        max_length=200, help_text="Home Office, MoJ contract owner or supplier"
    )
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1-5 (risks)")
    impact = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1-5 (risks)")
    mitigation = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=[("open", "Open"), ("closed", "Closed")], default="open"
    )
    raised_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-raised_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class StaffInPost(models.Model):
    """Hub staffing by grade (000 Figure 10), for the operational plan."""

    grade = models.CharField(max_length=5, unique=True)
    in_post_fte = models.DecimalField(max_digits=6, decimal_places=2)
    required_fte = models.DecimalField(max_digits=6, decimal_places=2)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class SupplierClient(models.Model):
    """A supplier system allowed to post events, with its signing secrets (Standard Webhooks).

    HMAC needs the shared secret itself, so it cannot be stored hashed like an API credential; a
    production deployment keeps these in the secrets store and loads them here (docs/modules/
    monitoring.md). ``previous_secret`` is accepted until ``previous_expires_at`` while rotating."""

    client_id = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)
    machine_user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    secret = models.CharField(max_length=200)
    previous_secret = models.CharField(max_length=200, blank=True)
    previous_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.label

    def secrets_at(self, now) -> list[str]:
        secrets = [self.secret]
        if self.previous_secret and (
            self.previous_expires_at is None or now < self.previous_expires_at
        ):
            secrets.append(self.previous_secret)
        return secrets


class FigureFact(FigureFactBase):
    """The EM figures page's summary rows (read model ``monitoring.figures``, rebuilt by
    ``services.figures_read_model_rebuild``; ``core.read_models``)."""

    class Meta:
        indexes = [models.Index(fields=["measure", "day"], name="monitoring_fact_measure_day")]
