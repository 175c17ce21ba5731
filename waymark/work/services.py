"""Writes of work: creating, allocating and moving tasks. Each is atomic and audited.

Permissions: the lifecycle services (start, wait, complete, cancel) are called by views that
require ``work.change_task`` and by other modules' services acting under their own permissions,
so they enforce the workflow's guards, not the caller's role. Allocation on someone else's behalf
(``tasks_bulk_allocate``, ``task_reassign``, assigning to another person) checks
``work.allocate_tasks`` here, because it changes other people's work.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.work import rules, workflows
from waymark.work.models import Queue, SavedFilter, Task, TaskStatus
from waymark.work.registry import get_task_type

DEFAULT_PRIORITY = 0
GET_NEXT_ATTEMPTS = 5


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _snapshot(task: Task) -> dict[str, Any]:
    return {
        "status": task.status,
        "assignee_id": task.assignee_id,
        "outcome": task.outcome,
        "priority": task.priority,
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }


def _audit_change(*, actor, task: Task, verb: str, old: dict, extra: dict | None = None) -> None:
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
    found = Queue.objects.select_related("team").filter(slug=slug).first()
    if found is None:
        raise ValidationError(f"There is no queue {slug!r} for {task_type.label.lower()} tasks")
    return found


def task_create(
    *,
    actor,
    task_type: str,
    title: str,
    person=None,
    subject=None,
    queue: Queue | str | None = None,
    description: str = "",
    priority: int | None = None,
    priority_reason: str = "",
    start=None,
    dedupe_key: str | None = None,
    assignee=None,
) -> Task:
    """Create a task of a registered type. The deadline comes from the type's rule, counted from
    ``start`` (default now) in the queue team's nation; the rule and its inputs are stored.

    ``dedupe_key``: if a task with this key exists it is returned and nothing is created, so a
    sweep or an integration that runs twice never creates the same work twice.

    ``assignee``: the person the module's own rule names (a case owner, a named officer). The task
    is created assigned to them, and an existing active unassigned task with the same dedupe key
    is given to them; either way the audit entry records it. The module decides who; this does not
    check the assignee's team (use ``task_assign`` for a person choosing to give work).
    """
    if dedupe_key:
        existing = Task.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return _assign_by_rule(actor=actor, task=existing, assignee=assignee)
    kind = get_task_type(task_type)
    if not (title or "").strip():
        raise ValidationError("A task needs a title")
    target_queue = _resolve_queue(queue, kind)
    now = clock.now()
    start = start or now
    task = Task(
        task_type=kind.key,
        queue=target_queue,
        person=person,
        title=title.strip()[:300],
        description=description,
        created_at=now,
        created_by=_user(actor),
        dedupe_key=dedupe_key or None,
    )
    if assignee is not None:
        task.assignee, task.allocated_at = assignee, now
    if subject is not None:
        task.subject_type = subject._meta.label_lower
        task.subject_id = str(subject.pk)
    if kind.deadline_rule:
        task.due_at, task.deadline_inputs = rules.deadline_compute(
            kind.deadline_rule, start, target_queue.team.nation
        )
        task.deadline_rule = kind.deadline_rule
    if priority is not None:
        task.priority = priority
        task.priority_reason = priority_reason or "Set when the task was created"
    elif kind.priority is not None:
        task.priority, task.priority_reason = kind.priority(task)
    else:
        task.priority, task.priority_reason = DEFAULT_PRIORITY, "Standard priority"
    try:
        with transaction.atomic():
            task.save(force_insert=True)
            audit_record(
                actor=actor,
                action=AuditAction.COLLECTION,
                verb="task.created",
                target=task,
                person_id=task.person_id,
                payload={
                    "new": {
                        **_snapshot(task),
                        "task_type": task.task_type,
                        "queue": target_queue.slug,
                        "deadline_rule": task.deadline_rule,
                        "priority_reason": task.priority_reason,
                        "dedupe_key": task.dedupe_key,
                    }
                },
            )
    except IntegrityError:
        # Two writers with the same dedupe key at the same moment: the first one wins.
        if dedupe_key:
            existing = Task.objects.filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                return _assign_by_rule(actor=actor, task=existing, assignee=assignee)
        raise
    return task


def _assign_by_rule(*, actor, task: Task, assignee) -> Task:
    """Give an existing active, unassigned task to the person a module's rule names (audited)."""
    if assignee is None or task.assignee_id is not None or not task.is_active:
        return task
    with transaction.atomic():
        task = _locked(task)
        if task.assignee_id is not None or not task.is_active:
            return task
        old = _snapshot(task)
        task.assignee, task.allocated_at = assignee, clock.now()
        task.save(update_fields=["assignee", "allocated_at"])
        _audit_change(
            actor=actor, task=task, verb="task.assigned", old=old, extra={"by_rule": True}
        )
    return task


