"""Creating tasks: one at a time (``task_create``, with the module's assignee) or many in one
statement (``tasks_bulk_create``, audited as one batch; ``tasks_create_each``, audited as
``task_create`` audits each)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from waymark.core import clock
from waymark.core.audit import audit_record, audit_record_many
from waymark.core.bulk_insert import bulk_insert
from waymark.core.models import AuditAction
from waymark.work import rules
from waymark.work.models import Queue, Task
from waymark.work.registry import get_task_type
from waymark.work.rules import DEFAULT_PRIORITY
from waymark.work.services._common import _audit_change, _locked, _resolve_queue, _snapshot, _user


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


def _task_build(spec: dict[str, Any], *, actor, now, queues: dict[Any, Queue]) -> Task:
    """The unsaved task ``task_create`` would make from these arguments (``queues`` caches the
    queues looked up by slug)."""
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
    return task


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
        task = _task_build(spec, actor=actor, now=now, queues=queues)
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


def tasks_create_each(*, actor, specs) -> list[Task]:
    """What ``task_create`` gives for each spec, called in order, written in a few multi-row
    statements: the tasks in one ``COPY`` (``core.bulk_insert``) and one ``task.created`` audit entry each (the
    same entry ``task_create`` writes, through ``audit_record_many``). For a replay that must
    leave the same rows as one by one (the EM archive replay). Each spec takes ``task_create``'s
    arguments (a dict). Returns one task per spec, in order: for a dedupe key already stored (or
    earlier in ``specs``), the existing task, as ``task_create`` returns it (given to the spec's
    assignee by rule if it has none). All or none: a dedupe key stored concurrently raises
    IntegrityError for the caller to settle."""
    specs = [dict(spec) for spec in specs]
    if not specs:
        return []
    keys = [spec["dedupe_key"] for spec in specs if spec.get("dedupe_key")]
    existing: dict[str | None, Task] = (
        {t.dedupe_key: t for t in Task.objects.filter(dedupe_key__in=keys)} if keys else {}
    )
    now = clock.now()
    queues: dict[Any, Queue] = {}
    answer: list[Task] = []
    new: list[Task] = []
    for spec in specs:
        key = spec.get("dedupe_key") or None
        if key in existing:
            task = existing[key]
            if task.pk is not None and spec.get("assignee") is not None:
                task = existing[key] = _assign_by_rule(
                    actor=actor, task=task, assignee=spec["assignee"]
                )
            answer.append(task)
            continue
        task = _task_build(spec, actor=actor, now=now, queues=queues)
        new.append(task)
        answer.append(task)
        if key:
            existing[key] = task
    with transaction.atomic(savepoint=False):
        bulk_insert(Task, new)
        audit_record_many(
            actor=actor,
            entries=[
                {
                    "action": AuditAction.COLLECTION,
                    "verb": "task.created",
                    "target_type": Task._meta.label_lower,
                    "target_id": task.pk,
                    "person_id": task.person_id,
                    "payload": {
                        "new": {
                            **_snapshot(task),
                            "task_type": task.task_type,
                            "queue": task.queue.slug,
                            "deadline_rule": task.deadline_rule,
                            "priority_reason": task.priority_reason,
                            "dedupe_key": task.dedupe_key,
                        }
                    },
                }
                for task in new
            ],
        )
    return answer
