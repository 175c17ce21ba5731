"""A batch of supplier events in one request (decision 0017, option 2): ``breach.created`` events
applied through the set-based path the archive replay uses, each answered as it would be alone.

For a backlog (the supplier's queue after an outage, a national roll-out) one request carries up
to ``rules.SUPPLIER_BATCH_MAX`` events, so the request's own cost is paid once, and the rules run
once per person in row order (``archive_replay.replay_set_based``: the same breaches, tasks,
ladder steps, timeline and audit entries as one by one, tested against it). Each event keeps its
own id and its own answer: stored (201), already stored and answered again with the first answer
(200), refused with why and stored nowhere (422). An event id is the same event by either route:
an event sent alone and again in a batch (or the reverse) with the same type and data is answered
with the first answer, never stored twice, and with different data is refused as a conflict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.monitoring.models import SupplierEvent
from waymark.monitoring.services.archive_replay import EVENT_TYPE, replay_set_based
from waymark.monitoring.services.supplier_events import (
    EventConflict,
    breach_created_apply,
    once_more_if_deadlocked,
    retryable,
    same_event,
    supplier_event_receive,
)


@dataclass
class BatchEvent:
    """One event of a batch, validated: its id, its ``data`` (as ``breach.created``'s serializer
    gives it) and the event as sent (what is stored, and compared with a repeat)."""

    event_id: str
    data: dict[str, Any]
    sent: dict[str, Any]

    @property
    def body(self) -> bytes:
        """What the stored event's ``body_sha256`` covers: the event as sent, canonical JSON."""
        return json.dumps(self.sent, sort_keys=True, separators=(",", ":")).encode()

    @property
    def sha(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass
class BatchAnswer:
    """What became of one event: ``status`` 201 (stored), 200 (stored before: ``answer`` is the
    first answer) or 422 (refused, stored nowhere: ``errors`` by field, ``detail`` a sentence)."""

    status: int
    answer: dict[str, Any] | None = None
    detail: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def supplier_events_batch_receive(
    *, client_label: str, batch_id: str, events: list[BatchEvent]
) -> list[BatchAnswer]:
    """Store and apply ``events`` (every one a ``breach.created``) in one transaction, set-based;
    return an answer for each, in order. A repeated id within the batch is answered as the first
    copy is (the same data) or refused as a conflict (different data). If the database refuses
    the set (an id or a task's key stored by another request meanwhile, a deadlock with one),
    the whole batch is rolled back and settled one event at a time through
    ``supplier_event_receive``, each in its own transaction, as if each had been sent alone."""
    first: dict[str, int] = {}
    for index, event in enumerate(events):
        first.setdefault(event.event_id, index)
    unique = [event for index, event in enumerate(events) if first[event.event_id] == index]
    try:
        with transaction.atomic():
            answers = _set_based(client_label, unique)
            _batch_audit(client_label, batch_id, answers)
    except DatabaseError as exc:  # an IntegrityError is one
        if not isinstance(exc, IntegrityError) and not retryable(exc):
            raise
        # Each event in its own transaction, as if sent alone: one transaction for them all
        # would hold every person's locks to the end, and two batches settling at once deadlock.
        answers = [_one(client_label, event) for event in unique]
        _batch_audit(client_label, batch_id, answers)
    by_id = {event.event_id: answer for event, answer in zip(unique, answers, strict=True)}
    result = []
    for index, event in enumerate(events):
        answer = by_id[event.event_id]
        if first[event.event_id] != index:
            answer = _repeat_in_batch(event, events[first[event.event_id]], answer)
        result.append(answer)
    return result


def _set_based(client_label: str, events: list[BatchEvent]) -> list[BatchAnswer]:
    rows = [
        {
            "event_id": event.event_id,
            "person_reference": event.data["person_reference"],
            "breach_type": event.data["breach_type"],
            "started_at": event.data["started_at"],
            "ended_at": event.data.get("ended_at"),
            "details": event.data.get("details") or "",
            "payload": event.sent,
            "body": event.body,
        }
        for event in events
    ]
    replayed = replay_set_based(rows=rows, client_label=client_label)
    answers: list[BatchAnswer | None] = [None] * len(events)
    stored_at = iter(replayed.answers)
    skipped = set(replayed.skipped)
    for index in range(len(events)):
        if index in replayed.refused:
            answers[index] = _refused(replayed.refused[index])
        elif index not in skipped:
            answers[index] = BatchAnswer(201, answer=next(stored_at))
    if skipped:
        earlier = {
            e.event_id: e
            for e in SupplierEvent.objects.filter(
                client_label=client_label, event_id__in=[events[i].event_id for i in skipped]
            )
        }
        for index in skipped:
            answers[index] = _stored_before(events[index], earlier[events[index].event_id])
    return answers  # type: ignore[return-value]


def _one(client_label: str, event: BatchEvent) -> BatchAnswer:
    """The event as if sent alone: its own transaction, the single route's answer."""

    def handler(stored: SupplierEvent) -> dict[str, Any]:
        answer = breach_created_apply(stored, event.data)
        return {"event_id": stored.event_id, "event_type": EVENT_TYPE, **answer}

    return once_more_if_deadlocked(lambda: _one_receive(client_label, event, handler))


def _one_receive(client_label: str, event: BatchEvent, handler) -> BatchAnswer:
    try:
        stored, created = supplier_event_receive(
            client_label=client_label,
            event_id=event.event_id,
            event_type=EVENT_TYPE,
            payload=event.sent,
            body=event.body,
            handler=handler,
        )
    except EventConflict as exc:
        return BatchAnswer(422, detail=str(exc), errors={"id": str(exc)})
    except ValidationError as exc:
        return _refused(
            {
                key: " ".join(str(m) for m in messages)
                for key, messages in getattr(exc, "message_dict", {"data": exc.messages}).items()
            }
        )
    return BatchAnswer(201 if created else 200, answer=stored.response_body)


def _stored_before(event: BatchEvent, earlier: SupplierEvent) -> BatchAnswer:
    if not same_event(earlier, event.sha, event.sent):
        detail = f"Event {event.event_id} was already received with a different body"
        return BatchAnswer(422, detail=detail, errors={"id": detail})
    return BatchAnswer(200, answer=earlier.response_body)


def _repeat_in_batch(event: BatchEvent, original: BatchEvent, answer: BatchAnswer) -> BatchAnswer:
    """A second copy of an id in the same batch: the first copy's answer if it is the same event
    (a stored one answered as a repeat), a conflict if not."""
    if event.sent != original.sent:
        detail = f"Event {event.event_id} appears earlier in this batch with a different body"
        return BatchAnswer(422, detail=detail, errors={"id": detail})
    if answer.status == 201:
        return BatchAnswer(200, answer=answer.answer)
    return answer


def _refused(errors: dict[str, str]) -> BatchAnswer:
    return BatchAnswer(422, detail="The event breaks a rule: nothing was stored.", errors=errors)


def _batch_audit(client_label: str, batch_id: str, answers: list[BatchAnswer]) -> None:
    """One entry for the batch (each stored event has its own ``em.supplier.breach.created``)."""
    counts = {"stored": 0, "repeated": 0, "refused": 0}
    for answer in answers:
        key = {201: "stored", 200: "repeated"}.get(answer.status, "refused")
        counts[key] += 1
    audit_record(
        actor=None,
        action=AuditAction.COLLECTION,
        verb="em.supplier_batch_received",
        payload={"new": {"batch_id": batch_id, "client": client_label, **counts}},
    )
