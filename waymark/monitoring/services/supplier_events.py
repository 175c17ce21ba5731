"""Inbound supplier events: each stored once by its event id and applied in the same
transaction (a repeat replays the first answer), and the records they carry (brief §2-§3, §6)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.monitoring import rules
from waymark.monitoring.models import (
    Condition,
    DeviceFault,
    FittingOrder,
    ServiceFigure,
    SupplierEvent,
)
from waymark.monitoring.services.breaches import breach_ingest
from waymark.people import selectors as people_selectors
from waymark.people.models import Person


class EventConflict(Exception):
    """The same event id arrived with a different body."""


# PostgreSQL's deadlock and serialisation failures: the transaction was rolled back whole.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def retryable(exc: BaseException) -> bool:
    """Whether the database rolled the transaction back only because of another one (a deadlock,
    a serialisation failure): the same work tried again can succeed."""
    cause = exc.__cause__
    return (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) in (
        RETRYABLE_SQLSTATES
    )


def once_more_if_deadlocked(work: Callable[[], Any]) -> Any:
    """``work()`` (its own transaction), tried once more if the database chose it as a deadlock's
    victim. An event and a batch naming the same event id and person at once take the event's key
    and the person's breach lock in opposite orders; the second try finds the first's outcome."""
    try:
        return work()
    except DatabaseError as exc:
        if not retryable(exc):
            raise
    return work()


def supplier_event_receive(
    *,
    client_label: str,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    body: bytes,
    idempotency_key: str = "",
    handler: Callable[[SupplierEvent], dict[str, Any]],
) -> tuple[SupplierEvent, bool]:
    """Store the event and apply it in one transaction; return ``(event, created)``.

    ``handler(event)`` applies it and returns the response body. A ValidationError from the handler
    rolls everything back, so nothing is stored. The event row is claimed with one
    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (no read first, no savepoint to catch an
    IntegrityError): a concurrent duplicate waits on the unique index until the first commits,
    inserts nothing, then finds the first and replays its answer."""
    sha = hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        event = _event_claim(
            SupplierEvent(
                event_id=event_id,
                event_type=event_type,
                idempotency_key=idempotency_key,
                body_sha256=sha,
                payload=payload,
                received_at=clock.now(),
                client_label=client_label,
            )
        )
        if event is not None:
            event.response_body = handler(event)
            event.save(update_fields=["response_body"])
            audit_record(
                actor=None,
                action=AuditAction.COLLECTION,
                verb=f"em.supplier.{event_type}",
                target=event,
                person_id=event.response_body.get("person_id"),
                payload={"new": {"event_id": event_id}},
            )
            return event, True
    existing = SupplierEvent.objects.filter(client_label=client_label, event_id=event_id).first()
    if existing is None:  # the first copy was stored, then removed: not a state we can answer from
        raise EventConflict(f"Event {event_id} was seen but can no longer be replayed")
    return _replay(existing, sha, payload), False


def _event_claim(event: SupplierEvent) -> SupplierEvent | None:
    """Insert the event unless its ``(client_label, event_id)`` is already stored; return it with
    its id, or None when it was. One statement on PostgreSQL and SQLite (both have
    ``ON CONFLICT ... DO NOTHING RETURNING``); Django's ``bulk_create(ignore_conflicts=True)``
    does not return the id, so this is written out."""
    meta = SupplierEvent._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    # Only model metadata (quoted names) is formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({qn('client_label')}, {qn('event_id')}) DO NOTHING "
        f"RETURNING {qn(meta.pk.column)}"
    )
    params = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    event.pk = row[0]
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _replay(event: SupplierEvent, sha: str, payload: dict[str, Any]) -> SupplierEvent:
    if not same_event(event, sha, payload):
        raise EventConflict(f"Event {event.event_id} was already received with a different body")
    return event


def same_event(event: SupplierEvent, sha: str, payload: dict[str, Any]) -> bool:
    """Whether a repeat of a stored event is the same event: the same bytes, or, when it came by
    the other route (one a request, or in a batch), the same type and data."""
    return event.body_sha256 == sha or event.payload == payload


def person_by_reference(reference: str) -> Person:
    """The person a supplier names, or a merged record's survivor (read with it: one statement)."""
    person = people_selectors.person_by_reference(reference)
    if person is None:
        raise ValidationError({"person_reference": f"No person with the reference {reference!r}"})
    if person.merged_into_id:
        person = cast(Person, person.merged_into)
    return person


def order_by_reference(reference: str) -> FittingOrder:
    order = (
        FittingOrder.objects.select_related("condition", "person")
        .filter(reference=reference)
        .first()
    )
    if order is None:
        raise ValidationError({"order_reference": f"No order with the reference {reference!r}"})
    return order


def breach_created_apply(event: SupplierEvent | None, data: dict[str, Any]) -> dict[str, Any]:
    """Apply one ``breach.created`` event: the person by reference (a merged record's survivor),
    then ``breach_ingest``. The API's handler and the archive replay both call this, so a breach
    has the same outcome whichever way it arrives. Returns the answer's fields."""
    person = person_by_reference(data["person_reference"])
    breach = breach_ingest(
        event=event,
        person=person,
        breach_type=data["breach_type"],
        started_at=data["started_at"],
        ended_at=data.get("ended_at"),
        details=data.get("details", ""),
    )
    return {"person_id": person.pk, "record_id": breach.pk, "outcome": breach.disposition}


def device_fault_record(
    *, event: SupplierEvent | None, device_serial: str, cause: str, reported_at: datetime
) -> DeviceFault:
    from waymark.monitoring.models import FaultCause

    if cause not in FaultCause.values:
        raise ValidationError({"cause": f"Unknown fault cause {cause!r}"})
    condition = (
        Condition.objects.filter(device_serial=device_serial).order_by("-decided_at").first()
    )
    return DeviceFault.objects.create(
        event=event,
        person=condition.person if condition else None,
        device_serial=device_serial,
        cause=cause,
        reported_at=reported_at,
    )


def service_figures_record(
    *, event: SupplierEvent | None, month: date, figures: dict[str, dict]
) -> list[ServiceFigure]:
    errors = {}
    for measure, values in figures.items():
        if measure not in rules.SERVICE_LEVELS:
            errors[f"figures.{measure}"] = f"Unknown service level {measure!r}"
        elif not (0 <= int(values.get("met", -1)) <= int(values.get("total", -1))):
            errors[f"figures.{measure}"] = "met must be between 0 and total"
    if errors:
        raise ValidationError(errors)
    month = month.replace(day=1)
    rows = []
    for measure, values in figures.items():
        row, _ = ServiceFigure.objects.update_or_create(
            month=month,
            measure=measure,
            defaults={"met": values["met"], "total": values["total"], "event": event},
        )
        rows.append(row)
    return rows
