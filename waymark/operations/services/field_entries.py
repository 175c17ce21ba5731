"""Recording one field entry exactly once (brief operations.md §6).

``field_entry_record`` stores one notebook entry exactly once by the ``client_uuid`` the phone made:
a replay of the same entry (the offline queue sending twice, a double-tapped button) returns the
stored entry with ``created=False``; the same id with a different visit, type or content is
refused. ``recorded_at`` is the phone's own time, kept as it was when the officer wrote the entry.
Every refusal is a ``ValidationError`` (or ``PermissionDenied``) and nothing is saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists

from waymark.core import clock, row_models
from waymark.core.audit import audit_record, audit_record_many
from waymark.core.kept_cursors import fetch_one
from waymark.core.models import AuditAction
from waymark.operations import workflows
from waymark.operations.models import (
    Encounter,
    FieldEntry,
    Visit,
    VisitOfficer,
)
from waymark.operations.services._field import (
    NOT_ASSIGNED,
    Writer,
    _assignment_locked,
    _canonical,
    _check_time,
    _client_uuid,
    _location,
    _may_record,
)
from waymark.operations.services.field_writers import (
    ENTRY_HANDLERS,
    WITHOUT_TYPED_ROW,
    no_typed_row,
)


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


ENTRY_DEFAULTS = {"latitude": None, "longitude": None, "accuracy_m": None, "sent_offline": False}


@dataclass
class _Stored:
    """A new entry written in its savepoint, and what is applied after it: the officer's last
    place and the audit entry (at once for one entry, once a batch for a batch)."""

    entry: FieldEntry
    assignment: VisitOfficer
    audit: dict[str, Any]


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

    One savepoint (or transaction) holds the entry: a refusal rolls back only this entry. Five
    statements for a new entry: the officer's assignment, locked and read with the visit and its
    premises; the replay check; the entry (and its typed row, for types that have one); the
    officer's last place (one conditional UPDATE); the audit entry."""
    _may_record(actor)
    values = {
        "visit": visit,
        "entry_type": entry_type,
        "client_uuid": client_uuid,
        "recorded_at": recorded_at,
        "latitude": latitude,
        "longitude": longitude,
        "accuracy_m": accuracy_m,
        "sent_offline": sent_offline,
        "data": dict(data or {}),
    }
    try:
        with transaction.atomic():
            # The lock serialises one officer's entries (arrival before departure); a second send
            # of this entry that waited for it finds the first and is answered with it.
            assignment = _assignment_locked(actor=actor, visit=visit)
            key = _client_uuid(client_uuid)
            existing = _entry_by_uuid(key)
            done = _entry_record(actor=actor, assignment=assignment, existing=existing, **values)
            if isinstance(done, tuple):
                return done
            _last_places_write(actor, [done])
            audit_record(actor=actor, **done.audit, target=done.entry)
            return done.entry, True
    except IntegrityError:
        return _conflict(actor=actor, **values)


