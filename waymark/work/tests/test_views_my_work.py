"""My work's saved and remembered filter (core.saved_views) and its download (issue 16)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.models import AuditAction, AuditEvent, SavedView
from waymark.work.models import TaskStatus
from waymark.work.tests.factories import task_row

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)
HOME = reverse("work:home")


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.AXES_ENABLED = False
    with clock.frozen(NOW):
        yield


@pytest.fixture
def my_tasks(queue, caseworker):
    late = task_row(
        queue=queue,
        title="Chase the supplier",
        assignee=caseworker,
        status=TaskStatus.IN_PROGRESS,
        due_at=NOW - timedelta(hours=2),
    )
    calm = task_row(
        queue=queue, title="Write the letter", assignee=caseworker, due_at=NOW + timedelta(days=9)
    )
    task_row(queue=queue, title="Someone else's", due_at=NOW - timedelta(hours=2))
    return late, calm


def test_my_work_filter_is_remembered_until_cleared(client, caseworker, my_tasks):
    client.force_login(caseworker)
    page = client.get(HOME + "?due=overdue").content.decode()
    assert "Chase the supplier" in page and "Write the letter" not in page
    assert "Clear filters" in page and "Save these filters as" in page

    back = client.get(HOME)
    assert back.status_code == 302 and back.url == HOME + "?due=overdue"

    cleared = client.get(HOME + "?clear-filters=1")
    assert cleared.url == HOME
    page = client.get(HOME).content.decode()
    assert "Chase the supplier" in page and "Write the letter" in page
    assert "Filter the page to save the filters for next time." in page


def test_the_all_link_forgets_the_filter(client, caseworker, my_tasks):
    client.force_login(caseworker)
    page = client.get(HOME + "?due=overdue").content.decode()
    assert 'href="/?clear-filters=1">All: 2</a>' in page


def test_my_work_filter_is_saved_applied_and_deleted(client, caseworker, my_tasks):
    client.force_login(caseworker)
    response = client.post(
        reverse("core:saved-view-create"),
        {"page": "work:home", "name": "Late ones", "query_string": "due=overdue"},
    )
    assert response.url == HOME + "?due=overdue"
    client.get(HOME + "?clear-filters=1")
    page = client.get(HOME).content.decode()
    assert "Late ones" in page and 'href="/?due=overdue">Late ones</a>' in page
    page = client.get(HOME + "?due=overdue", follow=True).content.decode()
    assert "Chase the supplier" in page and "Write the letter" not in page

    saved = SavedView.objects.get(user=caseworker)
    response = client.post(reverse("core:saved-view-delete", args=[saved.pk]), follow=True)
    page = response.content.decode()
    assert "Late ones&#39; have been deleted" in page
    assert "You have no saved filters on this page." in page


def test_a_refused_save_shows_the_govuk_error_on_my_work(client, caseworker, my_tasks):
    client.force_login(caseworker)
    SavedView.objects.create(
        user=caseworker, page="work:home", name="Late", query_string="due=overdue", created_at=NOW
    )
    response = client.post(
        reverse("core:saved-view-create"),
        {"page": "work:home", "name": "Late", "query_string": "due=overdue"},
        follow=True,
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "You already have filters called" in page and "govuk-input--error" in page
    assert "This field is required" not in page


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_my_work_downloads_as_filtered_and_is_one_disclosure(client, caseworker, my_tasks):
    client.force_login(caseworker)
    page = client.get(HOME + "?due=overdue").content.decode()
    assert reverse("work:my-work-export") + "?due=overdue&amp;format=csv" in page

    response = client.get(reverse("work:my-work-export") + "?due=overdue&format=csv")
    rows = _csv(response)
    assert rows[0][:2] == ["Task number", "Task"]
    assert [row[1] for row in rows[1:]] == ["Chase the supplier"]
    entry = AuditEvent.objects.get(verb="work.my_work_exported")
    assert entry.action == AuditAction.DISCLOSURE and entry.recipient == caseworker.username
    assert entry.payload["rows"] == 1 and entry.payload["query"] == {"due": "overdue"}

    response = client.get(reverse("work:my-work-export") + "?format=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="my-work.xlsx"'
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    titles = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert titles == ["Chase the supplier", "Write the letter"]


def test_my_work_download_needs_the_task_permission(client, queue):
    from waymark.work.tests.factories import user_make

    user = user_make()
    task_row(queue=queue, title="Given to someone without the permission", assignee=user)
    client.force_login(user)
    assert client.get(reverse("work:my-work-export")).status_code == 403
    page = client.get(HOME).content.decode()
    assert "Given to someone without the permission" in page and "Download" not in page
