"""Writes to the person-centric record (platform §1, §5, §6).

Every function checks the actor's permission (``actor=None`` is the system or a machine client,
named by the acting context), validates, writes inside one transaction, audits (old and new values
for changes) and writes the person's timeline. Timeline events and notes are append-only: a note
is corrected by a new note that keeps the original.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from waymark.core import clock
from waymark.core.audit import audit_record, audit_record_many
from waymark.core.models import AuditAction
from waymark.people import rules
from waymark.people.countries import country_name, is_valid_country
from waymark.people.models import (
    Address,
    AddressType,
    BailGrant,
    Conviction,
    ExternalReference,
    Flag,
    FlagType,
    NameType,
    Note,
    OwnershipChange,
    OwnershipState,
    Person,
    PersonDateOfBirth,
    PersonMerge,
    PersonName,
    PersonNationality,
    PhoneKind,
    PhoneNumber,
    ProtectedCharacteristics,
    RecordStatus,
    ReferenceType,
    Sex,
    TimelineEvent,
    Vulnerability,
    VulnerabilityAssessment,
    VulnerabilityStatus,
    VulnerabilityType,
)
from waymark.people.search import name_keys, normalise_name, reference_normalise

MODULE = "people"
NEXUS_CAVEAT = "Police intelligence: do not disclose or act on without checking with the police."

# Scalar fields that person_create(**profile) and person_update(**changes) may set.
PROFILE_FIELDS = frozenset(
    {
        "gender_as_recorded",
        "main_language",
        "interpreter_needed",
        "no_fixed_abode",
        "email",
        "legal_rep_firm",
        "legal_rep_contact",
        "release_date",
        "mappa_category",
        "mappa_level",
        "harm_level",
        "immigration_status",
        "deportation_decision_date",
        "deportation_order_date",
        "restricted_access",
    }
)
UPDATABLE_FIELDS = PROFILE_FIELDS | {"given_names", "family_name", "date_of_birth", "sex"}


# --------------------------------------------------------------------------------------------
# Helpers


def _require(actor, permission: str, doing: str) -> None:
    """Refuse unless the actor holds the permission (``None`` is the system, which may)."""
    if actor is None:
        return
    if getattr(actor, "is_machine", False) and not actor.has_perm(permission):
        raise PermissionDenied(f"This client may not {doing}")
    if not actor.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {doing}")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def _values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _jsonable(getattr(instance, name)) for name in fields}


def _refuse_if_merged(person: Person) -> None:
    if person.record_status != RecordStatus.ACTIVE:
        raise ValidationError(
            f"{person.reference} has been merged into another record; change that record instead"
        )


def _choice(value: str, choices, field: str, what: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"Select a valid {what}"})
    return value


def _validate_profile(values: Mapping[str, Any]) -> None:
    unknown = set(values) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be set here: {', '.join(sorted(unknown))}")
    probe = Person(**dict(values.items()))
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        field = Person._meta.get_field(name)
        if name == "given_names" and not value:
            continue  # some people have one name only
        try:
            field.clean(value, probe)
        except ValidationError as exc:
            errors[name] = exc.messages
    if (
        "date_of_birth" in values
        and values["date_of_birth"]
        and values["date_of_birth"] > clock.today()
    ):
        errors.setdefault("date_of_birth", []).append("Date of birth must be today or in the past")
    if "family_name" in values and not (values["family_name"] or "").strip():
        errors.setdefault("family_name", []).append("Enter the family name")
    if errors:
        raise ValidationError(errors)


def _pending_reference() -> str:
    """A unique placeholder until the primary key is known (20 characters at most)."""
    return "PENDING-" + secrets.token_hex(6)


# --------------------------------------------------------------------------------------------
# Timeline: the one stream every module writes to


def timeline_event_record(
    *,
    person: Person,
    module: str,
    event_type: str,
    summary: str,
    occurred_at: datetime | None = None,
    actor=None,
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


# --------------------------------------------------------------------------------------------
# Creating and changing the record


def _reference_write(
    *, person: Person, reference_type: str, value: str, source: str = ""
) -> ExternalReference:
    _choice(reference_type, ReferenceType, "reference_type", "type of reference")
    value = (value or "").strip()
    if not value:
        raise ValidationError({"value": "Enter the reference"})
    normalised = reference_normalise(value)
    clash = (
        ExternalReference.objects.filter(reference_type=reference_type, value_normalised=normalised)
        .select_related("person")
        .first()
    )
    if clash is not None:
        label = ReferenceType(reference_type).label
        if clash.person_id == person.pk:
            raise ValidationError({"value": f"{label} {value} is already recorded on this person"})
        raise ValidationError(
            {
                "value": f"{label} {value} is already recorded on another person's record. "
                "Each reference of a type belongs to one person: check whether the records "
                "are the same person and should be merged"
            }
        )
    return ExternalReference.objects.create(
        person=person,
        reference_type=reference_type,
        value=value,
        value_normalised=normalised,
        source=source,
        recorded_at=clock.now(),
    )


def _primary_name_write(person: Person) -> PersonName:
    keys = name_keys(given_names=person.given_names, family_name=person.family_name)
    name = person.names.filter(name_type=NameType.PRIMARY).first()
    if name is None:
        name = PersonName(person=person, name_type=NameType.PRIMARY, recorded_at=clock.now())
    name.given_names = person.given_names
    name.family_name = person.family_name
    for key, value in keys.items():
        setattr(name, key, value)
    name.save()
    return name


def person_create(
    *,
    actor,
    given_names: str,
    family_name: str,
    date_of_birth: date | None = None,
    sex: str = Sex.NOT_RECORDED,
    nationalities: Iterable[str] = (),
    references: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    owning_team=None,
    case_owner=None,
    **profile,
) -> Person:
    """Create a person with a new Waymark reference (``WM-`` and the primary key; never reused)."""
    _require(actor, "people.add_person", "add people")
    given_names, family_name = (given_names or "").strip(), (family_name or "").strip()
    _validate_profile(
        {
            "given_names": given_names,
            "family_name": family_name,
            "date_of_birth": date_of_birth,
            "sex": sex,
            **profile,
        }
    )
    codes = [c.strip().upper() for c in nationalities if c and c.strip()]
    bad = [c for c in codes if not is_valid_country(c)]
    if bad:
        raise ValidationError(
            {"nationalities": f"Not an ISO 3166-1 alpha-3 country code: {', '.join(bad)}"}
        )
    if case_owner is not None and owning_team is None:
        raise ValidationError({"owning_team": "Select the owning team for the case owner"})
    reference_pairs = (
        list(references.items()) if isinstance(references, Mapping) else list(references or [])
    )

    with transaction.atomic():
        now = clock.now()
        person = Person(
            reference=_pending_reference(),
            given_names=given_names,
            family_name=family_name,
            date_of_birth=date_of_birth,
            sex=sex,
            owning_team=owning_team,
            case_owner=case_owner,
            ownership_state=OwnershipState.OWNED if owning_team else OwnershipState.UNCLEAR,
            search_name=normalise_name(f"{given_names} {family_name}"),
            created_at=now,
            updated_at=now,
            **profile,
        )
        person.save(force_insert=True)
        person.reference = rules.WAYMARK_REFERENCE_FORMAT % person.pk
        Person.objects.filter(pk=person.pk).update(reference=person.reference)
        _primary_name_write(person)
        if date_of_birth:
            PersonDateOfBirth.objects.create(person=person, date_of_birth=date_of_birth)
        for code in dict.fromkeys(codes):
            PersonNationality.objects.create(person=person, country=code)
        for reference_type, value in reference_pairs:
            _reference_write(person=person, reference_type=reference_type, value=value)
        if owning_team is not None:
            OwnershipChange.objects.create(
                person=person,
                changed_at=now,
                changed_by=_user(actor),
                from_state=OwnershipState.UNCLEAR,
                to_state=OwnershipState.OWNED,
                to_team=owning_team,
                to_owner=case_owner,
                reason="Record created",
            )
        new = _values(
            person,
            [
                "reference",
                "given_names",
                "family_name",
                "date_of_birth",
                "sex",
                "owning_team",
                "case_owner",
                "ownership_state",
                *profile,
            ],
        )
        new["nationalities"] = codes
        new["references"] = [[t, v] for t, v in reference_pairs]
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="person.created",
            target=person,
            person_id=person.pk,
            payload={"new": new},
        )
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type="person.created",
            summary=f"Record created: {person.full_name}",
            actor=actor,
            related=person,
        )
    return person


def people_bulk_create(
    *, actor, people: list[Mapping[str, Any]], source: str, batch_size: int = 1000
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
            for i in range(0, len(values), 900):
                taken.update(
                    (t, v)
                    for v in ExternalReference.objects.filter(
                        reference_type=t, value_normalised__in=values[i : i + 900]
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
        for i in range(0, len(rows), batch_size):
            created.extend(Person.objects.bulk_create(rows[i : i + batch_size]))
        if any(
            p.pk is None for p in created
        ):  # pragma: no cover - every supported database returns keys
            raise RuntimeError("The database did not return the new primary keys")
        for person in created:
            person.reference = rules.WAYMARK_REFERENCE_FORMAT % person.pk
        Person.objects.bulk_update(created, ["reference"], batch_size=batch_size)
        names, dobs, nationalities, references, timeline, audits = [], [], [], [], [], []
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
            model.objects.bulk_create(objs, batch_size=batch_size)
        audit_record_many(actor=actor, entries=audits)
    return created, clashes


def person_update(*, actor, person: Person, reason: str = "", **changes) -> Person:
    """Change scalar details. Ownership changes go through ``ownership_change``. ``reason`` (why
    the record was wrong or has changed) is kept in the audit entry and on the timeline."""
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    for key in ("given_names", "family_name"):
        if key in changes:
            changes[key] = (changes[key] or "").strip()
    _validate_profile(changes)
    changed = {k: v for k, v in changes.items() if getattr(person, k) != v}
    if not changed:
        return person
    with transaction.atomic():
        old = _values(person, changed)
        for key, value in changed.items():
            setattr(person, key, value)
        person.updated_at = clock.now()
        if {"given_names", "family_name"} & set(changed):
            person.search_name = normalise_name(f"{person.given_names} {person.family_name}")
            _primary_name_write(person)
        if changed.get("date_of_birth"):
            PersonDateOfBirth.objects.get_or_create(
                person=person, date_of_birth=changed["date_of_birth"]
            )
        person.save()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="person.updated",
            target=person,
            person_id=person.pk,
            payload={"old": old, "new": _values(person, changed), "reason": reason.strip()},
        )
        labels = ", ".join(str(Person._meta.get_field(k).verbose_name) for k in sorted(changed))
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type="person.updated",
            summary=f"Record updated: {labels}",
            actor=actor,
            detail={"fields": sorted(changed), "reason": reason.strip()},
        )
    return person


def _added(
    *, actor, person: Person, row: models.Model, verb: str, summary: str, fields: Iterable[str]
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


def alias_add(
    *,
    actor,
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
    *, actor, person: Person, date_of_birth: date, source: str = "", is_verified: bool = False
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


def nationality_add(*, actor, person: Person, country: str, source: str = "") -> PersonNationality:
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
    *, actor, person: Person, reference_type: str, value: str, source: str = ""
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


def address_add(
    *,
    actor,
    person: Person,
    line_1: str,
    valid_from: date,
    address_type: str = AddressType.HOME,
    line_2: str = "",
    town: str = "",
    postcode: str = "",
    valid_to: date | None = None,
) -> Address:
    """Add an address. A reporting-centre address means the person has no fixed abode (000 §5.89):
    it sets the no-fixed-abode state; a current home or bail address clears it."""
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    _choice(address_type, AddressType, "address_type", "type of address")
    if not (line_1 or "").strip():
        raise ValidationError({"line_1": "Enter the first line of the address"})
    if valid_to and valid_to < valid_from:
        raise ValidationError(
            {"valid_to": "The end date must be the same as or after the start date"}
        )
    with transaction.atomic():
        row = Address.objects.create(
            person=person,
            address_type=address_type,
            line_1=line_1.strip(),
            line_2=line_2.strip(),
            town=town.strip(),
            postcode=postcode.strip().upper(),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        current = valid_to is None or valid_to >= clock.today()
        nfa = person.no_fixed_abode
        if current and address_type == AddressType.REPORTING_CENTRE:
            nfa = True
        elif current and address_type in (AddressType.HOME, AddressType.BAIL):
            nfa = False
        if nfa != person.no_fixed_abode:
            old = person.no_fixed_abode
            person.no_fixed_abode = nfa
            person.updated_at = clock.now()
            person.save(update_fields=["no_fixed_abode", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.ALTERATION,
                verb="person.no_fixed_abode_changed",
                target=person,
                person_id=person.pk,
                payload={"old": {"no_fixed_abode": old}, "new": {"no_fixed_abode": nfa}},
            )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.address_added",
            summary=f"{row.get_address_type_display()} address added: {row.one_line}",
            fields=[
                "address_type",
                "line_1",
                "line_2",
                "town",
                "postcode",
                "valid_from",
                "valid_to",
            ],
        )
    return row


def phone_add(
    *,
    actor,
    person: Person,
    number: str,
    kind: str = PhoneKind.MOBILE,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> PhoneNumber:
    """Add a phone number, including the one the monitoring supplier issues at fitting (000 §5.92)."""
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    _choice(kind, PhoneKind, "kind", "type of phone")
    number = " ".join((number or "").split())
    if not number or not any(c.isdigit() for c in number):
        raise ValidationError({"number": "Enter a phone number"})
    with transaction.atomic():
        row = PhoneNumber.objects.create(
            person=person,
            kind=kind,
            number=number,
            valid_from=valid_from or clock.today(),
            valid_to=valid_to,
        )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.phone_added",
            summary=f"Phone number added ({row.get_kind_display()})",
            fields=["kind", "number", "valid_from", "valid_to"],
        )
    return row


def conviction_add(
    *,
    actor,
    person: Person,
    offence: str,
    conviction_date: date,
    court: str = "",
    sentence_type: str = "",
    sentence_length_days: int | None = None,
    custodial: bool = False,
    source: str = "",
) -> Conviction:
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    if not (offence or "").strip():
        raise ValidationError({"offence": "Enter the offence"})
    if conviction_date > clock.today():
        raise ValidationError({"conviction_date": "The date of conviction must be in the past"})
    with transaction.atomic():
        row = Conviction.objects.create(
            person=person,
            offence=offence.strip(),
            court=court.strip(),
            conviction_date=conviction_date,
            sentence_type=sentence_type.strip(),
            sentence_length_days=sentence_length_days,
            custodial=custodial,
            source=source.strip(),
        )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.conviction_added",
            summary=f"Conviction recorded: {row.offence}",
            fields=[
                "offence",
                "court",
                "conviction_date",
                "sentence_type",
                "sentence_length_days",
                "custodial",
                "source",
            ],
        )
    return row


def vulnerability_record(
    *,
    actor,
    person: Person,
    vulnerability_type: str,
    source: str,
    identified_on: date,
    evidence: str = "",
    status: str = VulnerabilityStatus.SUSPECTED,
) -> Vulnerability:
    """Record a vulnerability; the person's assessment becomes 'vulnerabilities identified'."""
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    _choice(vulnerability_type, VulnerabilityType, "vulnerability_type", "type of vulnerability")
    _choice(status, VulnerabilityStatus, "status", "status")
    if not (source or "").strip():
        raise ValidationError({"source": "Enter where this information came from"})
    if identified_on > clock.today():
        raise ValidationError({"identified_on": "The date identified must be today or in the past"})
    with transaction.atomic():
        row = Vulnerability.objects.create(
            person=person,
            vulnerability_type=vulnerability_type,
            source=source.strip(),
            identified_on=identified_on,
            evidence=evidence.strip(),
            status=status,
            recorded_by=_user(actor),
            recorded_at=clock.now(),
        )
        if person.vulnerability_assessment != VulnerabilityAssessment.VULNERABLE:
            old = person.vulnerability_assessment
            person.vulnerability_assessment = VulnerabilityAssessment.VULNERABLE
            person.updated_at = clock.now()
            person.save(update_fields=["vulnerability_assessment", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.ALTERATION,
                verb="person.vulnerability_assessed",
                target=person,
                person_id=person.pk,
                payload={
                    "old": {"vulnerability_assessment": old},
                    "new": {"vulnerability_assessment": person.vulnerability_assessment},
                },
            )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.vulnerability_recorded",
            summary=f"Vulnerability recorded: {row.get_vulnerability_type_display()} ({row.get_status_display()})",
            fields=["vulnerability_type", "source", "identified_on", "evidence", "status"],
        )
    return row


