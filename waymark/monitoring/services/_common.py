"""Helpers every part of the EM services shares: permission checks, the audit-and-timeline
record, required text, the person's current condition and the work about a record."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.monitoring.models import Condition, ConditionStatus
from waymark.people.models import Person
from waymark.people.services import people_lock, timeline_event_record
from waymark.work import services as work
from waymark.work.selectors import tasks_for

if TYPE_CHECKING:
    from waymark.work.models import Task

MODULE = "monitoring"


def breaches_lock(person_ids) -> None:
    """Hold, to the end of the transaction, each person's row locked against another breach
    (``people_lock``). Everything that adds or ends a person's breach takes it before reading the
    person's state, so two breaches for one person arriving at once are applied one after the
    other: the second reads the first's breach and count. Without it the second's locked read of
    the pending battery breaches could not see the first's new one (a locked read re-checks the
    rows it waited for; it does not add rows committed meanwhile), and an accumulation the two
    reached together was raised only when a third arrived; both could be given the same ladder
    step."""
    people_lock(person_ids)


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor: Actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}")


def _record(
    *,
    actor: Actor,
    verb: str,
    target: Any,
    person: Person | None,
    summary: str,
    new: dict | None = None,
    old: dict | None = None,
    action: str = AuditAction.COLLECTION,
    occurred_at: datetime | None = None,
) -> None:
    """Audit the change and put it on the person's timeline (one call, so neither is forgotten)."""
    payload: dict[str, Any] = {}
    if new is not None:
        payload["new"] = {k: _json(v) for k, v in new.items()}
    if old is not None:
        payload["old"] = {k: _json(v) for k, v in old.items()}
    audit_record(
        actor=actor,
        action=action,
        verb=verb,
        target=target,
        person_id=person.pk if person else None,
        payload=payload,
    )
    if person is not None:
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type=verb,
            summary=summary,
            occurred_at=occurred_at,
            actor=actor,
            related=target,
            detail={k: _json(v) for k, v in (new or {}).items()},
        )


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def _task_close(*, actor: Actor, task: Any, outcome: str, note: str = "") -> None:
    if task is not None and task.is_active:
        work.task_complete(actor=actor, task=task, outcome=outcome, note=note)


def _required_text(errors: dict, field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _current_condition(person: Person) -> Condition | None:
    return (
        Condition.objects.filter(person=person)
        .exclude(status=ConditionStatus.CEASED)
        .order_by("-decided_at")
        .first()
    )


def condition_tasks_for(obj: Any, task_types: list[str]) -> QuerySet[Task]:
    """Every task (active or not) about ``obj`` of these types, through the work contract."""
    return tasks_for(subject=obj, task_types=task_types, active=False)
