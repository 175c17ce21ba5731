from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.work import selectors
from waymark.work.models import TaskStatus
from waymark.work.tests.factories import CASEWORKER, queue_make, task_row, team_make, user_make

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def test_visibility_is_scoped_to_the_users_teams(queue, caseworker):
    mine = task_row(queue=queue)
    theirs = task_row(queue=queue_make())
    assert list(selectors.task_visible_queryset(caseworker)) == [mine]
    assert list(selectors.queue_visible_queryset(caseworker)) == [queue]
    analyst = user_make("work.view_task", "work.view_any_queue")
    assert set(selectors.task_visible_queryset(analyst)) == {mine, theirs}


def test_backlog_figures_by_queue_type_age_and_deadline(queue, caseworker):
    other = queue_make(team=queue.team)
    task_row(queue=queue, due_at=NOW - timedelta(hours=1), created_at=NOW - timedelta(days=30))
    task_row(
        queue=queue,
        due_at=NOW + timedelta(hours=2),
        assignee=caseworker,
        created_at=NOW - timedelta(days=4),
    )
    task_row(queue=queue, due_at=NOW + timedelta(days=3), task_type="general.enquiry")
    task_row(queue=other, due_at=None)
    task_row(queue=queue, status=TaskStatus.DONE, completed_at=NOW)  # not counted
    task_row(queue=queue_make(team=team_make()))  # another team's: not visible
    with CaptureQueriesContext(connection) as queries:
        figures = selectors.backlog_figures(user=caseworker)
    assert len(queries) <= 10  # aggregates, not a query per task
    assert figures["totals"] == {
        "total": 4,
        "unallocated": 3,
        "overdue": 1,
        "at_risk": 1,
        "on_time": 1,
        "no_deadline": 1,
    }
    by_queue = {row["queue_id"]: row for row in figures["by_queue"]}
    assert by_queue[queue.pk]["total"] == 3 and by_queue[other.pk]["no_deadline"] == 1
    assert {row["task_type"]: row["total"] for row in figures["by_type"]} == {
        "general.follow_up": 3,
        "general.enquiry": 1,
    }
    assert {row["age_band"]: row["total"] for row in figures["by_age_band"]} == {
        "0-2": 2,
        "3-5": 1,
        "6-10": 0,
        "11-20": 0,
        "21+": 1,
    }
    overdue_old = [r for r in figures["cross"] if r["deadline_state"] == "overdue"]
    assert overdue_old == [{**overdue_old[0], "queue_id": queue.pk, "age_band": "21+", "count": 1}]
    only_other = selectors.backlog_figures(user=caseworker, queue=other)
    assert only_other["totals"]["total"] == 1


def test_workload_for_team(queue, team, caseworker):
    idle = user_make(*CASEWORKER, teams=[team], username="idle")
    task_row(
        queue=queue,
        assignee=caseworker,
        status=TaskStatus.IN_PROGRESS,
        due_at=NOW - timedelta(hours=1),
        created_at=NOW - timedelta(days=9),
    )
    task_row(queue=queue, assignee=caseworker, status=TaskStatus.WAITING)
    task_row(queue=queue, assignee=caseworker)
    task_row(
        queue=queue,
        assignee=caseworker,
        status=TaskStatus.DONE,
        completed_at=NOW,
        created_at=NOW - timedelta(days=99),
    )
    rows = {row["user"].pk: row for row in selectors.workload_for_team(team)}
    casey = rows[caseworker.pk]
    assert (casey["open"], casey["in_progress"], casey["waiting"], casey["overdue"]) == (1, 1, 1, 1)
    assert casey["oldest"] == NOW - timedelta(days=9)
    assert rows[idle.pk]["active"] == 0 and rows[idle.pk]["oldest"] is None


def test_queue_totals_agree_with_the_backlog_figures_for_that_queue(db):
    from waymark.work import selectors
    from waymark.work.tests.factories import queue_make, task_make, user_make

    queue = queue_make()
    other = queue_make()
    user = user_make("work.view_task", teams=[queue.team])
    for _ in range(3):
        task_make(queue=queue)
    task_make(queue=other)
    totals = selectors.queue_totals(user=user, queue=queue)
    assert totals == selectors.backlog_figures(user=user, queue=queue)["totals"]
    assert totals["total"] == 3
    assert selectors.queue_totals(user=user, queue=other)["total"] == 0  # not the user's queue


def test_a_queues_task_types_are_every_type_it_holds_open_or_closed_and_no_other_queues(queue):
    assert selectors.queue_task_types(queue) == []
    task_row(queue=queue, task_type="general.follow_up")
    task_row(queue=queue, task_type="general.follow_up")
    task_row(queue=queue, task_type="general.enquiry", status=TaskStatus.DONE, completed_at=NOW)
    task_row(queue=queue_make(team=queue.team), task_type="general.callback")
    assert selectors.queue_task_types(queue) == ["general.enquiry", "general.follow_up"]


def test_a_queues_task_types_stop_at_its_neighbours_in_the_index(queue):
    """The types are read by stepping through the (queue, task_type) index: the queues on either
    side of this one, whose types sort before and after its own, add nothing."""
    middle = queue_make(team=queue.team)
    last = queue_make(team=queue.team)
    task_row(queue=queue, task_type="zzz.after_every_type")
    task_row(queue=last, task_type="aaa.before_every_type")
    assert selectors.queue_task_types(middle) == []
    task_row(queue=middle, task_type="general.follow_up")
    task_row(queue=middle, task_type="general.callback")
    assert selectors.queue_task_types(middle) == ["general.callback", "general.follow_up"]
    assert selectors.queue_task_types(queue) == ["zzz.after_every_type"]
    assert selectors.queue_task_types(last) == ["aaa.before_every_type"]
