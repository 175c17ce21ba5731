"""Machine clients' credentials and the idempotency records of API creates."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from waymark.api import rules


class ClientCredential(models.Model):
    """One machine client (a supplier, a partner). The secret is shown once and stored hashed;
    the client acts as its service user, whose role and teams bound what it may see, and its
    scopes bound what it may do through the API."""

    client_id = models.CharField(max_length=40, unique=True)
    secret_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the secret (never the secret)"
    )
    label = models.CharField(max_length=200, help_text="Who the client is, for the audit trail")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_credentials"
    )
    scopes = models.JSONField(default=list, help_text=f"Any of: {', '.join(rules.SCOPES)}")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return f"{self.label} ({self.client_id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first response to a create, kept so that a repeat returns it instead of creating again.

    ``owner`` is ``client:<id>`` or ``user:<id>``: keys are scoped to who sent them."""

    owner = models.CharField(max_length=60)
    key = models.CharField(max_length=rules.IDEMPOTENCY_KEY_MAX_LENGTH)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty while in flight"
    )
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_owner_key")
        ]
        # The sweep deletes the records older than ``rules.IDEMPOTENCY_RECORD_KEPT``.
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
