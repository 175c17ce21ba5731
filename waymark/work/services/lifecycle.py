"""Moving a task through its states (``waymark.work.workflows``): start, release, wait, complete,
cancel. Each checks the move with the workflow's guards, makes it with ``TASK.move``, saves and
audits; completing and cancelling also write the person's timeline."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from waymark.core import clock
from waymark.core.types import Actor
from waymark.work import workflows
from waymark.work.models import Task, TaskStatus
from waymark.work.services._common import _audit_change, _check_may_give, _locked, _snapshot, _user
from waymark.work.workflows import TASK


def task_start(*, actor: Actor, task: Task) -> Task:
    """Start work. An unassigned task is taken by the person starting it."""
    with transaction.atomic():
        task = _locked(task)
        user = _user(actor)
        assignee = task.assignee or user
        if (
            user
            and task.assignee
            and task.assignee != user
            and not user.has_perm("work.allocate_tasks")
        ):
            raise PermissionDenied  # starting a colleague's task is taking it from them
        workflows.transition_check(task, TaskStatus.IN_PROGRESS, assignee=assignee)
        old = _snapshot(task)
        now = clock.now()
        if task.assignee is None:
            _check_may_give(actor=actor, task=task, assignee=assignee)
            task.assignee, task.allocated_at = assignee, now
        TASK.move(task, TaskStatus.IN_PROGRESS)
        task.started_at = task.started_at or now
        task.waiting_reason = ""
        task.save()
        _audit_change(actor=actor, task=task, verb="task.started", old=old)
    return task


def task_release(*, actor: Actor, task: Task) -> Task:
    """Put a task back in its queue, unassigned and open."""
    with transaction.atomic():
        task = _locked(task)
        workflows.transition_check(task, TaskStatus.OPEN)
        old = _snapshot(task)
        TASK.move(task, TaskStatus.OPEN)
        task.assignee, task.allocated_at = None, None
        task.save()
        _audit_change(actor=actor, task=task, verb="task.released", old=old)
    return task


def task_wait(*, actor: Actor, task: Task, reason: str) -> Task:
    with transaction.atomic():
        task = _locked(task)
        workflows.transition_check(task, TaskStatus.WAITING, reason=reason)
        old = _snapshot(task)
        TASK.move(task, TaskStatus.WAITING)
        task.waiting_reason = reason.strip()[:500]
        task.save()
        _audit_change(
            actor=actor,
            task=task,
            verb="task.waiting",
            old=old,
            extra={"reason": task.waiting_reason},
        )
    return task


def _timeline(*, actor: Actor, task: Task, event_type: str, summary: str) -> None:
    person = task.person if task.person_id is not None else None
    if person is None:
        return
    try:
        from waymark.people.services import timeline_event_record
    except ImportError:  # pragma: no cover - the people app always provides it
        return
    timeline_event_record(
        person=person,
        module="work",
        event_type=event_type,
        summary=summary,
        occurred_at=task.completed_at,
        actor=actor,
        related=task,
        detail={"task_id": task.pk, "task_type": task.task_type, "outcome": task.outcome},
    )


def task_complete(*, actor: Actor, task: Task, outcome: str, note: str = "") -> Task:
    """Finish a task with an outcome; the person's timeline records it."""
    with transaction.atomic():
        task = _locked(task)
        workflows.transition_check(task, TaskStatus.DONE, outcome=outcome)
        old = _snapshot(task)
        now = clock.now()
        TASK.move(task, TaskStatus.DONE)
        task.outcome = outcome.strip()[:60]
        task.outcome_note = note.strip()
        task.completed_at = now
        task.waiting_reason = ""
        if task.assignee is None and _user(actor) is not None:
            task.assignee, task.allocated_at = actor, now  # whoever did it holds it
        task.save()
        _audit_change(
            actor=actor,
            task=task,
            verb="task.completed",
            old=old,
            extra={"note": task.outcome_note},
        )
        _timeline(
            actor=actor,
            task=task,
            event_type="task.completed",
            summary=f"{task.title}: done ({task.outcome})",
        )
    return task


def task_cancel(*, actor: Actor, task: Task, reason: str) -> Task:
    with transaction.atomic():
        task = _locked(task)
        workflows.transition_check(task, TaskStatus.CANCELLED, reason=reason)
        old = _snapshot(task)
        TASK.move(task, TaskStatus.CANCELLED)
        task.outcome = "cancelled"
        task.outcome_note = reason.strip()
        task.completed_at = clock.now()
        task.save()
        _audit_change(
            actor=actor,
            task=task,
            verb="task.cancelled",
            old=old,
            extra={"reason": task.outcome_note},
        )
        _timeline(
            actor=actor,
            task=task,
            event_type="task.cancelled",
            summary=f"{task.title}: cancelled ({task.outcome_note[:200]})",
        )
    return task
