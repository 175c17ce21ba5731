from __future__ import annotations

import hashlib
import hmac

from waymark.api.models import ClientCredential, IdempotencyRecord


def secret_hash(secret: str) -> str:
    """Secrets are 256-bit random values, so a plain SHA-256 is enough (no password stretching)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def credential_for_token(token: str) -> ClientCredential | None:
    client_id, dot, secret = token.partition(".")
    if not dot or not client_id or not secret:
        return None
    credential = (
        ClientCredential.objects.select_related("user")
        .filter(client_id=client_id, revoked_at__isnull=True)
        .first()
    )
    if credential is None or not credential.user.is_active:
        return None
    if not hmac.compare_digest(credential.secret_hash, secret_hash(secret)):
        return None
    return credential


def idempotency_record(*, owner: str, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(owner=owner, key=key).first()
