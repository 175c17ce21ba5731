"""Writing and verifying the audit trail.

Every service that changes personal data, and every view of a person or a restricted item, calls
``audit_record``. Entries are chained: ``entry_hash = sha256(previous_hash + canonical content)``.
Appends are serialised (a PostgreSQL transaction-level advisory lock; SQLite writers are already
serialised) so that the chain has no forks.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.db import connection, transaction

from waymark.core import clock, context
from waymark.core.models import AuditAction, AuditEvent

GENESIS_HASH = "0" * 64
CONSULTED = frozenset({AuditAction.CONSULTATION, AuditAction.DISCLOSURE})
NOTED_PEOPLE_LIMIT = 500  # people ids kept in one consultation entry; the count is always kept


@dataclass
class RequestLedger:
    """What one request has recorded so far: whether it logged a consultation (or disclosure) of
    its own, the people and count a list noted (``note_consulted``), and the people whose records
    it loaded (the fallback for pages that note nobody). The personal-data middleware writes one
    consultation entry for requests that logged none."""

    consulted: bool = False
    people: set[int] = field(default_factory=set)
    count: int | None = None
    loaded: set[int] = field(default_factory=set)


_ledger: contextvars.ContextVar[RequestLedger | None] = contextvars.ContextVar(
    "waymark_ledger", default=None
)


def ledger_open() -> tuple[RequestLedger, contextvars.Token]:
    ledger = RequestLedger()
    return ledger, _ledger.set(ledger)


def ledger_close(token: contextvars.Token) -> None:
    _ledger.reset(token)


def note_consulted(*, people=(), count: int | None = None) -> None:
    """A list or search tells the request's consultation entry whom it showed (ids) and how many
    matched; outside a request it does nothing."""
    ledger = _ledger.get()
    if ledger is None:
        return
    ledger.people.update(int(pk) for pk in people if pk is not None)
    if count is not None:
        ledger.count = (ledger.count or 0) + count


def _mark_consulted(action: str) -> None:
    ledger = _ledger.get()
    if ledger is not None and action in CONSULTED:
        ledger.consulted = True


def current_ledger() -> RequestLedger | None:
    return _ledger.get()


# ------------------------------------------------------------------------------------------------
# The verb registry: every verb a service records is declared once, with its s62 category, in its
# app's ``registrations.AUDIT_VERBS`` ({verb: AuditAction}). With ``WAYMARK_AUDIT_VERBS_STRICT`` on
# (the test suite) recording an undeclared verb, or a verb under another category, is an error;
# tests/test_architecture.py also checks every literal verb in the code is declared.

_declared: dict[str, str] | None = None


def declared_verbs() -> dict[str, str]:
    """Every declared verb and its s62 category, gathered from each installed app's
    ``registrations.AUDIT_VERBS``. A verb declared twice with different categories is an error."""
    global _declared
    if _declared is None:
        import importlib
        import importlib.util

        from django.apps import apps
        from django.core.exceptions import ImproperlyConfigured

        found: dict[str, str] = {}
        for config in apps.get_app_configs():
            name = f"{config.name}.registrations"
            if not config.name.startswith("waymark.") or importlib.util.find_spec(name) is None:
                continue
            for verb, category in getattr(importlib.import_module(name), "AUDIT_VERBS", {}).items():
                if verb in found and found[verb] != str(category):
                    raise ImproperlyConfigured(f"Audit verb {verb!r} is declared twice")
                found[verb] = str(category)
        _declared = found
    return _declared


def verb_check(verb: str, action: str) -> None:
    from django.conf import settings

    if not getattr(settings, "WAYMARK_AUDIT_VERBS_STRICT", False):
        return
    declared = declared_verbs().get(verb)
    if declared is None:
        raise LookupError(f"Audit verb {verb!r} is not declared in any app's AUDIT_VERBS")
    if declared != str(action):
        raise LookupError(f"Audit verb {verb!r} is declared as {declared}, recorded as {action}")


_ADVISORY_LOCK_KEY = 0x57A7_A0D1  # arbitrary constant shared by every writer of the chain


def _canonical(event: AuditEvent) -> str:
    content = {
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "channel": event.channel,
        "action": event.action,
        "verb": event.verb,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "person_id": event.person_id,
        "payload": event.payload,
        "recipient": event.recipient,
        "purpose": event.purpose,
        "request_id": event.request_id,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def compute_hash(previous_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((previous_hash + _canonical(event)).encode()).hexdigest()


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _chain_head() -> str:
    """Take the chain's lock (released at the end of the caller's transaction) and return the last
    entry's hash, or the genesis hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    last = AuditEvent.objects.order_by("-sequence").values_list("entry_hash", flat=True).first()
    return last or GENESIS_HASH