def vulnerability_assessment_record(
    *, actor, person: Person, assessment: str, note: str = ""
) -> Person:
    """Record the outcome of a vulnerability assessment. 'None identified' is refused while a
    vulnerability that still applies is on the record."""
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    if assessment not in (
        VulnerabilityAssessment.NONE_IDENTIFIED,
        VulnerabilityAssessment.VULNERABLE,
    ):
        raise ValidationError({"assessment": "Select the outcome of the assessment"})
    live = person.vulnerabilities.exclude(status=VulnerabilityStatus.NO_LONGER_APPLIES)
    if assessment == VulnerabilityAssessment.NONE_IDENTIFIED and live.exists():
        raise ValidationError(
            {
                "assessment": "Vulnerabilities that still apply are recorded: mark them as "
                "no longer applying before recording none identified"
            }
        )
    if assessment == VulnerabilityAssessment.VULNERABLE and not live.exists():
        raise ValidationError({"assessment": "Record the vulnerability itself"})
    with transaction.atomic():
        old = person.vulnerability_assessment
        person.vulnerability_assessment = assessment
        person.updated_at = clock.now()
        person.save(update_fields=["vulnerability_assessment", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="person.vulnerability_assessed",
            target=person,
            person_id=person.pk,
            payload={
                "old": {"vulnerability_assessment": old},
                "new": {"vulnerability_assessment": assessment},
                "note": note,
            },
        )
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type="person.vulnerability_assessed",
            summary=f"Vulnerability assessment: {person.get_vulnerability_assessment_display()}",
            actor=actor,
            detail={"note": note} if note else None,
        )
    return person


