"""Giving work to people: "get next", assigning and reassigning one task, and bulk allocation."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse

from waymark.core import clock
from waymark.core.audit import audit_append_for_row, audit_appended, audit_record, row_append_sql
from waymark.core.kept_cursors import fetch_one, numbered, placeholder_inlined, sql_literal
from waymark.core.models import AuditAction
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
            TASK.move(task, TaskStatus.IN_PROGRESS)
            task.assignee, task.allocated_at, task.started_at = user, now, now
            audit_record(
                actor=user,
                action=AuditAction.ALTERATION,
                verb="task.taken_with_get_next",
                target=task,
                person_id=task.person_id,
                payload=_claim_change(user),
            )
            return task
    return None


def _get_next_claim_postgresql(*, user) -> Task | None:
    """Read the user's queues, select, lock, claim and record the first candidate in one
    statement (``_claim_statement``), so one round trip a press. One statement is one
    transaction, so the claim and its entry are written together or not at all, with or without
    the caller's. A row another transaction holds is skipped, and one that was claimed and
    committed since the statement began fails the recheck PostgreSQL makes after locking, so an
    empty answer means there is nothing left to take (no retry needed)."""
    from waymark.work.selectors import get_next_scope

    scope = get_next_scope(user=user, queues=False)
    if scope.takes_nothing:
        return None
    claim = _claim_statement(scope)
    now = clock.now()
    values = list(claim.params)
    for index in claim.user_at:  # whose queues and competences, in the compiled statement
        values[index] = user.pk
    for index in claim.day_at:
        values[index] = clock.today()
    entry = audit_append_for_row(
        actor=user,
        action=AuditAction.ALTERATION,
        verb="task.taken_with_get_next",
        target_type=Task._meta.label_lower,
        source="claimed",
        payload=_claim_change(user),
    )
    # On a cursor kept for the connection, its placeholders numbered once (kept_cursors: the
    # statement is too long for psycopg's cache, so it was parsed on every press), as a prepared
    # statement: parsed once a connection, not on every press.
    row = fetch_one(
        connection,
        claim.sql,
        (*values, user.pk, now, now, *entry.params),
        sql_numbered=claim.sql_numbered,
        prepared=True,
    )
    if row is None:
        return None
    if row[-1] is None:  # the entry is written by the same statement as the claim
        raise RuntimeError("Get next claimed a task without recording it")
    audit_appended(AuditAction.ALTERATION)
    task = _task_from_row(row[:-1])
    task.assignee = user
    return task


def _claim_change(user) -> dict[str, Any]:
    """The audit payload of a claim: what it changes (the rest of the row is as it was)."""
    return {
        "old": {"status": TaskStatus.OPEN.value, "assignee_id": None},
        "new": {"status": TaskStatus.IN_PROGRESS.value, "assignee_id": user.pk},
    }


# Stand-ins compiled into the statement where the competence gate names the user pressing and
# today, and where the user's queues are read; ``_claim_statement`` records their positions and
# each press puts the real values there.
_HOLDER_STANDIN = -48_151_623
_DAY_STANDIN = date(1, 1, 2)
_QUEUE_STANDIN = -48_151_625


@dataclass(frozen=True)
class _Claim:
    """The claiming statement for one get-next scope and its parameters, with stand-ins at
    ``user_at`` (the user pressing: whose queues, whose competences) and ``day_at`` (today). The
    assignee and the two times follow, then the audit entry's."""

    sql: str
    sql_numbered: str
    params: tuple
    user_at: tuple[int, ...]
    day_at: tuple[int, ...]


