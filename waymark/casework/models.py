"""Criminal casework records (brief casework.md; seeds 001 and 004).

One ``Case`` per person managed by criminal casework holds what the lists need without a scan:
the band with its reason, and the person's reporting state (consecutive misses, last attended, out
of contact since, absconder). Services keep those columns in step in the same transaction as the
event that changes them, so the flagged and overdue lists are plain indexed queries.

Reporting events are unique per restriction and day: generating them twice (two sweeps at once, a
sweep after a change) cannot create a second row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from waymark.casework import rules
from waymark.core.clock import LONDON
from waymark.core.models import FigureFactBase

USER = settings.AUTH_USER_MODEL
PERSON = "people.Person"
TEAM = "accounts.Team"


def _choices(pairs):
    return [(key, label) for key, label, *_ in pairs]


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    REMOVED = "removed", "Removed"
    CLOSED = "closed", "Closed"


class Case(models.Model):
    """A person's criminal-casework case: their band (computed, or overridden with a reason) and
    their reporting state, kept in step by the services.

    States (``workflows.CASE``): ``open`` from the moment the case is opened (on referral routing,
    reporting or banding); ``removed`` once removal directions are carried out (final); ``closed``
    for a case no longer managed (no service closes one yet; a closed case whose person is removed
    becomes removed)."""

    person = models.OneToOneField(PERSON, on_delete=models.PROTECT, related_name="casework_case")
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    detained = models.BooleanField(default=False)
    formerly_mappa = models.BooleanField(default=False)
    computed_band = models.PositiveSmallIntegerField(choices=list(rules.BANDS.items()))
    computed_reason = models.CharField(max_length=300)
    band_override = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=list(rules.BANDS.items())
    )
    band_override_reason = models.TextField(blank=True)
    band_overridden_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    band_overridden_at = models.DateTimeField(null=True, blank=True)
    # Reporting state, kept in step by the outcome services.
    consecutive_missed = models.PositiveIntegerField(default=0)
    last_attended_on = models.DateField(null=True, blank=True)
    out_of_contact_since = models.DateField(null=True, blank=True)
    absconder_since = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["status", "detained"]),
            models.Index(
                fields=["out_of_contact_since"],
                name="case_out_of_contact",
                condition=Q(out_of_contact_since__isnull=False, absconder_since__isnull=True),
            ),
            models.Index(fields=["next_review_due"]),
        ]
        permissions = [
            ("manage_casework", "Own and progress criminal-casework cases"),
            ("override_band", "Override a case's band with a reason"),
            ("run_reporting_centre", "Run reporting events and commissions at a centre"),
            ("manage_removals", "Set removal directions and record outcomes"),
            ("decide_detention", "Accept or reject requests to detain (gatekeeping)"),
            ("view_casework_mi", "See criminal-casework management information"),
            ("manage_intake", "Check and route new referrals"),
        ]

    def __str__(self) -> str:
        return f"Case for person {self.person_id}"

    @property
    def band(self) -> int:
        return self.band_override or self.computed_band

    @property
    def band_reason(self) -> str:
        if self.band_override:
            return f"Overridden from band {self.computed_band}: {self.band_override_reason}"
        return self.computed_reason


class BandChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="band_history")
    from_band = models.PositiveSmallIntegerField(null=True)
    to_band = models.PositiveSmallIntegerField()
    reason = models.TextField()
    changed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class ReferralStatus(models.TextChoices):
    AWAITING_CHECKS = "awaiting_checks", "Awaiting intake checks"
    ROUTED = "routed", "Routed to an owning team"
    NOT_ACCEPTED = "not_accepted", "Not accepted"


class Referral(models.Model):
    """A referral into criminal casework, checked by intake and routed by band (001 §6.35-6.38).

    States (``workflows.REFERRAL``): ``awaiting_checks`` until intake decides (one at a time per
    person); then ``routed`` to the owning team for its band, or ``not_accepted`` with a reason.
    Both are final."""

    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="casework_referrals")
    referred_at = models.DateTimeField()
    referred_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    criteria = models.JSONField(default=list, help_text="[[key, reason], ...] at referral")
    intake_due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.AWAITING_CHECKS
    )
    outstanding_applications_checked = models.BooleanField(default=False)
    outstanding_applications = models.TextField(blank=True)
    band = models.PositiveSmallIntegerField(null=True, blank=True)
    routed_to = models.ForeignKey(
        TEAM, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    routed_at = models.DateTimeField(null=True, blank=True)
    routed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    not_accepted_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["intake_due_on", "pk"]
        indexes = [models.Index(fields=["status", "intake_due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="awaiting_checks"),
                name="one_open_referral_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class PlaceKind(models.TextChoices):
    REPORTING_CENTRE = "reporting_centre", "Reporting centre"
    POLICE_STATION = "police_station", "Police station"


class ReportingRestriction(models.Model):
    person = models.ForeignKey(
        PERSON, on_delete=models.PROTECT, related_name="reporting_restrictions"
    )
    centre = models.ForeignKey(
        TEAM,
        on_delete=models.PROTECT,
        related_name="reporting_restrictions",
        help_text="The reporting centre team that runs the events",
    )
    place_kind = models.CharField(
        max_length=20, choices=PlaceKind.choices, default=PlaceKind.REPORTING_CENTRE
    )
    police_station = models.CharField(max_length=200, blank=True)
    frequency_days = models.PositiveSmallIntegerField(default=rules.DEFAULT_FREQUENCY_DAYS)
    frequency_reason = models.CharField(max_length=30, blank=True, choices=rules.LESS_OFTEN_REASONS)
    window_start = models.TimeField()
    window_minutes = models.PositiveSmallIntegerField(default=rules.DEFAULT_WINDOW_MINUTES)
    window_reason = models.TextField(blank=True)
    detain_on_reporting = models.BooleanField(default=False)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField()
    changed_at = models.DateTimeField(null=True, blank=True)
    change_summary = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "ends_on"]),
            models.Index(fields=["centre", "ends_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_minutes__gt=0), name="restriction_window_positive"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="restriction_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Restriction {self.pk}"

    @property
    def place(self) -> str:
        return (
            self.police_station if self.place_kind == PlaceKind.POLICE_STATION else self.centre.name
        )


class RestrictionChange(models.Model):
    restriction = models.ForeignKey(
        ReportingRestriction, on_delete=models.CASCADE, related_name="changes"
    )
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(help_text="{field: [old, new]}")
    summary = models.CharField(max_length=500)
    reason = models.TextField()

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Outcome(models.TextChoices):
    ATTENDED = "attended", "Attended"
    NO_SHOW = "no_show", "Did not attend (no show)"
    EXCUSED = "excused", "Excused"
    RESCHEDULED = "rescheduled", "Rescheduled"


class ReportingEvent(models.Model):
    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="reporting_events")
    restriction = models.ForeignKey(
        ReportingRestriction, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    centre = models.ForeignKey(TEAM, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    window_start = models.TimeField()
    window_minutes = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rescheduled_to = models.DateField(null=True, blank=True)
    chased_at = models.DateTimeField(
        null=True, blank=True, help_text="Past with no outcome: the centre was chased"
    )
    cancelled = models.BooleanField(
        default=False, help_text="Withdrawn by a change to the restriction"
    )

    class Meta:
        ordering = ["due_on", "window_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["restriction", "due_on"], name="one_event_per_restriction_day"
            )
        ]
        indexes = [
            models.Index(fields=["centre", "due_on"]),
            models.Index(fields=["person", "due_on"]),
            models.Index(
                fields=["due_on"],
                name="event_outcome_missing",
                condition=Q(outcome="", cancelled=False),
            ),
            models.Index(
                fields=["centre", "due_on"],
                name="event_centre_outcome_missing",
                condition=Q(outcome="", cancelled=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Reporting event {self.pk} on {self.due_on}"

    @property
    def window_opens(self) -> datetime:
        return datetime.combine(self.due_on, self.window_start, tzinfo=LONDON)

    @property
    def window_closes(self) -> datetime:
        return self.window_opens + timedelta(minutes=self.window_minutes)

    def in_window(self, moment: datetime) -> bool:
        return self.window_opens <= moment <= self.window_closes

    @property
    def occurred_at(self) -> datetime:
        """When the event happened, as the reporting history tells it everywhere (the casework tab
        and the person's timeline): the moment attendance was recorded when the centre recorded
        it inside the window (the person was at the counter), otherwise the window's opening (a
        no-show, an excused or rescheduled event, or attendance written up after the window)."""
        recorded = self.outcome_recorded_at
        if self.outcome == Outcome.ATTENDED and recorded is not None and self.in_window(recorded):
            return recorded
        return self.window_opens


class CommissionStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    DONE = "done", "Result recorded"
    NOT_DONE = "not_done", "Could not be done"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Commission(models.Model):
    """The case owner asks the centre to use the next event for something (001 §5.6, §7.10).

    States (``workflows.COMMISSION``): ``requested`` until the centre records the result, ``done``
    or ``not_done`` (could not be done); ``withdrawn`` is a final state no service sets yet."""

    person = models.ForeignKey(
        PERSON, on_delete=models.PROTECT, related_name="reporting_commissions"
    )
    kind = models.CharField(max_length=30, choices=rules.COMMISSION_KINDS)
    instructions = models.TextField()
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    event = models.ForeignKey(
        ReportingEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="commissions"
    )
    status = models.CharField(
        max_length=20, choices=CommissionStatus.choices, default=CommissionStatus.REQUESTED
    )
    result = models.TextField(blank=True)
    result_recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result_recorded_at = models.DateTimeField(null=True, blank=True)
    owner_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class NonComplianceStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONTACT_RESTORED = "contact_restored", "Contact re-established"
    ABSCONDER = "absconder", "Declared absconder"


class NonCompliance(models.Model):
    """Opened at once by a missed event (001 §7.26); its steps are the mandatory checklist.

    States (``workflows.NON_COMPLIANCE``): ``open`` while the checklist is worked; ``absconder``
    once the person is declared an absconder; ``contact_restored`` (final) when contact is
    re-established, from either: a contact step that made contact, an attended event, or a
    trace-and-locate outcome that located them."""

    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="non_compliance")
    event = models.OneToOneField(
        ReportingEvent, on_delete=models.PROTECT, related_name="non_compliance"
    )
    band = models.PositiveSmallIntegerField()
    opened_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=NonComplianceStatus.choices, default=NonComplianceStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class ContactStep(models.Model):
    non_compliance = models.ForeignKey(
        NonCompliance, on_delete=models.CASCADE, related_name="steps"
    )
    step = models.CharField(max_length=30, choices=rules.CONTACT_STEPS)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.TextField(blank=True)
    contact_made = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["non_compliance", "step"], name="one_step_of_each_kind")
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class AbsconderDeclaration(models.Model):
    person = models.ForeignKey(
        PERSON, on_delete=models.PROTECT, related_name="absconder_declarations"
    )
    non_compliance = models.ForeignKey(
        NonCompliance, null=True, blank=True, on_delete=models.PROTECT, related_name="declarations"
    )
    declared_at = models.DateTimeField()
    declared_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    steps_taken = models.JSONField(help_text="{step: {done_at, result}} at declaration")
    consecutive_missed = models.PositiveIntegerField()
    out_of_contact_days = models.PositiveIntegerField()
    reasons = models.TextField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Located or contact resumed")

    class Meta:
        ordering = ["-declared_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class TraceReferral(models.Model):
    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="trace_referrals")
    declaration = models.ForeignKey(
        AbsconderDeclaration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trace_referrals",
    )
    referred_at = models.DateTimeField()
    referred_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    priority = models.IntegerField()
    priority_reason = models.CharField(max_length=300)
    outcome = models.CharField(max_length=30, blank=True, choices=rules.TRACE_OUTCOMES)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-priority", "referred_at", "pk"]
        indexes = [models.Index(fields=["outcome", "-priority"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def days_to_locate(self) -> int | None:
        if self.outcome in ("located_detained", "located_reporting") and self.outcome_at:
            return (self.outcome_at - self.referred_at).days
        return None


class Reoffence(models.Model):
    """A new offence by a non-detained person (001 §7.37), with the release address type at the time."""

    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="reoffences")
    offence = models.CharField(max_length=300)
    offence_on = models.DateField()
    no_fixed_abode_at_time = models.BooleanField()
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-offence_on", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class CaseReview(models.Model):
    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="case_reviews")
    due_on = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(blank=True)
    next_action = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(completed_at__isnull=True),
                name="one_open_case_review",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_on"], name="case_review_open", condition=Q(completed_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class CasePreparation(models.Model):
    """001 §7.5: 2 weeks' initial preparation, then 6 to finalise with a senior caseworker."""

    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="case_preparations")
    caseworker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="case_preparations")
    started_on = models.DateField()
    initial_due_on = models.DateField()
    initial_done_on = models.DateField(null=True, blank=True)
    finalise_due_on = models.DateField()
    finalised_on = models.DateField(null=True, blank=True)
    senior = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(finalised_on__isnull=True),
                name="one_open_case_preparation",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def days_taken(self) -> int | None:
        return (self.finalised_on - self.started_on).days if self.finalised_on else None


