"""Recording one field entry exactly once (brief operations.md §6).

``field_entry_record`` stores one notebook entry exactly once by the ``client_uuid`` the phone made:
a replay of the same entry (the offline queue sending twice, a double-tapped button) returns the
stored entry with ``created=False``; the same id with a different visit, type or content is
refused. ``recorded_at`` is the phone's own time, kept as it was when the officer wrote the entry.
Every refusal is a ``ValidationError`` (or ``PermissionDenied``) and nothing is saved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.operations import workflows
from waymark.operations.models import (
    Encounter,
    FieldEntry,
    Visit,
    VisitOfficer,
)
from waymark.operations.services._field import (
    _assignment_locked,
    _canonical,
    _check_time,
    _client_uuid,
    _location,
    _may_record,
)
from waymark.operations.services.field_writers import ENTRY_HANDLERS


def _replay(
    *, existing: FieldEntry, actor, visit: Visit, entry_type: str, payload: Any
) -> tuple[FieldEntry, bool]:
    # The time is not compared: the no-JavaScript form is stamped on arrival at the server, so a
    # double-submitted form carries the same id and content a moment later.
    same = (
        existing.visit_id == visit.pk
        and existing.entry_type == entry_type
        and existing.officer_id == getattr(actor, "pk", None)
        and existing.payload == payload
    )
    if not same:
        raise ValidationError(
            {"client_uuid": "This entry id was already used for a different entry"}
        )
    return existing, False


def field_entry_record(
    *,
    actor,
    visit: Visit,
    entry_type: str,
    client_uuid,
    recorded_at: datetime,
    latitude=None,
    longitude=None,
    accuracy_m=None,
    sent_offline: bool = False,
    data: dict | None = None,
) -> tuple[FieldEntry, bool]:
    """Record one field entry (brief §6), exactly once by ``client_uuid``; see the module docstring.

    One savepoint (or transaction) holds the entry: a refusal rolls back only this entry, so a
    batch can carry on. Five statements for a new entry: the officer's assignment, locked and
    read with the visit and its premises; the replay check; the entry; the officer's last
    location (one conditional UPDATE); the audit entry (plus the typed row for types that have
    one)."""
    _may_record(actor)
    try:
        with transaction.atomic():
            return _entry_record(
                actor=actor,
                visit=visit,
                entry_type=entry_type,
                client_uuid=client_uuid,
                recorded_at=recorded_at,
                latitude=latitude,
                longitude=longitude,
                accuracy_m=accuracy_m,
                sent_offline=sent_offline,
                data=dict(data or {}),
            )
    except IntegrityError:
        # Two sends of the same entry at once: the other one stored it first.
        key = _client_uuid(client_uuid)
        existing = FieldEntry.objects.filter(client_uuid=key).first()
        if existing is None:
            if entry_type == "seizure":
                raise ValidationError(
                    {"exhibit_number": "This exhibit number is already recorded on this visit"}
                ) from None
            raise ValidationError(
                {"client_uuid": "The entry conflicts with a record stored meanwhile: send it again"}
            ) from None
        return _replay(
            existing=existing,
            actor=actor,
            visit=visit,
            entry_type=entry_type,
            payload=_canonical(dict(data or {})),
        )


def _entry_record(
    *,
    actor,
    visit: Visit,
    entry_type: str,
    client_uuid,
    recorded_at: datetime,
    latitude,
    longitude,
    accuracy_m,
    sent_offline: bool,
    data: dict,
) -> tuple[FieldEntry, bool]:
    # The lock serialises one officer's entries (arrival before departure); a second send of
    # this entry that waited for it finds the first below and is answered with it.
    assignment = _assignment_locked(actor=actor, visit=visit)
    key = _client_uuid(client_uuid)
    if entry_type not in ENTRY_HANDLERS:
        raise ValidationError({"entry_type": "Choose a type of entry from the list"})
    payload = _canonical(data)
    existing = FieldEntry.objects.filter(client_uuid=key).first()
    if existing is not None:
        return _replay(
            existing=existing, actor=actor, visit=visit, entry_type=entry_type, payload=payload
        )
    visit = assignment.visit  # read with the lock: its status now
    if visit.status not in workflows.IN_THE_FIELD:
        raise ValidationError(
            {
                "visit": f"Entries are recorded only while a visit is deployed; this visit is "
                f"{visit.get_status_display().lower()}"
            }
        )
    _check_time(visit=visit, recorded_at=recorded_at)
    lat, lon, acc = _location(latitude, longitude, accuracy_m)
    summary, write = ENTRY_HANDLERS[entry_type](
        actor=actor, visit=visit, assignment=assignment, data=data, recorded_at=recorded_at
    )
    entry = FieldEntry.objects.create(
        visit=visit,
        officer=actor,
        entry_type=entry_type,
        client_uuid=key,
        recorded_at=recorded_at,
        received_at=clock.now(),
        latitude=lat,
        longitude=lon,
        location_accuracy_m=acc,
        sent_offline=bool(sent_offline),
        summary=summary[:300],
        payload=payload,
    )
    typed = write(entry)
    if lat is not None:
        # The officer's last known place, unless an entry written later already gave one.
        later = FieldEntry.objects.filter(
            visit=visit, officer=actor, latitude__isnull=False, recorded_at__gt=recorded_at
        ).exclude(pk=entry.pk)
        VisitOfficer.objects.filter(pk=assignment.pk).exclude(Exists(later)).update(
            last_latitude=lat, last_longitude=lon
        )
    person_id = typed.person_id if isinstance(typed, Encounter) else None
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb=f"operations.entry.{entry_type}",
        target=entry,
        person_id=person_id,
        payload={
            "new": {
                "visit": visit.reference,
                "entry_type": entry_type,
                "client_uuid": str(key),
                "recorded_at": recorded_at.isoformat(),
                "latitude": lat,
                "longitude": lon,
                "sent_offline": bool(sent_offline),
                "summary": entry.summary,
                "data": payload,
            }
        },
    )
    return entry, True
