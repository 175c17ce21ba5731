from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.models import AuditEvent
from waymark.work.models import Task, TaskStatus
from waymark.work.sweeps import sweeps, sweeps_run_all
from waymark.work.tests.factories import task_row

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)


def test_flag_overdue_is_registered():
    assert "work.flag_overdue" in sweeps()


def test_flag_overdue_flags_once(queue):
    overdue = task_row(queue=queue, due_at=NOW - timedelta(hours=1))
    task_row(queue=queue, due_at=NOW + timedelta(hours=1))
    task_row(queue=queue, due_at=NOW - timedelta(days=1), status=TaskStatus.DONE, completed_at=NOW)
    with clock.frozen(NOW):
        first = sweeps_run_all()
    with clock.frozen(NOW + timedelta(hours=2)):
        second = sweeps_run_all()
    assert first["work.flag_overdue"] == 1
    assert second["work.flag_overdue"] == 1  # only the task that became overdue since
    assert Task.objects.get(pk=overdue.pk).overdue_flagged_at == NOW
    with clock.frozen(NOW + timedelta(hours=3)):
        assert sweeps_run_all()["work.flag_overdue"] == 0
    assert Task.objects.filter(overdue_flagged_at__isnull=False).count() == 2
    assert AuditEvent.objects.filter(verb="work.tasks_flagged_overdue").count() == 2


def test_running_the_sweep_twice_flags_once(queue):
    task_row(queue=queue, due_at=NOW - timedelta(hours=1))
    with clock.frozen(NOW):
        assert sweeps_run_all()["work.flag_overdue"] == 1
        assert sweeps_run_all()["work.flag_overdue"] == 0
    assert AuditEvent.objects.filter(verb="work.tasks_flagged_overdue").count() == 1


def test_run_sweeps_command(queue, capsys):
    task_row(queue=queue, due_at=NOW - timedelta(hours=1))
    with clock.frozen(NOW):
        call_command("run_sweeps")
    assert "work.flag_overdue: 1" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_scheduler_enqueues_the_sweep_job_and_the_worker_runs_it(queue, capsys):
    """The scheduler puts the job on the database queue; ``db_worker`` runs it (as in
    ``make run``)."""
    from django_tasks_db.models import DBTaskResult

    overdue = task_row(queue=queue, due_at=clock.now() - timedelta(hours=1))
    call_command("scheduler", "--iterations", "2", "--interval", "0")
    assert capsys.readouterr().out.count("Enqueued sweeps job") == 2
    jobs = DBTaskResult.objects.filter(
        queue_name="sweeps", task_path="waymark.work.tasks.sweeps_run"
    )
    assert jobs.count() == 2
    call_command("db_worker", "--queue-name", "sweeps", "--batch", "--no-startup-delay")
    assert set(jobs.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert Task.objects.get(pk=overdue.pk).overdue_flagged_at is not None
    assert AuditEvent.objects.filter(verb="work.tasks_flagged_overdue").count() == 1


def test_the_scheduler_waits_out_a_database_that_went_away(monkeypatch, capsys):
    """A fail-over made ``enqueue`` raise and ended the scheduler: sweeps stopped for good."""
    from types import SimpleNamespace

    from django.db import OperationalError

    from waymark.work.management.commands import scheduler

    calls = {"n": 0}

    def flaky_enqueue():
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("the database system is shutting down")
        return SimpleNamespace(id=f"job-{calls['n']}")

    slept: list[float] = []
    monkeypatch.setattr(scheduler, "sweeps_run", SimpleNamespace(enqueue=flaky_enqueue))
    monkeypatch.setattr(scheduler.time, "sleep", slept.append)
    call_command("scheduler", "--iterations", "2", "--interval", "300")
    captured = capsys.readouterr()
    assert captured.out.count("Enqueued sweeps job") == 2
    assert "Could not enqueue the sweeps job, retrying in 10 s" in captured.err
    assert slept == [300, scheduler.RETRY_SECONDS]  # after the first job; after the failure