def flag_set(*, actor, person: Person, flag_type: str, detail: str = "", caveat: str = "") -> Flag:
    """Set a typed, dated flag. A Nexus high-harm flag always carries the intelligence caveat."""
    _require(actor, "people.change_person", "change people's records")
    _refuse_if_merged(person)
    _choice(flag_type, FlagType, "flag_type", "type of flag")
    caveat = caveat.strip()
    if flag_type == FlagType.NEXUS_HIGH_HARM and not caveat:
        caveat = NEXUS_CAVEAT
    if flag_type == FlagType.OTHER and not detail.strip():
        raise ValidationError({"detail": "Describe the flag"})
    with transaction.atomic():
        row = Flag.objects.create(
            person=person,
            flag_type=flag_type,
            detail=detail.strip(),
            caveat=caveat,
            set_by=_user(actor),
            set_at=clock.now(),
        )
        _added(
            actor=actor,
            person=person,
            row=row,
            verb="person.flag_set",
            summary=f"Flag set: {row.get_flag_type_display()}",
            fields=["flag_type", "detail", "caveat"],
        )
    return row


def flag_end(*, actor, flag: Flag, reason: str = "") -> Flag:
    _require(actor, "people.change_person", "change people's records")
    if flag.ended_at is not None:
        raise ValidationError("This flag has already ended")
    with transaction.atomic():
        flag.ended_at = clock.now()
        flag.ended_by = _user(actor)
        flag.save(update_fields=["ended_at", "ended_by"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="person.flag_ended",
            target=flag,
            person_id=flag.person_id,
            payload={
                "old": {"ended_at": None},
                "new": {"ended_at": _jsonable(flag.ended_at)},
                "reason": reason,
            },
        )
        timeline_event_record(
            person=flag.person,
            module=MODULE,
            event_type="person.flag_ended",
            summary=f"Flag ended: {flag.get_flag_type_display()}",
            actor=actor,
            related=flag,
            detail={"reason": reason} if reason else None,
        )
    return flag


PROTECTED_FIELDS = ("ethnicity", "religion", "disability", "sexual_orientation")


def protected_characteristics_record(
    *,
    actor,
    person: Person,
    ethnicity: str = "",
    religion: str = "",
    disability: str = "",
    sexual_orientation: str = "",
) -> ProtectedCharacteristics:
    """Record protected characteristics (for equality monitoring only). The audit entry names the
    fields that changed but not their values, so the access log does not disclose them."""
    _require(actor, "people.change_protected_characteristics", "record protected characteristics")
    _refuse_if_merged(person)
    new = {
        "ethnicity": ethnicity.strip(),
        "religion": religion.strip(),
        "disability": disability.strip(),
        "sexual_orientation": sexual_orientation.strip(),
    }
    with transaction.atomic():
        row = ProtectedCharacteristics.objects.filter(person=person).first()
        if row is None:
            row = ProtectedCharacteristics(person=person)
        changed = [k for k, v in new.items() if getattr(row, k) != v]
        for key, value in new.items():
            setattr(row, key, value)
        row.recorded_at = clock.now()
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="person.protected_characteristics_recorded",
            target=row,
            person_id=person.pk,
            payload={"fields_changed": changed},
        )
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type="person.protected_characteristics_recorded",
            summary="Protected characteristics recorded (restricted)",
            actor=actor,
        )
    return row