def audit_record(
    *,
    actor: Any,
    action: str,
    verb: str,
    target: Any = None,
    target_type: str = "",
    target_id: str | int = "",
    person_id: int | None = None,
    payload: dict[str, Any] | None = None,
    recipient: str = "",
    purpose: str = "",
) -> AuditEvent:
    """Append one entry to the audit trail and return it.

    ``actor`` is a user, or None for the system or a machine client (the acting context then names
    the client). ``target`` may be any model instance; its label and primary key are recorded.
    """
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}")
    verb_check(verb, action)
    acting = context.current()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = user.get_username() if user else (acting.client_label or "system")
    with transaction.atomic():
        last = _chain_head()
        event = AuditEvent(
            occurred_at=clock.now(),
            actor=user,
            actor_label=label,
            channel=acting.channel,
            action=action,
            verb=verb,
            target_type=target_type,
            target_id=str(target_id) if target_id != "" else "",
            person_id=person_id,
            payload=_json_safe(payload or {}),
            recipient=recipient,
            purpose=purpose,
            request_id=acting.request_id,
            previous_hash=last,
        )
        event.entry_hash = compute_hash(event.previous_hash, event)
        event.save(force_insert=True)
    _mark_consulted(action)
    return event


def audit_record_many(*, actor: Any, entries: list[dict[str, Any]], batch_size: int = 2000) -> int:
    """Append many entries at once (a bulk import writing thousands of records): the same chain,
    the same lock, one INSERT per batch. Each entry has the keyword arguments of ``audit_record``
    (``action``, ``verb``, ``target_type``, ``target_id``, ``person_id``, ``payload``...)."""
    if not entries:
        return 0
    acting = context.current()
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = user.get_username() if user else (acting.client_label or "system")
    with transaction.atomic():
        previous = _chain_head()
        now = clock.now()
        events = []
        for entry in entries:
            if entry["action"] not in AuditAction.values:
                raise ValueError(f"Unknown audit action {entry['action']!r}")
            verb_check(entry["verb"], entry["action"])
            target_id = entry.get("target_id", "")
            event = AuditEvent(
                occurred_at=now,
                actor=user,
                actor_label=label,
                channel=acting.channel,
                action=entry["action"],
                verb=entry["verb"],
                target_type=entry.get("target_type", ""),
                target_id=str(target_id) if target_id != "" else "",
                person_id=entry.get("person_id"),
                payload=_json_safe(entry.get("payload") or {}),
                recipient=entry.get("recipient", ""),
                purpose=entry.get("purpose", ""),
                request_id=acting.request_id,
                previous_hash=previous,
            )
            event.entry_hash = compute_hash(previous, event)
            previous = event.entry_hash
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    for entry in entries:
        _mark_consulted(entry["action"])
    return len(events)


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_broken_sequence: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_sequence is None


def audit_verify(batch_size: int = 5000) -> VerifyResult:
    """Walk the chain in order and report the first entry whose hashes do not hold."""
    previous = GENESIS_HASH
    checked = 0
    last_sequence = 0
    while True:
        rows = list(
            AuditEvent.objects.filter(sequence__gt=last_sequence).order_by("sequence")[:batch_size]
        )
        if not rows:
            return VerifyResult(checked, None, "")
        for event in rows:
            if event.previous_hash != previous:
                return VerifyResult(
                    checked,
                    event.sequence,
                    "previous_hash does not match the entry before it "
                    "(an entry was removed or inserted)",
                )
            if compute_hash(previous, event) != event.entry_hash:
                return VerifyResult(
                    checked, event.sequence, "content does not match its hash (altered)"
                )
            previous = event.entry_hash
            checked += 1
            last_sequence = event.sequence
