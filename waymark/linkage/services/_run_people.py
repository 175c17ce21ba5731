"""What a linkage run writes for its clusters' records (``runs._write_results``): a new person's
details from their records, the records pointed at their people, and the references records
bring to a person they join."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date
from typing import Any

from django.db import connection

from waymark.linkage import rules
from waymark.linkage.models import SourceKind, SourceRecord
from waymark.people.models import ExternalReference, Person, ReferenceType, Sex
from waymark.people.selectors import references_held

# Which ExternalReference type each source's own reference is kept as on the person.
SOURCE_REFERENCE_TYPE = {
    SourceKind.LEGACY_CASE: ReferenceType.LEGACY_CASEWORK,
    SourceKind.CASEWORK: ReferenceType.NEW_CASEWORK,
}
# The record a new person's details come from: the newest system first.
SOURCE_PREFERENCE = [SourceKind.CASEWORK, SourceKind.LEGACY_CASE, SourceKind.TRACKER]
SEX = {"M": Sex.MALE, "F": Sex.FEMALE}


def _references_of(record: dict[str, Any]) -> list[tuple[str, str]]:
    refs: list[tuple[str, str]] = []
    if record["home_office_ref"]:
        refs.append((ReferenceType.HOME_OFFICE, record["home_office_ref"]))
    if record["pnc_id"]:
        refs.append((ReferenceType.PNC, record["pnc_id"]))
    kind_type = SOURCE_REFERENCE_TYPE.get(record["source_kind"])
    if kind_type:
        refs.append((kind_type, record["source_ref"]))
    return refs


ASSIGN_CHUNK = rules.RUN_WRITE_CHUNK
LOOKUP_CHUNK = 900  # values in one IN list: within SQLite's bound variables


def _records_assign(assignments: dict[int, list[int]], now) -> None:
    """Point each source record at its person. On PostgreSQL one ``UPDATE ... FROM unnest`` per
    20,000 records (a national run assigns hundreds of thousands of people: one UPDATE each took
    most of the 1M run's writing); elsewhere one UPDATE a person."""
    if connection.vendor != "postgresql":
        for person_id, pks in assignments.items():
            for i in range(0, len(pks), 900):
                SourceRecord.objects.filter(pk__in=pks[i : i + 900]).update(
                    person_id=person_id, updated_at=now
                )
        return
    pairs = ((pk, person_id) for person_id, pks in assignments.items() for pk in pks)
    table = SourceRecord._meta.db_table
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(pairs, ASSIGN_CHUNK)):
            cursor.execute(
                f"UPDATE {table} AS s SET person_id = v.person_id, updated_at = %s"  # noqa: S608
                " FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, person_id) WHERE s.id = v.id",
                [now, [pk for pk, _ in chunk], [person for _, person in chunk]],
            )


def _references_attach(
    attach: dict[int, list[str]], record_by_id: dict[str, dict[str, Any]]
) -> None:
    """Records that joined an existing person bring their references with them (audited through
    ``people.services.reference_add``); a reference another person already holds is left off, as
    the pair of people is then for review. Read and written for all of them at once (it was
    several queries a record's reference)."""
    from waymark.people.services import references_add_many

    joining = {person_id: uids for person_id, uids in attach.items() if uids}
    if not joining:
        return
    held: dict[int, set[tuple[str, str]]] = defaultdict(set)
    ids = list(joining)
    for i in range(0, len(ids), LOOKUP_CHUNK):
        for person_id, reference_type, value in ExternalReference.objects.filter(
            person_id__in=ids[i : i + LOOKUP_CHUNK]
        ).values_list("person_id", "reference_type", "value_normalised"):
            held[person_id].add((reference_type, value))
    by_type: dict[str, set[str]] = defaultdict(set)
    for uids in joining.values():
        for uid in uids:
            for reference_type, value in _references_of(record_by_id[uid]):
                by_type[reference_type].add("".join(value.split()).upper())
    stored: set[tuple[str, str]] = set()  # held by anyone, as the loop adds them too
    for reference_type, wanted in by_type.items():
        values = sorted(wanted)
        for i in range(0, len(values), LOOKUP_CHUNK):
            stored.update(
                (reference_type, value)
                for value, _person in references_held(reference_type, values[i : i + LOOKUP_CHUNK])
            )
    additions: list[tuple[int, str, str]] = []
    for person_id, uids in joining.items():
        own = held[person_id]
        for uid in uids:
            for reference_type, value in _references_of(record_by_id[uid]):
                key = (reference_type, "".join(value.split()).upper())
                if key in own:
                    continue
                own.add(key)
                if key in stored:
                    continue
                stored.add(key)
                additions.append((person_id, reference_type, value))
    people = Person.objects.in_bulk({person_id for person_id, _t, _v in additions})
    references_add_many(
        actor=None,
        additions=[
            (people[person_id], reference_type, value, "Record linkage")
            for person_id, reference_type, value in additions
        ],
    )


def _person_spec(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A new person's details from their records: the preferred source's record first; other
    spellings as aliases; every date of birth, nationality and reference."""
    ordered = sorted(
        records,
        key=lambda r: (
            SOURCE_PREFERENCE.index(r["source_kind"])
            if r["source_kind"] in SOURCE_PREFERENCE
            else 9,
            int(r["unique_id"]),
        ),
    )
    lead = ordered[0]
    names = []
    for r in ordered:
        name = ((r.get("given_std") or "").title(), (r.get("family_std") or "").title())
        if name not in names:
            names.append(name)
    refs: list[tuple[str, str]] = []
    for r in ordered:
        for ref in _references_of(r):
            if ref not in refs:
                refs.append(ref)
    dobs = [r["dob"] for r in ordered if r.get("dob")]
    return {
        "given_names": names[0][0] or "Unknown",
        "family_name": names[0][1] or "Unknown",
        "date_of_birth": date.fromisoformat(dobs[0]) if dobs else None,
        "dates_of_birth": [date.fromisoformat(d) for d in dict.fromkeys(dobs)],
        "sex": SEX.get(lead.get("sex") or "", Sex.NOT_RECORDED),
        "nationalities": list(
            dict.fromkeys(r["nationality"] for r in ordered if r.get("nationality"))
        ),
        "references": refs,
        "aliases": names[1:],
    }
