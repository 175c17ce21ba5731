"""Bulk replay of a supplier archive (000 §5.13: breach reports "archived unprocessed")."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.monitoring.models import (
    AccumulatedViolation,
    BreachDisposition,
    SupplierEvent,
)
from waymark.monitoring.services.archive_replay import replay_set_based, row_body
from waymark.monitoring.services.supplier_events import (
    EventConflict,
    breach_created_apply,
    supplier_event_receive,
)
from waymark.people.models import Person

EVENT_TYPE = "breach.created"


def breach_archive_replay(
    *,
    rows: list[dict[str, Any]],
    client_label: str = "archive",
    actor: Any = None,
    refusals: dict[int, dict[str, str]] | None = None,
) -> dict[str, int]:
    """Ingest many breach notifications at once, with the same outcome as one by one: each event id
    stored once (repeats skipped), battery breaches accumulated, the rest prioritised work.

    ``rows``: dicts with event_id, person_reference, breach_type, started_at, ended_at (aware
    datetimes or None), details. Invalid rows are reported back, not stored.

    Set-based (``archive_replay.replay_set_based``): the rows are staged, the rules run per person
    in row order in memory, and the rows written in bulk, so the breaches, their work (the
    first-breach phone call included), the ladder step, the timeline and the audit entries are
    those ``breach_archive_replay_one_by_one`` gives (tested against it). If another route stores
    one of the event ids meanwhile, the batch is rolled back and replayed one by one.
    ``work_items`` counts the actionable breaches and the accumulated violations raised, as the
    figures do. ``actor`` (who ran the replay) is named in its audit entry; ``refusals``, if given,
    gets why each refused row was refused, by its index in ``rows``."""
    try:
        with transaction.atomic():
            replayed = replay_set_based(rows=rows, client_label=client_label)
            stored, rejected = len(replayed.answers), len(replayed.refused)
            _replayed_audit(len(rows), stored, rejected, client_label, actor)
    except IntegrityError:  # an event id stored concurrently: one by one settles each row
        return breach_archive_replay_one_by_one(
            rows=rows, client_label=client_label, actor=actor, refusals=refusals
        )
    if refusals is not None:
        refusals.update(replayed.refused)
    return {
        "stored": stored,
        "skipped": len(rows) - stored - rejected,
        "rejected": rejected,
        "work_items": replayed.actionable + replayed.violations,
    }


def _replayed_audit(
    total: int, stored: int, rejected: int, client_label: str, actor: Any = None
) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb="em.archive_replayed",
        payload={
            "new": {
                "stored": stored,
                "skipped": total - stored - rejected,
                "rejected": rejected,
                "client": client_label,
            }
        },
    )


def breach_archive_replay_one_by_one(
    *,
    rows: list[dict[str, Any]],
    client_label: str = "archive",
    actor: Any = None,
    refusals: dict[int, dict[str, str]] | None = None,
) -> dict[str, int]:
    """The reference path: each row through ``supplier_event_receive`` applying
    ``breach_created_apply``, as the supplier's API does, in order, in one transaction; a row the
    rules refuse is rolled back on its own. The set-based replay must give what this gives."""
    ids = [row["event_id"] for row in rows]
    seen = set(
        SupplierEvent.objects.filter(client_label=client_label, event_id__in=ids).values_list(
            "event_id", flat=True
        )
    )
    stored = rejected = actionable = 0
    with transaction.atomic():
        people = _people_of(rows)
        violations_before = AccumulatedViolation.objects.filter(person_id__in=people).count()
        for index, row in enumerate(rows):
            if row["event_id"] in seen:
                continue
            try:
                event, created = _row_receive(row, client_label)
            except ValidationError as error:
                rejected += 1
                if refusals is not None:
                    refusals[index] = (
                        {k: "; ".join(v) for k, v in error.message_dict.items()}
                        if hasattr(error, "error_dict")
                        else {"": "; ".join(error.messages)}
                    )
                continue
            except EventConflict:  # the same event id arrived by another route meanwhile
                seen.add(row["event_id"])
                continue
            seen.add(row["event_id"])
            if not created:
                continue
            stored += 1
            if event.response_body["outcome"] == BreachDisposition.ACTIONABLE:
                actionable += 1
        violations = (
            AccumulatedViolation.objects.filter(person_id__in=people).count() - violations_before
        )
        _replayed_audit(len(rows), stored, rejected, client_label, actor)
    return {
        "stored": stored,
        "skipped": len(rows) - stored - rejected,
        "rejected": rejected,
        "work_items": actionable + violations,
    }


def _people_of(rows: list[dict[str, Any]]) -> set[int]:
    """The ids of the people the rows name, and of the records any of them was merged into."""
    found = Person.objects.filter(reference__in={row["person_reference"] for row in rows})
    return {pk for pair in found.values_list("pk", "merged_into_id") for pk in pair if pk}


def _row_receive(row: dict[str, Any], client_label: str) -> tuple[SupplierEvent, bool]:
    """Store and apply one archived row as the supplier's API would a ``breach.created`` event."""
    data = {
        "person_reference": row["person_reference"],
        "breach_type": row["breach_type"],
        "started_at": row["started_at"],
        "ended_at": row.get("ended_at"),
        "details": row.get("details") or "",
    }

    def handler(event: SupplierEvent) -> dict[str, Any]:
        answer = breach_created_apply(event, data)
        return {"event_id": event.event_id, "event_type": EVENT_TYPE, **answer}

    return supplier_event_receive(
        client_label=client_label,
        event_id=row["event_id"],
        event_type=EVENT_TYPE,
        payload={"archive": True},
        body=row_body(row),
        handler=handler,
    )