def protected_characteristics_view(
    *, actor, person: Person, reason: str
) -> ProtectedCharacteristics | None:
    """Return the restricted fields after logging who looked and why (platform §6)."""
    _require(actor, "people.view_protected_characteristics", "see protected characteristics")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why you need to see protected characteristics"})
    row = ProtectedCharacteristics.objects.filter(person=person).first()
    audit_record(
        actor=actor,
        action=AuditAction.CONSULTATION,
        verb="person.protected_characteristics_viewed",
        target=row if row is not None else person,
        person_id=person.pk,
        purpose=reason[:500],
    )
    return row


def ownership_change(*, actor, person: Person, team, owner, reason: str) -> OwnershipChange:
    """Change the owning team and named case owner. No team means 'ownership unclear', which is
    shown as a data-quality failure (001 §3.11)."""
    _require(actor, "people.change_ownership", "change who owns a person")
    _refuse_if_merged(person)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter the reason for the change"})
    if owner is not None and team is None:
        raise ValidationError({"team": "Select the owning team for the case owner"})
    if owner is not None and not owner.teams.filter(pk=team.pk).exists():
        raise ValidationError({"owner": f"{owner.display_name} is not a member of {team.name}"})
    new_state = OwnershipState.OWNED if team is not None else OwnershipState.UNCLEAR
    if person.owning_team_id == getattr(team, "pk", None) and person.case_owner_id == getattr(
        owner, "pk", None
    ):
        raise ValidationError({"team": "The team and case owner are the same as now"})
    with transaction.atomic():
        now = clock.now()
        change = OwnershipChange.objects.create(
            person=person,
            changed_at=now,
            changed_by=_user(actor),
            from_state=person.ownership_state,
            to_state=new_state,
            from_team=person.owning_team,
            to_team=team,
            from_owner=person.case_owner,
            to_owner=owner,
            reason=reason[:500],
        )
        old = _values(person, ["ownership_state", "owning_team", "case_owner"])
        person.ownership_state = new_state
        person.owning_team = team
        person.case_owner = owner
        person.updated_at = now
        person.save(update_fields=["ownership_state", "owning_team", "case_owner", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="person.ownership_changed",
            target=person,
            person_id=person.pk,
            payload={
                "old": old,
                "new": _values(person, ["ownership_state", "owning_team", "case_owner"]),
                "reason": reason,
            },
        )
        if team is None:
            summary = "Ownership unclear: no owning team"
        else:
            summary = f"Ownership changed to {team.name}" + (
                f" ({owner.display_name})" if owner else ""
            )
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type="person.ownership_changed",
            summary=summary,
            actor=actor,
            related=change,
            detail={"reason": reason},
        )
    return change


