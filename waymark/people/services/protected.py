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


def protected_characteristics_for_monitoring(
    *, actor: Actor, person_ids, characteristic: str, purpose: str
) -> dict[int, str]:
    """``{person id: value}`` of one protected characteristic for many people, for equality
    monitoring in aggregate (oversight's fairness page, issue 20 item 5; 000 §5.25). Behind the
    restricted permission, and every read is one consultation entry naming the characteristic,
    the number of people and the purpose (never the values)."""
    _require(actor, "people.view_protected_characteristics", "see protected characteristics")
    if characteristic not in PROTECTED_FIELDS:
        raise ValidationError(
            {"characteristic": f"Not a protected characteristic: {characteristic}"}
        )
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": "Say why protected characteristics are being read"})
    ids = sorted({int(pk) for pk in person_ids if pk is not None})
    found: dict[int, str] = {}
    chunk = 20000  # ids per IN list: within SQLite's 32,766 bound variables
    for i in range(0, len(ids), chunk):
        rows = ProtectedCharacteristics.objects.filter(person_id__in=ids[i : i + chunk])
        found.update(
            (pk, value) for pk, value in rows.values_list("person_id", characteristic) if value
        )
    audit_record(
        actor=actor,
        action=AuditAction.CONSULTATION,
        verb="person.protected_characteristics_monitored",
        payload={"characteristic": characteristic, "people_count": len(ids)},
        purpose=purpose[:500],
    )
    return found


def protected_characteristic_expression(
    *, actor: Actor, characteristic: str, person_field: str, people_count: int, purpose: str
):
    """One protected characteristic as a query expression over another model's person column,
    for counting groups in the database (oversight's fairness page at volume). The same
    permission, and the same consultation entry, as ``protected_characteristics_for_monitoring``;
    ``people_count`` is how many people the counts are about."""
    from django.db.models import OuterRef, Subquery

    protected_characteristics_consulted(
        actor=actor, characteristic=characteristic, people_count=people_count, purpose=purpose
    )
    return Subquery(
        ProtectedCharacteristics.objects.filter(person_id=OuterRef(person_field)).values(
            characteristic
        )[:1]
    )


def protected_characteristics_consulted(
    *, actor: Actor, characteristic: str, people_count: int, purpose: str
) -> None:
    """The permission check and consultation entry of a read of one protected characteristic
    that has already been counted elsewhere (a read model's sums by group): the same entry as
    ``protected_characteristic_expression`` writes, without building its query."""
    _require(actor, "people.view_protected_characteristics", "see protected characteristics")
    if characteristic not in PROTECTED_FIELDS:
        raise ValidationError(
            {"characteristic": f"Not a protected characteristic: {characteristic}"}
        )
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": "Say why protected characteristics are being read"})
    audit_record(
        actor=actor,
        action=AuditAction.CONSULTATION,
        verb="person.protected_characteristics_monitored",
        payload={"characteristic": characteristic, "people_count": people_count},
        purpose=purpose[:500],
    )
