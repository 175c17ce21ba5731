"""The person-centric record (brief platform §1).

One ``Person`` row per human being. Everything about them hangs off it: names and aliases, dates of
birth, nationalities, external references, contact details, convictions, vulnerabilities,
restricted protected characteristics, ownership with history, flags, and one timeline.

States of a person record (``Person.record_status``):
  active  - the record in use;
  merged  - found to be the same human being as ``merged_into``; kept, read-only, reversible.

``TimelineEvent`` and ``Note`` rows are append-only: a note is corrected by a new note that points
at the one it corrects, and the original stays.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from waymark.accounts.models import Team

USER = settings.AUTH_USER_MODEL


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MERGED = "merged", "Merged into another record"


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    NOT_RECORDED = "not_recorded", "Not recorded"


class HarmLevel(models.TextChoices):
    """000 §5.54."""

    NOT_ASSESSED = "not_assessed", "Not yet assessed"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class VulnerabilityAssessment(models.TextChoices):
    """'Not yet assessed' is a state, not a blank (000 recommendation 1a)."""

    NOT_YET_ASSESSED = "not_yet_assessed", "Not yet assessed"
    NONE_IDENTIFIED = "none_identified", "Assessed: none identified"
    VULNERABLE = "vulnerable", "Assessed: vulnerabilities identified"


class OwnershipState(models.TextChoices):
    """'Ownership unclear' is a data-quality failure, never a silent blank (001 §3.11, §6.10)."""

    OWNED = "owned", "Owned"
    UNCLEAR = "unclear", "Ownership unclear"


class Person(models.Model):
    # Unique through Meta's constraint, not unique=True, which on PostgreSQL adds a pattern-matching
    # ("_like") index beside the unique one: no query matches a reference by prefix.
    reference = models.CharField(max_length=20, help_text="WM-0001234, never reused")
    record_status = models.CharField(
        max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )

    # Identity (the preferred name and date of birth; aliases and other dates live below)
    given_names = models.CharField(max_length=200)
    family_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=20, choices=Sex.choices, default=Sex.NOT_RECORDED)
    gender_as_recorded = models.CharField(max_length=100, blank=True)
    main_language = models.CharField(max_length=100, blank=True)
    interpreter_needed = models.BooleanField(default=False)

    # Contact
    no_fixed_abode = models.BooleanField(default=False)
    email = models.EmailField(blank=True)
    legal_rep_firm = models.CharField(max_length=200, blank=True)
    legal_rep_contact = models.CharField(max_length=200, blank=True)

    # Criminal and harm profile
    release_date = models.DateField(null=True, blank=True)
    mappa_category = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(1, "1"), (2, "2"), (3, "3")]
    )
    mappa_level = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(1, "1"), (2, "2"), (3, "3")]
    )
    harm_level = models.CharField(
        max_length=20, choices=HarmLevel.choices, default=HarmLevel.NOT_ASSESSED
    )

    # Vulnerability
    vulnerability_assessment = models.CharField(
        max_length=20,
        choices=VulnerabilityAssessment.choices,
        default=VulnerabilityAssessment.NOT_YET_ASSESSED,
    )

    # Immigration position
    immigration_status = models.CharField(max_length=200, blank=True)
    deportation_decision_date = models.DateField(null=True, blank=True)
    deportation_order_date = models.DateField(null=True, blank=True)

    # Ownership
    ownership_state = models.CharField(
        max_length=10, choices=OwnershipState.choices, default=OwnershipState.UNCLEAR
    )
    owning_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_people",
        db_index=False,  # Meta's (owning_team, record_status) index leads with it
    )
    case_owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_people"
    )

    # The normalised full name, kept in step by the services. Not indexed: no query selects on it
    # (a name search reads PersonName's keys), and an index would cost every person written.
    search_name = models.CharField(max_length=400, blank=True)
    restricted_access = models.BooleanField(
        default=False,
        help_text="Only users with the restricted-person permission may see this record",
    )

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["family_name", "given_names", "pk"]
        indexes = [
            models.Index(fields=["family_name", "given_names"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["owning_team", "record_status"]),
            # The few restricted records: every queue, get next and My work exclude them for
            # users without the permission (work.selectors.without_withheld), which read every
            # person to find them before this index.
            models.Index(
                fields=["id"], condition=Q(restricted_access=True), name="person_restricted"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="person_reference_unique"),
            models.CheckConstraint(
                condition=Q(ownership_state="unclear") | Q(owning_team__isnull=False),
                name="person_owned_needs_team",
            ),
            models.CheckConstraint(
                condition=Q(record_status="active", merged_into__isnull=True)
                | Q(record_status="merged", merged_into__isnull=False),
                name="person_merged_has_target",
            ),
        ]
        permissions = [
            ("view_any_person", "Can see people outside their own teams"),
            ("view_restricted_person", "Can see records marked restricted access"),
            ("view_protected_characteristics", "Can see protected characteristics (logged)"),
            ("change_protected_characteristics", "Can record protected characteristics"),
            ("merge_person", "Can merge and unmerge person records"),
            ("add_note", "Can add and correct notes on a person"),
            ("change_ownership", "Can change who owns a person"),
            ("export_people", "Can export person lists (logged as a disclosure)"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.reference})"

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name.upper()}".strip()

    @property
    def is_merged(self) -> bool:
        return self.record_status == RecordStatus.MERGED


class NameType(models.TextChoices):
    PRIMARY = "primary", "Name"
    ALIAS = "alias", "Alias"
    SPELLING = "spelling", "Spelling variant"
    BIRTH = "birth", "Name at birth"


class PersonName(models.Model):
    """Every name a person is known by, each with its source (aliases, 000 §5.2, 001 §6.47)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    name_type = models.CharField(max_length=20, choices=NameType.choices, default=NameType.ALIAS)
    given_names = models.CharField(max_length=200)
    family_name = models.CharField(max_length=200)
    source = models.CharField(max_length=200, blank=True)
    # Normalised and phonetic keys for fuzzy search, kept in step by ``search.name_keys``.
    # Candidates are found by exact matches on these indexed columns (portable: no LIKE, no
    # database extension), then ranked in Python with Jaro-Winkler (waymark.people.search).
    normalised = models.CharField(max_length=400, help_text="given family, normalised")
    family_normalised = models.CharField(max_length=200, blank=True, default="")
    given_normalised = models.CharField(max_length=200, blank=True, default="")
    family_key = models.CharField(max_length=50, help_text="Metaphone of the family name")
    given_key = models.CharField(max_length=50, help_text="Metaphone of the first given name")
    family_alt_key = models.CharField(max_length=50, blank=True, default="", help_text="NYSIIS")
    given_alt_key = models.CharField(max_length=50, blank=True, default="", help_text="NYSIIS")
    family_prefix = models.CharField(max_length=3, blank=True, default="")
    given_prefix = models.CharField(max_length=3, blank=True, default="")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        # Plain b-tree indexes for the keys' exact matches. Declared here, not with db_index, which
        # on PostgreSQL adds a second, pattern-matching ("_like") index to each column that no
        # query uses and every name written maintains.
        indexes = [
            models.Index(fields=["normalised"], name="name_normalised"),
            models.Index(fields=["family_key"], name="name_family_key"),
            models.Index(fields=["given_key"], name="name_given_key"),
            models.Index(fields=["family_alt_key"], name="name_family_alt_key"),
            models.Index(fields=["given_alt_key"], name="name_given_alt_key"),
            models.Index(fields=["family_prefix"], name="name_family_prefix"),
            models.Index(fields=["given_prefix"], name="name_given_prefix"),
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name.upper()}".strip()