def queue_for(*, team, kind: str, name: str = "", slug: str = "") -> Queue:
    """The team's queue of this kind (slug ``<team slug>-<kind>`` unless ``slug`` names another),
    created the first time the team needs it. Modules never create queues themselves."""
    if team is None:
        raise ValidationError(f"A {kind} queue needs a team")
    slug = (slug or f"{team.slug}-{kind}")[:80]
    queue = Queue.objects.select_related("team").filter(slug=slug).first()
    if queue is not None:
        return queue
    label = name or f"{team.name}: {kind.replace('-', ' ').capitalize()}"
    with transaction.atomic():
        queue, created = Queue.objects.get_or_create(
            slug=slug, defaults={"name": label[:200], "team": team}
        )
        if created:
            audit_record(
                actor=None,
                action=AuditAction.COLLECTION,
                verb="queue.created",
                target=queue,
                payload={"new": {"slug": queue.slug, "name": queue.name, "team": team.slug}},
            )
    return queue


def tasks_close_for(
    *,
    actor,
    subject=None,
    task_types=None,
    dedupe_prefix: str | None = None,
    outcome: str,
    note: str = "",
) -> list[Task]:
    """Complete every active task about ``subject`` (or whose dedupe key starts with
    ``dedupe_prefix``), of ``task_types`` when given, each through ``task_complete`` (audited,
    with its timeline entry). Returns the tasks closed."""
    from waymark.work.selectors import tasks_for

    closed = []
    for task in tasks_for(subject=subject, task_types=task_types, dedupe_prefix=dedupe_prefix):
        closed.append(task_complete(actor=actor, task=task, outcome=outcome, note=note))
    return closed


def tasks_bulk_create(*, actor, specs) -> list[Task]:
    """Create many tasks in one statement, audited as one batch (``task.created_in_bulk``): for
    demo loaders, migrations of legacy work and archive imports, where one audit entry a task
    would swamp the trail. Each spec takes ``task_create``'s arguments (a dict). Specs whose
    dedupe key already exists are skipped. Deadlines and priorities follow the same rules as
    ``task_create``."""
    specs = [dict(spec) for spec in specs]
    if not specs:
        return []
    keys = [spec.get("dedupe_key") for spec in specs if spec.get("dedupe_key")]
    taken = set(Task.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    now = clock.now()
    queues: dict[Any, Queue] = {}
    tasks = []
    for spec in specs:
        if spec.get("dedupe_key") in taken:
            continue
        kind = get_task_type(spec["task_type"])
        title = (spec.get("title") or "").strip()
        if not title:
            raise ValidationError("A task needs a title")
        queue_key = spec.get("queue")
        queue = queues.get(queue_key) if not isinstance(queue_key, Queue) else queue_key
        if queue is None:
            queue = queues[queue_key] = _resolve_queue(queue_key, kind)
        subject = spec.get("subject")
        task = Task(
            task_type=kind.key,
            queue=queue,
            person=spec.get("person"),
            title=title[:300],
            description=spec.get("description", ""),
            created_at=now,
            created_by=_user(actor),
            dedupe_key=spec.get("dedupe_key") or None,
        )
        if spec.get("assignee") is not None:
            task.assignee, task.allocated_at = spec["assignee"], now
        if subject is not None:
            task.subject_type = subject._meta.label_lower
            task.subject_id = str(subject.pk)
        if kind.deadline_rule:
            task.due_at, task.deadline_inputs = rules.deadline_compute(
                kind.deadline_rule, spec.get("start") or now, queue.team.nation
            )
            task.deadline_rule = kind.deadline_rule
        if spec.get("priority") is not None:
            task.priority = spec["priority"]
            task.priority_reason = spec.get("priority_reason") or "Set when the task was created"
        elif kind.priority is not None:
            task.priority, task.priority_reason = kind.priority(task)
        else:
            task.priority, task.priority_reason = DEFAULT_PRIORITY, "Standard priority"
        tasks.append(task)
        if task.dedupe_key:
            taken.add(task.dedupe_key)
    with transaction.atomic():
        created = Task.objects.bulk_create(tasks, batch_size=2000)
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="task.created_in_bulk",
            payload={
                "new": {
                    "count": len(created),
                    "task_types": sorted({t.task_type for t in created}),
                    "queues": sorted({t.queue.slug for t in created}),
                }
            },
        )
    return created


