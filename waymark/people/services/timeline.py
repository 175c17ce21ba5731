"""The one timeline every module writes to, the audit-and-timeline pair for a row added to the
record, and views of the record (DPA 2018 s62 'consultation')."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.bulk_insert import bulk_insert
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import Person, TimelineEvent
from waymark.people.services._common import MODULE, _jsonable, _user, _values


def timeline_event_record(
    *,
    person: Person,
    module: str,
    event_type: str,
    summary: str,
    occurred_at: datetime | None = None,
    actor: Actor = None,
    detail: dict | None = None,
    related: models.Model | None = None,
) -> TimelineEvent:
    """Append an event to the person's timeline. Events are never changed or deleted."""
    if not module or not event_type or not summary:
        raise ValidationError("A timeline event needs a module, an event type and a summary")
    now = clock.now()
    return TimelineEvent.objects.create(
        person=person,
        occurred_at=occurred_at or now,
        recorded_at=now,
        module=module[:40],
        event_type=event_type[:60],
        summary=summary[:500],
        detail={k: _jsonable(v) for k, v in dict(detail or {}).items()},
        actor=_user(actor),
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
    )


def timeline_events_bulk_record(*, events: Iterable[dict]) -> list[TimelineEvent]:
    """Append many events at once, in one ``COPY`` (``core.bulk_insert``): the rows
    ``timeline_event_record`` would write for each (same checks, same truncation, same
    ``recorded_at``), for a bulk import or replay. Each dict takes ``timeline_event_record``'s
    keyword arguments. All or none."""
    now = clock.now()
    rows = []
    for event in events:
        module, event_type, summary = event["module"], event["event_type"], event["summary"]
        if not module or not event_type or not summary:
            raise ValidationError("A timeline event needs a module, an event type and a summary")
        related = event.get("related")
        person = event["person"]
        rows.append(
            TimelineEvent(
                person_id=person if isinstance(person, int) else person.pk,
                occurred_at=event.get("occurred_at") or now,
                recorded_at=now,
                module=module[:40],
                event_type=event_type[:60],
                summary=summary[:500],
                detail={k: _jsonable(v) for k, v in dict(event.get("detail") or {}).items()},
                actor=_user(event.get("actor")),
                related_type=related._meta.label_lower if related is not None else "",
                related_id=str(related.pk) if related is not None else "",
            )
        )
    bulk_insert(TimelineEvent, rows)
    return rows


def _added(
    *,
    actor: Actor,
    person: Person,
    row: models.Model,
    verb: str,
    summary: str,
    fields: Iterable[str],
):
    """Audit and timeline for a row added to the record."""
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb=verb,
        target=row,
        person_id=person.pk,
        payload={"new": _values(row, fields)},
    )
    timeline_event_record(
        person=person, module=MODULE, event_type=verb, summary=summary, actor=actor, related=row
    )


def person_record_view(*, actor: Actor, person: Person, page: str = "summary") -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CONSULTATION,
        verb="person.viewed",
        target=person,
        person_id=person.pk,
        payload={"page": page},
    )
