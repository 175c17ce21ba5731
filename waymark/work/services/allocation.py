"""Giving work to people: "get next", assigning and reassigning one task, and bulk allocation."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse

from waymark.core import clock
from waymark.core.kept_cursors import fetch_one, numbered
from waymark.core.notifications import notify
from waymark.core.types import Actor
from waymark.work.models import Task, TaskStatus
from waymark.work.rules import GET_NEXT_ATTEMPTS
from waymark.work.services._common import _audit_change, _check_may_give, _locked, _snapshot, _user
from waymark.work.workflows import TASK


def task_get_next(*, user) -> Task | None:
    """Give ``user`` the most urgent open, unassigned task in their teams' queues that their role
    may take: assign it, start it and return it (None when there is nothing to take).

    Concurrency: on PostgreSQL one statement selects the candidate ``FOR UPDATE SKIP LOCKED LIMIT
    1`` (on the ``task_get_next`` partial index), claims it and returns it
    (``_get_next_claim_postgresql``), so people pressing at the same moment lock different rows and
    the claim costs one round trip; the audit entry is the only other statement. On SQLite
    transactions begin IMMEDIATE (settings), so claims are serialised, and the claiming UPDATE is
    conditional on the task still being open and unassigned and retried if it lost. Either way a
    task is never given to two people.
    """
    from waymark.work.selectors import get_next_candidates

    if not getattr(user, "is_authenticated", False) or getattr(user, "is_machine", False):
        raise PermissionDenied
    if connection.vendor == "postgresql":
        with transaction.atomic():
            return _get_next_claim_postgresql(user=user)
    for _attempt in range(GET_NEXT_ATTEMPTS):
        with transaction.atomic():
            task = get_next_candidates(user=user).first()
            if task is None:
                return None
            now = clock.now()
            # The claim is conditional on the task still being open and unassigned; open is one of
            # the states the workflow lets a task start from.
            TASK.check(task, TaskStatus.IN_PROGRESS)
            claimed = Task.objects.filter(
                pk=task.pk, status=TaskStatus.OPEN, assignee__isnull=True
            ).update(assignee=user, status=TaskStatus.IN_PROGRESS, allocated_at=now, started_at=now)
            if claimed != 1:
                continue  # someone else claimed it between our read and our write: try again
            old = _snapshot(task)
            TASK.move(task, TaskStatus.IN_PROGRESS)
            task.assignee, task.allocated_at, task.started_at = user, now, now
            _audit_change(actor=user, task=task, verb="task.taken_with_get_next", old=old)
            return task
    return None


def _get_next_claim_postgresql(*, user) -> Task | None:
    """Select, lock and claim the first candidate in one statement: a CTE picks it ``FOR UPDATE
    SKIP LOCKED``, the UPDATE starts it for ``user`` and returns the row; then its audit entry.
    A row another transaction holds is skipped, and one that was claimed and committed since the
    statement began fails the recheck PostgreSQL makes after locking, so an empty answer means
    there is nothing left to take (no retry needed)."""
    from waymark.work.selectors import get_next_scope

    scope = get_next_scope(user=user)
    if scope.takes_nothing:
        return None
    sql, params, holder_at, day_at = _claim_statement(scope)
    now = clock.now()
    values = list(params)
    for index in holder_at:  # the competence gate's holder and day, in the compiled statement
        values[index] = user.pk
    for index in day_at:
        values[index] = clock.today()
    # On a cursor kept for the connection, its placeholders numbered once (kept_cursors: the
    # statement is too long for psycopg's cache, so it was parsed on every press).
    row = fetch_one(connection, sql, (*values, user.pk, now, now), sql_numbered=_numbered(sql))
    if row is None:
        return None
    task = _task_from_row(row)
    task.assignee = user
    old = {**_snapshot(task), "status": TaskStatus.OPEN, "assignee_id": None}
    _audit_change(actor=user, task=task, verb="task.taken_with_get_next", old=old)
    return task


# Stand-ins compiled into the statement where the competence gate names the user pressing and
# today; ``_claim_statement`` records their positions and each press puts the real values there.
_HOLDER_STANDIN = -48_151_623
_DAY_STANDIN = date(1, 1, 2)


@functools.lru_cache(maxsize=256)
def _claim_statement(scope) -> tuple[str, tuple, tuple[int, ...], tuple[int, ...]]:
    """The claiming statement for one get-next scope, compiled once per process (building and
    compiling the candidates' queryset costs more than running it), with the positions of the
    competence gate's holder and day among its parameters. The assignee and the two times are its
    last three parameters."""
    from waymark.work.selectors import get_next_candidates

    TASK.check(Task(status=TaskStatus.OPEN), TaskStatus.IN_PROGRESS)  # the workflow allows it
    pick = get_next_candidates(
        user=None, scope=scope, holder_id=_HOLDER_STANDIN, on=_DAY_STANDIN
    ).values("pk")[:1]
    pick = pick.select_for_update(skip_locked=True)
    with transaction.atomic():  # FOR UPDATE compiles only inside a transaction
        pick_sql, pick_params = pick.query.get_compiler(connection=connection).as_sql()
    table = connection.ops.quote_name(Task._meta.db_table)
    columns = ", ".join(f"{table}.{connection.ops.quote_name(f.column)}" for f in _TASK_FIELDS)
    # The two statuses are the workflow's own constants, written in; the assignee and the two
    # times are the caller's parameters, after the candidates'.
    sql = (
        f"WITH next (id) AS ({pick_sql}) UPDATE {table} "  # noqa: S608 (compiled ORM SQL, table and column names, the status constants)
        f"SET status = '{TaskStatus.IN_PROGRESS.value}', assignee_id = %s, allocated_at = %s, "
        f"started_at = %s FROM next WHERE {table}.id = next.id "
        f"AND {table}.status = '{TaskStatus.OPEN.value}' AND {table}.assignee_id IS NULL "
        f"RETURNING {columns}"
    )
    holder_at = tuple(i for i, v in enumerate(pick_params) if v == _HOLDER_STANDIN)
    day_at = tuple(i for i, v in enumerate(pick_params) if v == _DAY_STANDIN)
    # one of each per competence gated in this scope, or the statement would check the wrong user
    if not (len(holder_at) == len(day_at) == len(scope.gates)):
        raise RuntimeError("The get-next statement's competence gate did not compile as expected")
    return sql, tuple(pick_params), holder_at, day_at


_TASK_FIELDS = Task._meta.concrete_fields
_numbered = functools.lru_cache(maxsize=256)(numbered)


def _task_from_row(row) -> Task:
    """The claimed task from its returned row, each value through its field's converters (as the
    ORM reads it: the deadline inputs' JSON, for one)."""
    values = list(row)
    for index, converters, column in _task_converters():
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return Task.from_db(connection.alias, _TASK_ATTNAMES, values)


_TASK_ATTNAMES = [f.attname for f in _TASK_FIELDS]


@functools.cache
def _task_converters() -> list[tuple[int, list[Any], Any]]:
    found: list[tuple[int, list[Any], Any]] = []
    for index, field in enumerate(_TASK_FIELDS):
        column = field.get_col(Task._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, converters, column))
    return found