def task_get_next(*, user) -> Task | None:
    """Give ``user`` the most urgent open, unassigned task in their teams' queues that their role
    may take: assign it, start it and return it (None when there is nothing to take).

    Concurrency: one transaction selects and claims the task. On PostgreSQL the select is
    ``FOR UPDATE SKIP LOCKED LIMIT 1`` on the ``task_get_next`` partial index, so people pressing
    at the same moment lock different rows. On SQLite transactions begin IMMEDIATE (settings), so
    claims are serialised. Either way the claiming UPDATE is conditional on the task still being
    open and unassigned, and is retried if it lost, so a task is never given to two people.
    """
    from waymark.work.selectors import get_next_candidates

    if not getattr(user, "is_authenticated", False) or getattr(user, "is_machine", False):
        raise PermissionDenied
    for _attempt in range(GET_NEXT_ATTEMPTS):
        with transaction.atomic():
            candidates = get_next_candidates(user=user)
            if connection.vendor == "postgresql":
                candidates = candidates.select_for_update(skip_locked=True)
            task = candidates.first()
            if task is None:
                return None
            now = clock.now()
            claimed = Task.objects.filter(
                pk=task.pk, status=TaskStatus.OPEN, assignee__isnull=True
            ).update(assignee=user, status=TaskStatus.IN_PROGRESS, allocated_at=now, started_at=now)
            if claimed != 1:
                continue  # someone else claimed it between our read and our write: try again
            old = _snapshot(task)
            task.assignee, task.status, task.allocated_at, task.started_at = (
                user,
                TaskStatus.IN_PROGRESS,
                now,
                now,
            )
            _audit_change(actor=user, task=task, verb="task.taken_with_get_next", old=old)
            return task
    return None


def _check_may_give(*, actor, task: Task, assignee) -> None:
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


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("queue", "queue__team").get(pk=task.pk)


def _give(*, actor, task: Task, assignee, verb: str, extra: dict | None = None) -> Task:
    with transaction.atomic():
        task = _locked(task)
        _check_may_give(actor=actor, task=task, assignee=assignee)
        if task.assignee_id == assignee.pk:
            return task
        old = _snapshot(task)
        task.assignee = assignee
        task.allocated_at = clock.now()
        task.save(update_fields=["assignee", "allocated_at"])
        _audit_change(actor=actor, task=task, verb=verb, old=old, extra=extra)
    return task


def task_assign(*, actor, task: Task, assignee) -> Task:
    """Give an active task to ``assignee`` (yourself: "assign to me"). Its status is kept."""
    return _give(actor=actor, task=task, assignee=assignee, verb="task.assigned")


def task_reassign(*, actor, task: Task, assignee, reason: str = "") -> Task:
    """A manager moves a task to someone else (``work.allocate_tasks``)."""
    user = _user(actor)
    if user is not None and not user.has_perm("work.allocate_tasks"):
        raise PermissionDenied
    return _give(
        actor=actor, task=task, assignee=assignee, verb="task.reassigned", extra={"reason": reason}
    )


def task_start(*, actor, task: Task) -> Task:
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
        task.status = TaskStatus.IN_PROGRESS
        task.started_at = task.started_at or now
        task.waiting_reason = ""
        task.save()
        _audit_change(actor=actor, task=task, verb="task.started", old=old)
    return task


