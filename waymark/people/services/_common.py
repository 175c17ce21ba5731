"""Helpers shared by the people services: permission checks, the acting user, values for the
audit trail, refusing changes to a merged record, and writing an external reference."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction

from waymark.core import clock
from waymark.core.types import Actor
from waymark.people.models import ExternalReference, Person, RecordStatus, ReferenceType
from waymark.people.search import reference_normalise

MODULE = "people"


def _require(actor: Actor, permission: str, doing: str) -> None:
    """Refuse unless the actor holds the permission (``None`` is the system, which may)."""
    if actor is None:
        return
    if getattr(actor, "is_machine", False) and not actor.has_perm(permission):
        raise PermissionDenied(f"This client may not {doing}")
    if not actor.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {doing}")


def _user(actor: Actor):
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


def _pending_reference() -> str:
    """A unique placeholder until the primary key is known (20 characters at most)."""
    return "PENDING-" + secrets.token_hex(6)


def _reference_clean(reference_type: str, value: str) -> tuple[str, str]:
    """The reference's value as written and its matching key, or why it cannot be written."""
    _choice(reference_type, ReferenceType, "reference_type", "type of reference")
    value = (value or "").strip()
    if not value:
        raise ValidationError({"value": "Enter the reference"})
    return value, reference_normalise(value)


def _reference_clash(*, person: Person, reference_type: str, value: str, holder_id: int):
    label = ReferenceType(reference_type).label
    if holder_id == person.pk:
        return ValidationError({"value": f"{label} {value} is already recorded on this person"})
    return ValidationError(
        {
            "value": f"{label} {value} is already recorded on another person's record. "
            "Each reference of a type belongs to one person: check whether the records "
            "are the same person and should be merged"
        }
    )


def _reference_write(
    *, person: Person, reference_type: str, value: str, source: str = ""
) -> ExternalReference:
    value, normalised = _reference_clean(reference_type, value)
    held = ExternalReference.objects.filter(
        reference_type=reference_type, value_normalised=normalised
    )
    clash = held.values_list("person_id", flat=True).first()
    if clash is not None:
        raise _reference_clash(
            person=person, reference_type=reference_type, value=value, holder_id=clash
        )
    try:
        with transaction.atomic():
            return ExternalReference.objects.create(
                person=person,
                reference_type=reference_type,
                value=value,
                value_normalised=normalised,
                source=source,
                recorded_at=clock.now(),
            )
    except IntegrityError:
        # Recorded at the same moment by someone else (the unique key waited for their commit):
        # refused with who holds it, as the check above would have, not an error page.
        clash = held.values_list("person_id", flat=True).first()
        if clash is None:
            raise
        raise _reference_clash(
            person=person, reference_type=reference_type, value=value, holder_id=clash
        ) from None
