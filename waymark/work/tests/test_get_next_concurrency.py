"""Get next under real concurrency: several processes, each with its own database connection,
press "get next" until the queue is empty. No task may be given to two people (brief platform §2).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from waymark.core import clock
from waymark.core.audit import audit_verify, content_hash
from waymark.core.audit_sequencer import audit_seal_once
from waymark.core.models import AuditEvent
from waymark.work.models import Task, TaskStatus
from waymark.work.tests.factories import CASEWORKER, queue_make, team_make, user_make

PROCESSES = 8
TASKS = 2000


def _tasks_make(queue, count: int) -> None:
    now = clock.now()
    Task.objects.bulk_create(
        [
            Task(
                task_type="general.follow_up",
                queue=queue,
                title=f"Task {n}",
                priority=n % 7,
                created_at=now,
            )
            for n in range(count)
        ],
        batch_size=500,
    )


def _take_until_empty(user_id: int, barrier, results) -> None:
    """Runs in a child process: its own connection, then get next until nothing is left."""
    from waymark.accounts.models import User
    from waymark.work.services import task_get_next

    connections.close_all()  # never share the parent's connection
    try:
        user = User.objects.get(pk=user_id)
        barrier.wait(timeout=60)
        taken = []
        while (task := task_get_next(user=user)) is not None:
            taken.append(task.pk)
        results.put((user_id, taken, None))
    except Exception as exc:  # report, so the parent fails with the reason
        results.put((user_id, [], repr(exc)))
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (SKIP LOCKED)")
@pytest.mark.django_db(transaction=True)
def test_get_next_8_processes_2000_tasks_each_allocated_once():
    team = team_make()
    queue = queue_make(team=team)
    users = [user_make(*CASEWORKER, teams=[team]) for _ in range(PROCESSES)]
    _tasks_make(queue, TASKS)

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    connections.close_all()  # children must open their own connections
    workers = [
        context.Process(target=_take_until_empty, args=(user.pk, barrier, results))
        for user in users
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    assert [error for _, _, error in outcomes if error] == []
    claimed = Counter(pk for _, taken, _ in outcomes for pk in taken)
    assert sum(claimed.values()) == TASKS
    assert len(claimed) == TASKS
    assert max(claimed.values()) == 1  # never one task to two people
    assert sum(1 for _, taken, _ in outcomes if taken) > 1  # the work really was shared

    by_user = {user_id: set(taken) for user_id, taken, _ in outcomes}
    rows = Task.objects.values_list("pk", "assignee_id", "status")
    assert all(status == TaskStatus.IN_PROGRESS for _, _, status in rows)
    assert all(pk in by_user[assignee_id] for pk, assignee_id, _ in rows)
    entries = AuditEvent.objects.filter(verb="task.taken_with_get_next")
    assert entries.count() == TASKS
    assert sorted(int(e.target_id) for e in entries) == sorted(claimed)
    assert all(e.entry_hash == content_hash(e) for e in entries)
    audit_seal_once()
    assert audit_verify().ok


def _sqlite_file_db() -> bool:
    name = str(connection.settings_dict.get("TEST", {}).get("NAME") or "")
    return connection.vendor == "sqlite" and bool(name) and "memory" not in name


@pytest.mark.skipif(
    not _sqlite_file_db(),
    reason="needs a file-based SQLite test database (WAYMARK_SQLITE_TEST_FILE=1)",
)
@pytest.mark.django_db(transaction=True)
def test_get_next_sqlite_threads_each_task_allocated_once():
    """SQLite: transactions begin IMMEDIATE, so concurrent claims are serialised."""
    from waymark.work.services import task_get_next

    team = team_make()
    queue = queue_make(team=team)
    users = [user_make(*CASEWORKER, teams=[team]) for _ in range(4)]
    _tasks_make(queue, 200)
    barrier = threading.Barrier(len(users))
    taken: dict[int, list[int]] = {}
    errors: list[str] = []

    def run(user):
        try:
            barrier.wait(timeout=30)
            mine = taken.setdefault(user.pk, [])
            while (task := task_get_next(user=user)) is not None:
                mine.append(task.pk)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    claimed = Counter(pk for pks in taken.values() for pk in pks)
    assert sum(claimed.values()) == 200 and len(claimed) == 200
