"""Creating a person and changing their scalar details."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people import rules
from waymark.people.countries import is_valid_country
from waymark.people.models import (
    BailGrant,
    BailGrantedBy,
    NameType,
    OwnershipChange,
    OwnershipState,
    Person,
    PersonDateOfBirth,
    PersonName,
    PersonNationality,
    Sex,
)
from waymark.people.search import name_keys, normalise_name
from waymark.people.services._common import (
    MODULE,
    _pending_reference,
    _reference_write,
    _refuse_if_merged,
    _require,
    _user,
    _values,
)
from waymark.people.services.timeline import timeline_event_record

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


def _person_field(name: str) -> models.Field:
    """One of Person's own columns (every field a profile may set is one)."""
    field = Person._meta.get_field(name)
    if not isinstance(field, models.Field):  # pragma: no cover - relations are never settable here
        raise ValidationError(f"{name} cannot be set here")
    return field


def oldest_plausible_birth_date() -> date:
    """The earliest date of birth accepted when details are typed in (``PERSON_MAX_AGE_YEARS``)."""
    today = clock.today()
    try:
        return today.replace(year=today.year - rules.PERSON_MAX_AGE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - rules.PERSON_MAX_AGE_YEARS, day=28)


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _validate_profile(values: Mapping[str, Any]) -> None:
    unknown = set(values) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be set here: {', '.join(sorted(unknown))}")
    probe = Person(**dict(values.items()))
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        field = _person_field(name)
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
    elif values.get("date_of_birth") and values["date_of_birth"] < oldest_plausible_birth_date():
        errors.setdefault("date_of_birth", []).append(
            f"Date of birth must be after {_long_date(oldest_plausible_birth_date())}: check the year"
        )
    if "family_name" in values and not (values["family_name"] or "").strip():
        errors.setdefault("family_name", []).append("Enter the family name")
    for key, label in (("given_names", "Given names"), ("family_name", "Family name")):
        value = (values.get(key) or "").strip()
        if value and not any(character.isalpha() for character in value):
            errors.setdefault(key, []).append(f"{label} must include letters")
    if errors:
        raise ValidationError(errors)


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
    actor: Actor,
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


def deportation_decision_date_set(*, person: Person, decided_on: date) -> dict[str, Any]:
    """Record the date a deportation decision was made on the person record, for the module that
    made it (criminal casework), which has checked its own permission and audits the decision
    with its reasons. Returns the old value for that audit entry."""
    old = {"deportation_decision_date": person.deportation_decision_date}
    person.deportation_decision_date = decided_on
    person.updated_at = clock.now()
    person.save(update_fields=["deportation_decision_date", "updated_at"])
    return old


def bail_grant_add(
    *, person: Person, granted_by: str, granted_at: datetime, conditions: str = ""
) -> BailGrant:
    """Add a grant of immigration bail to the person's record, for the module that recorded it
    (the EM Hub), which has checked its own permission, validated the grant and audits it with
    its timeline entry."""
    if granted_by not in BailGrantedBy.values:
        raise ValidationError({"granted_by": "Select who granted bail"})
    return BailGrant.objects.create(
        person=person, granted_by=granted_by, granted_at=granted_at, conditions=conditions.strip()
    )


def person_update(*, actor: Actor, person: Person, reason: str = "", **changes) -> Person:
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
        labels = ", ".join(str(_person_field(k).verbose_name) for k in sorted(changed))
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type="person.updated",
            summary=f"Record updated: {labels}",
            actor=actor,
            detail={"fields": sorted(changed), "reason": reason.strip()},
        )
    return person
