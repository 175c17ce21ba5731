"""Enforcement operations records: the field notebook from intelligence to debrief (brief
operations.md; seed 003).

A ``Visit`` moves through the states in ``workflows.py``: planning -> authorised -> deployed ->
closed (or cancelled). Everything a plan needs hangs off the visit and keeps its history: each
enforcement planning assessment (``RiskAssessment``) and each ``Authorisation`` is a row of its own,
and an authorisation names the ``plan_version`` it was given for. A material change (date, premises,
subjects, rating) bumps ``plan_version``, so an older authorisation, and every briefing acceptance
given for the older plan, no longer counts.

Field entries (``FieldEntry``) are the notebook's pages: each has the phone's own time and location
and a ``client_uuid`` made on the phone, unique, so an entry replayed from the offline queue twice
is stored once. Typed records (entry, encounter, seizure, ...) hang off their field entry so the
measures are plain queries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from waymark.core.models import FigureFactBase
from waymark.operations import rules

USER = settings.AUTH_USER_MODEL
PERSON = "people.Person"
TEAM = "accounts.Team"


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class OfficerProfile(models.Model):
    """What the notebook needs to know about an officer beyond their grade."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="operations_profile")
    arrest_trained = models.BooleanField(default=False)
    arrest_training_on = models.DateField(null=True, blank=True)
    collar_number = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"Officer profile for {self.user_id}"


