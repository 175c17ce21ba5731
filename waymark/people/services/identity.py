"""Who the person is: other names, dates of birth, nationalities and references from other
systems."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.types import Actor
from waymark.people.countries import country_name, is_valid_country
from waymark.people.models import (
    ExternalReference,
    NameType,
    Person,
    PersonDateOfBirth,
    PersonName,
    PersonNationality,
)
from waymark.people.search import name_keys
from waymark.people.services._common import _reference_write, _refuse_if_merged, _require
from waymark.people.services.timeline import _added


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
    if person.dates_of_birth.filter(date_of_birth=date_of_birth).exists():
        raise ValidationError({"date_of_birth": "This date of birth is already recorded"})
    with transaction.atomic():
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
    if person.nationalities.filter(country=code).exists():
        raise ValidationError({"country": f"{country_name(code)} is already recorded"})
    with transaction.atomic():
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
