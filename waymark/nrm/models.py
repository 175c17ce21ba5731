"""The competent authority's records: modern-slavery referrals from referral to conclusive grounds
(brief nrm.md; seed 002).

A ``Referral`` answers one ``ReferralFormVersion`` (the questions change most months; a new version
never alters an old referral) and moves through the states in ``workflows.py``: received ->
preparation -> rg_pending -> (negative RG) concluded, or (positive RG) recovery -> cg_pending ->
concluded; withdrawn from any open state. An adult who does not consent is not a referral: the
first responder's duty to notify is a ``DutyToNotify`` row with no identifying details.

Each ``Decision`` (RG, CG, or a reconsideration of either) records the evidence considered, the
rationale against the legal test in force, the guidance version in force and the decision maker;
its states are draft -> (negative) awaiting_check -> returned | ready, (positive) ready -> served.
A negative decision is served only once a ``SpecialistCheck`` agrees, or with a manager's urgent
service authority, which leaves the check open until done. Any safeguarding level needs a
``SafeguardingAdvice`` before sign-off.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from waymark.nrm import rules

USER = settings.AUTH_USER_MODEL
PERSON = "people.Person"
TEAM = "accounts.Team"


def _choices(mapping: dict) -> list[tuple]:
    return list(mapping.items())


class ReferralFormVersion(models.Model):
    """One version of the first responders' referral questions. Rows are never edited once a
    referral has answered them; a change is a new version."""

    version = models.PositiveIntegerField(unique=True)
    effective_from = models.DateField()
    questions = models.JSONField(help_text="List of {key, label, type, required}")
    change_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Referral form v{self.version}"


class GuidanceEdition(models.Model):
    """The statutory guidance in force: every decision records the edition it was made under, so the
    negative decisions made under a superseded edition can be listed and offered reconsideration
    (002 rec 5d)."""

    code = models.CharField(max_length=40, unique=True, help_text="e.g. MSA-SG-3.10")
    title = models.CharField(max_length=200)
    in_force_from = models.DateField()
    superseded_on = models.DateField(null=True, blank=True)
    rg_test = models.CharField(max_length=120, default=rules.RG_TEST)
    recovery_period_days = models.PositiveIntegerField(default=rules.RECOVERY_PERIOD_DAYS)

    class Meta:
        ordering = ["-in_force_from"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PREPARATION = "preparation", "Case preparation"
    RG_PENDING = "rg_pending", "Awaiting reasonable grounds decision"
    RECOVERY = "recovery", "Recovery period (positive RG)"
    CG_PENDING = "cg_pending", "Awaiting conclusive grounds decision"
    CONCLUDED = "concluded", "Concluded"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Referral(models.Model):
    """A referral of a potential victim to the competent authority. The account (``answers``) is
    restricted: only the competent authority's roles and the referring first responder read it."""

    reference = models.CharField(max_length=20, unique=True)
    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="nrm_referrals")
    form_version = models.ForeignKey(
        ReferralFormVersion, on_delete=models.PROTECT, related_name="referrals"
    )
    answers = models.JSONField(default=dict)
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    received_at = models.DateTimeField()
    referrer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="nrm_referrals_made"
    )
    referrer_label = models.CharField(
        max_length=200, blank=True, help_text="Machine client or named referrer"
    )
    referrer_type = models.CharField(max_length=40, choices=_choices(rules.REFERRER_TYPES))
    referring_team = models.ForeignKey(
        TEAM, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent = models.CharField(max_length=20, choices=_choices(rules.CONSENT))
    age_group = models.CharField(max_length=10, choices=_choices(rules.AGE_GROUPS))
    local_authority = models.CharField(max_length=200, blank=True)
    detained = models.BooleanField(default=False)
    has_legal_representative = models.BooleanField(default=False)
    nationality = models.CharField(
        max_length=3, blank=True, help_text="ISO 3166 alpha-3 at referral"
    )
    exploitation_types = models.JSONField(default=list)
    control_methods = models.JSONField(default=list)
    priority_cohort = models.CharField(
        max_length=20, choices=_choices(rules.PRIORITY_COHORTS), default="none"
    )
    source = models.CharField(
        max_length=40, default="web", help_text="web, api, operations_visit, person_page"
    )
    source_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    rg_due_on = models.DateField()
    decision_maker = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="nrm_referrals_deciding"
    )
    case_preparer = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nrm_referrals_preparing",
    )
    owning_team = models.ForeignKey(
        TEAM, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recovery_ends_on = models.DateField(null=True, blank=True)
    last_activity_at = models.DateTimeField()
    concluded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=30, blank=True, help_text="The final outcome when concluded"
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "rg_due_on"], name="nrm_referral_status_due"),
            models.Index(fields=["decision_maker", "status"], name="nrm_referral_dm_status"),
            models.Index(fields=["received_at"], name="nrm_referral_received"),
        ]
        permissions = [
            ("view_nrm", "See the competent authority's pages and referrals"),
            ("refer_nrm", "Refer a potential victim (first responder)"),
            ("prepare_nrm", "Gather information for a referral (case preparation)"),
            ("decide_nrm", "Make reasonable and conclusive grounds decisions"),
            ("check_nrm", "Second-pair-of-eyes checks and quality ratings (technical specialist)"),
            ("advise_nrm", "Give safeguarding advice and run the duty line"),
            ("manage_nrm", "Allocate, authorise urgent service, see all figures"),
            ("view_nrm_mi", "See the competent authority's management information"),
        ]
        constraints = [
            models.CheckConstraint(
                name="nrm_child_has_local_authority",
                condition=~Q(age_group="child") | ~Q(local_authority=""),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class DutyToNotify(models.Model):
    """An adult who did not consent to a referral: the duty to notify the Home Office, with no
    identifying details (no name, date of birth or contact; MSA 2015 s52)."""

    received_at = models.DateTimeField()
    referrer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referrer_type = models.CharField(max_length=40, choices=_choices(rules.REFERRER_TYPES))
    referring_team = models.ForeignKey(
        TEAM, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    nationality = models.CharField(max_length=3, blank=True)
    sex = models.CharField(max_length=10, blank=True)
    exploitation_types = models.JSONField(default=list)
    control_methods = models.JSONField(default=list)
    where_exploited = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True, help_text="No name, date of birth, address or contact")
    source_key = models.CharField(
        max_length=120, null=True, blank=True, unique=True, help_text="e.g. the visit's field entry"
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"Duty to notify of {self.received_at:%d %b %Y}"


class FirstResponderTraining(models.Model):
    """A first responder's training, shown beside their referral quality (002 rec 4a)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="nrm_training")
    course = models.CharField(max_length=200)
    completed_on = models.DateField()

    class Meta:
        ordering = ["-completed_on"]

    def __str__(self) -> str:
        return f"{self.course} ({self.completed_on})"


class QualityAssessment(models.Model):
    """A referral scored against the checklist, with feedback sent to the referring team through
    the single point of contact (002 rec 4b-c)."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="quality")
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()
    checklist = models.JSONField(default=dict, help_text="item key -> met (bool)")
    score = models.FloatField()
    feedback = models.TextField(blank=True)
    point_of_contact = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    feedback_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Quality of {self.referral_id}: {self.score:.0%}"


class PreparationStatus(models.TextChoices):
    OPEN = "open", "To gather"
    GATHERED = "gathered", "Gathered"
    NOT_AVAILABLE = "not_available", "Nothing held"


class PreparationItem(models.Model):
    """One source to gather from before the decision maker's task opens, and who gathers it
    (002 rec 5a-b)."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="preparation_items"
    )
    source = models.CharField(max_length=30, choices=_choices(rules.PREPARATION_SOURCES))
    gatherer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=PreparationStatus.choices, default=PreparationStatus.OPEN
    )
    summary = models.TextField(blank=True)
    gathered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["referral", "source"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "source"], name="nrm_prep_once_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} for {self.referral_id}"


class InformationRequestStatus(models.TextChoices):
    OPEN = "open", "Awaiting answer"
    CHASED = "chased", "Chased"
    ANSWERED = "answered", "Answered"
    LAPSED = "lapsed", "Lapsed: decided on what there is"


class InformationRequest(models.Model):
    """A request for further information when there is not enough to decide (002 rec 5a), or a
    s58 slavery or trafficking information notice with its period."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="information_requests"
    )
    requested_from = models.CharField(max_length=200)
    questions = models.TextField()
    is_s58_notice = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20,
        choices=InformationRequestStatus.choices,
        default=InformationRequestStatus.OPEN,
    )
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    chased_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    late_without_good_reason = models.BooleanField(default=False)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Information request to {self.requested_from}"


class DecisionStage(models.TextChoices):
    RG = "rg", "Reasonable grounds"
    CG = "cg", "Conclusive grounds"


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_CHECK = "awaiting_check", "Awaiting specialist check"
    RETURNED = "returned", "Returned by specialist"
    READY = "ready", "Signed off, ready to serve"
    SERVED = "served", "Served"


class Decision(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="decisions")
    stage = models.CharField(max_length=4, choices=DecisionStage.choices)
    outcome = models.CharField(max_length=30)
    status = models.CharField(
        max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT
    )
    decision_maker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="nrm_decisions")
    legal_test = models.CharField(max_length=120)
    guidance = models.ForeignKey(
        GuidanceEdition, on_delete=models.PROTECT, related_name="decisions"
    )
    evidence_considered = models.TextField()
    rationale = models.TextField()
    reconsideration_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reconsidered_by"
    )
    safeguarding_level = models.PositiveSmallIntegerField(null=True, blank=True)
    made_at = models.DateTimeField()
    signed_off_at = models.DateTimeField(null=True, blank=True)
    served_at = models.DateTimeField(null=True, blank=True)
    served_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_method = models.CharField(max_length=40, blank=True)
    letter_document_id = models.BigIntegerField(
        null=True, blank=True, help_text="documents.Document served"
    )
    urgent_service_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urgent_service_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-made_at"]
        indexes = [
            models.Index(fields=["status", "stage"], name="nrm_decision_status_stage"),
            models.Index(fields=["decision_maker", "made_at"], name="nrm_decision_dm_made"),
            # The figures count served decisions in a period (status, then served_at's range).
            models.Index(fields=["status", "served_at"], name="nrm_decision_status_served"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.outcome} for {self.referral_id}"

    @property
    def positive(self) -> bool:
        return self.outcome in rules.POSITIVE_OUTCOMES


class CheckStatus(models.TextChoices):
    PENDING = "pending", "Awaiting check"
    AGREED = "agreed", "Agreed"
    DISAGREED = "disagreed", "Disagreed: returned"


class SpecialistCheck(models.Model):
    """The second pair of eyes on a negative decision (002 rec 6). One open check per decision; a
    disagreement closes it and the revised decision gets a new one."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="checks")
    status = models.CharField(
        max_length=20, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    requested_at = models.DateTimeField()
    specialist = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision"], condition=Q(status="pending"), name="nrm_one_open_check"
            ),
        ]

    def __str__(self) -> str:
        return f"Check of decision {self.decision_id}: {self.status}"


class SafeguardingAdvice(models.Model):
    """A safeguarding adviser's advice on a decision with a risk level (002 rec 7a); "formal" is the
    advice on how to serve a level 3 decision on a non-detained person with no legal representative."""

    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="safeguarding_advice"
    )
    level = models.PositiveSmallIntegerField()
    formal_required = models.BooleanField(default=False)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    adviser = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    advice = models.TextField(blank=True)
    no_action_required = models.BooleanField(default=False)
    service_advice = models.TextField(
        blank=True, help_text="Formal advice on how the decision is served"
    )
    given_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"Safeguarding advice (level {self.level}) on decision {self.decision_id}"


class DutyCallStatus(models.TextChoices):
    OPEN = "open", "Open"
    FOLLOWED_UP = "followed_up", "Followed up"
    CLOSED = "closed", "Closed (debriefed)"


class DutyLineCall(models.Model):
    """A call to the safeguarding duty line, logged as an incident with actions, follow-up and the
    call handler's debrief (002 rec 7c)."""

    received_at = models.DateTimeField()
    call_handler = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    caller = models.CharField(max_length=200)
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="duty_calls"
    )
    summary = models.TextField()
    risk_level = models.PositiveSmallIntegerField(null=True, blank=True)
    actions = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=DutyCallStatus.choices, default=DutyCallStatus.OPEN
    )
    follow_up_due_on = models.DateField()
    followed_up_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.TextField(blank=True)
    debrief = models.TextField(blank=True)
    debriefed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"Duty-line call {self.received_at:%d %b %Y %H:%M}"