def _give(*, actor: Actor, task: Task, assignee, verb: str, extra: dict | None = None) -> Task:
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
        _tell_assignee(
            actor=actor,
            assignee=assignee,
            text=f"You were given a task: {task.title}",
            url=reverse("work:task-detail", args=[task.pk]),
        )
    return task


def _tell_assignee(*, actor: Actor, assignee, text: str, url: str) -> None:
    """Someone else gave ``assignee`` work: say so in their notifications (not when they took it
    themselves)."""
    giver = _user(actor)
    if giver is not None and giver.pk == assignee.pk:
        return
    by = f" by {giver.display_name}" if giver is not None else ""
    notify(user=assignee, text=f"{text}{by}", url=url, kind="work_given")


def task_assign(*, actor: Actor, task: Task, assignee) -> Task:
    """Give an active task to ``assignee`` (yourself: "assign to me"). Its status is kept."""
    return _give(actor=actor, task=task, assignee=assignee, verb="task.assigned")


def task_reassign(*, actor: Actor, task: Task, assignee, reason: str = "") -> Task:
    """A manager moves a task to someone else (``work.allocate_tasks``)."""
    user = _user(actor)
    if user is not None and not user.has_perm("work.allocate_tasks"):
        raise PermissionDenied
    return _give(
        actor=actor, task=task, assignee=assignee, verb="task.reassigned", extra={"reason": reason}
    )


