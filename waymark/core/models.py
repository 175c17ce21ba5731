"""Core data: the tamper-evident audit trail.

``AuditEvent`` rows are append-only. On PostgreSQL a trigger (django-pgtrigger ``Protect``)
refuses UPDATE and DELETE in the database itself; on every engine each row carries the SHA-256 of
its own content and of the previous row, so ``manage.py audit_verify`` finds the first row that
was altered, removed or inserted out of order.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models

from waymark.core import rules


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
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["person_id", "occurred_at"]), models.Index(fields=["verb"])]
        permissions = [
            (
                "view_access_history",
                "Can see a person's access history (subject access, investigations)",
            ),
            ("verify_audit", "Can run the audit chain verification"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.verb} by {self.actor_label}"


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
