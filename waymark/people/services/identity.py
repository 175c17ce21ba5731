"""Who the person is: other names, dates of birth, nationalities and references from other
systems."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from waymark.core import clock
from waymark.core.audit import audit_record_many
from waymark.core.bulk_insert import bulk_insert
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people import rules
from waymark.people.countries import country_name, is_valid_country
from waymark.people.models import (
    ExternalReference,
    NameType,
    Person,
    PersonDateOfBirth,
    PersonName,
    PersonNationality,
)
from waymark.people.search import name_keys, reference_normalise
from waymark.people.selectors import references_held
from waymark.people.services._common import (
    MODULE,
    _reference_clash,
    _reference_clean,
    _reference_write,
    _refuse_if_merged,
    _require,
    _values,
)
from waymark.people.services.locks import people_lock
from waymark.people.services.timeline import _added, timeline_events_bulk_record


def alias_add(
    *,
    actor: Actor,
    person: Person,
    given_names: str,
    family_name: str,
    source: str = "",
    name_type: str = NameType.ALIAS,
) -> PersonName:
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    given_names, family_name = (given_names or "").strip(), (family_name or "").strip()
    if not family_name:
        raise ValidationError({"family_name": "Enter the family name"})
    if name_type == NameType.PRIMARY or name_type not in NameType.values:
        raise ValidationError({"name_type": "Select a valid type of name"})
    with transaction.atomic():
        name = PersonName.objects.create(
            person=person,
            name_type=name_type,
            given_names=given_names,
            family_name=family_name,
            source=source.strip(),
            recorded_at=clock.now(),
            **name_keys(given_names=given_names, family_name=family_name),
        )
        _added(
            actor=actor,
            person=person,
            row=name,
            verb="person.alias_added",
            summary=f"{name.get_name_type_display()} added: {name}",
            fields=["name_type", "given_names", "family_name", "source"],
        )
    return name


def _refuse_if_dob_held(person: Person, date_of_birth: date) -> None:
    if person.dates_of_birth.filter(date_of_birth=date_of_birth).exists():
        raise ValidationError({"date_of_birth": "This date of birth is already recorded"})


def _refuse_if_nationality_held(person: Person, code: str) -> None:
    if person.nationalities.filter(country=code).exists():
        raise ValidationError({"country": f"{country_name(code)} is already recorded"})


def date_of_birth_add(
    *,
    actor: Actor,
    person: Person,
    date_of_birth: date,
    source: str = "",
    is_verified: bool = False,
) -> PersonDateOfBirth:
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    if date_of_birth > clock.today():
        raise ValidationError({"date_of_birth": "Date of birth must be today or in the past"})
    _refuse_if_dob_held(person, date_of_birth)
    with transaction.atomic():
        # Recorded once: the same date added at the same moment by someone else waits for them
        # (the person's lock) and is refused, rather than failing on the unique key.
        people_lock([person.pk])
        _refuse_if_dob_held(person, date_of_birth)
        row = PersonDateOfBirth.objects.create(
            person=person,
            date_of_birth=date_of_birth,
            source=source.strip(),
            is_verified=is_verified,
        )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.date_of_birth_added",
            summary=f"Date of birth recorded: {date_of_birth:%d/%m/%Y}",
            fields=["date_of_birth", "source", "is_verified"],
        )
    return row


def nationality_add(
    *, actor: Actor, person: Person, country: str, source: str = ""
) -> PersonNationality:
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    code = (country or "").strip().upper()
    if not is_valid_country(code):
        raise ValidationError({"country": "Select a country (ISO 3166-1 alpha-3 code)"})
    _refuse_if_nationality_held(person, code)
    with transaction.atomic():
        people_lock([person.pk])  # as for dates of birth
        _refuse_if_nationality_held(person, code)
        row = PersonNationality.objects.create(person=person, country=code, source=source.strip())
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.nationality_added",
            summary=f"Nationality recorded: {country_name(code)}",
            fields=["country", "source"],
        )
    return row


def reference_add(
    *, actor: Actor, person: Person, reference_type: str, value: str, source: str = ""
) -> ExternalReference:
    """Record an identifier from another system; each value is unique within its type."""
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    with transaction.atomic():
        row = _reference_write(
            person=person, reference_type=reference_type, value=value, source=source.strip()
        )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.reference_added",
            summary=f"Reference added: {row}",
            fields=["reference_type", "value", "source"],
        )
    return row


def references_add_many(
    *, actor: Actor, additions: list[tuple[Person, str, str, str]]
) -> list[ExternalReference]:
    """``reference_add`` for each (person, type, value, source) in turn, written in a few
    statements: the same references, audit entries and timeline events (a linkage run adds
    thousands to the people records join; one call each was several queries a reference). All
    or none: a reference held already, or earlier in ``additions``, refuses them all."""
    _require(actor, "people.change_person", "change people's records")
    by_type: dict[str, list[str]] = {}
    for _person, reference_type, value, _source in additions:
        by_type.setdefault(reference_type, []).append(reference_normalise(value))
    holders: dict[tuple[str, str], int] = {}
    for reference_type, values in by_type.items():
        for i in range(0, len(values), rules.REFERENCE_LOOKUP_CHUNK):
            for normalised, person_id in references_held(
                reference_type, values[i : i + rules.REFERENCE_LOOKUP_CHUNK]
            ):
                holders[(reference_type, normalised)] = person_id
    now = clock.now()
    rows = []
    for person, reference_type, value, source in additions:  # checked as reference_add checks
        _refuse_if_merged(person)
        value, normalised = _reference_clean(reference_type, value)
        holder = holders.get((reference_type, normalised))
        if holder is not None:
            raise _reference_clash(
                person=person, reference_type=reference_type, value=value, holder_id=holder
            )
        holders[(reference_type, normalised)] = person.pk
        rows.append(
            ExternalReference(
                person=person,
                reference_type=reference_type,
                value=value,
                value_normalised=normalised,
                source=source.strip(),
                recorded_at=now,
            )
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                bulk_insert(ExternalReference, rows)
        except IntegrityError:
            raise ValidationError(
                {
                    "value": "A reference among these was recorded on a person at the same "
                    "moment: nothing was added. Try again to see which"
                }
            ) from None
        verb = "person.reference_added"
        audit_record_many(
            actor=actor,
            entries=[
                {
                    "action": AuditAction.COLLECTION,
                    "verb": verb,
                    "target_type": ExternalReference._meta.label_lower,
                    "target_id": row.pk,
                    "person_id": row.person_id,
                    "payload": {"new": _values(row, ["reference_type", "value", "source"])},
                }
                for row in rows
            ],
        )
        timeline_events_bulk_record(
            events=[
                {
                    "person": row.person_id,
                    "module": MODULE,
                    "event_type": verb,
                    "summary": f"Reference added: {row}",
                    "actor": actor,
                    "related": row,
                }
                for row in rows
            ]
        )
    return rows
