"""A linkage run's and a bulk check's progress (issue 16, problem 13): the steps they go through,
each saved as it starts and weighed by its share of the job, and full when the job finishes."""

from __future__ import annotations

import pytest

from waymark.linkage import rules, selectors, services
from waymark.linkage.models import BulkCheckStatus, RunStatus
from waymark.linkage.services import _progress
from waymark.linkage.tests import bulk_fixtures as bulk_fx
from waymark.linkage.tests.linking_fixtures import job_make, population_make, user_with_role
from waymark.linkage.tests.test_bulk_services import world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def _steps_seen(monkeypatch, module) -> list[tuple[str, int]]:
    """Every step the job starts, with the progress it saved for it."""
    seen: list[tuple[str, int]] = []
    real = module.step_start

    def spy(model, pk, *, steps, spans, key):
        real(model, pk, steps=steps, spans=spans, key=key)
        seen.append((key, model._default_manager.get(pk=pk).progress_done))

    monkeypatch.setattr(module, "step_start", spy)
    return seen


def test_steps_are_weighed_by_their_shares_until_a_run_has_timed_them():
    spans = _progress.step_spans(rules.RUN_STEPS)
    assert spans == {
        "read": (0, 50),
        "train": (50, 350),
        "predict": (350, 800),
        "write": (800, 1000),
    }
    timed = _progress.step_spans(
        rules.RUN_STEPS, {"read": 1.0, "train": 1.0, "predict": 2.0, "write": 0, "total": 4.0}
    )
    assert timed == spans, "an earlier run that did not time every step is not used"
    timed = _progress.step_spans(
        rules.RUN_STEPS, {"read": 1.0, "train": 1.0, "predict": 6.0, "write": 2.0, "total": 10.0}
    )
    assert timed == {
        "read": (0, 100),
        "train": (100, 200),
        "predict": (200, 800),
        "write": (800, 1000),
    }


def test_part_of_a_step_is_counted_within_its_span():
    assert _progress.step_progress((500, 1000)) == 500
    assert _progress.step_progress((500, 1000), 250, 1000) == 625
    assert _progress.step_progress((500, 1000), 9, 3) == 1000


def test_the_page_names_the_step_and_how_many_there_are():
    assert selectors.job_step("Scoring the blocked pairs", rules.RUN_STEPS) == (
        "Step 3 of 4: Scoring the blocked pairs"
    )
    label = rules.BULK_CHECK_STEPS[2][1]
    assert selectors.job_step(f"{label} (500 of 1,200)", rules.BULK_CHECK_STEPS) == (
        f"Step 3 of 3: {label} (500 of 1,200)"
    )
    assert selectors.job_step("", rules.RUN_STEPS) == "Starting"


def test_a_run_saves_each_step_as_it_starts_and_is_full_when_it_completes(monkeypatch):
    population_make(job_make(), people=10)
    manager = user_with_role("records_manager")
    seen = _steps_seen(monkeypatch, services.runs)
    run = services.linkage_run_start(actor=manager)
    assert (run.progress_done, run.progress_total, run.percent_done) == (0, 0, 0)
    run = services.linkage_run_execute(run.pk)
    assert run.status == RunStatus.COMPLETED, run.failure_reason
    assert seen == [("read", 0), ("train", 50), ("predict", 350), ("write", 800)]
    run.refresh_from_db()
    assert (run.phase, run.progress_done, run.progress_total) == ("Finished", 1000, 1000)
    assert run.percent_done == 100 and run.started_at is not None

    # The next run weighs its steps by how long this one took.
    seen.clear()
    again = services.linkage_run_execute(services.linkage_run_start(actor=manager).pk)
    assert again.status == RunStatus.COMPLETED
    expected = _progress.step_spans(rules.RUN_STEPS, run.timings)
    assert seen == [(key, expected[key][0]) for key in ("read", "train", "predict", "write")]


def test_a_failed_run_keeps_the_step_it_failed_on(monkeypatch):
    population_make(job_make(), people=10)
    run = services.linkage_run_start(actor=user_with_role("records_manager"))

    def broken(*args, **kwargs):
        raise services.engine.EngineError("The scoring broke")

    monkeypatch.setattr(services.runs.engine, "pairs_predict", broken)
    run = services.linkage_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.phase == "Scoring the blocked pairs"
    assert run.progress_done == 350 and run.finished_at is not None


def test_a_bulk_check_saves_each_step_and_is_full_when_it_completes(world, monkeypatch):  # noqa: F811
    seen = _steps_seen(monkeypatch, services.bulk)
    check = services.bulk_check_start(
        actor=world["manager"],
        name="Reporting v PNC",
        population="all_linked",
        police_import=world["police"],
    )
    assert check.started_at is None and check.percent_done == 0
    check = services.bulk_check_execute(check.pk, model=bulk_fx.model_fixed())
    assert check.status == BulkCheckStatus.COMPLETED
    assert seen == [("read", 0), ("score", 100), ("write", 500)]
    check.refresh_from_db()
    assert (check.phase, check.progress_done, check.progress_total) == ("Finished", 1000, 1000)
    assert check.started_at is not None and check.finished_at >= check.started_at