# --------------------------------------------------------------------------------------------
# Notes


def note_add(*, actor, person: Person, text: str) -> Note:
    _require(actor, "people.add_note", "add notes")
    _refuse_if_merged(person)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter the note"})
    with transaction.atomic():
        note = Note.objects.create(person=person, text=text, author=actor, created_at=clock.now())
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="person.note_added",
            target=note,
            person_id=person.pk,
            payload={"new": {"text": text}},
        )
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type="note.added",
            summary=_note_summary(text),
            actor=actor,
            related=note,
        )
    return note


def _note_summary(text: str) -> str:
    first = " ".join(text.split())
    return first if len(first) <= 120 else first[:117] + "..."


def note_correct(*, actor, note: Note, text: str, reason: str) -> Note:
    """Correct a note with a new note that points at it; the original stays unchanged."""
    _require(actor, "people.add_note", "add or correct notes")
    _refuse_if_merged(note.person)
    text, reason = (text or "").strip(), (reason or "").strip()
    errors = {}
    if not text:
        errors["text"] = "Enter the corrected note"
    if not reason:
        errors["reason"] = "Enter why the note needs correcting"
    if errors:
        raise ValidationError(errors)
    if text == note.text:
        raise ValidationError({"text": "The corrected note is the same as the original"})
    with transaction.atomic():
        correction = Note.objects.create(
            person=note.person,
            text=text,
            author=actor,
            created_at=clock.now(),
            corrects=note,
            correction_reason=reason[:500],
        )
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="person.note_corrected",
            target=correction,
            person_id=note.person_id,
            payload={
                "old": {"note": note.pk, "text": note.text},
                "new": {"note": correction.pk, "text": text},
                "reason": reason,
            },
        )
        timeline_event_record(
            person=note.person,
            module=MODULE,
            event_type="note.corrected",
            summary=f"Note corrected: {_note_summary(text)}",
            actor=actor,
            related=correction,
            detail={"corrects": note.pk, "reason": reason},
        )
    return correction


