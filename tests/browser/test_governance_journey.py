"""Complaints in a real browser (issue 20 item 6): the assurance team finds Complaints in the
figures hub, records a complaint received through an MP (the error summary first, for a form sent
empty), allocates it to a line manager (a task on their queue), and the line manager records the
response within the 20-working-day target. axe-core on every page at 1280 px, and the complaint
and the response form at 360 px with no sideways scroll."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 11, 18, 10, 0)  # a Wednesday


@pytest.fixture
def gov_world(settings):
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Team, User
    from waymark.accounts.services import roles_sync

    settings.WAYMARK_FROZEN_TIME = START.isoformat()
    roles_sync()
    team = Team.objects.get_or_create(slug="gov-assurance", defaults={"name": "Assurance"})[0]
    users = {}
    for username, role, last in (
        ("gov.recorder", "assurance", "Recorder"),
        ("gov.handler", "line_manager", "Handler"),
    ):
        user = User.objects.create_user(
            username=username, password=PASSWORD, first_name="Sam", last_name=last
        )
        user.teams.add(team)
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


def _date(page, name: str, day: int, month: int, year: int) -> None:
    page.fill(f"input[name={name}_0]", str(day))
    page.fill(f"input[name={name}_1]", str(month))
    page.fill(f"input[name={name}_2]", str(year))


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_record_allocate_and_respond_on_time(browser, live_server, gov_world):
    from waymark.oversight.models import Complaint
    from waymark.work.models import Task

    base = live_server.url
    recorder = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    ).new_page()
    sign_in(recorder, base, "gov.recorder")
    recorder.goto(base + "/figures/")
    recorder.get_by_role("link", name="Complaints", exact=True).click()
    recorder.wait_for_url("**/oversight/complaints/")
    assert "No complaints match" in recorder.content()
    assert_accessible(recorder, "complaints, empty")

    # Record: sent empty first, then complete.
    recorder.get_by_role("link", name="Record a complaint").click()
    assert_accessible(recorder, "record form")
    recorder.get_by_role("button", name="Record the complaint").click()
    assert "There is a problem" in recorder.content()
    assert_accessible(recorder, "record form with errors")
    assert not Complaint.objects.exists()
    recorder.check("input[name=channel][value=mp]")
    _date(recorder, "received_on", 16, 11, 2026)
    recorder.fill("input[name=complainant]", "Their MP")
    recorder.fill("textarea[name=summary]", "The tag stopped charging and nobody came to fix it.")
    recorder.check("input[name=themes][value=em_equipment]")
    recorder.check("input[name=themes][value=delay]")
    recorder.get_by_role("button", name="Record the complaint").click()
    recorder.wait_for_url("**/oversight/complaints/*/")
    assert "respond by 14 December 2026" in recorder.content()
    assert_accessible(recorder, "complaint")
    complaint = Complaint.objects.get()
    assert complaint.channel == "mp" and complaint.status == "received"

    # Allocate to the line manager: a task on their team's complaints queue.
    recorder.get_by_role("link", name="Allocate to a handler").click()
    assert_accessible(recorder, "allocate form")
    recorder.select_option("select[name=handler]", label="Sam Handler")
    recorder.get_by_role("button", name="Allocate").click()
    recorder.wait_for_url(f"**/oversight/complaints/{complaint.pk}/")
    assert "Sam Handler" in recorder.content()
    task = Task.objects.get(task_type="oversight.complaint_response")
    assert task.assignee == gov_world["gov.handler"] and task.status == "open"

    # The handler responds on a phone, in time.
    handler = browser.new_context(
        viewport={"width": 360, "height": 800}, bypass_csp=True
    ).new_page()
    sign_in(handler, base, "gov.handler")
    handler.goto(base + f"/oversight/complaints/{complaint.pk}/")
    assert_accessible(handler, "complaint at 360px")
    _fits(handler, 360)
    handler.get_by_role("link", name="Record the response").click()
    assert_accessible(handler, "response form at 360px")
    _fits(handler, 360)
    _date(handler, "responded_on", 18, 11, 2026)
    handler.check("input[name=outcome][value=partly_upheld]")
    handler.fill("textarea[name=response]", "We asked the supplier to replace the charger.")
    handler.get_by_role("button", name="Record the response").click()
    handler.wait_for_url(f"**/oversight/complaints/{complaint.pk}/")
    assert "On time" in handler.content()
    assert_accessible(handler, "responded complaint at 360px")

    complaint.refresh_from_db()
    assert complaint.status == "responded" and complaint.on_time
    assert complaint.outcome == "partly_upheld"
    task.refresh_from_db()
    assert task.status == "done"

    # The themes page counts it, answered on time.
    recorder.goto(base + "/oversight/complaints/themes/")
    assert_accessible(recorder, "themes")
    assert "100%" in recorder.content()
    recorder.set_viewport_size({"width": 360, "height": 800})
    assert_accessible(recorder, "themes at 360px")
    _fits(recorder, 360)