def _give_each(*, actor: Actor, tasks: list[Task], assignee, verb: str) -> list[Task]:
    """Assign each checked, locked task of a batch that is not already ``assignee``'s, each change
    audited with the batch's size; returns the tasks that changed."""
    now = clock.now()
    changed = []
    for task in tasks:
        if task.assignee_id == assignee.pk:
            continue
        old = _snapshot(task)
        task.assignee, task.allocated_at = assignee, now
        task.save(update_fields=["assignee", "allocated_at"])
        _audit_change(actor=actor, task=task, verb=verb, old=old, extra={"batch_size": len(tasks)})
        changed.append(task)
    return changed


def tasks_bulk_allocate(*, actor: Actor, task_ids, assignee) -> list[Task]:
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
        changed = _give_each(
            actor=actor, tasks=tasks, assignee=assignee, verb="task.allocated_in_bulk"
        )
        if changed:
            queue = changed[0].queue
            count = len(changed)
            _tell_assignee(
                actor=actor,
                assignee=assignee,
                text=f"You were given {count:,} task{'s' if count != 1 else ''} in {queue.name}",
                url=reverse("work:queue", args=[queue.slug]) + "?assignee=me",
            )
    return changed


def tasks_bulk_take(*, actor: Actor, task_ids) -> list[Task]:
    """'Assign to me' for several tasks at once: each must be active and unassigned, in a queue of
    the user's own team; any problem stops the whole batch (nothing changes)."""
    from waymark.work.selectors import competence_refusal, competences_held

    user = _user(actor)
    if user is None or not user.has_perm("work.change_task"):
        raise PermissionDenied
    with transaction.atomic():
        ids = sorted({int(pk) for pk in task_ids})
        tasks = list(
            Task.objects.select_for_update()
            .select_related("queue", "queue__team")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        problems = [f"Task {pk} was not found" for pk in set(ids) - {t.pk for t in tasks}]
        team_ids = set(user.teams.values_list("pk", flat=True))
        held = competences_held(user)
        for task in tasks:
            if not task.is_active:
                problems.append(f"{task.title} is {task.get_status_display().lower()}")
            elif task.assignee_id not in (None, user.pk):
                problems.append(f"{task.title} is already assigned to someone else")
            elif task.queue.team_id not in team_ids:
                problems.append(f"{task.title} is not in one of your teams' queues")
            elif refusal := competence_refusal(user, task.task_type, held=held):
                problems.append(f"{task.title}: {refusal}")
        if problems:
            raise ValidationError(problems)
        return _give_each(actor=actor, tasks=tasks, assignee=user, verb="task.assigned")


def tasks_bulk_release(*, actor: Actor, task_ids) -> list[Task]:
    """Return several assigned tasks to their queue, unassigned and open (a manager's
    ``work.allocate_tasks``); any problem stops the whole batch."""
    from waymark.work import workflows

    user = _user(actor)
    if user is not None and not user.has_perm("work.allocate_tasks"):
        raise PermissionDenied
    with transaction.atomic():
        ids = sorted({int(pk) for pk in task_ids})
        tasks = list(Task.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        problems = [f"Task {pk} was not found" for pk in set(ids) - {t.pk for t in tasks}]
        for task in tasks:
            if not task.is_active:
                problems.append(f"{task.title} is {task.get_status_display().lower()}")
            elif task.assignee_id is None:
                problems.append(f"{task.title} is not assigned to anyone")
            elif not TASK.allowed(task.status, TaskStatus.OPEN):
                problems.append(f"{task.title} cannot go back to the queue from its status")
        if problems:
            raise ValidationError(problems)
        released = []
        for task in tasks:
            old = _snapshot(task)
            if task.status != TaskStatus.OPEN:  # an open task assigned to someone just leaves them
                workflows.transition_check(task, TaskStatus.OPEN)
                TASK.move(task, TaskStatus.OPEN)
            task.assignee, task.allocated_at = None, None
            task.save()
            _audit_change(
                actor=actor,
                task=task,
                verb="task.released",
                old=old,
                extra={"batch_size": len(tasks)},
            )
            released.append(task)
    return released