class PersonDateOfBirth(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="dates_of_birth")
    date_of_birth = models.DateField()
    source = models.CharField(max_length=200, blank=True)
    is_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        # Search by date of birth reads the person ids from the index alone (an index-only scan).
        indexes = [models.Index(fields=["date_of_birth", "person"], name="dob_date_person")]
        constraints = [
            models.UniqueConstraint(fields=["person", "date_of_birth"], name="dob_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.date_of_birth:%d/%m/%Y}"


class PersonNationality(models.Model):
    # No index of its own: "nationality_person_first" and the unique (person, country) both lead
    # with the person.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="nationalities", db_index=False
    )
    country = models.CharField(max_length=3, help_text="ISO 3166-1 alpha-3 code")
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # Search by nationality reads the person ids from the index alone (an index-only scan).
            models.Index(fields=["country", "person"], name="nationality_country_person"),
            # A person's first recorded nationality (the disparity figures' group, one subquery
            # a person) in one probe. With the person's index alone, a table without statistics
            # (a migration's bulk load, before autovacuum) was read along the primary key for
            # each person: 2,000 people took 4.7 s at 300,000 rows, growing with the table.
            models.Index(fields=["person", "id"], name="nationality_person_first"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "country"], name="nationality_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return self.country


class ReferenceType(models.TextChoices):
    LEGACY_CASEWORK = "legacy_casework", "Legacy casework ID"
    NEW_CASEWORK = "new_casework", "New casework ID"
    HOME_OFFICE = "home_office", "Home Office reference"
    PNC = "pnc", "Police National Computer ID"
    PRISON = "prison", "Prison number"
    CRO = "cro", "Criminal records office number"
    SUPPLIER_SUBJECT = "supplier_subject", "Monitoring supplier subject ID"


class ExternalReference(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="references")
    reference_type = models.CharField(max_length=30, choices=ReferenceType.choices)
    value = models.CharField(max_length=100)
    value_normalised = models.CharField(
        max_length=100,
        default="",
        help_text="Upper case without spaces: for matching",
    )
    source = models.CharField(max_length=200, blank=True, default="")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["reference_type", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference_type", "value"], name="external_reference_unique_per_type"
            ),
            models.UniqueConstraint(
                fields=["reference_type", "value_normalised"],
                name="external_reference_normalised_unique",
            ),
        ]
        # A search by reference matches the value whatever its type (b-tree only: see PersonName).
        indexes = [models.Index(fields=["value_normalised"], name="reference_value_normalised")]

    def __str__(self) -> str:
        return f"{self.get_reference_type_display()}: {self.value}"

    def save(self, *args, **kwargs):
        # Derived matching key, kept here so that no writer can leave it blank (blank values would
        # collide on the unique constraint). Upper case without spaces, as search.reference_normalise.
        self.value_normalised = "".join((self.value or "").split()).upper()
        super().save(*args, **kwargs)


