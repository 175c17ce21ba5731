from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.work.models import SavedFilter, Task, TaskStatus
from waymark.work.tests.factories import (
    CASEWORKER,
    queue_make,
    task_make,
    task_row,
    team_make,
    user_make,
)

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.AXES_ENABLED = False
    with clock.frozen(NOW):
        yield


def test_home_lists_my_work_and_offers_get_next(client, queue, caseworker):
    mine = task_row(
        queue=queue,
        title="Chase the supplier",
        assignee=caseworker,
        status=TaskStatus.IN_PROGRESS,
        due_at=NOW - timedelta(hours=2),
    )
    task_row(queue=queue, title="Someone else's")
    client.force_login(caseworker)
    page = client.get(reverse("work:home")).content.decode()
    assert "Chase the supplier" in page and "Someone else" not in page
    assert "Get next task" in page and "Overdue" in page
    assert reverse("work:task-detail", args=[mine.pk]) in page


def test_get_next_button_gives_a_task_or_says_there_is_none(client, queue, caseworker):
    client.force_login(caseworker)
    response = client.post(reverse("work:get-next"), follow=True)
    assert "There are no tasks for you to take right now." in response.content.decode()
    task = task_row(queue=queue, title="Reply to enquiry")
    response = client.post(reverse("work:get-next"))
    assert response.url == reverse("work:task-detail", args=[task.pk])
    assert Task.objects.get(pk=task.pk).assignee == caseworker


def test_get_next_is_post_only(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("work:get-next")).status_code == 405


def test_queue_filters_by_deadline_assignee_and_person(client, queue, caseworker):
    from waymark.people.tests.factories import make_person

    person = make_person()
    task_row(queue=queue, title="Late one", due_at=NOW - timedelta(days=1))
    task_row(queue=queue, title="Fine one", due_at=NOW + timedelta(days=5), assignee=caseworker)
    task_row(queue=queue, title="About a person", person=person)
    client.force_login(caseworker)
    url = reverse("work:queue", args=[queue.slug])
    page = client.get(url, {"deadline_state": "overdue"}).content.decode()
    assert "Late one" in page and "Fine one" not in page
    page = client.get(url, {"assignee": "unassigned"}).content.decode()
    assert "Late one" in page and "Fine one" not in page
    page = client.get(url, {"assignee": "me"}).content.decode()
    assert "Fine one" in page and "Late one" not in page
    page = client.get(url, {"person": person.reference.lower()}).content.decode()
    assert "About a person" in page and "Late one" not in page
    page = client.get(url, {"sort": "due"}).content.decode()
    assert page.index("Late one") < page.index("Fine one")
    page = client.get(url, {"sort": "-due"}).content.decode()
    assert page.index("Fine one") < page.index("Late one")


def test_queue_hides_closed_tasks_unless_asked(client, queue, caseworker):
    task_row(queue=queue, title="Finished", status=TaskStatus.DONE, completed_at=NOW)
    client.force_login(caseworker)
    url = reverse("work:queue", args=[queue.slug])
    assert "Finished" not in client.get(url).content.decode()
    assert "Finished" in client.get(url, {"status": "done"}).content.decode()


def test_saved_filters_save_list_and_delete(client, queue, caseworker):
    client.force_login(caseworker)
    url = reverse("work:saved-filter-create", args=[queue.slug])
    response = client.post(url, {"name": "", "query_string": "deadline_state=overdue"})
    assert response.status_code == 400
    assert "Enter a name for the filter" in response.content.decode()
    response = client.post(url, {"name": "Overdue", "query_string": "deadline_state=overdue"})
    assert response.url.endswith("?deadline_state=overdue")
    saved = SavedFilter.objects.get(user=caseworker)
    page = client.get(reverse("work:queue", args=[queue.slug])).content.decode()
    assert "?deadline_state=overdue" in page and ">Overdue</a>" in page
    client.post(reverse("work:saved-filter-delete", args=[saved.pk]))
    assert not SavedFilter.objects.exists()


def test_task_page_shows_the_deadline_rule_and_priority_reason(client, caseworker, team):
    queue = queue_make(team=team, slug="correspondence")
    task = task_make(
        queue=queue,
        task_type="general.enquiry",
        title="Where is my passport",
        start=datetime(2026, 3, 3, 9, tzinfo=LONDON),
    )
    client.force_login(caseworker)
    page = client.get(reverse("work:task-detail", args=[task.pk])).content.decode()
    assert "Due 5 working days after 3 March 2026 (England and Wales bank holidays)" in page
    assert "Standard priority" in page