@functools.lru_cache(maxsize=256)
def _claim_statement(scope) -> _Claim:
    """The claiming statement for one get-next scope (its queues not read: ``queue_ids`` None),
    compiled once per process (building and compiling the candidates' queryset costs more than
    running it).

    ``qs``: the user's active queues. ``next``: for each queue, its most urgent candidate the user
    may take, ``FOR UPDATE SKIP LOCKED`` on the ``task_get_next`` index (an index range in urgency
    order, however many queues), then the most urgent of those. ``claimed``: the UPDATE starting
    it, rechecking it is still open and unassigned. ``entry``: its audit entry
    (``audit_append_for_row``). Reading the queues in the statement saves a round trip a press;
    with several queues, the per-queue pick also saves sorting every open task of them."""
    from waymark.work.queue_reads import _MEMBER_STANDIN, member_queue_ids_statement
    from waymark.work.selectors import get_next_candidates

    if scope.queue_ids is not None:
        raise ValueError("The claiming statement reads the user's queues itself")
    TASK.check(Task(status=TaskStatus.OPEN), TaskStatus.IN_PROGRESS)  # the workflow allows it
    pick = get_next_candidates(
        user=None,
        scope=dataclasses.replace(scope, queue_ids=(_QUEUE_STANDIN,)),
        holder_id=_HOLDER_STANDIN,
        on=_DAY_STANDIN,
    ).values("pk", "priority", "due_at")[:1]
    pick = pick.select_for_update(skip_locked=True)
    with transaction.atomic():  # FOR UPDATE compiles only inside a transaction
        pick_sql, pick_params = pick.query.get_compiler(connection=connection).as_sql()
    # The queue comes from ``qs`` (the lateral join's outer row).
    at = [i for i, value in enumerate(pick_params) if value == _QUEUE_STANDIN]
    if len(at) != 1:
        raise RuntimeError("The get-next statement did not compile as expected (its queue)")
    pick_sql, pick_params = _constants_inlined(
        placeholder_inlined(pick_sql, at[0], "qs.id"),
        [*pick_params[: at[0]], *pick_params[at[0] + 1 :]],
    )
    queues_compiled, queues_compiled_params, member_at = member_queue_ids_statement()
    queues_sql, queues_params = _constants_inlined(
        queues_compiled, list(queues_compiled_params), keep=member_at
    )
    member_at = queues_params.index(_MEMBER_STANDIN)
    table = connection.ops.quote_name(Task._meta.db_table)
    columns = ", ".join(f"{table}.{connection.ops.quote_name(f.column)}" for f in _TASK_FIELDS)
    # The two statuses are the workflow's own constants, written in; the assignee and the two
    # times are the caller's parameters, after the candidates'. The outer order is
    # ``urgent_order``'s, as the candidates' own.
    sql = (
        f"WITH qs (id) AS ({queues_sql}), "  # noqa: S608 (compiled ORM SQL, table and column names, the status constants)
        f"next (id) AS (SELECT c.pk FROM qs CROSS JOIN LATERAL ({pick_sql}) c "
        "ORDER BY c.priority DESC, c.due_at ASC NULLS LAST, c.pk ASC LIMIT 1), "
        f"claimed AS (UPDATE {table} "
        f"SET status = '{TaskStatus.IN_PROGRESS.value}', assignee_id = %s, allocated_at = %s, "
        f"started_at = %s FROM next WHERE {table}.id = next.id "
        f"AND {table}.status = '{TaskStatus.OPEN.value}' AND {table}.assignee_id IS NULL "
        f"RETURNING {columns}), entry AS ({row_append_sql('claimed')}) "
        "SELECT claimed.*, (SELECT sequence FROM entry) FROM claimed"
    )
    params = (*queues_params, *pick_params)
    user_at = (member_at, *(i for i, v in enumerate(params) if v == _HOLDER_STANDIN))
    day_at = tuple(i for i, v in enumerate(params) if v == _DAY_STANDIN)
    # one of each per competence gated in this scope, or the statement would check the wrong user
    if not (len(user_at) - 1 == len(day_at) == len(scope.gates)):
        raise RuntimeError("The get-next statement's competence gate did not compile as expected")
    return _Claim(
        sql=sql, sql_numbered=numbered(sql), params=params, user_at=user_at, day_at=day_at
    )


def _constants_inlined(sql: str, params: list, keep: int = -1) -> tuple[str, list]:
    """``sql`` with every parameter but the stand-ins (and the one at ``keep``) written into its
    text: the scope's task types, competences and flags are the same on every press, and written
    in, the statement's generic plan estimates them as a plan made for the values would, so
    PostgreSQL can plan the prepared statement once instead of on every press. (The status the
    ``task_get_next`` partial index is made on must be in the text for any plan made once to use
    that index.) The values are the registries' and the workflow's constants."""
    out = list(params)
    for index in range(len(out) - 1, -1, -1):
        value = out[index]
        if index == keep or value in (_HOLDER_STANDIN, _DAY_STANDIN):
            continue
        sql = placeholder_inlined(sql, index, sql_literal(value))
        del out[index]
    return sql, out


_TASK_FIELDS = Task._meta.concrete_fields


def _task_from_row(row) -> Task:
    """The claimed task from its returned row, each value through its field's converters (as the
    ORM reads it: the deadline inputs' JSON, for one)."""
    from waymark.core import row_models

    return cast(Task, row_models.instance(Task, row, connection.alias))


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
