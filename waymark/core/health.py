"""Waymark's own health checks (django-health-check).

``/health/`` (the load balancer's) runs ``AuditSealing`` beside the database and storage checks;
``/health/background/`` (monitoring's, never the load balancer's) runs ``ReadModelsFresh``,
``TaskQueue`` and ``AuditSealing``: the background processes, whose stopping must not take the app
servers out of service (docs/deployment.md "Observability").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import connection, connections
from django.db.models import Case, F, Q, When
from django.db.models.functions import Greatest
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from waymark.core import clock, rules
from waymark.core.audit_sequencer import audit_sealing_lag
from waymark.core.models import ReadModelState
from waymark.core.read_models import WRITE_ALIAS, read_models

T = TypeVar("T")


def _measured(measure: Callable[[], T]) -> T:
    """What a check measures, read in the check's own thread: its connection is closed after,
    so no check leaves one open."""
    try:
        return measure()
    finally:
        connection.close()


@dataclasses.dataclass
class AuditSealing(HealthCheck):
    """The audit log's sealing lag: how long the oldest committed entry not yet sealed has waited
    (decision 0015), shown with the check (``AuditSealing(lag_seconds=0.4)``). The target is
    ``AUDIT_SEALING_LAG_TARGET``; past ``AUDIT_SEALING_LAG_ALARM`` the check fails: the sequencer
    has stopped, or a transaction held open that long holds it back."""

    lag_seconds: float | None = None

    def run(self) -> None:
        lag = _measured(audit_sealing_lag)
        self.lag_seconds = round(lag.total_seconds(), 1)
        if lag > rules.AUDIT_SEALING_LAG_ALARM:
            raise ServiceUnavailable(
                f"Audit sealing lag {self.lag_seconds:.0f} s (target "
                f"{rules.AUDIT_SEALING_LAG_TARGET.total_seconds():.0f} s, unhealthy past "
                f"{rules.AUDIT_SEALING_LAG_ALARM.total_seconds():.0f} s): is audit_seal running?"
            )


def read_model_ages(now: datetime) -> dict[str, timedelta | None]:
    """Each registered read model's age at ``now`` (``now - as_of`` of its rows, on the primary,
    where the refresher writes), None for one never built."""
    as_of = dict(ReadModelState.objects.using(WRITE_ALIAS).values_list("name", "as_of"))
    return {name: (now - as_of[name] if name in as_of else None) for name in read_models()}


@dataclasses.dataclass
class ReadModelsFresh(HealthCheck):
    """The figures refresher (``manage.py read_models_refresh --loop``): the age of the oldest
    read model's rows (``ReadModelsFresh(oldest_seconds=12.3)``). It rebuilds them every
    ``READ_MODEL_REFRESH_INTERVAL``; past ``READ_MODEL_REFRESHER_ALARM``, or with a read model
    never built, the check fails. Only on ``/health/background/``: without the refresher a figures
    page rebuilds stale rows itself (slower, never older), so the app servers stay in service. A
    figures page visited often keeps its own read model young; the quiet ones show the stop."""

    oldest_seconds: float | None = None

    def run(self) -> None:
        ages = _measured(lambda: read_model_ages(clock.now()))
        built = [age for age in ages.values() if age is not None]
        self.oldest_seconds = round(max(built).total_seconds(), 1) if built else None
        late = {
            name: age
            for name, age in ages.items()
            if age is None or age > rules.READ_MODEL_REFRESHER_ALARM
        }
        if late:
            named = ", ".join(
                f"{name} never built" if age is None else f"{name} {age.total_seconds():.0f} s old"
                for name, age in late.items()
            )
            raise ServiceUnavailable(
                f"Read models not rebuilt within "
                f"{rules.READ_MODEL_REFRESHER_ALARM.total_seconds():.0f} s: {named} (refreshed "
                f"every {rules.READ_MODEL_REFRESH_INTERVAL.total_seconds():.0f} s; figures pages "
                f"rebuild them as they read meanwhile): is read_models_refresh --loop running?"
            )


@dataclasses.dataclass(frozen=True)
class TaskBacklog:
    waiting: int  # due READY tasks, counted up to rules.TASK_QUEUE_COUNT_CAP
    oldest_wait: timedelta  # how long the longest-waiting of them has been due; 0 for none
    oldest_queue: str | None  # its queue


# When a due READY task became due: its enqueueing, or its ``run_after`` if later (the backend
# stores "as soon as possible" as ``get_date_max()``). On PostgreSQL the expression is indexed
# (core migration 0008) and the oldest due task read in the index's order, written exactly as the
# index is so the planner matches it: the sentinel a literal, not a parameter.
_NEVER_SQL = "'9999-01-01 00:00:00+00'::timestamptz"
TASK_DUE_SINCE_INDEX = "core_task_due_since_idx"
TASK_DUE_SINCE_SQL = (
    f"CASE WHEN run_after = {_NEVER_SQL} THEN enqueued_at ELSE GREATEST(enqueued_at, run_after) END"
)
_OLDEST_DUE_SQL = (
    f"SELECT {TASK_DUE_SINCE_SQL} AS due_since, queue_name "  # noqa: S608 - constants
    "FROM django_tasks_database_dbtaskresult "
    f"WHERE status = 'READY' AND (run_after = {_NEVER_SQL} OR run_after <= %s) "
    f"ORDER BY {TASK_DUE_SINCE_SQL} LIMIT 1"
)


def _oldest_due(due, now: datetime) -> tuple[datetime, str] | None:
    """The longest-waiting due task's (due since, queue). A row not yet due has ``run_after``
    after ``now`` and so is due since after ``now``: in the index's order every due row comes
    first, and the first row the filter keeps is the answer."""
    database = connections[due.db]
    if database.vendor == "postgresql":
        with database.cursor() as cursor:
            cursor.execute(_OLDEST_DUE_SQL, [now])
            row = cursor.fetchone()
        return None if row is None else (row[0], row[1])
    never = get_date_max()
    oldest = (
        due.annotate(
            due_since=Case(
                When(run_after=never, then=F("enqueued_at")),
                default=Greatest("enqueued_at", "run_after"),
            )
        )
        .order_by("due_since")
        .values_list("due_since", "queue_name")
        .first()
    )
    return None if oldest is None else (oldest[0], oldest[1])


def task_queue_backlog(now: datetime) -> TaskBacklog:
    """The job queue's due READY tasks at ``now``: those with no ``run_after`` (which the database
    backend stores as its far-future sentinel, ``get_date_max()``; the column is not null) or one
    at or before ``now``. A task is due from its enqueueing, or from its ``run_after`` if later."""
    never = get_date_max()
    due = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=never) | Q(run_after__lte=now)
    )
    waiting = due.order_by()[: rules.TASK_QUEUE_COUNT_CAP].count()
    oldest = _oldest_due(due, now)
    if oldest is None:
        return TaskBacklog(waiting=waiting, oldest_wait=timedelta(0), oldest_queue=None)
    due_since, queue = oldest
    return TaskBacklog(
        waiting=waiting, oldest_wait=max(now - due_since, timedelta(0)), oldest_queue=queue
    )


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """The job worker (``manage.py db_worker``): how many READY tasks are due (``waiting``,
    counted up to ``rules.TASK_QUEUE_COUNT_CAP``) and how long the longest-waiting has been due
    (``TaskQueue(waiting=3, oldest_wait_seconds=1.5)``). Past ``TASK_QUEUE_WAIT_ALARM`` the check
    fails: no worker is taking that queue's tasks, or the workers are not keeping up."""

    waiting: int | None = None
    oldest_wait_seconds: float | None = None

    def run(self) -> None:
        backlog = _measured(lambda: task_queue_backlog(clock.now()))
        self.waiting = backlog.waiting
        self.oldest_wait_seconds = round(backlog.oldest_wait.total_seconds(), 1)
        if backlog.oldest_wait > rules.TASK_QUEUE_WAIT_ALARM:
            count = (
                f"{backlog.waiting}"
                if backlog.waiting < rules.TASK_QUEUE_COUNT_CAP
                else f"{rules.TASK_QUEUE_COUNT_CAP} or more"
            )
            raise ServiceUnavailable(
                f"The oldest due task (queue {backlog.oldest_queue}) has waited "
                f"{self.oldest_wait_seconds:.0f} s, {count} due (unhealthy past "
                f"{rules.TASK_QUEUE_WAIT_ALARM.total_seconds():.0f} s): is db_worker running "
                f"for that queue?"
            )
