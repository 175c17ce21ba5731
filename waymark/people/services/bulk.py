"""Creating many people at once, as ``person_create`` would one by one (record linkage, legacy
migrations).

On PostgreSQL every table is written with ``COPY`` through ``core.bulk_insert`` (issue 18 item 8:
a 1M linkage run spent 735 s writing people through multi-row INSERTs): the people's keys are
reserved from their sequence first, so each reference (``WM-`` + key) is written with its row
instead of in a second UPDATE pass. Elsewhere (SQLite) ``bulk_create`` and one ``bulk_update``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record_many
from waymark.core.bulk_insert import JsonText, bulk_insert, bulk_insert_rows, ids_reserve
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people import rules
from waymark.people.countries import is_valid_country
from waymark.people.models import (
    ExternalReference,
    NameType,
    OwnershipState,
    Person,
    PersonDateOfBirth,
    PersonName,
    PersonNationality,
    Sex,
    TimelineEvent,
)
from waymark.people.search import name_keys, normalise_name, reference_normalise
from waymark.people.selectors import references_held
from waymark.people.services._common import MODULE, _jsonable, _pending_reference, _require, _user


def people_bulk_create(
    *, actor: Actor, people: list[Mapping[str, Any]], source: str, batch_size: int = 1000
) -> tuple[list[Person], list[tuple[int, str, str]]]:
    """Create many people at once, as ``person_create`` would one by one (a legacy migration
    writes hundreds of thousands): the same rows (primary name with its search keys, dates of
    birth, nationalities, references, a ``person.created`` timeline entry and audit entry each),
    in batches of INSERTs.

    Each item has ``given_names``, ``family_name`` and optionally ``date_of_birth``, ``sex``,
    ``nationalities``, ``references`` ([(type, value)]), ``aliases`` ([(given, family)]). A
    reference already held by another person is not written: it is returned in the second list
    as (index, type, value), for the caller to report (such records may be the same person).
    """
    _require(actor, "people.add_person", "add people")
    if not people:
        return [], []
    now = clock.now()
    user = _user(actor)
    clashes: list[tuple[int, str, str]] = []
    with transaction.atomic():
        wanted = {
            (t, reference_normalise(v)) for spec in people for t, v in spec.get("references", ())
        }
        taken: set[tuple[str, str]] = set()
        by_type: dict[str, list[str]] = {}
        for t, v in wanted:
            by_type.setdefault(t, []).append(v)
        for t, values in by_type.items():
            for i in range(0, len(values), rules.REFERENCE_LOOKUP_CHUNK):
                taken.update(
                    (t, v)
                    for v, _person in references_held(
                        t, values[i : i + rules.REFERENCE_LOOKUP_CHUNK]
                    )
                )
        rows = []
        for spec in people:
            given, family = (
                (spec.get("given_names") or "").strip(),
                (spec.get("family_name") or "").strip(),
            )
            if not given and not family:
                raise ValidationError("Each person needs a name")
            rows.append(
                Person(
                    reference=_pending_reference(),
                    given_names=given,
                    family_name=family,
                    date_of_birth=spec.get("date_of_birth"),
                    sex=spec.get("sex") or Sex.NOT_RECORDED,
                    ownership_state=OwnershipState.UNCLEAR,
                    search_name=normalise_name(f"{given} {family}"),
                    created_at=now,
                    updated_at=now,
                )
            )
        created: list[Person] = []
        keys = ids_reserve(Person, len(rows))
        if keys is not None:  # PostgreSQL: keys first, so each row is written once, complete
            for person, pk in zip(rows, keys, strict=True):
                person.pk = pk
                person.reference = rules.WAYMARK_REFERENCE_FORMAT % pk
            bulk_insert(Person, rows)
            created = rows
        else:
            for i in range(0, len(rows), batch_size):
                created.extend(Person.objects.bulk_create(rows[i : i + batch_size]))
            if any(
                p.pk is None for p in created
            ):  # pragma: no cover - every supported database returns keys
                raise RuntimeError("The database did not return the new primary keys")
            for person in created:
                person.reference = rules.WAYMARK_REFERENCE_FORMAT % person.pk
            Person.objects.bulk_update(created, ["reference"], batch_size=batch_size)
        # The details as tuples, not model instances (``core.bulk_insert.bulk_insert_rows``).
        key_columns = tuple(name_keys(given_names="", family_name=""))
        names: list[tuple[Any, ...]] = []
        dobs: list[tuple[Any, ...]] = []
        nationalities: list[tuple[Any, ...]] = []
        references: list[tuple[Any, ...]] = []
        timeline: list[tuple[Any, ...]] = []
        audits: list[dict[str, Any]] = []
        detail = JsonText(json.dumps({"source": source}))
        user_id = user.pk if user is not None else None
        for index, (person, spec) in enumerate(zip(created, people, strict=True)):
            pk = person.pk
            for name_type, given, family in [
                (NameType.PRIMARY, person.given_names, person.family_name),
                *[(NameType.ALIAS, g, f) for g, f in spec.get("aliases", ())],
            ]:
                found = name_keys(given_names=given, family_name=family)
                names.append(
                    (
                        pk,
                        name_type,
                        given,
                        family,
                        source if name_type == NameType.ALIAS else "",
                        now,
                        *(found[k] for k in key_columns),
                    )
                )
            for day in dict.fromkeys(
                d for d in [person.date_of_birth, *spec.get("dates_of_birth", ())] if d
            ):
                dobs.append((pk, day, source))
            codes = [
                c
                for c in dict.fromkeys(
                    c.strip().upper() for c in spec.get("nationalities", ()) if c
                )
                if is_valid_country(c)
            ]
            nationalities.extend((pk, c, source) for c in codes)
            written = []
            for reference_type, value in spec.get("references", ()):
                key = (reference_type, reference_normalise(value))
                if key in taken:
                    clashes.append((index, reference_type, value))
                    continue
                taken.add(key)
                written.append([reference_type, value])
                references.append((pk, reference_type, value.strip(), key[1], source, now))
            timeline.append(
                (
                    pk,
                    now,
                    now,
                    MODULE,
                    "person.created",
                    f"Record created: {person.full_name}"[:500],
                    detail,
                    user_id,
                    "people.person",
                    str(pk),
                )
            )
            audits.append(
                {
                    "action": AuditAction.COLLECTION,
                    "verb": "person.created",
                    "target_type": "people.person",
                    "target_id": pk,
                    "person_id": pk,
                    "payload": {
                        "new": {
                            "reference": person.reference,
                            "given_names": person.given_names,
                            "family_name": person.family_name,
                            "date_of_birth": _jsonable(person.date_of_birth),
                            "sex": person.sex,
                            "nationalities": codes,
                            "references": written,
                        },
                        "source": source,
                    },
                }
            )
        for model, columns, rows_of in (
            (
                PersonName,
                (
                    "person_id",
                    "name_type",
                    "given_names",
                    "family_name",
                    "source",
                    "recorded_at",
                    *key_columns,
                ),
                names,
            ),
            (PersonDateOfBirth, ("person_id", "date_of_birth", "source"), dobs),
            (PersonNationality, ("person_id", "country", "source"), nationalities),
            (
                ExternalReference,
                (
                    "person_id",
                    "reference_type",
                    "value",
                    "value_normalised",
                    "source",
                    "recorded_at",
                ),
                references,
            ),
            (
                TimelineEvent,
                (
                    "person_id",
                    "occurred_at",
                    "recorded_at",
                    "module",
                    "event_type",
                    "summary",
                    "detail",
                    "actor_id",
                    "related_type",
                    "related_id",
                ),
                timeline,
            ),
        ):
            bulk_insert_rows(model, columns, rows_of, batch_size=batch_size)
        audit_record_many(actor=actor, entries=audits)
    return created, clashes
