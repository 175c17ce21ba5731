"""Complaints in a real browser (issue 20 item 6): the assurance team finds Complaints in the
figures hub, records a complaint received through an MP (the error summary first, for a form sent
empty), allocates it to a line manager (a task on their queue), and the line manager records the
response within the 20-working-day target. axe-core on every page at 1280 px, and the complaint
and the response form at 360 px with no sideways scroll. Then the complainant asks for a stage-2
review: recorded, allocated to someone other than the stage-1 handler, and answered on a phone;
then the Ombudsman takes it up and finds."""

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
        ("gov.reviewer", "assurance", "Reviewer"),
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


def test_a_review_and_the_ombudsman_after_the_response(browser, live_server, gov_world):
    from waymark.core import clock
    from waymark.oversight.models import ComplaintEscalation
    from waymark.oversight.services import governance as services

    with clock.frozen(START.replace(tzinfo=clock.LONDON)):
        complaint = services.complaint_record(
            actor=gov_world["gov.recorder"],
            channel="letter",
            received_on=START.date().replace(day=2),
            complainant="Their representative",
            summary="Reporting was moved to a centre two hours away.",
            themes=["reporting"],
        )
        services.complaint_allocate(
            actor=gov_world["gov.recorder"], complaint=complaint, handler=gov_world["gov.handler"]
        )
        services.complaint_respond(
            actor=gov_world["gov.handler"],
            complaint=complaint,
            responded_on=START.date().replace(day=9),
            outcome="not_upheld",
            response="The nearer centre had closed.",
        )
    base = live_server.url
    recorder = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    ).new_page()
    sign_in(recorder, base, "gov.recorder")
    recorder.goto(base + f"/oversight/complaints/{complaint.pk}/")
    recorder.get_by_role("link", name="Record a request for a stage 2 review").click()
    recorder.get_by_role("button", name="Record the request").click()
    assert "There is a problem" in recorder.content()
    assert_accessible(recorder, "review request with errors")
    assert not ComplaintEscalation.objects.exists()
    _date(recorder, "requested_on", 16, 11, 2026)
    recorder.fill("textarea[name=reason]", "The travel costs were never offered.")
    recorder.get_by_role("button", name="Record the request").click()
    recorder.wait_for_url(f"**/oversight/complaints/{complaint.pk}/")
    assert "Stage 2 review" in recorder.content() and "14 December 2026" in recorder.content()
    assert_accessible(recorder, "complaint with a review asked for")
    recorder.get_by_role("link", name="Allocate the review").click()
    handlers = recorder.locator("select[name=handler] option").all_inner_texts()
    assert "Sam Handler" not in handlers  # the stage-1 handler is not offered
    recorder.select_option("select[name=handler]", label="Sam Reviewer")
    recorder.get_by_role("button", name="Allocate").click()
    recorder.wait_for_url(f"**/oversight/complaints/{complaint.pk}/")

    reviewer = browser.new_context(
        viewport={"width": 360, "height": 800}, bypass_csp=True
    ).new_page()
    sign_in(reviewer, base, "gov.reviewer")
    reviewer.goto(base + f"/oversight/complaints/{complaint.pk}/")
    assert_accessible(reviewer, "complaint under review at 360px")
    _fits(reviewer, 360)
    reviewer.get_by_role("link", name="Record the review's response").click()
    assert_accessible(reviewer, "review response form at 360px")
    _fits(reviewer, 360)
    _date(reviewer, "responded_on", 18, 11, 2026)
    reviewer.check("input[name=outcome][value=partly_upheld]")
    reviewer.fill("textarea[name=response]", "Travel costs should have been offered; they will be.")
    reviewer.get_by_role("button", name="Record the response").click()
    reviewer.wait_for_url(f"**/oversight/complaints/{complaint.pk}/")
    assert "partly upheld" in reviewer.content()

    recorder.reload()
    recorder.get_by_role("link", name="Record that the Ombudsman has taken it up").click()
    _date(recorder, "referred_on", 18, 11, 2026)
    recorder.fill("input[name=reference]", "PHSO-000123")
    recorder.get_by_role("button", name="Record the referral").click()
    recorder.wait_for_url(f"**/oversight/complaints/{complaint.pk}/")
    recorder.get_by_role("link", name="Record the Ombudsman's finding").click()
    assert_accessible(recorder, "finding form")
    _date(recorder, "decided_on", 18, 11, 2026)
    recorder.check("input[name=outcome][value=not_upheld]")
    recorder.fill("textarea[name=finding]", "The department's review put things right.")
    recorder.get_by_role("button", name="Record the finding").click()
    recorder.wait_for_url(f"**/oversight/complaints/{complaint.pk}/")
    assert "PHSO-000123" in recorder.content()
    recorder.set_viewport_size({"width": 360, "height": 800})
    assert_accessible(recorder, "complaint after the Ombudsman at 360px")
    _fits(recorder, 360)
    stages = dict(ComplaintEscalation.objects.values_list("stage", "status"))
    assert stages == {"review": "responded", "ombudsman": "decided"}
