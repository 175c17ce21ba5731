"""The pages that follow a linkage run and a bulk check (issue 16, problem 13): while the job waits
or runs the page reloads itself and shows a progress bar, the step and an estimate of the time
left; once it has completed or failed it stops reloading and says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from waymark.core import clock
from waymark.linkage import rules, services
from waymark.linkage.models import BulkCheck, BulkCheckStatus, RunStatus
from waymark.linkage.tests import bulk_fixtures as bulk_fx
from waymark.linkage.tests import review_fixtures as fx
from waymark.linkage.tests.test_bulk_services import world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

REFRESH = '<meta http-equiv="refresh" content="5">'


@pytest.fixture
def frozen():
    with clock.frozen(fx.NOW):
        yield fx.NOW


@pytest.fixture
def manager(db):
    return fx.user_make("records_manager", first_name="Rita", last_name="Reviewer")


def _page(client, user, name: str, pk: int) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_queued_run_refreshes_and_says_it_is_waiting(client, manager, frozen):
    run = fx.run_make(status=RunStatus.QUEUED, phase="", started_at=None, finished_at=None)
    page = _page(client, manager, "linkage:run-detail", run.pk)
    assert REFRESH in page and 'data-status="queued"' in page
    assert "The run is waiting to start." in page and "<progress" not in page
    assert "This page refreshes every 5 seconds until the run finishes" in page


def test_a_running_run_shows_its_step_progress_and_the_time_left(client, manager, frozen):
    # Two minutes in, 40% done: about three minutes to go.
    run = fx.run_make(
        status=RunStatus.RUNNING,
        phase=rules.RUN_STEPS[2][1],
        progress_done=400,
        progress_total=rules.PROGRESS_SCALE,
        started_at=frozen - timedelta(minutes=2),
        finished_at=None,
    )
    page = _page(client, manager, "linkage:run-detail", run.pk)
    assert REFRESH in page and 'data-status="running"' in page
    assert '<progress class="waymark-progress" max="100" value="40"' in page
    assert "40% done. Step 3 of 4: Scoring the blocked pairs. About 3 minutes left." in page
    assert "whoever started it gets a notification when it has" in page


def test_a_run_that_has_just_started_is_working_out_the_time_left(client, manager, frozen):
    run = fx.run_make(
        status=RunStatus.RUNNING,
        phase=rules.RUN_STEPS[0][1],
        progress_done=0,
        progress_total=rules.PROGRESS_SCALE,
        started_at=frozen,
        finished_at=None,
    )
    page = _page(client, manager, "linkage:run-detail", run.pk)
    assert "0% done. Step 1 of 4: Reading the records. Working out how long it will take." in page


def test_a_completed_run_stops_refreshing_and_says_it_finished(client, manager, frozen):
    run = fx.run_make(progress_done=1000, progress_total=1000)
    page = _page(client, manager, "linkage:run-detail", run.pk)
    assert 'http-equiv="refresh"' not in page and "refreshes every" not in page
    assert 'data-status="completed"' in page and ">Completed<" in page
    assert "The run finished on 18 November 2026, 10am: 2 people from 2 records" in page
    assert "<progress" not in page and "left." not in page


def test_a_failed_run_stops_refreshing_and_says_where_it_failed(client, manager, frozen):
    run = fx.run_make(
        status=RunStatus.FAILED,
        phase=rules.RUN_STEPS[1][1],
        failure_reason="EngineError: At least two records are needed to link",
    )
    page = _page(client, manager, "linkage:run-detail", run.pk)
    assert 'http-equiv="refresh"' not in page and "refreshes every" not in page
    assert 'data-status="failed"' in page
    assert (
        "The run failed while training the model (m and u probabilities) and changed no one" in page
    )
    assert "At least two records are needed to link" in page


@pytest.fixture
def check(world, frozen):  # noqa: F811
    return services.bulk_check_start(
        actor=world["manager"],
        name="Reporting v PNC",
        population="all_linked",
        police_import=world["police"],
    )


def test_a_bulk_check_refreshes_while_it_waits_and_runs(client, world, check, frozen):  # noqa: F811
    page = _page(client, world["manager"], "linkage:bulk-detail", check.pk)
    assert REFRESH in page and "The check is waiting to start." in page
    assert "This page refreshes every 5 seconds until the check finishes" in page

    # Five minutes in, 60% done (a quarter of the way through its last step): about 3 minutes left.
    label = rules.BULK_CHECK_STEPS[2][1]
    BulkCheck.objects.filter(pk=check.pk).update(
        status=BulkCheckStatus.RUNNING,
        phase=f"{label} (250 of 1,000)",
        progress_done=600,
        progress_total=rules.PROGRESS_SCALE,
        started_at=frozen - timedelta(minutes=5),
    )
    page = _page(client, world["manager"], "linkage:bulk-detail", check.pk)
    assert REFRESH in page and '<progress class="waymark-progress" max="100" value="60"' in page
    assert f"60% done. Step 3 of 3: {label} (250 of 1,000). About 3 minutes left." in page


def test_a_failed_bulk_check_stops_refreshing_and_says_where_it_failed(
    client,
    world,  # noqa: F811
    check,
    frozen,
):
    BulkCheck.objects.filter(pk=check.pk).update(
        status=BulkCheckStatus.FAILED,
        phase=rules.BULK_CHECK_STEPS[1][1],
        failure_reason="EngineError: no model",
        finished_at=frozen,
    )
    page = _page(client, world["manager"], "linkage:bulk-detail", check.pk)
    assert 'http-equiv="refresh"' not in page and "refreshes every" not in page
    assert "The check failed while scoring the people against the police records" in page
    assert 'data-status="failed"' in page and "Failed on 18 November 2026, 10am" in page


def test_a_completed_bulk_check_stops_refreshing(client, world, check, frozen):  # noqa: F811
    services.bulk_check_execute(check.pk, model=bulk_fx.model_fixed())
    page = _page(client, world["manager"], "linkage:bulk-detail", check.pk)
    assert 'http-equiv="refresh"' not in page and "<progress" not in page
    assert 'data-status="completed"' in page and "Finished on 18 November 2026, 10am" in page
