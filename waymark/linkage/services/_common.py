"""Helpers the linkage services share: the engine's view of source records, the person a merged
person now lives on, and the process's incremental matcher (rebuilt when a run or a decision
changes who is linked)."""

from __future__ import annotations

import threading
from typing import Any

from django.db.models import QuerySet

from waymark.core.types import Actor
from waymark.linkage import engine, standardise
from waymark.linkage.models import LinkageRun, RunStatus, SourceKind, SourceRecord
from waymark.people.models import Person, RecordStatus

MODULE = "linkage"

ENGINE_FIELDS = [
    "pk",
    "source_kind",
    "given_std",
    "middle_std",
    "family_std",
    "given_phonetic",
    "family_phonetic",
    "date_of_birth",
    "sex",
    "nationality",
    "postcode_std",
    "home_office_ref",
    "pnc_id",
    "address",
    "phone",
]


def _user(actor: Actor):
    """The actor as a user to store on a row (``None`` for the system or a machine client)."""
    return actor if getattr(actor, "is_authenticated", False) else None


# ------------------------------------------------------------------------------------------------
# Engine records


def engine_records(queryset: QuerySet[SourceRecord]) -> list[dict[str, Any]]:
    """Engine dicts for a queryset of source records, read in one streamed query."""
    out = []
    for row in queryset.values_list(*ENGINE_FIELDS).iterator(chunk_size=20000):
        (
            pk,
            kind,
            given,
            middle,
            family,
            given_ph,
            family_ph,
            dob,
            sex,
            nat,
            postcode,
            ho,
            pnc,
            address,
            phone,
        ) = row
        number, street, locality = standardise.address_parts(address or "")
        dob_s = dob.isoformat() if dob else None
        out.append(
            {
                "unique_id": str(pk),
                "source_kind": kind,
                "given_std": given or None,
                "middle_std": middle or None,
                "family_std": family or None,
                "given_phonetic": given_ph or None,
                "family_phonetic": family_ph or None,
                "dob": dob_s,
                "birth_year": dob_s[:4] if dob_s else None,
                "sex": sex or None,
                "nationality": nat or None,
                "postcode_std": postcode or None,
                "postcode_district": standardise.postcode_district(postcode or "") or None,
                "home_office_ref": ho or None,
                "pnc_id": pnc or None,
                "address_number": number or None,
                "address_street": street or None,
                "address_locality": locality or None,
                "phone": phone or None,
            }
        )
    return out


def linkable_records() -> QuerySet[SourceRecord]:
    """Records linked into people: everything but the police file (that is for bulk checks)."""
    # In primary-key order: the model samples records, so the same records give the same model.
    return SourceRecord.objects.exclude(source_kind=SourceKind.POLICE).order_by("pk")


def _survivor(person_id: int, cache: dict[int, int]) -> int:
    """The active person a (possibly merged) person id now lives on."""
    if person_id in cache:
        return cache[person_id]
    current = person_id
    seen = set()
    while current not in seen:
        seen.add(current)
        row = (
            Person.objects.filter(pk=current).values_list("record_status", "merged_into_id").first()
        )
        if row is None or row[0] != RecordStatus.MERGED or row[1] is None:
            break
        current = row[1]
    cache[person_id] = current
    return current


def _survivors_load(person_ids, cache: dict[int, int]) -> None:
    """Fill ``cache`` as ``_survivor`` would for each of ``person_ids``, reading the merged people
    a chunk at a time and following each chain in memory (a query a person was a third of a
    re-run's writing)."""
    merged_into: dict[int, int] = {}
    asked: set[int] = set()
    todo = {pk for pk in person_ids if pk is not None and pk not in cache}
    wanted = set(todo)
    while todo:
        asked |= todo
        ids = sorted(todo)
        todo = set()
        for i in range(0, len(ids), 900):
            for pk, into in Person.objects.filter(
                pk__in=ids[i : i + 900], record_status=RecordStatus.MERGED
            ).values_list("pk", "merged_into_id"):
                if into is not None:
                    merged_into[pk] = into
                    if into not in asked:
                        todo.add(into)
    for person_id in wanted:
        current, seen = person_id, set()
        while current not in seen:
            seen.add(current)
            if current not in merged_into:
                break
            current = merged_into[current]
        cache[person_id] = current


# ------------------------------------------------------------------------------------------------
# The incremental matcher: one per process, over every linked record with the latest run's model


_matcher_lock = threading.Lock()
_matcher: dict[str, Any] = {"key": None, "matcher": None}


def _matcher_key() -> tuple:
    """What the process's matcher was built from: the latest completed run, the newest change to a
    record and the newest record. Asked on every match, so each part is one index lookup (a
    count of the records was a scan: 117 ms at 1M). Records are never deleted (their import
    protects them), so the newest id stands for the count."""
    run = (
        LinkageRun.objects.filter(status=RunStatus.COMPLETED)
        .order_by("-finished_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    latest = (
        SourceRecord.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    )
    newest = SourceRecord.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (run, latest, newest)


def _matcher_invalidate() -> None:
    with _matcher_lock:
        old = _matcher.get("matcher")
        _matcher.update(key=None, matcher=None)
    if old is not None:
        old.close()


def matcher_get() -> engine.Matcher | None:
    """The process's matcher over every linked record with the latest run's model, rebuilt when
    the records or the model change."""
    key = _matcher_key()
    with _matcher_lock:
        if _matcher["key"] == key and _matcher["matcher"] is not None:
            return _matcher["matcher"]
    run = (
        LinkageRun.objects.filter(status=RunStatus.COMPLETED)
        .exclude(model={})
        .order_by("-finished_at", "-pk")
        .first()
    )
    if run is None:
        return None
    population = engine_records(linkable_records().filter(person__isnull=False))
    if not population:
        return None
    matcher = engine.Matcher(run.model, population)
    with _matcher_lock:
        old = _matcher.get("matcher")
        _matcher.update(key=key, matcher=matcher)
    if old is not None:
        old.close()
    return matcher
