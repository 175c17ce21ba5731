"""Standard Webhooks signatures (https://www.standardwebhooks.com/): HMAC-SHA256 over
``{id}.{timestamp}.{body}``, base64, sent as ``v1,<signature>``; several space-separated
signatures are allowed so that a sender can sign with two secrets while rotating.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from waymark.monitoring import rules


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class SignatureError(Exception):
    pass


def _published_demo_secret(secret: str) -> bool:
    """The demo's signing secret is printed in the repository: in production it signs nothing."""
    from django.conf import settings

    from waymark.monitoring.demo import DEMO_SUPPLIER_SECRET

    return bool(getattr(settings, "PRODUCTION", False)) and hmac.compare_digest(
        secret, DEMO_SUPPLIER_SECRET
    )


def verify(
    *,
    secrets: list[str],
    message_id: str,
    timestamp: str,
    signature_header: str,
    body: bytes,
    now: datetime,
) -> None:
    """Raise ``SignatureError`` unless one signature matches one secret and the time is fresh."""
    if not message_id or not timestamp or not signature_header:
        raise SignatureError(
            "The request is not signed (webhook-id, webhook-timestamp, webhook-signature)"
        )
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp must be whole seconds since 1970") from None
    tolerance = rules.SIGNATURE_TOLERANCE.total_seconds()
    if abs(now.timestamp() - sent) > tolerance:
        raise SignatureError("The request is stale or from the future (more than 5 minutes out)")
    offered = [part.strip() for part in signature_header.split(" ") if part.strip()]
    for secret in secrets:
        if not secret or _published_demo_secret(secret):
            continue
        expected = sign(secret, message_id, sent, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return
    raise SignatureError("The signature does not match")
