"""Issue 14 item 7: work about a restricted record is shown as "Restricted record" in lists (the row
stays, so counts stay true) and refused (404) one by one to users without
``people.view_restricted_person``, including those who see every queue."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from waymark.people import services as people_services
from waymark.work import selectors, services
from waymark.work.models import TaskStatus
from waymark.work.tests.factories import CASEWORKER, MANAGER, task_make, user_make

LABEL = "Restricted record"
ANY_QUEUE = (*MANAGER, "work.view_any_queue")


@pytest.fixture(autouse=True)
def _no_lockout(settings):
    settings.AXES_ENABLED = False


@pytest.fixture
def hidden(team):
    return people_services.person_create(
        actor=None,
        given_names="Ilse",
        family_name="Vantongeren",
        date_of_birth=date(1979, 4, 2),
        owning_team=team,
        restricted_access=True,
    )


@pytest.fixture
def task(queue, hidden):
    return task_make(queue=queue, title=f"Call {hidden.full_name} back", person=hidden)


@pytest.fixture
def supervisor(team):
    """Sees every queue (as the four roles with ``view_any_queue`` do) but not restricted records."""
    return user_make(*ANY_QUEUE, teams=[team], username="sam")


@pytest.fixture
def cleared(team):
    return user_make(*ANY_QUEUE, "people.view_restricted_person", teams=[team], username="chris")


def _names_in(body: str, person) -> bool:
    body = body.lower()
    return any(
        s.lower() in body for s in (person.given_names, person.family_name, person.reference)
    )


def test_task_page_and_every_action_are_404_without_the_permission(
    client, task, supervisor, cleared
):
    client.force_login(supervisor)
    assert client.get(reverse("work:task-detail", args=[task.pk])).status_code == 404
    for action in ("assign-to-me", "start", "complete", "cancel", "wait"):
        response = client.post(
            reverse("work:task-action", args=[task.pk, action]),
            {"complete-outcome": "done", "cancel-reason": "x", "wait-reason": "x"},
        )
        assert response.status_code == 404, action
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.assignee is None

    client.force_login(cleared)
    page = client.get(reverse("work:task-detail", args=[task.pk]))
    assert page.status_code == 200 and _names_in(page.content.decode(), task.person)


def test_queue_and_home_keep_the_row_but_show_restricted_record(client, queue, task, supervisor):
    task_make(queue=queue, title="Chase the supplier")
    task.assignee = supervisor
    task.save(update_fields=["assignee"])
    client.force_login(supervisor)
    for url in (reverse("work:queue", args=[queue.slug]), reverse("work:home")):
        body = client.get(url).content.decode()
        assert LABEL in body and not _names_in(body, task.person), url
        assert reverse("work:task-detail", args=[task.pk]) not in body
    assert "2 tasks" in client.get(reverse("work:queue", args=[queue.slug])).content.decode()


def test_filtering_a_queue_by_a_restricted_reference_finds_nothing(
    client, queue, task, supervisor, cleared
):
    url = reverse("work:queue", args=[queue.slug]) + f"?person={task.person.reference}"
    client.force_login(supervisor)
    assert "0 tasks" in client.get(url).content.decode()
    client.force_login(cleared)
    assert "1 task" in client.get(url).content.decode()


def test_task_api_masks_the_list_and_refuses_the_task(task, supervisor, cleared):
    api = APIClient()
    api.force_authenticate(supervisor)
    rows = api.get("/api/v1/tasks/").json()["results"]
    assert [(r["id"], r["title"], r["person"]) for r in rows] == [(task.pk, LABEL, LABEL)]
    assert api.get(f"/api/v1/tasks/{task.pk}/").status_code == 404
    done = api.post(
        f"/api/v1/tasks/{task.pk}/complete/",
        {"outcome": "done"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="restricted-1",
    )
    assert done.status_code == 404
    api.force_authenticate(cleared)
    assert api.get(f"/api/v1/tasks/{task.pk}/").json()["person"] == task.person.reference


def test_get_next_and_bulk_allocation_never_hand_out_restricted_work(queue, task, team):
    worker = user_make(*CASEWORKER, teams=[team])
    assert services.task_get_next(user=worker) is None
    manager = user_make(*MANAGER, "people.view_restricted_person", teams=[team])
    _tasks, problems = selectors.bulk_allocation_check(
        actor=manager, task_ids=[task.pk], assignee=worker
    )
    assert any("restricted record" in p for p in problems)
    _tasks, problems = selectors.bulk_allocation_check(
        actor=worker, task_ids=[task.pk], assignee=manager
    )
    assert problems == ["1 of the selected tasks could not be found"]
