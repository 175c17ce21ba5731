from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.api import rules
from waymark.api.models import ClientCredential, IdempotencyRecord
from waymark.api.selectors import secret_hash
from waymark.core import clock
from waymark.core.types import Actor


@dataclass(frozen=True)
class IssuedCredential:
    credential: ClientCredential
    token: str  # "<client id>.<secret>", shown once


def credential_issue(*, actor: Actor, user, label: str, scopes) -> IssuedCredential:
    """Issue a credential for a machine client's service user. The secret is returned once."""
    unknown = sorted(set(scopes) - set(rules.SCOPES))
    if unknown:
        raise ValidationError({"scopes": f"Unknown scopes: {', '.join(unknown)}"})
    if not getattr(user, "is_machine", False):
        raise ValidationError({"user": "Credentials are issued to machine service users only"})
    if not label.strip():
        raise ValidationError({"label": "Enter a label naming the client"})
    client_id = "wm_" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(rules.SECRET_BYTES)
    credential = ClientCredential.objects.create(
        client_id=client_id,
        secret_hash=secret_hash(secret),
        label=label.strip(),
        user=user,
        scopes=sorted(set(scopes)),
        created_at=clock.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return IssuedCredential(credential=credential, token=f"{client_id}.{secret}")


def credential_revoke(*, actor: Actor, credential: ClientCredential) -> ClientCredential:
    with transaction.atomic():
        credential = ClientCredential.objects.select_for_update().get(pk=credential.pk)
        if credential.revoked_at is None:
            credential.revoked_at = clock.now()
            credential.save(update_fields=["revoked_at"])
    return credential


def credential_mark_used(*, credential: ClientCredential) -> None:
    ClientCredential.objects.filter(pk=credential.pk).update(last_used_at=clock.now())


def idempotency_records_expire() -> int:
    """Delete the Idempotency-Key records older than ``rules.IDEMPOTENCY_RECORD_KEPT`` (a sweep)."""
    cutoff = clock.now() - rules.IDEMPOTENCY_RECORD_KEPT
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