class DisqualificationStatus(models.TextChoices):
    MINDED_TO = "minded_to", "Minded-to notice sent"
    ASSESSED = "assessed", "Re-trafficking risk assessed"
    DECIDED = "decided", "Decided"


class Disqualification(models.Model):
    """Public order disqualification (NABA 2022 s63): only after a positive RG; a minded-to notice
    with its response window, the response, a separate re-trafficking risk assessment, and the
    decision with reasons (002 rec 5e)."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="disqualifications"
    )
    rg_decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20,
        choices=DisqualificationStatus.choices,
        default=DisqualificationStatus.MINDED_TO,
    )
    grounds = models.TextField()
    consequences_stated = models.TextField()
    notice_sent_at = models.DateTimeField()
    notice_sent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    response_due_on = models.DateField()
    response_received_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True)
    retrafficking_risk = models.CharField(max_length=10, blank=True, help_text="low, medium, high")
    retrafficking_assessment = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    disqualified = models.BooleanField(null=True, blank=True)
    reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-notice_sent_at"]

    def __str__(self) -> str:
        return f"Disqualification for {self.referral_id}: {self.status}"


class ReconsiderationStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    DECIDED = "decided", "Decided"


class Reconsideration(models.Model):
    """A request to reconsider a negative decision, through a first responder or support provider;
    decided by someone other than the original decision maker. ``offered_for_guidance`` marks one
    the authority offered because the decision was made under superseded guidance."""

    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="reconsiderations"
    )
    status = models.CharField(
        max_length=20,
        choices=ReconsiderationStatus.choices,
        default=ReconsiderationStatus.REQUESTED,
    )
    requester_type = models.CharField(
        max_length=30, choices=_choices(rules.RECONSIDERATION_REQUESTERS)
    )
    requester_name = models.CharField(max_length=200)
    grounds = models.TextField()
    requested_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    in_time = models.BooleanField(default=True)
    late_reason = models.TextField(blank=True)
    offered_for_guidance = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    upheld = models.BooleanField(
        null=True, blank=True, help_text="True: the original decision stands"
    )
    reasons = models.TextField(blank=True)
    new_decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Reconsideration of decision {self.decision_id}"


class SampleRound(models.Model):
    """One dip-sampling draw of positive CG decisions (002 rec 6b): the rate, the seed and the
    population are recorded so that the draw can be re-derived."""

    drawn_at = models.DateTimeField()
    drawn_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    rate = models.FloatField()
    seed = models.BigIntegerField()
    population = models.JSONField(help_text="Decision ids eligible, sorted")
    drawn = models.JSONField(help_text="Decision ids drawn, sorted")
    rate_reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["-drawn_at"]

    def __str__(self) -> str:
        return f"Dip sample of {self.period_start} to {self.period_end} at {self.rate:.0%}"


class QualityRating(models.Model):
    """A red/amber/green rating of a sampled decision with coded reasons (002 rec 5c, 6b-c)."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="quality_ratings")
    sample_round = models.ForeignKey(
        SampleRound, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    rated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField(max_length=10, choices=_choices(rules.QUALITY_RATINGS), blank=True)
    reason_codes = models.JSONField(default=list)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-rated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "sample_round"], name="nrm_rating_once_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating or 'unrated'} for decision {self.decision_id}"


class TrendReview(models.Model):
    """A quarterly trend review of quality ratings by decision maker and by priority cohort."""

    quarter_start = models.DateField(unique=True)
    reviewed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()
    figures = models.JSONField(help_text="The figures as they stood when reviewed")
    findings = models.TextField()
    actions = models.TextField(blank=True)

    class Meta:
        ordering = ["-quarter_start"]

    def __str__(self) -> str:
        return f"Trend review of the quarter from {self.quarter_start}"


class FiguresSummary(models.Model):
    """A read model row (``core.read_models``, issue 17 item 4): one figure of one quarter, its
    rows as the figures page shows them (small numbers already suppressed), or (``figure`` =
    ``data_quality``, ``quarter`` empty) the data-quality counts. Rebuilt together, set-based, by
    ``services.figures_read_model``; never edited."""

    quarter = models.CharField(max_length=7, blank=True)
    figure = models.CharField(max_length=60)
    rows = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["quarter", "figure"], name="nrm_figures_summary_once")
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.quarter}".strip()
