"""``/health/background/``: the background processes' health, for monitoring and alerting, not the
load balancer. ``ReadModelsFresh`` (the figures refresher, ``rules.READ_MODEL_REFRESHER_ALARM``),
``TaskQueue`` (the job worker, ``rules.TASK_QUEUE_WAIT_ALARM``) and ``AuditSealing``; a stale
refresher fails it and leaves ``/health/`` answering 200.

What the checks measure (``read_model_ages``, ``task_queue_backlog``) is tested in the test's own
transaction. A check reads from a thread of its own with a connection of its own (which it closes),
as in the view, so the tests that run one commit what they write (``transaction=True``): run
directly (``_run``) it has the test's clock; through the view the checks' threads see the real
clock, so those tests place their rows relative to it."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult, get_date_max
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from waymark.core import clock, health, rules
from waymark.core.models import ReadModelState
from waymark.core.read_models import read_models

pytestmark = pytest.mark.django_db

Check = TypeVar("Check", bound=HealthCheck)


def _run(check: Check) -> Check:
    """Run a check as the view does, in a thread with its own connection, under the test's clock;
    what it raises is raised here."""
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(context.run, check.run).result()
    return check


def _built(as_of: datetime, *, except_: tuple[str, ...] = ()) -> None:
    """Every registered read model's rows as of ``as_of`` (but those in ``except_``, never built),
    as ``read_model_refresh`` records them."""
    ReadModelState.objects.all().delete()
    ReadModelState.objects.bulk_create(
        ReadModelState(name=name, as_of=as_of, full_as_of=as_of)
        for name in read_models()
        if name not in except_
    )


def _task(
    *, enqueued: datetime, run_after: datetime | None = None, status: str = "READY", queue="default"
) -> DBTaskResult:
    """A job-queue row as the database backend writes it (``run_after`` None: as soon as
    possible), enqueued at ``enqueued`` (``enqueued_at`` is set on creation, so moved after)."""
    row = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="waymark.core.tasks.read_models_refresh_stale",
        queue_name=queue,
        backend_name="default",
        run_after=run_after,
        exception_class_path="",
        traceback="",
    )
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=enqueued)
    return row


def _json(client, url: str) -> tuple[int, dict[str, str]]:
    response = client.get(url, {"format": "json"})
    return response.status_code, response.json()


def _result(report: dict[str, str], check: str) -> str:
    """The report's line for ``check`` (its key is the check's repr, fields and all)."""
    (value,) = [value for key, value in report.items() if key.startswith(f"{check}(")]
    return value


# ------------------------------------------------------------------------------------------------
# ReadModelsFresh


def test_each_read_model_s_age_is_read_and_none_if_never_built(frozen):
    never, *built = read_models()
    assert built, "the check is about more than one read model"
    _built(frozen - timedelta(minutes=10), except_=(never,))
    ReadModelState.objects.filter(name=built[0]).update(as_of=frozen)
    ages = health.read_model_ages(frozen)
    assert ages == {
        never: None,
        built[0]: timedelta(0),
        **{name: timedelta(minutes=10) for name in built[1:]},
    }


@pytest.mark.django_db(transaction=True)  # the check reads from a thread of its own
def test_read_models_built_up_to_the_alarm_ago_are_healthy_and_not_a_second_more(frozen):
    _built(frozen)
    assert _run(health.ReadModelsFresh()).oldest_seconds == 0
    _built(frozen - rules.READ_MODEL_REFRESHER_ALARM)
    assert _run(health.ReadModelsFresh()).oldest_seconds == 300
    _built(frozen - rules.READ_MODEL_REFRESHER_ALARM - timedelta(seconds=1))
    with pytest.raises(ServiceUnavailable, match="301 s old"):
        _run(health.ReadModelsFresh())


@pytest.mark.django_db(transaction=True)
def test_a_read_model_built_ten_minutes_ago_fails_naming_it_and_its_age(frozen):
    _built(frozen)
    name = next(iter(read_models()))
    ReadModelState.objects.filter(name=name).update(as_of=frozen - timedelta(minutes=10))
    check = health.ReadModelsFresh()
    with pytest.raises(ServiceUnavailable) as failed:
        _run(check)
    message = str(failed.value)
    assert f"{name} 600 s old" in message
    assert "is read_models_refresh --loop running?" in message
    assert not any(other in message for other in read_models() if other != name)
    assert check.oldest_seconds == 600


@pytest.mark.django_db(transaction=True)
def test_a_read_model_never_built_fails_naming_it(frozen):
    name = next(iter(read_models()))
    _built(frozen, except_=(name,))
    check = health.ReadModelsFresh()
    with pytest.raises(ServiceUnavailable) as failed:
        _run(check)
    assert f"{name} never built" in str(failed.value)
    assert check.oldest_seconds == 0  # the oldest of those built


# ------------------------------------------------------------------------------------------------
# TaskQueue


def test_an_empty_queue_has_nothing_waiting(frozen):
    assert health.task_queue_backlog(frozen) == health.TaskBacklog(0, timedelta(0), None)


def test_a_task_waits_from_when_it_fell_due_not_from_its_enqueueing(frozen):
    _task(enqueued=frozen - timedelta(hours=1), run_after=frozen - timedelta(minutes=20))
    _task(enqueued=frozen - timedelta(minutes=1), queue="sweeps")
    assert health.task_queue_backlog(frozen) == health.TaskBacklog(
        2, timedelta(minutes=20), "default"
    )


def test_a_task_to_run_as_soon_as_possible_waits_from_its_enqueueing(frozen):
    row = _task(enqueued=frozen - timedelta(minutes=20), queue="sweeps")
    assert row.run_after == get_date_max()  # the backend's "no run_after": the column is not null
    _task(enqueued=frozen - timedelta(hours=1), run_after=frozen - timedelta(minutes=5))
    assert health.task_queue_backlog(frozen) == health.TaskBacklog(
        2, timedelta(minutes=20), "sweeps"
    )


def test_a_task_whose_run_after_is_in_the_future_is_not_waiting(frozen):
    _task(enqueued=frozen - timedelta(hours=2), run_after=frozen + timedelta(minutes=5))
    assert health.task_queue_backlog(frozen) == health.TaskBacklog(0, timedelta(0), None)
    later = frozen + timedelta(minutes=25)  # due for 20 minutes by then
    assert health.task_queue_backlog(later) == health.TaskBacklog(
        1, timedelta(minutes=20), "default"
    )


def test_a_run_after_before_the_enqueueing_waits_from_the_enqueueing(frozen):
    _task(enqueued=frozen - timedelta(minutes=10), run_after=frozen - timedelta(hours=3))
    _task(enqueued=frozen - timedelta(minutes=40), run_after=frozen - timedelta(minutes=30))
    _task(enqueued=frozen - timedelta(minutes=25), queue="sweeps")
    assert health.task_queue_backlog(frozen) == health.TaskBacklog(
        3, timedelta(minutes=30), "default"
    )


def test_the_sql_s_as_soon_as_possible_is_the_backend_s():
    """The indexed expression writes the backend's "no run_after" as a literal (the planner
    matches an index only on the same constant): it must be ``get_date_max()``."""
    assert datetime.fromisoformat(health._NEVER_SQL.split("'")[1]) == get_date_max()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plan; SQLite uses the ORM's query"
)
def test_the_oldest_due_task_is_one_probe_of_its_index_not_a_sort_of_the_queue(frozen):
    for minutes in range(0, 600, 7):
        _task(enqueued=frozen - timedelta(minutes=minutes))
        _task(
            enqueued=frozen - timedelta(minutes=minutes + 1),
            run_after=frozen + timedelta(minutes=minutes),
        )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: plan as for a large one
        cursor.execute("EXPLAIN " + health._OLDEST_DUE_SQL, [frozen])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert health.TASK_DUE_SINCE_INDEX in plan and "Sort" not in plan, plan


@pytest.mark.parametrize("status", ["SUCCESSFUL", "FAILED", "RUNNING"])
def test_an_old_task_no_longer_ready_is_ignored(frozen, status):
    _task(enqueued=frozen - timedelta(days=2), status=status)
    assert health.task_queue_backlog(frozen) == health.TaskBacklog(0, timedelta(0), None)


def test_the_count_of_waiting_tasks_stops_at_the_cap(frozen, monkeypatch):
    monkeypatch.setattr(rules, "TASK_QUEUE_COUNT_CAP", 2)
    for minutes in (30, 20, 15):
        _task(enqueued=frozen - timedelta(minutes=minutes))
    backlog = health.task_queue_backlog(frozen)
    assert (backlog.waiting, backlog.oldest_wait) == (2, timedelta(minutes=30))


@pytest.mark.django_db(transaction=True)  # the check reads from a thread of its own
def test_a_task_waiting_up_to_the_alarm_is_healthy_and_not_a_second_more(frozen):
    _task(enqueued=frozen - rules.TASK_QUEUE_WAIT_ALARM)
    check = _run(health.TaskQueue())
    assert (check.waiting, check.oldest_wait_seconds) == (1, 600)
    _task(enqueued=frozen - rules.TASK_QUEUE_WAIT_ALARM - timedelta(seconds=1))
    with pytest.raises(ServiceUnavailable, match="has waited 601 s, 2 due"):
        _run(health.TaskQueue())


@pytest.mark.django_db(transaction=True)
def test_a_task_due_twenty_minutes_ago_fails_naming_its_queue(frozen, monkeypatch):
    _task(enqueued=frozen - timedelta(hours=1), run_after=frozen - timedelta(minutes=20))
    _task(enqueued=frozen - timedelta(minutes=1), queue="sweeps")
    check = health.TaskQueue()
    with pytest.raises(ServiceUnavailable) as failed:
        _run(check)
    assert (check.waiting, check.oldest_wait_seconds) == (2, 1200)
    assert failed.value.message == (
        "The oldest due task (queue default) has waited 1200 s, 2 due (unhealthy past 600 s): "
        "is db_worker running for that queue?"
    )
    monkeypatch.setattr(rules, "TASK_QUEUE_COUNT_CAP", 2)
    with pytest.raises(ServiceUnavailable, match="1200 s, 2 or more due"):
        _run(health.TaskQueue())


# ------------------------------------------------------------------------------------------------
# The endpoint (anonymous, like the monitoring that calls it); the checks see the real clock


@pytest.mark.django_db(transaction=True)  # the checks read from threads of their own
def test_the_endpoint_answers_200_when_the_background_processes_keep_up(client):
    _built(clock.now())
    _task(enqueued=clock.now() - timedelta(seconds=5))
    status, report = _json(client, "/health/background/")
    assert status == 200
    assert {key.split("(")[0] for key in report} == {"ReadModelsFresh", "TaskQueue", "AuditSealing"}
    assert set(report.values()) == {"OK"}
    assert "TaskQueue(waiting=1, oldest_wait_seconds=" in " ".join(report)


@pytest.mark.django_db(transaction=True)
def test_the_endpoint_answers_500_naming_a_stopped_job_worker(client):
    _built(clock.now())
    _task(enqueued=clock.now() - timedelta(minutes=20))
    status, report = _json(client, "/health/background/")
    assert status == 500
    assert "is db_worker running" in _result(report, "TaskQueue")
    assert _result(report, "ReadModelsFresh") == "OK"
    assert _result(report, "AuditSealing") == "OK"


@pytest.mark.django_db(transaction=True)
def test_a_stopped_refresher_fails_the_background_endpoint_and_not_the_load_balancer_s(client):
    _built(clock.now() - timedelta(minutes=10))
    status, report = _json(client, "/health/background/")
    assert status == 500
    assert "is read_models_refresh --loop running?" in _result(report, "ReadModelsFresh")
    assert _result(report, "TaskQueue") == "OK"
    status, report = _json(client, "/health/")
    assert status == 200
    assert set(report.values()) == {"OK"}
    assert not any(key.startswith(("ReadModelsFresh", "TaskQueue")) for key in report)


@pytest.mark.django_db(transaction=True)
def test_the_endpoint_is_open_without_signing_in_and_never_cached(client):
    _built(clock.now())
    response = client.get("/health/background/")  # HTML, for a person looking
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert "ReadModelsFresh" in response.content.decode()
