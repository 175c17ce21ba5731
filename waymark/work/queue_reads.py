"""Reads behind the queue page's filter and allocation list: the task types a queue holds and a
team's members with the work they hold; the queues get next draws from. Re-exported from
``waymark.work.selectors``."""

from __future__ import annotations

import functools

from django.db import connection, connections, router
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from waymark.accounts.models import Team, User
from waymark.core import clock
from waymark.work.models import ACTIVE_STATUSES, Queue, Task

# The task types present in one queue, read by skipping through the (queue, task_type) index one
# type at a time (a "loose index scan"): a few probes instead of reading every task the queue ever
# held (0.2 ms against 16-33 ms for SELECT DISTINCT over the 74,000 tasks of a queue at x10). Each
# step asks for the next (queue, type) pair after the last as a row comparison, which only the
# two-column index can answer: written as "MIN(task_type) WHERE queue_id = q AND task_type > t",
# PostgreSQL chose the task_type index instead and filtered out the other queues' tasks (10,000
# rows a step, 33 ms). A step that reaches another queue's tasks yields NULL, which ends it.
_QUEUE_TASK_TYPES_SQL = """
WITH RECURSIVE types(task_type) AS (
    SELECT (
        SELECT CASE WHEN w.queue_id = %(queue)s THEN w.task_type END FROM {table} w
        WHERE (w.queue_id, w.task_type) >= (%(queue)s, '')
        ORDER BY w.queue_id, w.task_type LIMIT 1
    )
    UNION ALL
    SELECT (
        SELECT CASE WHEN w.queue_id = %(queue)s THEN w.task_type END FROM {table} w
        WHERE (w.queue_id, w.task_type) > (%(queue)s, types.task_type)
        ORDER BY w.queue_id, w.task_type LIMIT 1
    )
    FROM types WHERE types.task_type IS NOT NULL
)
SELECT task_type FROM types WHERE task_type IS NOT NULL
"""


def queue_task_types(queue: Queue) -> list[str]:
    """The task type keys of every task in ``queue``, open or closed, in key order (the queue
    page's type filter offers these). The caller has already checked the user may see the queue."""
    sql = _QUEUE_TASK_TYPES_SQL.format(table=connection.ops.quote_name(Task._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, {"queue": queue.pk})
        return [row[0] for row in cursor.fetchall()]


def team_members(team: Team) -> QuerySet[User]:
    return User.objects.filter(teams=team, is_active=True, is_machine=False).order_by(
        "first_name", "last_name", "username"
    )


def team_members_with_workload(team: Team) -> QuerySet[User]:
    """The team's members, each with ``active_count`` and ``overdue_count``: the work they hold
    now in any queue, so whoever allocates sees who has room (one grouped query)."""
    now = clock.now()
    # A correlated count per member over their active tasks only (the (assignee, status) index),
    # not a join of every task they ever held: at x10 a team of nine had held 61,000 tasks, and
    # the join read them all (142 ms) to count the few thousand still active.
    active = Task.objects.filter(assignee=OuterRef("pk"), status__in=ACTIVE_STATUSES)

    def counted(tasks) -> Coalesce:
        return Coalesce(
            Subquery(
                tasks.order_by().values("assignee").annotate(n=Count("*")).values("n"),
            ),
            0,
        )

    return team_members(team).annotate(
        active_count=counted(active),
        overdue_count=counted(active.filter(due_at__lt=now)),
    )


def workload_label(member) -> str:
    """'Ana Silva (12 active, 3 overdue)': a member as the allocation choice shows them."""
    active = getattr(member, "active_count", None)
    if active is None:
        return member.display_name
    overdue = getattr(member, "overdue_count", 0)
    tasks = f"{active:,} active"
    return (
        f"{member.display_name} ({tasks}, {overdue:,} overdue)"
        if overdue
        else (f"{member.display_name} ({tasks})")
    )


_MEMBER_STANDIN = -48_151_624


@functools.cache
def member_queue_ids_statement() -> tuple[str, tuple, int]:
    """The active queues of a user's teams, compiled once per process (compiling the queryset
    cost more than running it, on every press of get next); the user's id goes at the index."""
    ids = (
        Queue.objects.filter(is_active=True, team__members=_MEMBER_STANDIN)
        .order_by("id")
        .values_list("id", flat=True)
    )
    sql, params = ids.query.get_compiler(using=ids.db).as_sql()
    at = [i for i, value in enumerate(params) if value == _MEMBER_STANDIN]
    if len(at) != 1:
        raise RuntimeError("The queues statement did not compile as expected")
    return sql, tuple(params), at[0]


def member_queue_ids(user_id: int) -> tuple[int, ...]:
    """The ids of the active queues of the user's teams, in id order (get next's scope)."""
    sql, params, at = member_queue_ids_statement()
    values = list(params)
    values[at] = user_id
    with connections[router.db_for_read(Queue)].cursor() as cursor:
        cursor.execute(sql, values)
        return tuple(row[0] for row in cursor.fetchall())