def task_release(*, actor, task: Task) -> Task:
    """Put a task back in its queue, unassigned and open."""
    with transaction.atomic():
        task = _locked(task)
        workflows.transition_check(task, TaskStatus.OPEN)
        old = _snapshot(task)
        task.status, task.assignee, task.allocated_at = TaskStatus.OPEN, None, None
        task.save()
        _audit_change(actor=actor, task=task, verb="task.released", old=old)
    return task


def task_wait(*, actor, task: Task, reason: str) -> Task:
    with transaction.atomic():
        task = _locked(task)
        workflows.transition_check(task, TaskStatus.WAITING, reason=reason)
        old = _snapshot(task)
        task.status = TaskStatus.WAITING
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


def _timeline(*, actor, task: Task, event_type: str, summary: str) -> None:
    if task.person_id is None:
        return
    try:
        from waymark.people.services import timeline_event_record
    except ImportError:  # pragma: no cover - the people app always provides it
        return
    timeline_event_record(
        person=task.person,
        module="work",
        event_type=event_type,
        summary=summary,
        occurred_at=task.completed_at,
        actor=actor,
        related=task,
        detail={"task_id": task.pk, "task_type": task.task_type, "outcome": task.outcome},
    )


def task_complete(*, actor, task: Task, outcome: str, note: str = "") -> Task:
    """Finish a task with an outcome; the person's timeline records it."""
    with transaction.atomic():
        task = _locked(task)
        workflows.transition_check(task, TaskStatus.DONE, outcome=outcome)
        old = _snapshot(task)
        now = clock.now()
        task.status = TaskStatus.DONE
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


def task_cancel(*, actor, task: Task, reason: str) -> Task:
    with transaction.atomic():
        task = _locked(task)
        workflows.transition_check(task, TaskStatus.CANCELLED, reason=reason)
        old = _snapshot(task)
        task.status = TaskStatus.CANCELLED
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


def tasks_bulk_allocate(*, actor, task_ids, assignee) -> list[Task]:
    """Give every selected task to ``assignee``, or none of them: any problem (a task not found,
    closed, or in a team the assignee is not in) stops the whole allocation."""
    from waymark.work.selectors import bulk_allocation_check

    user = _user(actor)
    if user is not None and not user.has_perm("work.allocate_tasks"):
        raise PermissionDenied
    with transaction.atomic():
        ids = [int(pk) for pk in task_ids]
        list(Task.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        tasks, problems = bulk_allocation_check(actor=actor, task_ids=ids, assignee=assignee)
        if problems:
            raise ValidationError(problems)
        now = clock.now()
        changed = []
        for task in tasks:
            if task.assignee_id == assignee.pk:
                continue
            old = _snapshot(task)
            task.assignee, task.allocated_at = assignee, now
            task.save(update_fields=["assignee", "allocated_at"])
            _audit_change(
                actor=actor,
                task=task,
                verb="task.allocated_in_bulk",
                old=old,
                extra={"batch_size": len(tasks)},
            )
            changed.append(task)
    return changed


# ------------------------------------------------------------------------------------------------
# Saved filters


def saved_filter_create(*, actor, name: str, query_string: str, queue: Queue | None) -> SavedFilter:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the filter"})
    if SavedFilter.objects.filter(user=actor, name=name).exists():
        raise ValidationError({"name": "You already have a filter with this name"})
    query_string = query_string.lstrip("?")[:1000]
    with transaction.atomic():
        saved = SavedFilter.objects.create(
            user=actor,
            queue=queue,
            name=name[:100],
            query_string=query_string,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="saved_filter.created",
            target=saved,
            payload={"new": {"name": saved.name, "query": query_string}},
        )
    return saved


def saved_filter_delete(*, actor, saved_filter: SavedFilter) -> None:
    if saved_filter.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.ERASURE,
            verb="saved_filter.deleted",
            target=saved_filter,
            payload={"old": {"name": saved_filter.name, "query": saved_filter.query_string}},
        )
        saved_filter.delete()