class PoliceForce(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    intelligence_unit_phone = models.CharField(max_length=30, blank=True)
    partners: models.ManyToManyField = models.ManyToManyField(
        USER,
        blank=True,
        related_name="police_forces",
        help_text="Police partner users who answer this force's forms",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sector(models.Model):
    """A business sector, and whether it is in the current sector plan (003 §5.31)."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    in_sector_plan = models.BooleanField(default=False)
    plan_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Premises(models.Model):
    business_name = models.CharField(max_length=200)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10, db_index=True)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="premises")
    licensed = models.BooleanField(
        default=False, help_text="Licensed for alcohol or late-night refreshment"
    )
    licence_reference = models.CharField(max_length=60, blank=True)
    police_force = models.ForeignKey(
        PoliceForce, null=True, blank=True, on_delete=models.PROTECT, related_name="premises"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    notes = models.TextField(
        blank=True, help_text="Standing premises knowledge (entrances, layout)"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "premises"
        ordering = ["business_name", "postcode"]
        constraints = [
            models.CheckConstraint(
                condition=Q(licensed=False) | ~Q(licence_reference=""),
                name="premises_licence_reference_when_licensed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_name}, {self.address_line_1}, {self.postcode}"


class IntelligenceStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ACCEPTED = "accepted", "Accepted for tasking"
    REJECTED = "rejected", "Rejected"
    ACTIONED = "actioned", "Actioned (visit planned)"


class IntelligencePackage(models.Model):
    """An intelligence package; states received -> accepted | rejected (with reason) -> actioned."""

    reference = models.CharField(max_length=20, unique=True)
    team = models.ForeignKey(TEAM, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=30, choices=_choices(rules.INTELLIGENCE_SOURCES))
    received_on = models.DateField()
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="intelligence")
    subjects: models.ManyToManyField = models.ManyToManyField(PERSON, blank=True, related_name="+")
    subject_descriptions = models.TextField(
        blank=True, help_text="Named subjects not yet matched to a person"
    )
    summary = models.TextField()
    harm = models.CharField(max_length=10, choices=_choices(rules.HARM_LEVELS))
    reliability = models.CharField(max_length=1, choices=_choices(rules.INTELLIGENCE_RELIABILITY))
    priority = models.PositiveSmallIntegerField(choices=list(rules.PRIORITY_LABELS.items()))
    priority_reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=IntelligenceStatus.choices, default=IntelligenceStatus.RECEIVED
    )
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["priority", "received_on", "pk"]
        indexes = [models.Index(fields=["team", "status", "priority"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="intelligence_rejection_has_reason",
            ),
        ]
        permissions = [
            ("plan_visits", "Record intelligence and plan enforcement visits"),
            ("authorise_visits", "Authorise enforcement visits at the level their grade allows"),
            ("record_field_entries", "Record entries on a visit in the field"),
            ("command_visits", "Act as officer in charge: brief, deploy, close"),
            ("view_operations", "See enforcement visits of their own teams"),
            ("view_all_operations", "See enforcement visits of every team"),
            ("view_operations_measures", "See the measures of effort and effect"),
            ("manage_objectives", "Set objectives, measures and targets"),
            ("answer_notifications", "Answer operational notification forms (police partners)"),
        ]

    def __str__(self) -> str:
        return self.reference


class VisitStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    AUTHORISED = "authorised", "Authorised"
    DEPLOYED = "deployed", "Deployed"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class VisitSource(models.TextChoices):
    WAYMARK = "waymark", "Planned in Waymark"
    LEGACY = "legacy", "Imported from the pocket notebook"


class Visit(models.Model):
    """An enforcement visit. States: see ``workflows.TRANSITIONS``; ``plan_version`` counts material
    changes (``rules.MATERIAL_FIELDS``), each of which lapses the authorisation."""

    reference = models.CharField(max_length=20, unique=True)
    source = models.CharField(
        max_length=10, choices=VisitSource.choices, default=VisitSource.WAYMARK
    )
    intelligence = models.ForeignKey(
        IntelligencePackage, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    team = models.ForeignKey(TEAM, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=100)
    visit_type = models.CharField(max_length=30, choices=_choices(rules.VISIT_TYPES))
    partner_agencies = models.JSONField(default=list, blank=True)
    planned_start = models.DateTimeField()
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="visits")
    subjects: models.ManyToManyField = models.ManyToManyField(PERSON, blank=True, related_name="+")
    intended_power = models.CharField(
        max_length=20, choices=_choices(rules.POWERS_OF_ENTRY), blank=True
    )
    community_impact = models.TextField(
        blank=True, help_text="Community impact considered for every visit"
    )
    risk_rating = models.CharField(max_length=5, choices=_choices(rules.RATINGS), blank=True)
    status = models.CharField(
        max_length=12, choices=VisitStatus.choices, default=VisitStatus.PLANNING
    )
    plan_version = models.PositiveIntegerField(default=1)
    officer_in_charge = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    gold_commander = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    silver_commander = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bronze_commander = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    deployed_at = models.DateTimeField(null=True, blank=True)
    deployed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closure_due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-planned_start", "-pk"]
        indexes = [
            models.Index(fields=["team", "status", "planned_start"]),
            models.Index(fields=["premises", "planned_start"]),
            models.Index(
                fields=["closure_due_at"],
                name="visit_open_closure_due",
                condition=Q(status="deployed"),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_joint(self) -> bool:
        return self.visit_type == "joint_operation" or bool(self.partner_agencies)


class RiskAssessment(models.Model):
    """An enforcement planning assessment (EPA); the latest row for a visit is the current one."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="risk_assessments")
    plan_version = models.PositiveIntegerField()
    rating = models.CharField(max_length=5, choices=_choices(rules.RATINGS))
    rationale = models.TextField()
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()

    class Meta:
        ordering = ["-assessed_at", "-pk"]

    def __str__(self) -> str:
        return f"EPA {self.rating} for visit {self.visit_id}"


class IdentifiedRisk(models.Model):
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="risks")
    risk = models.TextField()
    mitigation = models.TextField()

    def __str__(self) -> str:
        return self.risk[:60]


class ImpactAssessment(models.Model):
    """The equality and community impact assessment (ECIA), needed before a red visit is authorised."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="impact_assessments")
    groups_affected = models.TextField()
    community_tensions = models.TextField()
    equality_considerations = models.TextField()
    mitigations = models.TextField()
    completed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()

    class Meta:
        ordering = ["-completed_at", "-pk"]

    def __str__(self) -> str:
        return f"ECIA for visit {self.visit_id}"


class PlanAssessment(models.Model):
    """The PLAN assessment: a rationale for each of proportionate, legal, accountable, necessary."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="plan_assessments")
    plan_version = models.PositiveIntegerField()
    proportionate = models.TextField()
    legal = models.TextField()
    accountable = models.TextField()
    necessary = models.TextField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"PLAN for visit {self.visit_id}"


class Authorisation(models.Model):
    """An authorisation decision for one plan version. It counts while ``lapsed_at`` is empty and
    its ``plan_version`` is the visit's."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="authorisations")
    plan_version = models.PositiveIntegerField()
    rating = models.CharField(max_length=5, choices=_choices(rules.RATINGS))
    granted = models.BooleanField()
    reason = models.TextField()
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_grade = models.CharField(max_length=3)
    decided_at = models.DateTimeField()
    lapsed_at = models.DateTimeField(null=True, blank=True)
    lapse_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"Authorisation {self.pk} for visit {self.visit_id}"


class MandatoryCheck(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="checks")
    check_type = models.CharField(
        max_length=20, choices=[(k, v[0]) for k, v in rules.CHECKS.items()]
    )
    subject = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(max_length=10, choices=_choices(rules.CHECK_RESULTS))
    detail = models.TextField(blank=True)
    performed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    performed_at = models.DateTimeField()

    class Meta:
        ordering = ["check_type", "-performed_at"]

    def __str__(self) -> str:
        return f"{self.check_type} for visit {self.visit_id}"


class NotificationForm(models.Model):
    """The operational notification form (ONF) to the local police. It counts only when returned
    signed and complete, and is valid for one calendar month from its return."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="notification_forms")
    police_force = models.ForeignKey(
        PoliceForce, on_delete=models.PROTECT, related_name="notification_forms"
    )
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    response_due_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_by_name = models.CharField(max_length=200, blank=True)
    signed_by_rank = models.CharField(max_length=100, blank=True)
    warning_markers = models.TextField(blank=True)
    community_tensions = models.TextField(blank=True)
    police_resources = models.TextField(blank=True)
    complete = models.BooleanField(default=False)
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["police_force", "returned_at"])]

    def __str__(self) -> str:
        return f"ONF {self.pk} for visit {self.visit_id}"

    @property
    def counts(self) -> bool:
        return bool(self.returned_at and self.complete and self.signed_by_name)


