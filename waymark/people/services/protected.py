"""Protected characteristics: recorded only for equality monitoring, seen only with a reason
that is logged (platform §6)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import Person, ProtectedCharacteristics
from waymark.people.services._common import MODULE, _refuse_if_merged, _require
from waymark.people.services.timeline import timeline_event_record

PROTECTED_FIELDS = ("ethnicity", "religion", "disability", "sexual_orientation")


def protected_characteristics_record(
    *,
    actor: Actor,
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
    *, actor: Actor, person: Person, reason: str
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
