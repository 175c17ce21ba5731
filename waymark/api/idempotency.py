"""``Idempotency-Key`` on every create.

- missing → 400; the same key with a different body → 422;
- the same key while the first request is still in flight → 409;
- a repeat of a completed request → the first response, replayed (header ``Idempotent-Replayed``).

The key is claimed by inserting a row under a unique constraint in its own short transaction, so
two concurrent first requests race in the database: one claims it, the other sees it in flight.
Only a successful result is kept; if the first request fails, the claim is released so the client
may correct the body and retry with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from waymark.api import rules
from waymark.api.models import ClientCredential, IdempotencyRecord
from waymark.api.problems import Problem
from waymark.core import clock

HEADER = "Idempotency-Key"


def _owner(request) -> str:
    if isinstance(request.auth, ClientCredential):
        return f"client:{request.auth.client_id}"
    return f"user:{request.user.pk}"


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(
    *, owner: str, key: str, request, digest: str
) -> tuple[IdempotencyRecord | None, IdempotencyRecord | None]:
    """Returns (claimed record, existing record): exactly one is not None."""
    now = clock.now()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                owner=owner,
                key=key,
                method=request.method,
                path=request.path[:300],
                request_hash=digest,
                created_at=now,
            ), None
    except IntegrityError:
        pass
    with transaction.atomic():
        existing = (
            IdempotencyRecord.objects.select_for_update().filter(owner=owner, key=key).first()
        )
        if existing is None:  # released between our insert and our read: try once more
            return IdempotencyRecord.objects.create(
                owner=owner,
                key=key,
                method=request.method,
                path=request.path[:300],
                request_hash=digest,
                created_at=now,
            ), None
        stale = now - existing.created_at > timedelta(
            seconds=rules.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS
        )
        if existing.status_code is None and stale and existing.request_hash == digest:
            existing.created_at = now
            existing.save(update_fields=["created_at"])
            return existing, None
    return None, existing


def idempotent_create(request, handler: Callable[[], Response]) -> Response:
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        raise Problem(
            400,
            f"Send an {HEADER} header with a unique value for each new request.",
            errors=[{"field": HEADER, "detail": "This header is required."}],
            problem_type="idempotency-key-missing",
        )
    if len(key) > rules.IDEMPOTENCY_KEY_MAX_LENGTH:
        raise Problem(
            400,
            f"{HEADER} is too long.",
            errors=[
                {
                    "field": HEADER,
                    "detail": f"At most {rules.IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
                }
            ],
            problem_type="idempotency-key-invalid",
        )
    owner, digest = _owner(request), _request_hash(request)
    record, existing = _claim(owner=owner, key=key, request=request, digest=digest)
    if existing is not None:
        if existing.request_hash != digest:
            raise Problem(
                422,
                f"This {HEADER} was used for a different request.",
                errors=[{"field": HEADER, "detail": "Already used with another body or path."}],
                problem_type="idempotency-key-reused",
            )
        if existing.status_code is None:
            raise Problem(
                409,
                "The first request with this key has not finished yet; retry later.",
                problem_type="idempotency-in-flight",
            )
        return Response(
            existing.response_body,
            status=existing.status_code,
            headers={"Idempotent-Replayed": "true"},
        )
    assert record is not None
    try:
        with transaction.atomic():
            response = handler()
            if 200 <= response.status_code < 300:
                record.status_code = response.status_code
                record.response_body = json.loads(json.dumps(response.data, default=str))
                record.completed_at = clock.now()
                record.save(update_fields=["status_code", "response_body", "completed_at"])
    except BaseException:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        raise
    if not 200 <= response.status_code < 300:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
    return response
