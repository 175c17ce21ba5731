"""Helpers shared by the work services: the acting user, the audited snapshot of a task, finding
a queue, locking a task and the rule for who may be given one."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.work.models import Queue, Task


def _user(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _snapshot(task: Task) -> dict[str, Any]:
    return {
        "status": task.status,
        "assignee_id": task.assignee_id,
        "outcome": task.outcome,
        "priority": task.priority,
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }


def _audit_change(
    *, actor: Actor, task: Task, verb: str, old: dict, extra: dict | None = None
) -> None:
    payload: dict[str, Any] = {"old": old, "new": _snapshot(task)}
    if extra:
        payload.update(extra)
    audit_record(
        actor=actor,
        action=AuditAction.ALTERATION,
        verb=verb,
        target=task,
        person_id=task.person_id,
        payload=payload,
    )


def _resolve_queue(queue, task_type) -> Queue:
    if isinstance(queue, Queue):
        return queue
    slug = queue or task_type.queue_slug
    if not slug:
        raise ValidationError(f"Task type {task_type.key} has no default queue: name the queue")
    found = _queue_by_slug(slug)
    if found is None:
        raise ValidationError(f"There is no queue {slug!r} for {task_type.label.lower()} tasks")
    return found


def _queue_by_slug(slug: str) -> Queue | None:
    """The queue with its team, or None. On PostgreSQL one statement written once: every task a
    module creates resolves its queue, and the ORM compiled this read each time."""
    if connection.vendor != "postgresql":
        return Queue.objects.select_related("team").filter(slug=slug).first()
    from waymark.core import row_models
    from waymark.core.kept_cursors import fetch_one

    read = row_models.joined(Queue, ("team",))
    row = fetch_one(connection, _queue_by_slug_sql(), (slug,))
    return None if row is None else cast(Queue, read.instance(row, connection.alias))


@cache
def _queue_by_slug_sql() -> str:
    from waymark.core import row_models

    return row_models.joined(Queue, ("team",)).statement("t.slug = %s")[0]


def _check_may_give(*, actor: Actor, task: Task, assignee) -> None:
    """Taking an unassigned task yourself needs ``work.change_task``; giving a task to anyone
    else, or taking one from a colleague, needs ``work.allocate_tasks``.
    The assignee must be in the team that owns the task's queue."""
    user = _user(actor)
    if user is not None:
        taking_for_self = assignee.pk == user.pk and task.assignee_id in (None, user.pk)
        perm = "work.change_task" if taking_for_self else "work.allocate_tasks"
        if not user.has_perm(perm):
            raise PermissionDenied
    if not assignee.teams.filter(pk=task.queue.team_id).exists():
        raise ValidationError(f"{assignee.display_name} is not in {task.queue.team.name}")
    if not task.is_active:
        raise ValidationError(
            f"This task is {task.get_status_display().lower()}; it cannot be assigned"
        )
    if user is not None:
        # A person giving work (a manager allocating, someone assigning to themselves) never gives
        # a task whose competence the assignee lacks (issue 20 item 2). A module's own rule naming
        # the assignee (``actor`` None, e.g. the referral's decision maker) is that module's call.
        from waymark.work.selectors import competence_refusal

        if refusal := competence_refusal(assignee, task.task_type):
            raise ValidationError(refusal)


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("queue", "queue__team").get(pk=task.pk)