class Barrier(models.Model):
    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="removal_barriers")
    barrier_type = models.CharField(max_length=30, choices=rules.BARRIER_TYPES)
    detail = models.TextField(blank=True)
    started_on = models.DateField()
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    blocks_removal = models.BooleanField(default=True)
    cleared_on = models.DateField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_note = models.TextField(blank=True)
    reopened_by_removal = models.ForeignKey(
        "RemovalDirection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reopened_barriers",
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["cleared_on", "-started_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "cleared_on"]),
            models.Index(fields=["barrier_type", "cleared_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_barrier_type_display()} (from {self.started_on})"


class EtdApplication(models.Model):
    """Emergency travel document application, progressed alongside any appeal (001 §7.10).

    States (``workflows.ETD``, choices ``rules.ETD_STATUSES``): ``not_started``,
    ``interview_requested``, ``submitted`` (to the embassy), ``agreed``, ``issued``, ``refused``.
    The caseworker records whichever the application has reached, so any state may follow any
    other (a correction included)."""

    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="etd_applications")
    country = models.CharField(max_length=3)
    status = models.CharField(max_length=30, choices=rules.ETD_STATUSES, default="not_started")
    applied_on = models.DateField(null=True, blank=True)
    updated_on = models.DateField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-updated_on", "-pk"]
        indexes = [models.Index(fields=["country", "status"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class RedNotice(models.Model):
    """RED.0004: once served, repeat grounds can be dismissed (001 §7.14)."""

    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="red_notices")
    served_on = models.DateField()
    grounds_considered = models.JSONField(default=list)
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-served_on", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class FurtherSubmission(models.Model):
    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="further_submissions")
    received_on = models.DateField()
    grounds = models.JSONField(default=list)
    summary = models.TextField()
    decision_due_on = models.DateField()
    already_considered = models.JSONField(
        default=list, help_text="Grounds already considered under a RED.0004"
    )
    barrier = models.OneToOneField(
        Barrier, null=True, blank=True, on_delete=models.PROTECT, related_name="submission"
    )
    decided_on = models.DateField(null=True, blank=True)
    decision = models.CharField(
        max_length=30,
        blank=True,
        choices=[
            ("rejected", "Rejected: no fresh claim"),
            ("dismissed_red", "Dismissed: grounds already considered (RED.0004)"),
            ("fresh_claim", "Accepted as a fresh claim"),
            ("granted", "Leave granted"),
        ],
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Charter(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    destination = models.CharField(max_length=3, help_text="ISO 3166-1 alpha-3")
    departs_on = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-departs_on"]

    def __str__(self) -> str:
        return self.reference


class RemovalStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    REMOVED = "removed", "Removed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class RemovalDirection(models.Model):
    """Removal directions for a person: the route, the date and the flight or charter.

    States (``workflows.REMOVAL``): ``planned`` until the outcome is recorded; then ``removed``,
    or ``failed`` with a reason from the fixed list (which re-opens the barrier it points to).
    ``cancelled`` is a final state no service sets yet. All but ``planned`` are final."""

    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="removal_directions")
    route = models.CharField(max_length=30, choices=rules.REMOVAL_ROUTES)
    planned_for = models.DateField()
    flight = models.CharField(max_length=40, blank=True)
    charter = models.ForeignKey(
        Charter, null=True, blank=True, on_delete=models.PROTECT, related_name="manifest"
    )
    escorts = models.PositiveSmallIntegerField(default=0)
    set_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField()
    override_reason = models.TextField(
        blank=True, help_text="Why directions were set despite an open barrier"
    )
    status = models.CharField(
        max_length=20, choices=RemovalStatus.choices, default=RemovalStatus.PLANNED
    )
    failure_reason = models.CharField(
        max_length=30, blank=True, choices=_choices(rules.FAILURE_REASONS)
    )
    outcome_note = models.TextField(blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-planned_for", "-pk"]
        indexes = [
            models.Index(fields=["status", "planned_for"]),
            models.Index(fields=["person", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""),
                name="failed_removal_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class GatekeepingDecision(models.TextChoices):
    PENDING = "pending", "Awaiting a decision"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class DetentionRequest(models.Model):
    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="detention_requests")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    grounds = models.TextField()
    decision = models.CharField(
        max_length=20, choices=GatekeepingDecision.choices, default=GatekeepingDecision.PENDING
    )
    rejection_reason = models.CharField(
        max_length=30, blank=True, choices=rules.GATEKEEPING_REJECTION_REASONS
    )
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="rejected") | ~Q(rejection_reason=""),
                name="rejection_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class VoluntaryReturnOffer(models.Model):
    person = models.ForeignKey(
        PERSON, on_delete=models.PROTECT, related_name="voluntary_return_offers"
    )
    option = models.CharField(max_length=30, choices=rules.VOLUNTARY_RETURN_OPTIONS)
    offered_at = models.DateTimeField()
    offered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    context = models.CharField(
        max_length=20,
        choices=[
            ("reporting", "At a reporting event"),
            ("visit", "On a visit"),
            ("other", "Other"),
        ],
    )
    outcome = models.CharField(max_length=20, choices=rules.VOLUNTARY_RETURN_OUTCOMES)
    departed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class CaseworkFigureFact(FigureFactBase):
    """The casework figures' summary rows (read model ``casework.figures``, rebuilt by
    ``services.figures_read_model.figures_read_model_rebuild``; ``core.read_models``)."""

    class Meta:
        indexes = [models.Index(fields=["measure", "day"], name="casework_fact_measure_day")]
