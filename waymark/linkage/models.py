"""Record linkage and legacy import (brief linkage.md).

An ``ImportJob`` reads one file of one ``SourceKind`` into ``SourceRecord`` rows (one per source
reference: re-importing updates rather than duplicates). A ``LinkageRun`` scores pairs of source
records with the trained Splink model and writes ``CandidatePair`` rows with the per-field reasons;
clusters above the upper threshold become people, pairs between the thresholds wait for a clerical
decision. A ``BulkCheck`` compares a population of people with a police records file.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

USER = settings.AUTH_USER_MODEL


class SourceKind(models.TextChoices):
    LEGACY_CASE = "legacy_case", "Legacy case extract"
    CASEWORK = "casework", "New casework extract"
    TRACKER = "tracker", "Tracker spreadsheet"
    POLICE = "police", "Police records file"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded: columns to map"
    VALIDATED = "validated", "Checked: waiting for confirmation"
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed: nothing imported"
    CANCELLED = "cancelled", "Cancelled: nothing imported"


class JobProgress(models.Model):
    """How far a long job has got, for the page that follows it (issue 16, problem 13):
    ``progress_done`` of ``progress_total``, in rows for an import and in parts of
    ``rules.PROGRESS_SCALE`` for a linkage run or a bulk check (the steps of ``rules.RUN_STEPS`` or
    ``rules.BULK_CHECK_STEPS``, each weighed by its share). Only the job's service writes them."""

    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def percent_done(self) -> int:
        if not self.progress_total:
            return 100 if getattr(self, "status", "") == "completed" else 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class ImportJob(JobProgress):
    """One file, from upload to its validation report. An import either completes or leaves no
    trace beyond this row and its rejections.

    States (``workflows.IMPORT_JOB``): *uploaded* (the file is read and its columns are being
    mapped); *validated* (the dry run found something to import; waiting for confirmation);
    *queued* (confirmed, waiting for the background job); *running*; *completed* (final);
    *failed* (the check or the import found a reason, kept on the job; a failed check may be
    remapped back to uploaded while the file is held); *cancelled* (before it ran; final)."""

    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    label = models.CharField(
        max_length=200, help_text="What the file is, e.g. 'CID extract, Nov 2026'"
    )
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10)  # csv | xlsx
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True)
    content = models.BinaryField(
        null=True, blank=True, help_text="The uploaded file, cleared once imported"
    )
    headers = models.JSONField(default=list, blank=True)
    column_mapping = models.JSONField(default=dict, blank=True, help_text="file header -> field")
    accept_valid_rows = models.BooleanField(
        default=False,
        help_text="Import the valid rows even though some were rejected (the rejected "
        "rows stay on the report)",
    )
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    failure_reason = models.TextField(blank=True)
    dates_month_first = models.BooleanField(
        default=False,
        help_text="The check found the file writes its dates month first (12/31/1990)",
    )
    date_order_note = models.TextField(
        blank=True, help_text="What the check found about the file's date order, when it matters"
    )
    rows_read = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_warned = models.PositiveIntegerField(
        default=0, help_text="Rows kept with a warning (a value left out or kept as written)"
    )
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("import_records", "Can import legacy and partner files"),
            ("link_records", "Can run record linkage and see its results"),
            ("review_links", "Can decide clerical review pairs and bulk-check matches"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()}: {self.label}"

    @property
    def rows_imported(self) -> int:
        return self.rows_created + self.rows_updated + self.rows_unchanged


class ImportRejection(models.Model):
    """A row the import refused, with every reason: nothing is dropped silently."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField(
        help_text="Row in the file, counting the header as row 1"
    )
    reasons = models.JSONField(default=list, help_text='[{"field": ..., "detail": ...}]')
    values = models.JSONField(default=dict, help_text="The row as read, by file header")

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="rejection_row_unique")
        ]

    def __str__(self) -> str:
        return f"Row {self.row_number}: {'; '.join(r['detail'] for r in self.reasons)}"


class ImportWarning(models.Model):
    """A row the import kept with a warning: a value it could not use (an impossible date of birth)
    was left out, or kept as written (a postcode of another country). Part of the validation
    report beside the rejected rows (issue 18 item 4)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_warnings")
    row_number = models.PositiveIntegerField(
        help_text="Row in the file, counting the header as row 1"
    )
    reasons = models.JSONField(default=list, help_text='[{"field": ..., "detail": ...}]')
    values = models.JSONField(default=dict, help_text="The row as read, by file header")

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="warning_row_unique")
        ]

    def __str__(self) -> str:
        return f"Row {self.row_number}: {'; '.join(r['detail'] for r in self.reasons)}"