def field_entries_record(*, actor, entries: list[dict[str, Any]]) -> list[Any]:
    """Record a phone's offline queue in one transaction so that a refused entry is rolled back
    alone and the rest are stored. ``entries``: the keyword arguments of ``field_entry_record``
    (less ``actor``). Returns, in order, ``(entry, created)`` or the ``ValidationError`` /
    ``PermissionDenied`` that refused the entry.

    Once a batch, not once an entry: the officer's assignments are locked and read (with their
    visits), the stored ids looked up, the officer's last place written and the audit entries
    appended. An entry with a typed row (an arrival, an encounter, a seizure …) is written in its
    own savepoint, in order, since a later entry's checks read what it wrote. Consecutive entries
    that write nothing but their own row (notes, searches: ``no_typed_row``) are checked one by one
    and written together, one multi-row INSERT in one savepoint; only if the database refuses it
    (an id stored meanwhile by another send) are they written again one savepoint each, so a
    refusal still costs only its own entry."""
    _may_record(actor)
    results: list[Any] = [None] * len(entries)
    with transaction.atomic():
        assignments = {
            a.visit_id: a
            for a in VisitOfficer.objects.select_for_update(of=("self",))
            .select_related("visit__premises")
            .filter(visit_id__in={e["visit"].pk for e in entries}, officer=actor)
            .order_by("pk")
        }
        keys = []
        for values in entries:
            try:
                keys.append(_client_uuid(values["client_uuid"]))
            except ValidationError:
                continue
        stored = {e.client_uuid: e for e in FieldEntry.objects.filter(client_uuid__in=keys)}
        written: list[_Stored] = []
        pending: list[tuple[int, dict[str, Any], _Stored]] = []

        def flush() -> None:
            _pending_write(actor, pending, results, written)
            for at, _, done in pending:  # what a later send of the same id is compared with
                outcome = results[at]
                if isinstance(outcome, tuple):
                    stored[done.entry.client_uuid] = outcome[0]
                else:
                    stored.pop(done.entry.client_uuid, None)
            pending.clear()

        for at, values in enumerate(entries):
            values = {**ENTRY_DEFAULTS, **values, "data": dict(values.get("data") or {})}
            assignment = assignments.get(values["visit"].pk)
            try:
                key = _client_uuid(values["client_uuid"])
            except ValidationError as exc:
                results[at] = exc
                continue
            plain = values["entry_type"] in WITHOUT_TYPED_ROW
            if not plain or any(done.entry.client_uuid == key for _, _, done in pending):
                flush()  # in order; the same entry twice in one batch: the first stored first
            if plain:
                # Checks that read and write nothing: no savepoint until the run is written.
                try:
                    if assignment is None:
                        raise PermissionDenied(NOT_ASSIGNED)
                    prepared = _entry_prepared(
                        actor=actor, assignment=assignment, existing=stored.get(key), **values
                    )
                except (ValidationError, PermissionDenied) as exc:
                    results[at] = exc
                    continue
                if isinstance(prepared[0], _Stored):
                    done, write = prepared
                    assert write is no_typed_row, values["entry_type"]
                    pending.append((at, values, done))
                    stored[key] = done.entry
                else:
                    results[at] = prepared
                continue
            try:
                with transaction.atomic():
                    if assignment is None:
                        raise PermissionDenied(NOT_ASSIGNED)
                    recorded = _entry_record(
                        actor=actor, assignment=assignment, existing=stored.get(key), **values
                    )
            except IntegrityError:
                try:
                    results[at] = _conflict(actor=actor, **values)
                except ValidationError as exc:
                    results[at] = exc
                continue
            except (ValidationError, PermissionDenied) as exc:
                if assignment is not None:
                    assignment.refresh_from_db()  # a writer may have changed it before refusing
                results[at] = exc
                continue
            if isinstance(recorded, tuple):
                results[at] = recorded
                continue
            stored[key] = recorded.entry  # the same entry twice in one batch
            written.append(recorded)
            results[at] = (recorded.entry, True)
        flush()
        _last_places_write(actor, written)
        audit_record_many(
            actor=actor,
            entries=[
                {
                    **done.audit,
                    "target_type": FieldEntry._meta.label_lower,
                    "target_id": done.entry.pk,
                }
                for done in written
            ],
        )
    return results


def _pending_write(
    actor, pending: list[tuple[int, dict[str, Any], _Stored]], results: list[Any], written: list
) -> None:
    """Write a run of entries with no typed row: one INSERT in one savepoint, or, if the database
    refuses it, each in its own savepoint (a refused one answered as ``field_entry_record``
    answers it)."""
    if not pending:
        return
    try:
        with transaction.atomic():
            FieldEntry.objects.bulk_create([done.entry for _, _, done in pending])
    except IntegrityError:
        for at, values, done in pending:
            done.entry.pk = None
            try:
                with transaction.atomic():
                    done.entry.save(force_insert=True)
            except IntegrityError:
                done.entry.pk = None
                try:
                    results[at] = _conflict(actor=actor, **values)
                except ValidationError as exc:
                    results[at] = exc
                continue
            written.append(done)
            results[at] = (done.entry, True)
        return
    for at, _, done in pending:
        written.append(done)
        results[at] = (done.entry, True)


def _conflict(*, actor, visit, entry_type, client_uuid, data, **_) -> tuple[FieldEntry, bool]:
    """The unique index refused the entry: another send stored it first (answered with it), or
    it clashes with another record."""
    existing = FieldEntry.objects.filter(client_uuid=_client_uuid(client_uuid)).first()
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
        payload=_canonical(data),
    )


