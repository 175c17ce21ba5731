"""The set-based archive replay's writes (``archive_replay.replay_set_based`` decides, this writes):
the module's rows in bulk with ``core.bulk_insert`` and the platform's through its bulk services
(``timeline_events_bulk_record``, ``tasks_create_each``, ``audit_record_many``), in the order
one-by-one ingestion makes them."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection

from waymark.core.audit import audit_record_many
from waymark.core.bulk_insert import bulk_insert, ids_reserve
from waymark.core.models import AuditAction
from waymark.monitoring import rules
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    SupplierEvent,
)
from waymark.monitoring.services._common import MODULE
from waymark.people.services import timeline_events_bulk_record
from waymark.work import services as work
from waymark.work.models import Queue

if TYPE_CHECKING:
    from waymark.monitoring.services.archive_replay import (
        _NewBreach,
        _NewViolation,
        _PersonState,
    )

EVENT_TYPE = "breach.created"


def row_body(row: dict[str, Any]) -> bytes:
    """What the event's ``body_sha256`` covers (the same for both paths)."""
    fields = (
        row["event_id"],
        row["person_reference"],
        row["breach_type"],
        row["started_at"],
        row.get("ended_at"),
    )
    return "|".join(str(value) for value in fields).encode()


def write(
    breaches: list[_NewBreach], states: dict[int, _PersonState], client_label: str, now: datetime
) -> list[SupplierEvent]:
    """Write what the rules decided: the module's rows in bulk (``core.bulk_insert``: ``COPY`` on
    PostgreSQL), the platform's through its bulk services, in row order.

    On PostgreSQL the breaches' and violations' keys are reserved first, so every row is written
    once, complete: the tasks (whose subjects they are) first, then the violations and breaches
    naming their tasks, and the events with their answers. Elsewhere the rows are numbered as they
    are inserted, and the tasks and answers are filled in afterwards."""
    violations = [v for b in breaches for v in b.raised]
    for v in violations:
        v.obj = AccumulatedViolation(
            person_id=v.person_id,
            window_start=v.window_start,
            window_end=v.window_end,
            total_seconds=int(v.total.total_seconds()),
            raised_at=now,
        )
    events = [
        SupplierEvent(
            event_id=b.row["event_id"],
            event_type=EVENT_TYPE,
            body_sha256=hashlib.sha256(b.row.get("body") or row_body(b.row)).hexdigest(),
            payload=b.row.get("payload") or {"archive": True},
            received_at=now,
            client_label=client_label,
        )
        for b in breaches
    ]
    for b in breaches:
        b.obj = Breach(
            person_id=b.person_id,
            condition=b.condition,
            breach_type=b.row["breach_type"],
            started_at=b.row["started_at"],
            ended_at=b.row.get("ended_at"),
            received_at=now,
            details=(b.row.get("details") or "")[:2000],
            disposition=b.disposition,
            priority=b.priority,
            priority_reason=b.priority_reason,
            ladder_step=b.step.number if b.step else None,
        )
    breach_ids = ids_reserve(Breach, len(breaches))
    violation_ids = ids_reserve(AccumulatedViolation, len(violations))
    reserved = breach_ids is not None and violation_ids is not None
    if reserved:
        for b, pk in zip(breaches, breach_ids or [], strict=True):
            b.obj.pk = pk  # type: ignore[union-attr]
        for v, pk in zip(violations, violation_ids or [], strict=True):
            v.obj.pk = pk  # type: ignore[union-attr]
        _platform_write(breaches, states)  # the tasks, then the rows that name them
        _answers(breaches, events)
        bulk_insert(SupplierEvent, events)
        bulk_insert(AccumulatedViolation, [v.obj for v in violations])  # type: ignore[misc]
        _breaches_link(breaches, events)
        bulk_insert(Breach, [b.obj for b in breaches])  # type: ignore[misc]
    else:
        bulk_insert(SupplierEvent, events)
        bulk_insert(AccumulatedViolation, [v.obj for v in violations])  # type: ignore[misc]
        _breaches_link(breaches, events)
        bulk_insert(Breach, [b.obj for b in breaches])  # type: ignore[misc]
        _platform_write(breaches, states)
        Breach.objects.bulk_update(
            [b.obj for b in breaches if b.obj is not None and b.obj.task_id is not None],
            ["task"],
            batch_size=1000,
        )
        AccumulatedViolation.objects.bulk_update(
            [v.obj for v in violations],  # type: ignore[misc]
            ["task"],
            batch_size=1000,
        )
        _answers(breaches, events)
        SupplierEvent.objects.bulk_update(events, ["response_body"], batch_size=1000)
    _stored_counted(violations)
    audit_record_many(
        actor=None,
        entries=[
            {
                "action": AuditAction.COLLECTION,
                "verb": f"em.supplier.{EVENT_TYPE}",
                "target_type": SupplierEvent._meta.label_lower,
                "target_id": event.pk,
                "person_id": b.person_id,
                "payload": {"new": {"event_id": event.event_id}},
            }
            for b, event in zip(breaches, events, strict=True)
        ],
    )
    return events


