"""Core data: the audit trail as a verifiable log (decision 0015).

``AuditEvent`` rows are appended with plain INSERTs in the caller's transaction; each carries the
SHA-256 of its own content. The sequencer (``core.audit_sequencer``, ``manage.py audit_seal``)
seals committed entries in sequence order into ``AuditBatch`` rows (a Merkle root per batch, each
batch chained to the one before) and publishes a signed checkpoint outside the database, so
``manage.py audit_verify`` finds an entry altered, removed or inserted, a truncated table or a cut
tail, and a re-hashing by someone with full database rights. On PostgreSQL triggers refuse
UPDATE, DELETE and TRUNCATE of both tables, and a BEFORE INSERT trigger gives each entry its
transaction id and then its sequence number (in that order: the sequencer's watermark needs it).
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models

from waymark.core import rules

# The sequence that numbers audit entries on PostgreSQL (created by migration 0004, drawn by the
# ``audit_sequence_after_xact`` trigger); the sequencer reads its high-water mark.
AUDIT_ORDER_SEQUENCE = "core_auditevent_order_seq"

# TRUNCATE of the audit tables is refused. Only a test database (its name starts ``test_``) lets
# the test runner's flush through, when the flush says so (``waymark.testing.plugin``).
REFUSE_TRUNCATE = (
    "IF current_database() LIKE 'test\\_%' "
    "AND current_setting('waymark.test_flush', true) = 'on' THEN RETURN NULL; END IF; "
    "RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE of % is refused', TG_TABLE_NAME;"
)


class AuditAction(models.TextChoices):
    """The Data Protection Act 2018 s62 logging categories."""

    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation"
    DISCLOSURE = "disclosure", "Disclosure"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"


class AuditEvent(models.Model):
    sequence = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(
        max_length=200, help_text="Username or machine client at the time"
    )
    channel = models.CharField(max_length=20)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    verb = models.CharField(max_length=100, help_text="What happened, e.g. person.viewed")
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    payload = models.JSONField(default=dict, blank=True, help_text="Old and new values, or detail")
    recipient = models.CharField(max_length=200, blank=True, help_text="For disclosures: to whom")
    purpose = models.CharField(
        max_length=500, blank=True, help_text="For disclosures and restricted views: why"
    )
    request_id = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the entry's canonical content, written with it"
    )
    xact_id = models.BigIntegerField(
        null=True, blank=True, help_text="PostgreSQL: the writing transaction's id (a trigger)"
    )

    class Meta:
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["person_id", "occurred_at"]),
            models.Index(fields=["verb"]),
            # A person's access history, newest first by number: on PostgreSQL a merge of each
            # month's partition in order rather than a sort (migration 0005).
            models.Index(fields=["person_id", "sequence"], name="audit_person_sequence"),
        ]
        permissions = [
            (
                "view_access_history",
                "Can see a person's access history (subject access, investigations)",
            ),
            ("verify_audit", "Can run the audit chain verification"),
            ("view_audit_sealing", "Can see the audit log's sealing status"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            pgtrigger.Trigger(
                name="audit_no_truncate",
                when=pgtrigger.Before,
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                func=REFUSE_TRUNCATE,
            ),
            pgtrigger.Trigger(
                name="audit_sequence_after_xact",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func=(
                    # The transaction id first (pg_current_xact_id assigns one if need be), then
                    # the sequence number: every entry's number is then taken after its
                    # transaction had an id, which the sequencer's watermark relies on.
                    "NEW.xact_id := pg_current_xact_id()::text::bigint; "
                    f"NEW.sequence := nextval('{AUDIT_ORDER_SEQUENCE}'); RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.verb} by {self.actor_label}"


class AuditBatch(models.Model):
    """A run of audit entries sealed together by the sequencer: every entry whose sequence is in
    ``first_sequence``..``last_sequence`` except the ``gaps`` (numbers whose transactions rolled
    back), in sequence order, as the leaves of a Merkle tree (RFC 9162) whose root is
    ``tree_root``. ``batch_hash`` covers this record and ``previous_hash`` (the batch before's
    ``batch_hash``), so the batches form a chain; the sequencer signs the newest one into a
    checkpoint outside the database. Written only by the sequencer; append-only."""

    number = models.BigIntegerField(primary_key=True)
    first_sequence = models.BigIntegerField()
    last_sequence = models.BigIntegerField(unique=True)
    entry_count = models.IntegerField()
    gaps = models.JSONField(
        default=list, blank=True, help_text="[[from, to], ...] numbers in the range never committed"
    )
    tree_root = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    batch_hash = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]
        triggers = [
            pgtrigger.Protect(
                name="audit_batch_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            pgtrigger.Trigger(
                name="audit_batch_no_truncate",
                when=pgtrigger.Before,
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                func=REFUSE_TRUNCATE,
            ),
        ]

    def __str__(self) -> str:
        return f"Audit batch {self.number} (#{self.first_sequence}-#{self.last_sequence})"


class AuditVerificationRun(models.Model):
    """One run of ``manage.py audit_verify``: what it read and what it found. The sealing page's
    "last verified" and the oversight evidence check "the audit log verifies" read these, so no
    web request verifies the log itself (a whole run takes about an hour a year of national
    volume, and needs the keyring)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(db_index=True)
    since = models.DateTimeField(null=True, blank=True, help_text="None: the whole log")
    ok = models.BooleanField()
    problem = models.TextField(blank=True)
    checked = models.BigIntegerField(default=0)
    checked_from = models.BigIntegerField(default=1)
    sealed_through = models.BigIntegerField(default=0)
    anchored_through = models.BigIntegerField(default=0)
    unanchored_from = models.BigIntegerField(null=True, blank=True)
    unanchored_to = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return f"Audit verification at {self.finished_at:%Y-%m-%d %H:%M}: {'ok' if self.ok else 'failed'}"

    @property
    def whole(self) -> bool:
        return self.since is None

    @property
    def anchored(self) -> bool:
        return self.unanchored_from is None


