"""The joint issues log and risk register with the contract owner (000 rec 4, §5.75)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.monitoring.models import (
    JointLogEntry,
)
from waymark.monitoring.permissions import (
    MANAGE_SUPPLIER,
)
from waymark.monitoring.services._common import (
    _require,
    _required_text,
    _user,
)
from waymark.monitoring.workflows import (
    JOINT_LOG_ENTRY,
    JointLogStatus,
)


def joint_log_add(
    *,
    actor: Actor,
    kind: str,
    title: str,
    description: str,
    owner: str,
    likelihood: int | None = None,
    impact: int | None = None,
    mitigation: str = "",
) -> JointLogEntry:
    _require(actor, MANAGE_SUPPLIER, "add to the issues log or risk register")
    errors: dict[str, str] = {}
    if kind not in ("issue", "risk"):
        errors["kind"] = "Select issue or risk"
    title = _required_text(errors, "title", title, "Enter a title")
    description = _required_text(errors, "description", description, "Enter a description")
    owner = _required_text(errors, "owner", owner, "Enter who owns it")
    if kind == "risk":
        for field, value in (("likelihood", likelihood), ("impact", impact)):
            if value is None or not 1 <= int(value) <= 5:
                errors[field] = f"Enter the {field} from 1 to 5"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = JointLogEntry.objects.create(
            kind=kind,
            title=title,
            description=description,
            owner=owner,
            likelihood=likelihood,
            impact=impact,
            mitigation=mitigation.strip(),
            raised_by=_user(actor),
            raised_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="em.joint_log_added",
            target=entry,
            payload={"new": {"kind": kind, "title": title}},
        )
    return entry


def joint_log_close(*, actor: Actor, entry: JointLogEntry) -> JointLogEntry:
    _require(actor, MANAGE_SUPPLIER, "close an issue or risk")
    if entry.status == JointLogStatus.CLOSED:
        raise ValidationError("This entry is already closed")
    with transaction.atomic():
        JOINT_LOG_ENTRY.move(entry, JointLogStatus.CLOSED)
        entry.closed_at = clock.now()
        entry.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="em.joint_log_closed",
            target=entry,
            payload={"new": {"status": "closed"}},
        )
    return entry