class AddressType(models.TextChoices):
    HOME = "home", "Home"
    BAIL = "bail", "Bail address"
    REPORTING_CENTRE = "reporting_centre", "Reporting centre (no fixed abode)"
    PRISON = "prison", "Prison or removal centre"
    OTHER = "other", "Other"


class Address(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    address_type = models.CharField(
        max_length=20, choices=AddressType.choices, default=AddressType.HOME
    )
    line_1 = models.CharField(max_length=200)
    line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="address_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.one_line

    @property
    def one_line(self) -> str:
        return ", ".join(p for p in [self.line_1, self.line_2, self.town, self.postcode] if p)


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    HOME = "home", "Home"
    SUPPLIER_ISSUED = "supplier_issued", "Issued by the monitoring supplier at fitting"
    OTHER = "other", "Other"


class PhoneNumber(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phone_numbers")
    kind = models.CharField(max_length=20, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    number = models.CharField(max_length=30)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-pk"]

    def __str__(self) -> str:
        return self.number


class Conviction(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="convictions")
    offence = models.CharField(max_length=300)
    court = models.CharField(max_length=200, blank=True)
    conviction_date = models.DateField()
    sentence_type = models.CharField(max_length=100, blank=True)
    sentence_length_days = models.PositiveIntegerField(null=True, blank=True)
    custodial = models.BooleanField(default=False)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-conviction_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.offence} ({self.conviction_date:%d/%m/%Y})"


class FlagType(models.TextChoices):
    NEXUS_HIGH_HARM = "nexus_high_harm", "Nexus high harm (police intelligence)"
    WARNING_MARKER = "warning_marker", "Warning marker"
    OPERATION_MARKER = "operation_marker", "Operation marker"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    OTHER = "other", "Other"


class Flag(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flags")
    flag_type = models.CharField(max_length=30, choices=FlagType.choices)
    detail = models.CharField(max_length=500, blank=True)
    caveat = models.CharField(
        max_length=500, blank=True, help_text="E.g. the police intelligence caveat"
    )
    set_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-set_at", "-pk"]

    def __str__(self) -> str:
        return self.get_flag_type_display()

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class VulnerabilityType(models.TextChoices):
    MEDICAL = "medical", "Medical"
    MENTAL_HEALTH = "mental_health", "Mental health"
    MODERN_SLAVERY = "modern_slavery", "Modern slavery indicator"
    AGE = "age", "Age"
    DISABILITY = "disability", "Disability"
    PREGNANCY = "pregnancy", "Pregnancy"
    TRAUMA = "trauma", "Trauma"
    OTHER = "other", "Other"


class VulnerabilityStatus(models.TextChoices):
    SUSPECTED = "suspected", "Suspected"
    CONFIRMED = "confirmed", "Confirmed"
    NO_LONGER_APPLIES = "no_longer_applies", "No longer applies"


class Vulnerability(models.Model):
    """A vulnerability on the record (transitions in ``waymark.people.workflows``).

    States (``VulnerabilityStatus``):
      suspected         - indicated but not confirmed;
      confirmed         - confirmed by evidence or a professional;
      no_longer_applies - kept for the history; a person with only these may be assessed as
                          having none identified.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="vulnerabilities")
    vulnerability_type = models.CharField(max_length=20, choices=VulnerabilityType.choices)
    source = models.CharField(max_length=200)
    identified_on = models.DateField()
    evidence = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=VulnerabilityStatus.choices, default=VulnerabilityStatus.SUSPECTED
    )
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-identified_on", "-pk"]
        verbose_name_plural = "vulnerabilities"

    def __str__(self) -> str:
        return self.get_vulnerability_type_display()


class ProtectedCharacteristics(models.Model):
    """Recorded only for equality monitoring; visible only with a specific permission, and every
    view is logged with its reason (platform §6)."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="protected_characteristics"
    )
    ethnicity = models.CharField(max_length=100, blank=True)
    religion = models.CharField(max_length=100, blank=True)
    disability = models.CharField(max_length=100, blank=True)
    sexual_orientation = models.CharField(max_length=100, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "protected characteristics"

    def __str__(self) -> str:
        return f"Protected characteristics of person {self.person_id}"


class BailGrantedBy(models.TextChoices):
    IMMIGRATION_JUDGE = "immigration_judge", "Immigration judge"
    SECRETARY_OF_STATE = "secretary_of_state", "Secretary of State"


class BailGrant(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="bail_grants")
    granted_by = models.CharField(max_length=20, choices=BailGrantedBy.choices)
    granted_at = models.DateTimeField()
    conditions = models.TextField(blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-pk"]

    def __str__(self) -> str:
        return f"Bail granted by {self.get_granted_by_display()}"


class OwnershipChange(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="ownership_history")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(max_length=10, choices=OwnershipState.choices)
    to_state = models.CharField(max_length=10, choices=OwnershipState.choices)
    from_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"Ownership change {self.from_state} to {self.to_state}"


class AppendOnlyError(Exception):
    """Raised when code tries to delete an append-only row (timeline events, notes)."""


class AppendOnlyQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only and cannot be deleted")


class AppendOnlyModel(models.Model):
    """Refuses deletion in Python on every engine; on PostgreSQL a trigger refuses it too."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only and cannot be deleted")


class TimelineEvent(AppendOnlyModel):
    """One entry in a person's single chronological stream. Append-only."""

    # Indexed only through Meta's (person, ...) indexes: an event written maintains one index fewer.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="timeline", db_index=False
    )
    occurred_at = models.DateTimeField(help_text="When it happened in the world")
    recorded_at = models.DateTimeField(help_text="When Waymark learned of it")
    module = models.CharField(
        max_length=40, help_text="Which module wrote it, e.g. people, monitoring"
    )
    event_type = models.CharField(max_length=60, help_text="e.g. bail.granted, breach.received")
    summary = models.CharField(max_length=500)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    related_type = models.CharField(max_length=100, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    original_person_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Set when a merge moved this event, so unmerge can move it back",
    )

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "-occurred_at"]),
            models.Index(fields=["person", "module"]),
        ]
        triggers = [pgtrigger.Protect(name="timeline_no_delete", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return self.summary


class Note(AppendOnlyModel):
    """A note on a person. Corrections are new notes with ``corrects`` set; the original stays."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_reason = models.CharField(max_length=500, blank=True)
    original_person_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        triggers = [pgtrigger.Protect(name="note_no_delete", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return self.text[:50]


class PersonMerge(models.Model):
    """A merge of ``merged`` into ``survivor``. ``moved`` records which rows moved, so the merge
    can be undone exactly."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_absorbed")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_into")
    reason = models.CharField(max_length=500)
    performed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    performed_at = models.DateTimeField()
    moved = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undo_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-performed_at", "-pk"]

    def __str__(self) -> str:
        return f"Merge of person {self.merged_id} into {self.survivor_id}"