class PoliceIntelligenceCheck(models.Model):
    """The recorded phone check with the police intelligence unit: the only alternative when the
    notification form has not come back in time (003 §5.17-5.19)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="police_phone_checks")
    police_force = models.ForeignKey(PoliceForce, on_delete=models.PROTECT, related_name="+")
    spoke_to = models.CharField(max_length=200)
    called_at = models.DateTimeField()
    warning_markers = models.TextField()
    community_tensions = models.TextField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-called_at"]

    def __str__(self) -> str:
        return f"Police phone check for visit {self.visit_id}"


class Reconnaissance(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="reconnaissance")
    recon_type = models.CharField(max_length=12, choices=_choices(rules.RECONNAISSANCE_TYPES))
    imagery_date = models.DateField(null=True, blank=True)
    ripa_considered = models.BooleanField(null=True, blank=True)
    ripa_rationale = models.TextField(blank=True)
    occupants = models.TextField(blank=True)
    entry_exit_points = models.TextField()
    changes_since_last_visit = models.TextField(blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(recon_type="virtual") | Q(imagery_date__isnull=False),
                name="recon_virtual_has_imagery_date",
            ),
            models.CheckConstraint(
                condition=Q(recon_type="virtual") | Q(ripa_considered__isnull=False),
                name="recon_physical_records_ripa",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recon_type} reconnaissance for visit {self.visit_id}"


class OperationalOrder(models.Model):
    """IIMARCH for amber and red, the digital order for green (``rules.order_sections``)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="orders")
    plan_version = models.PositiveIntegerField()
    order_format = models.CharField(
        max_length=10, choices=[("iimarch", "IIMARCH"), ("digital", "Digital order")]
    )
    sections = models.JSONField(default=dict)
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["-written_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.order_format} order for visit {self.visit_id}"


class VisitOfficer(models.Model):
    """An officer assigned to a visit: briefing acceptance (for a plan version) and where they are."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="officers")
    officer = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="operations_assignments"
    )
    role = models.CharField(
        max_length=60, blank=True, help_text="Role on the day, e.g. arrest team, exhibits"
    )
    briefing_accepted_at = models.DateTimeField(null=True, blank=True)
    briefing_plan_version = models.PositiveIntegerField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    last_latitude = models.FloatField(null=True, blank=True)
    last_longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["visit", "officer__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "officer"], name="visit_officer_once")
        ]

    def __str__(self) -> str:
        return f"Officer {self.officer_id} on visit {self.visit_id}"

    @property
    def on_site(self) -> bool:
        return bool(self.arrived_at and not self.departed_at)


class FieldEntry(models.Model):
    """A notebook entry, stamped on the phone. ``client_uuid`` is made on the phone and unique, so a
    replayed offline entry is stored once; ``recorded_at`` is the phone's time, ``received_at`` ours."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="entries")
    officer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    entry_type = models.CharField(max_length=20, choices=_choices(rules.ENTRY_TYPES))
    client_uuid = models.UUIDField(unique=True)
    recorded_at = models.DateTimeField()
    received_at = models.DateTimeField()
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_accuracy_m = models.FloatField(null=True, blank=True)
    sent_offline = models.BooleanField(
        default=False, help_text="Queued on the phone and sent later"
    )
    summary = models.CharField(max_length=300)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["visit", "recorded_at"])]
        verbose_name_plural = "field entries"

    def __str__(self) -> str:
        return f"{self.entry_type} at {self.recorded_at:%H:%M} on visit {self.visit_id}"


