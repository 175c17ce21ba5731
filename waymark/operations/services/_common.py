"""Helpers every planning service shares: permission checks, validation, audit, the visit's
timeline entries, status moves and the operations queues."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from waymark.accounts.models import Team
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.operations import permissions as perms
from waymark.operations import rules, selectors, workflows
from waymark.operations.models import (
    Visit,
)
from waymark.people.services import timeline_event_record
from waymark.work import services as work
from waymark.work.models import Queue, Task

MODULE = "operations"


PLAN = perms.PLAN


AUTHORISE = perms.AUTHORISE


COMMAND = perms.COMMAND


ANSWER = perms.ANSWER


FIELD_LABELS = {
    "planned_start": "date and time",
    "premises": "premises",
    "subjects": "subjects",
    "risk_rating": "risk rating",
}


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}")


def _require_visible(actor, visit: Visit) -> None:
    if (
        actor is not None
        and not selectors.visit_visible_queryset(actor).filter(pk=visit.pk).exists()
    ):
        raise PermissionDenied("This visit belongs to a team you are not in")


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Team):
        return value.slug
    if isinstance(value, (list, tuple, set)):
        return [_json(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def _audit(
    *,
    actor,
    verb: str,
    target,
    new: dict | None = None,
    old: dict | None = None,
    action: str = AuditAction.COLLECTION,
) -> None:
    payload: dict[str, Any] = {}
    if new is not None:
        payload["new"] = {k: _json(v) for k, v in new.items()}
    if old is not None:
        payload["old"] = {k: _json(v) for k, v in old.items()}
    audit_record(actor=_user(actor), action=action, verb=verb, target=target, payload=payload)


def _timeline(*, actor, visit: Visit, event_type: str, summary: str) -> None:
    """Put a visit event on each named subject's timeline."""
    for person in visit.subjects.all():
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type=event_type,
            summary=summary[:500],
            actor=_user(actor),
            related=visit,
            detail={"visit": visit.reference},
        )


def _text(errors: dict, field: str, value: str | None, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _transition(*, actor, visit: Visit, target: str, why: str) -> None:
    if not workflows.transition_allowed(visit.status, target):
        raise ValidationError(
            f"A {visit.get_status_display().lower()} visit cannot become {target}"
        )
    old = workflows.VISIT.move(visit, target)
    _audit(
        actor=actor,
        verb=f"operations.visit_{target}",
        target=visit,
        old={"status": old},
        new={"status": target, "why": why},
        action=AuditAction.ALTERATION,
    )


def _fresh(visit: Visit) -> Visit:
    """The visit as stored now (a caller's copy may predate another service's change)."""
    return Visit.objects.select_related("team", "premises", "premises__police_force").get(
        pk=visit.pk
    )


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().get(pk=visit.pk)


def _editable(visit: Visit) -> None:
    if visit.status not in workflows.EDITABLE:
        raise ValidationError(
            f"The visit is {visit.get_status_display().lower()}: the plan can no longer change"
        )


def team_queue(team: Team) -> Queue:
    """The team's operations queue (tasks for named officers), created the first time it is needed."""
    return work.queue_for(team=team, kind="operations", name=f"{team.name}: enforcement visits")


def _authorisation_queue(team: Team) -> Queue:
    """The owning team's authorisation queue, so the team's own authorising officers see the task
    (queues are team-scoped); created the first time the team asks for an authorisation."""
    return work.queue_for(
        team=team,
        kind=rules.QUEUE_AUTHORISATION,
        name=f"{team.name}: visits awaiting authorisation",
        slug=f"{rules.QUEUE_AUTHORISATION}-{team.slug}",
    )


def _officer_task(
    *,
    actor,
    visit: Visit,
    officer,
    task_type: str,
    title: str,
    dedupe_key: str,
    start: datetime | None = None,
) -> Task:
    task = work.task_create(
        actor=_user(actor),
        task_type=task_type,
        title=title,
        subject=visit,
        queue=team_queue(visit.team),
        start=start,
        dedupe_key=dedupe_key,
    )
    if officer is not None and task.is_active and task.assignee_id is None:
        # An officer from another team: the task stays unassigned in the team's queue.
        with contextlib.suppress(ValidationError):
            work.task_assign(actor=None, task=task, assignee=officer)
    return task


def _complete_tasks(*, actor, outcome: str, key: str = "", prefix: str = "") -> None:
    """Complete the active task whose dedupe key is ``key`` (exactly: ``ops-onf-1`` never closes
    ``ops-onf-12``'s task), or every one whose key starts with ``prefix``."""
    work.tasks_close_for(
        actor=_user(actor), dedupe_scope=key or None, dedupe_prefix=prefix or None, outcome=outcome
    )


def _subjects_check(actor, subjects: Iterable) -> list:
    subjects = list(subjects or [])
    if actor is not None:
        from waymark.people.selectors import person_visible_queryset

        visible = set(
            person_visible_queryset(actor)
            .filter(pk__in=[p.pk for p in subjects])
            .values_list("pk", flat=True)
        )
        if any(p.pk not in visible for p in subjects):
            raise ValidationError(
                {"subjects": "You may only name people whose records you can see"}
            )
    return subjects


def _reference(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"
