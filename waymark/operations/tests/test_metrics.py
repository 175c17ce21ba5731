"""Operations' figures in the metric registry (issue 20 item 3): "overdue for closure" is defined
once, and the reconciliation check against the overdue closure tasks in the queues fails until the
two agree. Before this, the demo's queues held free-standing "Close visit" tasks with no visit
behind them: the measures page said "Overdue for closure: 2" and the queues 249 overdue closure
tasks."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from waymark import testing
from waymark.core import clock
from waymark.core.metrics import metric, metrics_for_page, reconciliation_run, reconciliations
from waymark.operations import rules
from waymark.operations.services._common import _officer_task, team_queue
from waymark.operations.tests.conftest import visit_deployed_make
from waymark.testing import NOW
from waymark.work import services as work


def _closure_task(visit, oic):
    """The closure task deployment gives the visit (services/deployment.py)."""
    return _officer_task(
        actor=None,
        visit=visit,
        officer=oic,
        task_type=rules.TASK_CLOSE,
        title=f"Debrief and close {visit.reference}",
        dedupe_key=f"ops-close-{visit.pk}",
        start=visit.planned_start,
    )


def test_overdue_closure_check_fails_until_the_visits_and_tasks_agree(
    ice_team, premises, oic, field_officer
):
    check = reconciliations()["operations.overdue_closure"]
    with clock.frozen(NOW):
        visit = visit_deployed_make(
            ice_team, premises, oic, [field_officer], deployed_at=NOW - timedelta(days=3)
        )
        # A visit overdue for closure with no closure task: the two figures differ.
        result = reconciliation_run(check)
        assert (result.left_value, result.right_value, result.passed) == (1, 0, False)
        # Its closure task, as deployment gives it, due when the visit's closure is due.
        task = _closure_task(visit, oic)
        assert task.due_at == visit.closure_due_at
        result = reconciliation_run(check)
        assert (result.left_value, result.right_value, result.passed) == (1, 1, True)
        # A free-standing closure task with no visit behind it (what the demo made): fails again.
        stray = work.task_create(
            actor=None,
            task_type=rules.TASK_CLOSE,
            title="Close visit",
            queue=team_queue(ice_team),
            start=NOW - timedelta(days=3),
        )
        result = reconciliation_run(check)
        assert (result.left_value, result.right_value, result.passed) == (1, 2, False)
        assert result.difference == 1
        work.task_cancel(actor=None, task=stray, reason="No visit behind it")
        assert reconciliation_run(check).passed


def test_open_closure_check_counts_every_deployed_visit(
    ice_team, other_ice_team, premises, oic, field_officer
):
    check = reconciliations()["operations.open_closure"]
    with clock.frozen(NOW):
        visit = visit_deployed_make(ice_team, premises, oic, [field_officer])
        assert not reconciliation_run(check).passed  # deployed, due later, no task yet
        _closure_task(visit, oic)
        result = reconciliation_run(check)
        assert (result.left_value, result.right_value, result.passed) == (1, 1, True)
        # By team: the visit's team has both; another team has neither.
        assert reconciliation_run(check, ice_team).left_value == 1
        assert reconciliation_run(check, ice_team).right_value == 1
        other = reconciliation_run(check, other_ice_team)
        assert (other.left_value, other.right_value) == (0, 0)


def test_the_failing_check_is_shown_with_both_numbers_until_they_agree(
    ice_team, premises, oic, field_officer, client
):
    viewer = testing.user_make("assurance", ice_team, last_name="Assurer")
    client.force_login(viewer)
    with clock.frozen(NOW):
        visit = visit_deployed_make(
            ice_team, premises, oic, [field_officer], deployed_at=NOW - timedelta(days=3)
        )
        page = client.get(reverse("oversight:metrics-reconciliation")).content.decode()
        card = page.split('id="check-operations-overdue_closure"')[1].split('govuk-summary-card"')[
            0
        ]
        assert "Failing" in card and "Visits overdue for closure now" in card
        assert "Overdue closure tasks" in card
        assert metric("operations.closures_overdue").definition in card
        _closure_task(visit, oic)
        page = client.get(reverse("oversight:metrics-reconciliation")).content.decode()
        card = page.split('id="check-operations-overdue_closure"')[1].split('govuk-summary-card"')[
            0
        ]
        assert "Failing" not in card and "Agree" in card


def test_the_measures_page_and_csv_name_and_define_overdue_for_closure_from_the_registry(
    ice_team, client
):
    analyst = testing.user_make("performance_analyst", ice_team, last_name="Analyst")
    client.force_login(analyst)
    overdue = metric("operations.closures_overdue")
    assert overdue in metrics_for_page("operations:measures")
    page = client.get(reverse("operations:measures")).content.decode()
    assert overdue.name in page and overdue.definition in page
    body = b"".join(client.get(reverse("operations:measures-csv")).streaming_content).decode()
    assert overdue.name in body and overdue.definition in body