class EntryRecord(models.Model):
    """How the officers got in (003 §6.39-6.42): the power and its particulars, or not achieved."""

    entry = models.OneToOneField(FieldEntry, on_delete=models.CASCADE, related_name="entry_record")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="entry_records")
    achieved = models.BooleanField()
    power = models.CharField(max_length=20, choices=_choices(rules.POWERS_OF_ENTRY), blank=True)
    consent_given_by = models.CharField(max_length=200, blank=True)
    consent_given_by_role = models.CharField(max_length=100, blank=True)
    told_could_refuse = models.BooleanField(null=True, blank=True)
    warrant_reference = models.CharField(max_length=60, blank=True)
    warrant_court = models.CharField(max_length=200, blank=True)
    ad_letter_reference = models.CharField(max_length=60, blank=True)
    not_achieved_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Entry on visit {self.visit_id}"


class Encounter(models.Model):
    """A person checked on a visit, linked to their Waymark person record (003 §6.36, §7.23)."""

    entry = models.OneToOneField(FieldEntry, on_delete=models.CASCADE, related_name="encounter")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="encounters")
    person = models.ForeignKey(
        PERSON,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operations_encounters",
    )
    name_given = models.CharField(max_length=200)
    date_of_birth_given = models.DateField(null=True, blank=True)
    nationality = models.CharField(max_length=3, blank=True, help_text="ISO 3166 alpha-3 as given")
    checks_made = models.JSONField(default=list)
    result = models.CharField(max_length=15, choices=_choices(rules.ENCOUNTER_RESULTS))
    action = models.CharField(max_length=20, choices=_choices(rules.OFFENDER_ACTIONS), blank=True)
    offence = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["nationality", "result"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(result="offender") | ~Q(action=""),
                name="encounter_offender_has_action",
            ),
        ]

    def __str__(self) -> str:
        return f"Encounter {self.pk} on visit {self.visit_id}"


class InterviewQuestion(models.Model):
    """A question: pre-defined (``predefined``) or officer-added and saved for reuse."""

    text = models.CharField(max_length=300)
    predefined = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-predefined", "text"]

    def __str__(self) -> str:
        return self.text


class Interview(models.Model):
    entry = models.OneToOneField(FieldEntry, on_delete=models.CASCADE, related_name="interview")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="interviews")
    encounter = models.ForeignKey(
        Encounter, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(default=list, help_text='[{"question": ..., "answer": ...}, ...]')

    def __str__(self) -> str:
        return f"Interview {self.pk} on visit {self.visit_id}"


class Seizure(models.Model):
    """A search and what was seized: exhibit and sealed-bag numbers both mandatory (003 §1.11)."""

    entry = models.OneToOneField(FieldEntry, on_delete=models.CASCADE, related_name="seizure")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="seizures")
    searched = models.CharField(max_length=300)
    search_power = models.CharField(max_length=200)
    item_description = models.CharField(max_length=300)
    exhibit_number = models.CharField(max_length=40)
    sealed_bag_number = models.CharField(max_length=40)
    property_signed_off_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    property_signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(exhibit_number="") & ~Q(sealed_bag_number=""),
                name="seizure_exhibit_and_bag_numbers",
            ),
            models.UniqueConstraint(
                fields=["visit", "exhibit_number"], name="seizure_exhibit_unique_per_visit"
            ),
        ]

    def __str__(self) -> str:
        return f"Exhibit {self.exhibit_number}"