class Notification(models.Model):
    """Something a person should know without looking for it: work given to them, a decision on
    what they asked for, a long job of theirs that finished. Written by ``core.notifications``
    (``notify``) inside the transaction of the change it reports, so a rolled-back change leaves
    no notification; read on the Notifications page, which marks them read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=40)  # "work_given", "decision", "job_finished"
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return self.text


class SavedView(models.Model):
    """A person's named filters on a list page (their caseload, the person search, the visits
    list, the reporting day): the filters live in the page's query string, so that is what is
    saved. ``page`` is the page's URL name (``work:home``); written by ``core.saved_views``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    page = models.CharField(max_length=100)
    name = models.CharField(max_length=rules.SAVED_VIEW_NAME_MAX_LENGTH)
    query_string = models.CharField(max_length=rules.SAVED_VIEW_QUERY_MAX_LENGTH)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "page", "name"], name="saved_view_name_per_user_and_page"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """One sending of a page's form, so that the same form sent twice (a double click, a retry on a
    slow network, the back button) is acted on once (``core.submissions``). The token is the one
    the page put in the form when it was shown; ``location`` is where the first sending was sent
    on (its redirect), and a second sending of the same token and values by the same person is
    sent there.
    A sending that did not redirect (the form had errors, the request failed) is deleted, so the
    corrected form can be sent with the same token."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=rules.FORM_SUBMISSION_TOKEN_MAX_LENGTH)
    path = models.CharField(max_length=300)
    # SHA-256 of what the form held (its fields but the CSRF token): the same token sent with
    # other values (the back button, a change, the button again) is acted on, not replayed.
    digest = models.CharField(max_length=64)
    location = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="form_submission_once")
        ]
        indexes = [models.Index(fields=["created_at"], name="form_submission_created")]

    def __str__(self) -> str:
        return f"{self.path} ({self.token})"


class ReadModelState(models.Model):
    """When a read model (``core.read_models``: an app's summary tables for a figures page) was
    last rebuilt. ``as_of`` is the moment its rows describe: taken before the rebuild's first
    read, so the figures are at least as new as it. Written only by ``read_model_refresh``.
    ``full_as_of`` and ``full_ms`` are those of the last whole rebuild (a read model with an
    ``update`` rewrites only what changed in between)."""

    name = models.CharField(max_length=100, primary_key=True)
    as_of = models.DateTimeField()
    refresh_ms = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    full_as_of = models.DateTimeField(null=True)
    full_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} as of {self.as_of:%Y-%m-%d %H:%M:%S}"


class FigureFactBase(models.Model):
    """A summary row of a read model (abstract: each app keeps its own table, ``core.read_models``).

    One row counts ``n`` records of ``measure`` on ``day`` (the London date the figure is dated by;
    null for current-state figures) for ``team`` (when the page filters by team), split by up to
    two keys. A period's figure is the SUM of ``n`` over its days, so every filter a page offers is a
    sum over these rows. ``until`` is for "in force at a moment" figures: the row counts from ``day``
    (included) until ``until`` (excluded; null for open)."""

    measure = models.CharField(max_length=50)
    day = models.DateField(null=True)
    until = models.DateField(null=True)
    team_id = models.BigIntegerField(null=True)
    k1 = models.CharField(max_length=100, default="")
    k2 = models.CharField(max_length=100, default="")
    n = models.BigIntegerField()

    class Meta:
        abstract = True
