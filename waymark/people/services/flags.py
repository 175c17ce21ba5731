"""Typed, dated flags on the record."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import Flag, FlagType, Person
from waymark.people.services._common import (
    MODULE,
    _choice,
    _jsonable,
    _refuse_if_merged,
    _require,
    _user,
)
from waymark.people.services.timeline import _added, timeline_event_record

NEXUS_CAVEAT = "Police intelligence: do not disclose or act on without checking with the police."


def flag_set(
    *, actor: Actor, person: Person, flag_type: str, detail: str = "", caveat: str = ""
) -> Flag:
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


def flag_end(*, actor: Actor, flag: Flag, reason: str = "") -> Flag:
    _require(actor, "people.change_person", "change people's records")
    if flag.ended_at is not None:
        raise ValidationError("This flag has already ended")
    with transaction.atomic():
        # Ended once: a second ending at the same moment waits for the first (the row lock) and
        # is refused rather than recording it again.
        if Flag.objects.select_for_update().get(pk=flag.pk).ended_at is not None:
            raise ValidationError("This flag has already ended")
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
