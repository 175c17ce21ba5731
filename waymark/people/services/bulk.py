"""Creating many people at once, as ``person_create`` would one by one (record linkage, legacy
migrations).

On PostgreSQL every table is written with ``COPY`` through ``core.bulk_insert`` (issue 18 item 8:
a 1M linkage run spent 735 s writing people through multi-row INSERTs): the people's keys are
reserved from their sequence first, so each reference (``WM-`` + key) is written with its row
instead of in a second UPDATE pass. Elsewhere (SQLite) ``bulk_create`` and one ``bulk_update``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record_many
from waymark.core.bulk_insert import bulk_insert, ids_reserve
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
                    for v in ExternalReference.objects.filter(
                        reference_type=t,
                        value_normalised__in=values[i : i + rules.REFERENCE_LOOKUP_CHUNK],
                    ).values_list("value_normalised", flat=True)
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
        names: list[PersonName] = []
        dobs: list[PersonDateOfBirth] = []
        nationalities: list[PersonNationality] = []
        references: list[ExternalReference] = []
        timeline: list[TimelineEvent] = []
        audits: list[dict[str, Any]] = []
        for index, (person, spec) in enumerate(zip(created, people, strict=True)):
            for name_type, given, family in [
                (NameType.PRIMARY, person.given_names, person.family_name),
                *[(NameType.ALIAS, g, f) for g, f in spec.get("aliases", ())],
            ]:
                names.append(
                    PersonName(
                        person=person,
                        name_type=name_type,
                        given_names=given,
                        family_name=family,
                        source=source if name_type == NameType.ALIAS else "",
                        recorded_at=now,
                        **name_keys(given_names=given, family_name=family),
                    )
                )
            for day in dict.fromkeys(
                d for d in [person.date_of_birth, *spec.get("dates_of_birth", ())] if d
            ):
                dobs.append(PersonDateOfBirth(person=person, date_of_birth=day, source=source))
            codes = [
                c
                for c in dict.fromkeys(
                    c.strip().upper() for c in spec.get("nationalities", ()) if c
                )
                if is_valid_country(c)
            ]
            nationalities.extend(
                PersonNationality(person=person, country=c, source=source) for c in codes
            )
            written = []
            for reference_type, value in spec.get("references", ()):
                key = (reference_type, reference_normalise(value))
                if key in taken:
                    clashes.append((index, reference_type, value))
                    continue
                taken.add(key)
                written.append([reference_type, value])
                references.append(
                    ExternalReference(
                        person=person,
                        reference_type=reference_type,
                        value=value.strip(),
                        value_normalised=key[1],
                        source=source,
                        recorded_at=now,
                    )
                )
            timeline.append(
                TimelineEvent(
                    person=person,
                    occurred_at=now,
                    recorded_at=now,
                    module=MODULE,
                    event_type="person.created",
                    summary=f"Record created: {person.full_name}"[:500],
                    detail={"source": source},
                    actor=user,
                    related_type="people.person",
                    related_id=str(person.pk),
                )
            )
            audits.append(
                {
                    "action": AuditAction.COLLECTION,
                    "verb": "person.created",
                    "target_type": "people.person",
                    "target_id": person.pk,
                    "person_id": person.pk,
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
        for model, objs in (
            (PersonName, names),
            (PersonDateOfBirth, dobs),
            (PersonNationality, nationalities),
            (ExternalReference, references),
            (TimelineEvent, timeline),
        ):
            bulk_insert(model, objs, batch_size=batch_size)  # type: ignore[arg-type]
        audit_record_many(actor=actor, entries=audits)
    return created, clashes
