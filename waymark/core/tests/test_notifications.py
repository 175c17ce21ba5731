"""Notifications: work given to you, decisions on your requests, your finished jobs; the header
counts the unread ones, the page lists them and marks them read (issue 16, comparable tools)."""

import pytest
from django.urls import reverse

from waymark.core.models import Notification
from waymark.core.notifications import notify, unread_count
from waymark.work.models import Task
from waymark.work.services import task_reassign, tasks_bulk_allocate
from waymark.work.tests.factories import (
    CASEWORKER,
    MANAGER,
    queue_make,
    task_make,
    team_make,
    user_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    team = team_make(name="EM Hub")
    return {
        "team": team,
        "queue": queue_make(team=team, slug="em-breaches"),
        "casey": user_make(*CASEWORKER, teams=[team], username="casey"),
        "morgan": user_make(*MANAGER, teams=[team], username="morgan"),
    }


def test_a_task_given_by_someone_else_notifies_its_assignee_but_taking_it_does_not(people):
    task = task_make(queue=people["queue"], title="Chase the supplier")
    task_reassign(actor=people["morgan"], task=task, assignee=people["casey"])
    note = Notification.objects.get(user=people["casey"])
    assert note.kind == "work_given" and "Chase the supplier" in note.text
    assert "Morgan" in note.text and note.url == reverse("work:task-detail", args=[task.pk])
    other = task_make(queue=people["queue"])
    task_reassign(actor=people["morgan"], task=other, assignee=people["morgan"])
    assert not Notification.objects.filter(user=people["morgan"]).exists()


def test_bulk_allocation_is_one_notification_for_the_batch(people):
    tasks = [task_make(queue=people["queue"]) for _ in range(3)]
    tasks_bulk_allocate(
        actor=people["morgan"], task_ids=[t.pk for t in tasks], assignee=people["casey"]
    )
    (note,) = Notification.objects.filter(user=people["casey"])
    assert note.text.startswith("You were given 3 tasks in") and note.url.endswith("assignee=me")
    assert Task.objects.filter(assignee=people["casey"]).count() == 3


def test_the_header_counts_unread_notifications_and_the_page_marks_them_read(client, people):
    casey, morgan = people["casey"], people["morgan"]
    notify(user=casey, text="Import 4 has finished", url="/linkage/imports/4/", kind="job_finished")
    notify(user=casey, text="Authorisation granted", kind="decision")
    notify(user=morgan, text="Not for Casey", kind="decision")
    client.force_login(casey)
    home = client.get(reverse("work:home")).content.decode()
    assert 'class="waymark-header__count">2</span>' in home
    page = client.get(reverse("notifications")).content.decode()
    assert "Import 4 has finished" in page and "Not for Casey" not in page
    assert page.count(">New</strong>") == 2 and "Mark all as read" in page
    assert client.get(reverse("notifications-read")).status_code == 405  # a change needs a POST
    client.post(reverse("notifications-read"))
    assert unread_count(casey) == 0 and unread_count(morgan) == 1
    assert "waymark-header__count" not in client.get(reverse("work:home")).content.decode()


def test_nobody_and_machine_clients_are_not_notified_and_kinds_are_checked(people):
    assert notify(user=None, text="x", kind="decision") is None
    machine = user_make(username="robot")
    machine.is_machine = True
    assert notify(user=machine, text="x", kind="decision") is None
    with pytest.raises(ValueError):
        notify(user=people["casey"], text="x", kind="gossip")


def test_with_no_notifications_the_page_says_what_will_appear_there(client, people):
    client.force_login(people["casey"])
    page = client.get(reverse("notifications")).content.decode()
    assert "You have no notifications" in page