class SourceRecord(models.Model):
    """One record of one source (a legacy case, a casework person, a tracker row, a police
    record), as typed and standardised. Unique by (source_kind, source_ref)."""

    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    source_ref = models.CharField(max_length=120)
    import_job = models.ForeignKey(
        ImportJob,
        on_delete=models.PROTECT,
        related_name="records",
        help_text="The import that last created or changed this record",
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="source_records",
    )
    # As typed in the source
    given_names = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True)  # M | F | blank
    nationality = models.CharField(max_length=3, blank=True, help_text="ISO 3166-1 alpha-3")
    postcode = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(
        max_length=15, blank=True, help_text="Digits only (standardise.phone_clean)"
    )
    home_office_ref = models.CharField(max_length=30, blank=True)
    pnc_id = models.CharField(max_length=30, blank=True)
    # Standardised for linking (standardise.py)
    given_std = models.CharField(max_length=100, blank=True)
    middle_std = models.CharField(max_length=200, blank=True)
    family_std = models.CharField(max_length=100, blank=True)
    given_phonetic = models.CharField(max_length=50, blank=True)
    family_phonetic = models.CharField(max_length=50, blank=True)
    postcode_std = models.CharField(max_length=20, blank=True)
    # Source-specific: case type, owning unit, status, notes, offence, owner, next action...
    extra = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(
        max_length=64, help_text="Of the mapped values: an unchanged re-import changes nothing"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["source_kind", "source_ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_ref"], name="source_record_unique"
            ),
        ]
        # person_id has its foreign key's index already.
        indexes = [
            models.Index(fields=["family_std", "date_of_birth"]),
            # The incremental matcher asks for the newest change on every match (is its
            # population still current?): without it, a scan of every record (193 ms at 1M).
            models.Index(fields=["updated_at"], name="source_record_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()} {self.source_ref}"

    @property
    def unique_id(self) -> str:
        return f"{self.source_kind}:{self.source_ref}"

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed: no people changed"


class LinkageRun(JobProgress):
    """One run of the linkage pipeline over every source record, with what it found and, where a
    truth is known (generated data), its measured accuracy.

    States (``workflows.RUN``): *queued* (one run at a time), *running* (``phase`` says which of
    ``rules.RUN_STEPS`` it is on, and the progress how far it has got), *completed*, *failed* (with
    ``failure_reason``; its write is one transaction, so a run that failed before committing
    changed nobody)."""

    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    phase = models.CharField(max_length=100, blank=True, help_text="What the run is doing now")
    upper_threshold = models.FloatField()
    lower_threshold = models.FloatField()
    model = models.JSONField(
        default=dict, blank=True, help_text="The trained Splink model (m and u)"
    )
    training = models.JSONField(
        default=dict,
        blank=True,
        help_text="How the model was trained (engine.model_fit's report): the prior and where it "
        "came from, each training block with its pairs, warnings, comparisons left untrained",
    )
    records = models.PositiveIntegerField(default=0)
    comparisons = models.PositiveBigIntegerField(
        default=0,
        help_text="Pairs the blocking rules compared (each scored; only those at or above the lower "
        "threshold are kept)",
    )
    pairs_auto = models.PositiveIntegerField(default=0)
    pairs_review = models.PositiveIntegerField(default=0)
    clusters = models.PositiveIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    people_updated = models.PositiveIntegerField(default=0)
    people_merged = models.PositiveIntegerField(default=0)
    review_tasks = models.PositiveIntegerField(default=0)
    accuracy = models.JSONField(
        default=dict,
        blank=True,
        help_text="Pairwise and cluster precision, recall and F1 against a truth",
    )
    calibration = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per band of match probability: pairs, the model's expected share of matches, "
        "the measured share where a truth is known; expected precision and recall at the "
        "thresholds (engine.calibration)",
    )
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per phase")
    failure_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Linkage run {self.pk}"


class PairStatus(models.TextChoices):
    AUTO = "auto", "Linked automatically"
    PENDING = "pending", "Waiting for a decision"
    MATCH = "match", "Decided: the same person"
    NOT_MATCH = "not_match", "Decided: not the same person"
    UNSURE = "unsure", "Unsure: referred to a senior reviewer"


DECIDED = (PairStatus.MATCH, PairStatus.NOT_MATCH)


class CandidatePair(models.Model):
    """Two source records the model scored at or above the lower threshold, with why. One row a
    pair for all time (record_l < record_r): a re-run re-scores a pending pair and never re-opens
    a decided one.

    States (``workflows.PAIR``): *auto* (linked automatically at or above the upper threshold) and
    *pending* (waiting for a clerical decision), which a later run may swap; *match* and
    *not_match* (decided, final); *unsure* (referred to another reviewer, who decides match or
    not_match)."""

    run = models.ForeignKey(
        LinkageRun,
        on_delete=models.PROTECT,
        related_name="pairs",
        help_text="The run that last scored this pair",
    )
    record_l = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    record_r = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    contributions = models.JSONField(
        default=list,
        help_text='[{"field", "label", "weight", "bayes_factor", "left", "right"}] per comparison',
    )
    status = models.CharField(max_length=20, choices=PairStatus.choices)
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    person_merge = models.ForeignKey(
        "people.PersonMerge",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The merge a 'match' decision made",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-match_probability", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["record_l", "record_r"], name="candidate_pair_unique"),
            models.CheckConstraint(
                condition=Q(record_l__lt=models.F("record_r")), name="candidate_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-match_probability"])]

    def __str__(self) -> str:
        return f"Pair {self.record_l_id}-{self.record_r_id} ({self.match_probability:.3f})"

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED


class BulkCheckStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class BulkCheck(JobProgress):
    """A population of people checked against a police records file (001 §6.22).

    States (``workflows.BULK_CHECK``): *queued*, *running* (``phase`` says which of
    ``rules.BULK_CHECK_STEPS`` it is on, and the progress how far it has got), then *completed*
    (its potential matches written, each waiting for review) or *failed* (with
    ``failure_reason``)."""

    name = models.CharField(max_length=200)
    population = models.CharField(
        max_length=40, help_text="Key of the population (services.POPULATIONS)"
    )
    police_import = models.ForeignKey(
        ImportJob, on_delete=models.PROTECT, related_name="bulk_checks"
    )
    status = models.CharField(
        max_length=20, choices=BulkCheckStatus.choices, default=BulkCheckStatus.QUEUED
    )
    people_checked = models.PositiveIntegerField(default=0)
    police_records = models.PositiveIntegerField(default=0)
    potential_matches = models.PositiveIntegerField(default=0)
    phase = models.CharField(max_length=100, blank=True, help_text="What the check is doing now")
    failure_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class BulkMatchStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    CONFIRMED = "confirmed", "Confirmed: the same person"
    REJECTED = "rejected", "Rejected: not the same person"


class BulkCheckMatch(models.Model):
    """One potential match of a bulk check: a person and a police record scored at or above the
    lower threshold, with its review task.

    States (``workflows.BULK_MATCH``): *pending* (waiting for review), then *confirmed* (the same
    person) or *rejected* (not the same person), decided once."""

    check_run = models.ForeignKey(BulkCheck, on_delete=models.CASCADE, related_name="matches")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    police_record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    contributions = models.JSONField(default=list)
    status = models.CharField(
        max_length=20, choices=BulkMatchStatus.choices, default=BulkMatchStatus.PENDING
    )
    previously_known = models.BooleanField(
        null=True,
        help_text="Set on confirmation: did the person's record already show this criminality?",
    )
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_task = models.ForeignKey(
        "work.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Routed to the owner: criminality not known",
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-match_probability", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_run", "person", "police_record"], name="bulk_match_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Bulk-check match {self.pk}"


class OwnershipCategory(models.TextChoices):
    """The categories of 001 Figure 3: which unit the legacy record claimed."""

    CURRENT_UNIT = "current_unit", "A current owning team"
    LOCAL_IMMIGRATION_TEAM = "lit", "Local Immigration Teams"
    REMOVALS_FRU = "removals_fru", "Removals Casework (in Family Returns Unit)"
    ASYLUM = "asylum", "Asylum Cases"
    BORDER_FORCE = "border_force", "Border Force"
    NRC_DETAINED = "nrc_detained", "National Removals Command/Detained Casework (inc. duty offices)"
    UNIDENTIFIED = "unidentified", "Unidentified groups"
    BLANK = "blank", "Blank"
    CONFLICTING = "conflicting", "More than one current team claimed"
    NO_LEGACY_RECORD = "no_legacy", "No legacy case record (new casework or a tracker only)"


class OwnershipFinding(models.Model):
    """What the ownership clean-up found for one linked person (brief §4)."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="ownership_finding"
    )
    category = models.CharField(max_length=20, choices=OwnershipCategory.choices)
    claimed_units = models.JSONField(
        default=list, help_text="Owning units the source records named"
    )
    owning_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    found_at = models.DateTimeField()

    class Meta:
        ordering = ["category", "person"]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.get_category_display()}"
