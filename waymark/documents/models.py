"""Documents and letters (brief platform §4).

A ``Document`` is a stored file: uploaded by a user, filed from a correspondence attachment,
generated from a ``LetterTemplate``, or written by a module. Files live under MEDIA_ROOT at a path
Waymark chooses (never one derived from what the user typed) and are served only through the
permission-checked download view.

Document states:
  filed    - ``person`` is set: the document is on the person's record (and timeline);
  unfiled  - ``person`` is empty: an attachment of a correspondence item not yet matched to
             anyone; it is filed on the person when the item is matched.

Documents are never deleted when a task closes (they do not hang off tasks at all).
``LetterTemplate`` rows are versioned: editing a template adds a new version, and each generated
letter points at the exact version it was made from. ``LetterService`` records how and when a
letter was served (post, by hand, email, recorded delivery).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL

_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "message/rfc822": ".eml",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "text/html": ".html",
}


def document_storage_name(content_type: str) -> str:
    """A random file name with the extension of the agreed type: nothing the user typed is used
    in the path (the original name is kept only as data, in ``original_name``)."""
    return f"{uuid.uuid4().hex}{_EXTENSIONS.get(content_type, '.bin')}"


class DocumentType(models.TextChoices):
    LETTER = "letter", "Letter or notice"
    CORRESPONDENCE = "correspondence", "Correspondence or attachment"
    IDENTITY = "identity", "Identity document"
    LEGAL = "legal", "Legal representations or court papers"
    MEDICAL = "medical", "Medical evidence"
    EVIDENCE = "evidence", "Other evidence"
    OTHER = "other", "Other"


class DocumentSource(models.TextChoices):
    UPLOAD = "upload", "Uploaded"
    CORRESPONDENCE = "correspondence", "From correspondence"
    LETTER = "letter", "Generated letter"
    MODULE = "module", "Written by a module"


class ScanStatus(models.TextChoices):
    NOT_SCANNED = "not_scanned", "Not scanned (no scanner configured)"
    CLEAN = "clean", "Scanned: clean"
    ERROR = "error", "Scan failed"


class Document(models.Model):
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    document_type = models.CharField(max_length=20, choices=DocumentType.choices)
    title = models.CharField(max_length=300)
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    filed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was put on the person"
    )
    source = models.CharField(
        max_length=20, choices=DocumentSource.choices, default=DocumentSource.UPLOAD
    )
    related_type = models.CharField(
        max_length=100, blank=True, help_text="e.g. correspondence.correspondenceitem"
    )
    related_id = models.CharField(max_length=64, blank=True)
    scan_status = models.CharField(
        max_length=20, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED
    )
    scan_detail = models.CharField(max_length=300, blank=True)
    letter_template = models.ForeignKey(
        "documents.LetterTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
    )

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "-uploaded_at"]),
            models.Index(fields=["related_type", "related_id"]),
        ]
        permissions = [
            ("generate_letter", "Can generate letters and notices from templates"),
            ("record_service", "Can record how and when a letter was served"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_filed(self) -> bool:
        return self.person_id is not None


class LetterTemplate(models.Model):
    """One version of a letter template; the highest ``version`` of a ``key`` is the current one."""

    key = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    body = models.TextField(help_text="Plain text with merge fields such as {{ person.full_name }}")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="letter_template_key_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"


class ServiceMethod(models.TextChoices):
    POST = "post", "First class post"
    HAND = "hand", "By hand"
    EMAIL = "email", "Email"
    RECORDED = "recorded_delivery", "Recorded delivery"


class LetterService(models.Model):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="services")
    method = models.CharField(max_length=20, choices=ServiceMethod.choices)
    served_on = models.DateField()
    served_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-served_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.document} served {self.get_method_display().lower()} on {self.served_on:%d/%m/%Y}"