def test_task_actions_and_form_errors(client, queue, caseworker):
    task = task_make(queue=queue)
    client.force_login(caseworker)
    action = lambda name: reverse("work:task-action", args=[task.pk, name])  # noqa: E731
    client.post(action("assign-to-me"))
    assert Task.objects.get(pk=task.pk).assignee == caseworker
    client.post(action("start"))
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS
    response = client.post(action("complete"), {"complete-outcome": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Enter the outcome" in page
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS
    client.post(action("complete"), {"complete-outcome": "Replied", "complete-note": ""})
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
    response = client.post(action("start"))
    assert response.status_code == 400 and "cannot be changed" in response.content.decode()


def test_other_teams_task_is_404(client, caseworker):
    other = task_make(queue=queue_make(team=team_make()))
    client.force_login(caseworker)
    assert client.get(reverse("work:task-detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("work:task-action", args=[other.pk, "start"])).status_code == 404
    assert client.get(reverse("work:queue", args=[other.queue.slug])).status_code == 404


def test_bulk_allocation_confirms_then_allocates(client, queue, manager, caseworker):
    tasks = [task_make(queue=queue, title=f"Breach {n}") for n in range(3)]
    client.force_login(manager)
    url = reverse("work:allocate", args=[queue.slug])
    ids = [t.pk for t in tasks[:2]]
    response = client.post(
        url, {"task_ids": ids, "assignee": caseworker.pk, "return_query": "assignee=unassigned"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Allocate 2 tasks to Casey" in page and "Breach 0" in page and "Breach 2" not in page
    assert not Task.objects.filter(assignee=caseworker).exists()  # nothing changed yet
    response = client.post(
        url,
        {
            "task_ids": ids,
            "assignee": caseworker.pk,
            "confirm": "yes",
            "return_query": "assignee=unassigned",
        },
    )
    assert response.url.endswith("?assignee=unassigned")
    assert set(Task.objects.filter(assignee=caseworker).values_list("pk", flat=True)) == set(ids)


def test_bulk_allocation_errors(client, queue, manager, caseworker):
    task = task_make(queue=queue)
    client.force_login(manager)
    url = reverse("work:allocate", args=[queue.slug])
    response = client.post(url, {"assignee": caseworker.pk})
    assert response.status_code == 400 and "Select at least one task" in response.content.decode()
    outsider = user_make(*CASEWORKER, teams=[team_make()])
    response = client.post(url, {"task_ids": [task.pk], "assignee": outsider.pk, "confirm": "yes"})
    assert (
        response.status_code == 400 and "Select someone in this team" in response.content.decode()
    )
    assert Task.objects.get(pk=task.pk).assignee is None


def test_bulk_allocation_needs_the_permission(client, queue, caseworker):
    task = task_make(queue=queue)
    client.force_login(caseworker)
    response = client.post(
        reverse("work:allocate", args=[queue.slug]),
        {"task_ids": [task.pk], "assignee": caseworker.pk, "confirm": "yes"},
    )
    assert response.status_code == 403


def test_workload_and_backlog_pages(client, queue, manager, caseworker):
    task_row(
        queue=queue,
        assignee=caseworker,
        status=TaskStatus.IN_PROGRESS,
        due_at=NOW - timedelta(hours=1),
        created_at=NOW - timedelta(days=4),
    )
    task_row(queue=queue, due_at=NOW + timedelta(hours=3))
    client.force_login(manager)
    page = client.get(reverse("work:workload")).content.decode()
    assert "Casey" in page and "3 February 2026" not in page and "27 February 2026" in page
    page = client.get(reverse("work:backlog")).content.decode()
    assert "3 to 5 days" in page and "At risk" in page and "Overdue" in page
    client.force_login(caseworker)
    assert client.get(reverse("work:workload")).status_code == 403


def test_queue_list_counts(client, queue, caseworker):
    task_row(queue=queue, due_at=NOW - timedelta(hours=1))
    client.force_login(caseworker)
    page = client.get(reverse("work:queues")).content.decode()
    assert queue.name in page and 'govuk-tag--red">1<' in page


def test_queue_page_reads_its_tasks_without_distinct(client, queue, caseworker):
    """A large queue must be read by the ordered partial index, not sorted and de-duplicated
    (django-filter's multiple-choice filters add DISTINCT unless told not to)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        task_make(queue=queue)
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(
            reverse("work:queue", args=[queue.slug]) + "?status=open&status=waiting"
        )
    assert response.status_code == 200
    task_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "work_task"' in q["sql"]]
    assert task_reads and not [
        sql for sql in task_reads if 'SELECT DISTINCT "work_task"."id"' in sql
    ]


def test_my_work_counts_every_task_and_pages_the_list(client, queue, caseworker):
    """The count is the true one (it said 200 when a user had 471) and the list is paginated."""
    Task.objects.bulk_create(
        [
            Task(
                task_type="general.follow_up",
                queue=queue,
                title=f"Task {n}",
                assignee=caseworker,
                status=TaskStatus.OPEN,
                due_at=NOW + timedelta(days=3) if n % 3 else NOW - timedelta(hours=1),
                created_at=NOW,
            )
            for n in range(230)
        ]
    )
    client.force_login(caseworker)
    page = client.get(reverse("work:home")).content.decode()
    assert "You have 230 active tasks" in page
    assert "page 1 of 5" in page and 'rel="next"' in page
    assert page.count('<a class="govuk-link" href="/work/tasks/') == 50  # one page of 50
    overdue = Task.objects.filter(assignee=caseworker, due_at__lt=NOW).count()
    assert f"Overdue: {overdue}" in page
    filtered = client.get(reverse("work:home"), {"due": "overdue"}).content.decode()
    assert f"Overdue: {overdue} tasks" in filtered
    assert "Task 1<" not in filtered and "Task 0<" in filtered  # 1 is on time, 0 is overdue
    last = client.get(reverse("work:home"), {"page": 5}).content.decode()
    assert "page 5 of 5" in last


def test_a_filter_with_nothing_in_it_says_so(client, queue, caseworker):
    task_row(queue=queue, title="Later", assignee=caseworker, due_at=NOW + timedelta(days=5))
    client.force_login(caseworker)
    page = client.get(reverse("work:home"), {"due": "overdue"}).content.decode()
    assert "None of your tasks is overdue" in page


def test_a_manager_s_home_shows_the_team_s_unallocated_and_overdue_work(
    client, queue, manager, caseworker
):
    for n in range(3):
        task_row(queue=queue, title=f"Nobody's {n}")
    task_row(queue=queue, title="Late", assignee=caseworker, due_at=NOW - timedelta(days=1))
    client.force_login(manager)
    page = client.get(reverse("work:home")).content.decode()
    assert "needs allocating or is overdue" in page
    assert f"{reverse('work:queue', args=[queue.slug])}?assignee=unassigned" in page
    assert ">3<span" in page and ">1<span" in page
    client.force_login(caseworker)
    assert "needs allocating" not in client.get(reverse("work:home")).content.decode()


def test_the_task_page_leads_to_its_subject_and_says_why_it_is_urgent(client, queue, caseworker):
    """After "Get next": what the task is about is one click away, the priority is in words
    without report references, and completing it is the page's main action, not hidden."""
    task = task_row(
        queue=queue,
        title="Strap tamper: Arben Hoxha",
        assignee=caseworker,
        status=TaskStatus.IN_PROGRESS,
        subject_type="monitoring.breach",
        subject_id="41",
        priority=90,
        priority_reason="Strap tamper comes first (000 §5.14)",
        description="Escalation ladder: step 2, final warning.",
    )
    client.force_login(caseworker)
    page = client.get(reverse("work:task-detail", args=[task.pk])).content.decode()
    assert 'href="/monitoring/breaches/41/"' in page and "Open the breach" in page
    assert "Strap tamper comes first" in page and "§" not in page
    assert "Escalation ladder: step 2, final warning." in page
    complete = page.split("data-complete", 1)
    assert len(complete) == 2 and "Complete task" in complete[1]
    assert (
        '<summary class="govuk-details__summary"><span class="govuk-details__summary-text">Complete this task'
        not in page
    )


def test_every_registered_subject_page_resolves():
    from django.urls import reverse as url

    from waymark.work import registry

    assert registry._SUBJECT_LINKS, "modules register their subjects' pages"
    for link in registry._SUBJECT_LINKS.values():
        assert url(link.url_name, args=[1])
    assert registry.subject_link("nobody.registered", "1") is None


def test_queue_page_puts_bulk_allocation_above_the_list_with_each_member_s_workload(
    client, queue, manager, caseworker
):
    task_row(queue=queue, title="Held", assignee=caseworker, status=TaskStatus.IN_PROGRESS)
    task_row(
        queue=queue,
        title="Late",
        assignee=caseworker,
        status=TaskStatus.OPEN,
        due_at=NOW - timedelta(days=1),
    )
    task_row(
        queue=queue, title="Done", assignee=caseworker, status=TaskStatus.DONE, completed_at=NOW
    )
    task_row(queue=queue, title="Waiting for someone")
    client.force_login(manager)
    page = client.get(reverse("work:queue", args=[queue.slug])).content.decode()
    # The filter is MOJ's toggled panel, and the table has the layout's full width.
    assert 'data-module="moj-filter"' in page and 'class="moj-action-bar__filter"' in page
    assert page.index('id="id_assignee"') < page.index("<table")
    assert "Casey" in page and "(2 active, 1 overdue)" in page
    assert "Morgan" in page and "(0 active)" in page


def test_queue_page_says_what_it_is_filtered_by(client, queue, caseworker):
    task_row(queue=queue, title="Late", due_at=NOW - timedelta(days=1))
    client.force_login(caseworker)
    url = reverse("work:queue", args=[queue.slug])
    unfiltered = client.get(url).content.decode()
    assert 'id="applied-filters"' not in unfiltered  # the default statuses are not a choice
    page = client.get(url, {"deadline_state": "overdue", "assignee": "unassigned"})
    text = page.content.decode()
    assert "Filtered by:" in text and "Deadline: Overdue" in text
    assert "Assigned to: Unassigned" in text
    empty = client.get(url, {"deadline_state": "on_time"}).content.decode()
    assert "No tasks match these filters." in empty and "to see the whole queue" in empty


def test_a_queue_downloads_as_filtered_in_csv_and_xlsx(client, queue, caseworker):
    import io

    from openpyxl import load_workbook

    task_row(queue=queue, title="Late one", due_at=NOW - timedelta(days=1))
    task_row(queue=queue, title="On time", due_at=NOW + timedelta(days=9))
    client.force_login(caseworker)
    url = reverse("work:queue-export", args=[queue.slug])
    page = client.get(reverse("work:queue", args=[queue.slug])).content.decode()
    assert f"{url}?format=xlsx" in page
    response = client.get(url, {"deadline_state": "overdue", "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Late one" in body and "On time" not in body and "Overdue" in body
    response = client.get(url, {"format": "xlsx"})
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    titles = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {"Late one", "On time"}


def test_bulk_assign_to_me_and_return_to_the_queue(client, queue, manager, caseworker):
    free = [task_make(queue=queue, title=f"Free {n}") for n in range(2)]
    url = reverse("work:bulk-action", args=[queue.slug])
    client.force_login(caseworker)
    page = client.get(reverse("work:queue", args=[queue.slug])).content.decode()
    assert "Assign selected to me" in page and "Return selected to the queue" not in page
    response = client.post(url, {"task_ids": [t.pk for t in free], "action": "take"})
    assert response.status_code == 302
    assert set(Task.objects.filter(assignee=caseworker).values_list("pk", flat=True)) == {
        t.pk for t in free
    }
    # A caseworker may not return work to the queue: nothing changes.
    client.post(url, {"task_ids": [free[0].pk], "action": "release"})
    assert Task.objects.get(pk=free[0].pk).assignee == caseworker
    client.force_login(manager)
    page = client.get(reverse("work:queue", args=[queue.slug])).content.decode()
    assert "Return selected to the queue" in page
    response = client.post(url, {"task_ids": [t.pk for t in free], "action": "release"})
    assert response.status_code == 302
    assert not Task.objects.filter(assignee__isnull=False).exists()
    # All or nothing: one already taken stops the batch.
    other = task_make(queue=queue, title="Someone's")
    Task.objects.filter(pk=other.pk).update(assignee=manager)
    client.force_login(caseworker)
    response = client.post(url, {"task_ids": [free[0].pk, other.pk], "action": "take"}, follow=True)
    assert "Nothing was changed" in response.content.decode()
    assert Task.objects.get(pk=free[0].pk).assignee is None
    assert client.get(url).status_code == 405