def _stored_counted(violations: list[_NewViolation]) -> None:
    """Breaches stored before this replay that a new violation counts (a few per person): one
    UPDATE on PostgreSQL, one per violation elsewhere."""
    pairs = [(pk, v.obj.pk) for v in violations for pk in v.counted_stored]  # type: ignore[union-attr]
    if not pairs:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE monitoring_breach b SET disposition = %s, accumulated_id = v.violation "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(breach, violation) "
                "WHERE b.id = v.breach",
                [
                    BreachDisposition.BATTERY_COUNTED.value,
                    [p for p, _ in pairs],
                    [v for _, v in pairs],
                ],
            )
        return
    for v in violations:
        if v.counted_stored:
            Breach.objects.filter(pk__in=v.counted_stored).update(
                disposition=BreachDisposition.BATTERY_COUNTED, accumulated=v.obj
            )


def _breaches_link(breaches: list[_NewBreach], events: list[SupplierEvent]) -> None:
    """Each breach names its stored event and, if counted, its violation."""
    for b, event in zip(breaches, events, strict=True):
        b.obj.event = event  # type: ignore[union-attr]
        if b.violation is not None:
            b.obj.accumulated = b.violation.obj  # type: ignore[union-attr]


def _answers(breaches: list[_NewBreach], events: list[SupplierEvent]) -> None:
    """Each event's answer, as the supplier's API gives it for the event."""
    for b, event in zip(breaches, events, strict=True):
        event.response_body = {
            "event_id": event.event_id,
            "event_type": EVENT_TYPE,
            "person_id": b.person_id,
            "record_id": b.obj.pk,  # type: ignore[union-attr]
            "outcome": BreachDisposition.BATTERY_BELOW
            if b.row["breach_type"] == rules.BATTERY
            else BreachDisposition.ACTIONABLE,
        }


def _platform_write(breaches: list[_NewBreach], states: dict[int, _PersonState]) -> None:
    """The timeline events and tasks, through the platform's bulk services, in row order; each
    new task is set on the breach or violation it is for (``breach.task``, ``violation.task``)."""
    # The breaches queue, read once and handed to the task service (which would look it up by slug
    # for every task); if it is missing, the service refuses as ``task_create`` would one by one.
    queue = Queue.objects.select_related("team").filter(slug=rules.QUEUE_BREACHES).first()
    timeline: list[dict[str, Any]] = []
    tasks: list[tuple[dict[str, Any], Breach | AccumulatedViolation | None]] = []
    for b in breaches:
        _platform_rows(b, states[b.person_id], queue, timeline, tasks)
    timeline_events_bulk_record(events=timeline)
    made = work.tasks_create_each(actor=None, specs=[spec for spec, _ in tasks])
    for (_, holder), task in zip(tasks, made, strict=True):
        if holder is not None:
            holder.task = task


def _platform_rows(
    b: _NewBreach,
    state: _PersonState,
    queue: Queue | None,
    timeline: list[dict[str, Any]],
    tasks: list[tuple[dict[str, Any], Breach | AccumulatedViolation | None]],
) -> None:
    """The timeline events and tasks ``breach_ingest`` makes for this breach, in its order,
    appended to ``timeline`` (``timeline_event_record``'s arguments) and ``tasks``
    (``task_create``'s arguments, and the row whose ``task`` the new task becomes)."""
    person, breach, row = state.person, b.obj, b.row
    timeline.append(
        {
            "person": person,
            "module": MODULE,
            "event_type": "em.breach_received",
            "summary": f"Breach reported: {rules.BREACH_TYPE_LABELS[row['breach_type']]}",
            "occurred_at": row["started_at"],
            "related": breach,
            "detail": {"started_at": row["started_at"], "ended_at": row.get("ended_at")},
        }
    )
    for v in b.raised:
        spec = {
            "task_type": rules.TASK_ACCUMULATED_BATTERY,
            "title": f"Accumulated battery violation: {person.full_name}",
            "person": person,
            "subject": v.obj,
            "queue": queue,
            "priority": v.priority,
            "priority_reason": v.reason,
            "dedupe_key": f"em-accumulated-{v.obj.pk}",  # type: ignore[union-attr]
            "description": f"{v.breaches} battery breaches. Escalation ladder: step {v.step.number}, {v.step.label}.",
        }
        tasks.append((spec, v.obj))
        timeline.append(
            {
                "person": person,
                "module": MODULE,
                "event_type": "em.accumulated_violation",
                "summary": f"Accumulated battery violation ({v.total.total_seconds() / 3600:.1f} hours)",
                "related": v.obj,
                "detail": {"breaches": v.breaches},
            }
        )
    if b.step is not None:
        spec = {
            "task_type": rules.TASK_BREACH,
            "title": f"{rules.BREACH_TYPE_LABELS[row['breach_type']]}: {person.full_name}",
            "person": person,
            "subject": breach,
            "queue": queue,
            "priority": b.priority,
            "priority_reason": b.priority_reason,
            "dedupe_key": f"em-breach-{breach.pk}",  # type: ignore[union-attr]
            "description": f"Escalation ladder: step {b.step.number}, {b.step.label}.",
        }
        tasks.append((spec, breach))
    if b.first_since_fitting and b.condition is not None:
        phone = b.condition.issued_phone_number
        spec = {
            "task_type": rules.TASK_FIRST_BREACH_CONTACT,
            "title": f"Phone {person.full_name} about their first breach",
            "person": person,
            "subject": breach,
            "queue": queue,
            "dedupe_key": f"em-first-breach-{b.condition.pk}",
            "description": (
                f"Call the phone issued at fitting: {phone}"
                if phone
                else "No phone number was recorded at fitting: record it, then call (data quality)"
            ),
        }
        tasks.append((spec, None))
