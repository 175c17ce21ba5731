"""The queue page and my work make a fixed number of queries however many tasks are on the page:
no query per row for its person, assignee, link or deadline (issue 17 item 5). The bounds are
today's counts; a query added per row fails here whatever the data."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.people import services as people_services
from waymark.work.models import TaskStatus
from waymark.work.tests.factories import MANAGER, task_row, user_make

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)
# Session, user, two permission reads, queue, types, members, totals, notifications, saved filters,
# the rows, audit (with no filter chosen the pager's count is the totals' active count). No team
# check: the queue access_queue returned is one of the user's teams'. No session save: a page
# within a minute of the last one does not write its session
# (accounts.middleware.SessionTouchMiddleware).
QUEUE_PAGE_MAX_QUERIES = 11
MY_WORK_MAX_QUERIES = 10


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.AXES_ENABLED = False
    with clock.frozen(NOW):
        yield


def _tasks(queue, team, count: int, *, assignee, prefix: str) -> None:
    """``count`` tasks, each about its own person (one in five restricted) and every other one
    held by ``assignee``, so that each row shows a person, an assignee and a deadline."""
    for i in range(count):
        person = people_services.person_create(
            actor=None,
            given_names=f"{prefix}{i}",
            family_name="Rowe",
            date_of_birth=date(1980, 1, 1),
            owning_team=team,
            restricted_access=i % 5 == 0,
        )
        task_row(
            queue=queue,
            title=f"{prefix} task {i}",
            person=person,
            assignee=assignee if i % 2 else None,
            status=TaskStatus.IN_PROGRESS if i % 2 else TaskStatus.OPEN,
            due_at=NOW + timedelta(days=i - 3),
        )


def _count(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_queue_page_queries_do_not_grow_with_the_rows(client, queue, team):
    manager = user_make(*MANAGER, teams=[team], username="morgan")
    client.force_login(manager)
    url = reverse("work:queue", args=[queue.slug])
    _tasks(queue, team, 5, assignee=manager, prefix="Few")
    _count(client, url)  # first request of the session
    few, page = _count(client, url)
    assert "Few task 1" in page and "Restricted record" in page
    _tasks(queue, team, 45, assignee=manager, prefix="Many")
    many, page = _count(client, url)
    assert "50 tasks" in page and page.count('href="/work/tasks/') >= 40
    assert few == many
    assert many <= QUEUE_PAGE_MAX_QUERIES


def test_queue_page_task_links_are_the_task_pages(client, queue, team):
    manager = user_make(*MANAGER, "people.view_restricted_person", teams=[team], username="m2")
    _tasks(queue, team, 3, assignee=manager, prefix="Link")
    client.force_login(manager)
    page = client.get(reverse("work:queue", args=[queue.slug])).content.decode()
    for task in queue.tasks.all():
        assert f'href="{reverse("work:task-detail", args=[task.pk])}"' in page


def test_my_work_queries_do_not_grow_with_the_rows(client, queue, team):
    manager = user_make(*MANAGER, teams=[team], username="morgan")
    client.force_login(manager)
    url = reverse("work:home")
    _tasks(queue, team, 6, assignee=manager, prefix="Few")
    _count(client, url)
    few, _ = _count(client, url)
    _tasks(queue, team, 60, assignee=manager, prefix="Many")
    many, page = _count(client, url)
    assert "Many task 59" in page or "Many task 1" in page
    assert few == many
    assert many <= MY_WORK_MAX_QUERIES


def test_the_pager_counts_the_filtered_list_and_reuses_the_totals_only_without_a_filter(
    client, queue, team
):
    manager = user_make(*MANAGER, teams=[team], username="morgan")
    client.force_login(manager)
    for i in range(3):
        task_row(queue=queue, title=f"Active {i}", due_at=NOW + timedelta(days=i))
    for i in range(2):
        task_row(queue=queue, title=f"Closed {i}", status=TaskStatus.DONE, completed_at=NOW)
    url = reverse("work:queue", args=[queue.slug])
    for query, expected in (
        ("", "3 tasks"),
        ("?sort=due", "3 tasks"),
        ("?status=done", "2 tasks"),
        ("?status=open&status=done", "5 tasks"),
    ):
        page = client.get(url + query).content.decode()
        assert f"{expected}" in page, query