_LAST_PLACE_SQL = """
UPDATE operations_visitofficer SET last_latitude = %s, last_longitude = %s
WHERE id = %s AND NOT EXISTS (
    SELECT 1 FROM operations_fieldentry e
    WHERE e.visit_id = %s AND e.officer_id = %s AND e.latitude IS NOT NULL
      AND e.recorded_at > %s AND e.id <> %s
)
RETURNING id
"""


def _entry_by_uuid(key) -> FieldEntry | None:
    """The entry stored under ``key``, or None (on PostgreSQL one statement written once)."""
    if connection.vendor != "postgresql":
        return FieldEntry.objects.filter(client_uuid=key).first()
    row = fetch_one(connection, _entry_by_uuid_sql(), (key,))
    return (
        None
        if row is None
        else cast(FieldEntry, row_models.instance(FieldEntry, row, connection.alias))
    )


@cache
def _entry_by_uuid_sql() -> str:
    return (
        f"SELECT {row_models.columns_sql(FieldEntry, 't')} FROM operations_fieldentry t "  # noqa: S608 - names from the model
        "WHERE t.client_uuid = %s"
    )


def _last_places_write(actor, written: list[_Stored]) -> None:
    """The officer's last known place on each visit: the newest located entry written, unless an
    entry recorded later already gave one (one conditional UPDATE a visit)."""
    newest: dict[int, _Stored] = {}
    for done in written:
        entry = done.entry
        if entry.latitude is None:
            continue
        best = newest.get(done.assignment.pk)
        if best is None or best.entry.recorded_at <= entry.recorded_at:
            newest[done.assignment.pk] = done
    for assignment_pk, done in newest.items():
        entry = done.entry
        if connection.vendor == "postgresql":
            # One statement written once: the ORM compiled this UPDATE for every entry sent.
            fetch_one(
                connection,
                _LAST_PLACE_SQL,
                (
                    entry.latitude,
                    entry.longitude,
                    assignment_pk,
                    entry.visit_id,
                    actor.pk,
                    entry.recorded_at,
                    entry.pk,
                ),
            )
            continue
        later = FieldEntry.objects.filter(
            visit_id=entry.visit_id,
            officer=actor,
            latitude__isnull=False,
            recorded_at__gt=entry.recorded_at,
        ).exclude(pk=entry.pk)
        VisitOfficer.objects.filter(pk=assignment_pk).exclude(Exists(later)).update(
            last_latitude=entry.latitude, last_longitude=entry.longitude
        )


def _entry_record(*, actor, assignment: VisitOfficer, existing: FieldEntry | None, **values):
    """Check and write one entry (inside its savepoint, the assignment locked): a replay's answer,
    or the new entry with its audit entry still to append."""
    prepared = _entry_prepared(actor=actor, assignment=assignment, existing=existing, **values)
    if isinstance(prepared, tuple) and not isinstance(prepared[0], _Stored):
        return prepared
    done, write = prepared
    done.entry.save(force_insert=True)
    write(done.entry)
    return done


def _entry_prepared(
    *,
    actor,
    assignment: VisitOfficer,
    existing: FieldEntry | None,
    visit: Visit,
    entry_type: str,
    client_uuid,
    recorded_at: datetime,
    latitude,
    longitude,
    accuracy_m,
    sent_offline: bool,
    data: dict,
) -> tuple[FieldEntry, bool] | tuple[_Stored, Writer]:
    """Check one entry, writing nothing: a replay's answer ``(entry, False)``, or the new entry
    (not yet saved) with its audit entry, and the writer of its typed rows."""
    key = _client_uuid(client_uuid)
    if entry_type not in ENTRY_HANDLERS:
        raise ValidationError({"entry_type": "Choose a type of entry from the list"})
    payload = _canonical(data)
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
    entry = FieldEntry(
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
    audit: dict[str, Any] = {
        "action": AuditAction.COLLECTION,
        "verb": f"operations.entry.{entry_type}",
        "person_id": None,
        "payload": {
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
    }

    def written(entry: FieldEntry) -> Any:
        typed = write(entry)
        if isinstance(typed, Encounter):
            audit["person_id"] = typed.person_id
        return typed

    return _Stored(entry=entry, assignment=assignment, audit=audit), (
        write if write is no_typed_row else written
    )