# --------------------------------------------------------------------------------------------
# Views of the record (DPA 2018 s62 'consultation')


def person_record_view(*, actor, person: Person, page: str = "summary") -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CONSULTATION,
        verb="person.viewed",
        target=person,
        person_id=person.pk,
        payload={"page": page},
    )


# --------------------------------------------------------------------------------------------
# Merging and unmerging


# People's own tables moved by a merge. DOBs and nationalities already on the survivor stay put
# (they would be duplicates); every other row moves.
_OWN_MOVED = [
    PersonName,
    PersonDateOfBirth,
    PersonNationality,
    ExternalReference,
    Address,
    PhoneNumber,
    Conviction,
    Vulnerability,
    Flag,
    BailGrant,
    TimelineEvent,
    Note,
]
_DEDUPLICATED = {PersonDateOfBirth: "date_of_birth", PersonNationality: "country"}
_SKIP_RELATIONS = {"merged_records", "merges_absorbed", "merges_into", "ownership_history"}


def _other_app_relations() -> list[tuple[type[models.Model], str]]:
    """Foreign keys to Person from other apps (tasks, documents, module records): these rows move
    with the person too, so nothing is left behind on the merged record."""
    relations = []
    for rel in Person._meta.related_objects:
        model = rel.related_model
        if model._meta.app_label == "people" or not rel.one_to_many:
            continue
        relations.append((model, rel.field.name))
    return relations


