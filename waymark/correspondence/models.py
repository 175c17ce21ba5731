"""Correspondence intake: the replacement for the shared mailboxes (brief platform §3).

A ``CorrespondenceItem`` is one message, however many times it arrived. Each arrival is a
``CorrespondenceCopy`` (which mailbox or address it came to, when, and its raw Message-ID), so the
same email sent twice, or to several inboxes, is one item with its copies linked (000 §5.85).

Item match states (``match_status``):
  matched           - ``person`` is set, by a reference or names + date of birth found in the
                      message (``match_method`` and ``match_detail`` say which) or by a caseworker;
  match_needed      - no single person could be found: a task waits in the match queue;
  no_person_needed  - the message is not about a person (e.g. a general policy question).

Attachments are ``documents.Document`` rows: filed on the person at once when the item is matched,
kept against the item (unfiled) until then and filed at match time (000 §5.29).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

USER = settings.AUTH_USER_MODEL


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    UPLOAD = "upload", "Uploaded file"
    API = "api", "Partner API"
    POST = "post", "Post"


class MatchStatus(models.TextChoices):
    MATCHED = "matched", "Matched"
    MATCH_NEEDED = "match_needed", "Match needed"
    NO_PERSON_NEEDED = "no_person_needed", "No person needed"


class MatchMethod(models.TextChoices):
    NONE = "", "Not matched"
    WAYMARK_REFERENCE = "waymark_reference", "Waymark reference"
    HOME_OFFICE_REFERENCE = "home_office_reference", "Home Office reference"
    EXTERNAL_REFERENCE = "external_reference", "Other external reference"
    NAME_AND_DOB = "name_and_dob", "Name and date of birth"
    MANUAL = "manual", "Matched by a caseworker"


class Category(models.TextChoices):
    GENERAL_ENQUIRY = "general_enquiry", "General enquiry"
    LEGAL_REPRESENTATIONS = "legal_representations", "Legal representations"
    PRE_ACTION_LETTER = "pre_action_letter", "Pre-action protocol letter"
    COMPLAINT = "complaint", "Complaint"
    OTHER = "other", "Other"


class Mailbox(models.Model):
    """An address correspondence arrives at: one of the shared mailboxes it replaces."""

    address = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class CorrespondenceItem(models.Model):
    channel = models.CharField(max_length=10, choices=Channel.choices)
    sender = models.CharField(max_length=320)
    sender_name = models.CharField(
        max_length=200, blank=True, help_text="The name an email's sender is shown by, if any"
    )
    recipients = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(db_index=True)
    message_id = models.CharField(max_length=500, blank=True)
    content_fingerprint = models.CharField(max_length=64, db_index=True)

    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correspondence",
    )
    match_status = models.CharField(
        max_length=20, choices=MatchStatus.choices, default=MatchStatus.MATCH_NEEDED
    )
    match_method = models.CharField(max_length=30, choices=MatchMethod.choices, blank=True)
    match_detail = models.CharField(max_length=500, blank=True)
    matched_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    category = models.CharField(
        max_length=30, choices=Category.choices, default=Category.GENERAL_ENQUIRY
    )

    task_id = models.BigIntegerField(
        null=True, blank=True, help_text="The work.Task the reply is worked under"
    )
    match_task_id = models.BigIntegerField(
        null=True, blank=True, help_text="The match-needed work.Task"
    )
    registered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["match_status", "received_at"]),
            models.Index(fields=["person", "-received_at"]),
        ]
        constraints = [
            # Concurrent imports of the same message cannot create two items.
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~Q(message_id=""),
                name="correspondence_message_id_once",
            ),
            models.CheckConstraint(
                condition=~Q(match_status="matched") | Q(person__isnull=False),
                name="correspondence_matched_has_person",
            ),
        ]
        permissions = [
            ("match_correspondence", "Can match correspondence to people"),
        ]

    def __str__(self) -> str:
        return self.subject or f"Correspondence from {self.sender_shown}"

    @property
    def sender_shown(self) -> str:
        """ "Amal Haddad <amal@example.org>" for an email with a name, else the sender as kept."""
        return f"{self.sender_name} <{self.sender}>" if self.sender_name else self.sender


class CorrespondenceCopy(models.Model):
    """One arrival of an item: the address it came to, when, and the raw Message-ID."""

    item = models.ForeignKey(CorrespondenceItem, on_delete=models.PROTECT, related_name="copies")
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.PROTECT, related_name="copies"
    )
    address = models.CharField(max_length=320, blank=True, help_text="Where it was received")
    received_at = models.DateTimeField()
    message_id = models.CharField(max_length=500, blank=True)
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name_plural = "correspondence copies"

    def __str__(self) -> str:
        return f"Copy received {self.received_at:%d/%m/%Y %H:%M} at {self.address or 'unknown address'}"


class Attachment(models.Model):
    """An attachment of an item. ``document`` is empty when the file was refused (wrong type,
    too large, infected): the refusal is kept so that nobody thinks it was lost."""

    item = models.ForeignKey(
        CorrespondenceItem, on_delete=models.PROTECT, related_name="attachments"
    )
    document = models.OneToOneField(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    declared_content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    refused_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.file_name