class SafeguardingRecord(models.Model):
    entry = models.OneToOneField(FieldEntry, on_delete=models.CASCADE, related_name="safeguarding")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="safeguarding_records")
    encounter = models.ForeignKey(
        Encounter, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=_choices(rules.SAFEGUARDING_KINDS))
    detail = models.TextField()

    def __str__(self) -> str:
        return f"{self.kind} on visit {self.visit_id}"


class EmployerSanction(models.Model):
    entry = models.OneToOneField(FieldEntry, on_delete=models.CASCADE, related_name="sanction")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField(max_length=25, choices=_choices(rules.SANCTION_KINDS))
    detail = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.kind} on visit {self.visit_id}"


class Engagement(models.Model):
    entry = models.OneToOneField(FieldEntry, on_delete=models.CASCADE, related_name="engagement")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="engagements")
    advice_given = models.TextField()
    leaflets_handed_out = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Engagement on visit {self.visit_id}"


class CriticalIncident(models.Model):
    """Declared by the officer in charge; its actions are field entries of type incident_action."""

    entry = models.OneToOneField(
        FieldEntry, on_delete=models.CASCADE, related_name="critical_incident"
    )
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="critical_incidents")
    declared_at = models.DateTimeField()
    reason = models.TextField()
    help_requested = models.TextField(blank=True)
    stood_down_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Critical incident on visit {self.visit_id}"


class Debrief(models.Model):
    """The structured debrief (``rules.DEBRIEF_SECTIONS``); no submission with a section missing."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="debrief")
    resources_deployed = models.TextField()
    activity_undertaken = models.TextField()
    people_and_outcomes = models.TextField()
    intelligence_accuracy = models.CharField(
        max_length=12, choices=_choices(rules.INTELLIGENCE_ACCURACY)
    )
    intelligence_accuracy_notes = models.TextField()
    premises_information = models.TextField()
    onward_referrals = models.TextField()
    went_well = models.TextField()
    to_improve = models.TextField()
    employer_records = models.TextField()
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Debrief for visit {self.visit_id}"

    @property
    def word_count(self) -> int:
        return sum(rules.words(getattr(self, key)) for key in rules.DEBRIEF_SECTIONS)


class Objective(models.Model):
    """An operational objective with its measures (003 rec 6, Figure 8)."""

    title = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ObjectiveMeasure(models.Model):
    """A measure against a target. ``measure_key`` names a figure computed by the measures
    selectors; ``higher_is_better`` and ``amber_margin`` decide red / amber / green."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measures")
    measure_key = models.CharField(max_length=60)
    target = models.FloatField()
    higher_is_better = models.BooleanField(default=True)
    amber_margin = models.FloatField(
        default=0.1, help_text="Within this fraction of the target is amber"
    )

    class Meta:
        ordering = ["objective", "measure_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "measure_key"], name="objective_measure_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_key} target {self.target}"


class MeasureChange(models.Model):
    """A (team, day) group whose measures' rows are out of date: written by PostgreSQL triggers on
    the records the measures count (visits, encounters, officers, sanctions, safeguarding records,
    incidents, debriefs, a premises' sector, a sector's name; migration 0004), taken and deleted
    by the read model's update (``services.measures_read_model_update``), which recounts only
    those groups. Not kept on SQLite, where every refresh rebuilds whole."""

    team_id = models.BigIntegerField()
    day = models.DateField()

    def __str__(self) -> str:
        return f"Measures of team {self.team_id} on {self.day} changed"


class MeasureFact(FigureFactBase):
    """The measures page's summary rows (read model ``operations.measures``, rebuilt by
    ``services.measures_read_model_rebuild``; ``core.read_models``): dated by the visit's planned
    day (London) and its team, so a period and a team are a SUM over rows."""

    class Meta:
        indexes = [
            models.Index(fields=["measure", "day"], name="operations_fact_measure_day"),
        ]