def person_merge(*, actor, survivor: Person, merged: Person, reason: str) -> PersonMerge:
    """Merge ``merged`` into ``survivor``: every row moves to the survivor and its id is recorded
    so that ``person_unmerge`` can move exactly those rows back."""
    _require(actor, "people.merge_person", "merge person records")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why these records are the same person"})
    if survivor.pk == merged.pk:
        raise ValidationError("A record cannot be merged with itself")
    with transaction.atomic():
        list(Person.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk]))
        survivor.refresh_from_db()
        merged.refresh_from_db()
        for person in (survivor, merged):
            if person.record_status != RecordStatus.ACTIVE:
                raise ValidationError(
                    f"{person.reference} has already been merged into another record"
                )
        now = clock.now()
        moved: dict[str, list] = {}
        for model in _OWN_MOVED:
            rows = model.objects.filter(person=merged)
            if model in _DEDUPLICATED:
                field = _DEDUPLICATED[model]
                existing = model.objects.filter(person=survivor).values_list(field, flat=True)
                rows = rows.exclude(**{f"{field}__in": list(existing)})
            ids = sorted(rows.values_list("pk", flat=True))
            if model is PersonName:
                retyped = sorted(
                    PersonName.objects.filter(pk__in=ids, name_type=NameType.PRIMARY).values_list(
                        "pk", flat=True
                    )
                )
                PersonName.objects.filter(pk__in=retyped).update(name_type=NameType.ALIAS)
                moved["retyped_primary_names"] = retyped
            if model in (TimelineEvent, Note):
                model.objects.filter(pk__in=ids, original_person_id__isnull=True).update(
                    original_person_id=merged.pk
                )
            model.objects.filter(pk__in=ids).update(person=survivor)
            moved[model._meta.label_lower] = ids
        protected = ProtectedCharacteristics.objects.filter(person=merged).first()
        if (
            protected is not None
            and not ProtectedCharacteristics.objects.filter(person=survivor).exists()
        ):
            ProtectedCharacteristics.objects.filter(pk=protected.pk).update(person=survivor)
            moved["people.protectedcharacteristics"] = [protected.pk]
        for model, field in _other_app_relations():
            ids = sorted(
                model._default_manager.filter(**{field: merged}).values_list("pk", flat=True)
            )
            if ids:
                model._default_manager.filter(pk__in=ids).update(**{field: survivor})
            moved[f"{model._meta.label_lower}:{field}"] = ids
        survivor_before = {}
        if (
            moved.get("people.vulnerability")
            and survivor.vulnerability_assessment != VulnerabilityAssessment.VULNERABLE
        ):
            survivor_before["vulnerability_assessment"] = survivor.vulnerability_assessment
            survivor.vulnerability_assessment = VulnerabilityAssessment.VULNERABLE
        moved["survivor_before"] = survivor_before  # type: ignore[assignment]
        survivor.updated_at = now
        survivor.save()
        merged.record_status = RecordStatus.MERGED
        merged.merged_into = survivor
        merged.updated_at = now
        merged.save(update_fields=["record_status", "merged_into", "updated_at"])
        merge = PersonMerge.objects.create(
            survivor=survivor,
            merged=merged,
            reason=reason[:500],
            performed_by=_user(actor),
            performed_at=now,
            moved=moved,
        )
        counts = {k: len(v) for k, v in moved.items() if isinstance(v, list) and v}
        for person in (survivor, merged):
            audit_record(
                actor=actor,
                action=AuditAction.COMBINATION,
                verb="person.merged",
                target=merge,
                person_id=person.pk,
                payload={
                    "survivor": survivor.reference,
                    "merged": merged.reference,
                    "moved": counts,
                    "reason": reason,
                },
            )
        timeline_event_record(
            person=survivor,
            module=MODULE,
            event_type="person.merged",
            summary=f"{merged.reference} merged into this record",
            actor=actor,
            related=merge,
            detail={"reason": reason, "merged": merged.reference},
        )
        timeline_event_record(
            person=merged,
            module=MODULE,
            event_type="person.merged_into",
            summary=f"Merged into {survivor.reference}",
            actor=actor,
            related=merge,
            detail={"reason": reason, "survivor": survivor.reference},
        )
    return merge


def person_unmerge(*, actor, merge: PersonMerge, reason: str) -> PersonMerge:
    """Undo a merge: move back exactly the rows it moved and make the merged record active again."""
    _require(actor, "people.merge_person", "unmerge person records")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the merge is being undone"})
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError("This merge has already been undone")
        survivor = Person.objects.select_for_update().get(pk=merge.survivor_id)
        merged = Person.objects.select_for_update().get(pk=merge.merged_id)
        if survivor.record_status != RecordStatus.ACTIVE:
            raise ValidationError(
                f"{survivor.reference} has since been merged into another record: undo that merge first"
            )
        moved = merge.moved
        own = {m._meta.label_lower: m for m in [*_OWN_MOVED, ProtectedCharacteristics]}
        for key, ids in moved.items():
            if not isinstance(ids, list) or not ids or key == "retyped_primary_names":
                continue
            if key in own:
                model, field = own[key], "person"
            else:
                label, _, field = key.partition(":")
                try:
                    model = apps.get_model(label)
                except LookupError:  # pragma: no cover - an app removed since the merge
                    continue
            model._default_manager.filter(pk__in=ids, **{field: survivor}).update(**{field: merged})
            if model in (TimelineEvent, Note):
                model.objects.filter(pk__in=ids, original_person_id=merged.pk).update(
                    original_person_id=None
                )
        PersonName.objects.filter(pk__in=moved.get("retyped_primary_names", [])).update(
            name_type=NameType.PRIMARY
        )
        now = clock.now()
        for field, value in (moved.get("survivor_before") or {}).items():
            setattr(survivor, field, value)
        survivor.updated_at = now
        survivor.save()
        merged.record_status = RecordStatus.ACTIVE
        merged.merged_into = None
        merged.updated_at = now
        merged.save(update_fields=["record_status", "merged_into", "updated_at"])
        merge.undone_at = now
        merge.undone_by = _user(actor)
        merge.undo_reason = reason[:500]
        merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        for person in (survivor, merged):
            audit_record(
                actor=actor,
                action=AuditAction.COMBINATION,
                verb="person.unmerged",
                target=merge,
                person_id=person.pk,
                payload={
                    "survivor": survivor.reference,
                    "merged": merged.reference,
                    "reason": reason,
                },
            )
        timeline_event_record(
            person=survivor,
            module=MODULE,
            event_type="person.unmerged",
            summary=f"Merge with {merged.reference} undone",
            actor=actor,
            related=merge,
            detail={"reason": reason},
        )
        timeline_event_record(
            person=merged,
            module=MODULE,
            event_type="person.unmerged",
            summary=f"Merge into {survivor.reference} undone; record active again",
            actor=actor,
            related=merge,
            detail={"reason": reason},
        )
    return merge
