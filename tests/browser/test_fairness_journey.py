"""Fairness monitoring and data quality in a real browser (issue 20 items 4-5, "Must show").

1. The performance analyst opens the fairness page → drills into a flagged disparity (the
   group's figure) → opens an explain-or-reform item for it, owned by the data protection
   officer → the owner answers (at 360 px) → the analyst accepts the answer and closes it.
2. The analyst measures data quality → the dashboard shows a failing rule → its failing records
   with owner and task → the record's owner finds the task on their own work list (at 360 px).

axe-core finds nothing serious or critical on each page at 1280 px and at 360 px, and no page
scrolls sideways at 360 px. The decision point and the data-quality rule are registered by the
test (the live server runs in this process), so the journeys need no other module's data."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 11, 18, 10, 0)
POINT = "browsertest.decision"
RULE = "browsertest.missing_address"


def _user(username: str, role: str, last: str, team):
    from django.contrib.auth.models import Group

    from waymark.accounts.models import User

    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name="Sam", last_name=last
    )
    user.teams.add(team)
    user.groups.add(Group.objects.get(name=role))
    return user


def _at_360(page, where: str) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    assert_accessible(page, f"{where} at 360px")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{where} scrolls sideways at 360px ({width}px)"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def world(settings, monkeypatch):
    from waymark.accounts.models import Team
    from waymark.accounts.services import roles_sync
    from waymark.core import data_quality as core_dq
    from waymark.core import fairness as core_fairness
    from waymark.core.data_quality import DataQualityCheck, FailingRecord
    from waymark.core.fairness import DecisionPoint, DecisionRow
    from waymark.people import services as people_services

    settings.WAYMARK_FROZEN_TIME = START.isoformat()
    roles_sync()
    team = Team.objects.get_or_create(slug="perf-fair", defaults={"name": "Performance"})[0]
    users = {
        "analyst": _user("fair.analyst", "performance_analyst", "Analyst", team),
        "dpo": _user("fair.dpo", "data_protection", "Protector", team),
        "owner": _user("fair.owner", "case_owner", "Owner", team),
    }
    # Construction's rate (40%) against Retail's (20%): flagged; Nail bars under k: folded.
    day = date(2026, 11, 2)
    rows = []
    for sector, n, a in (("Retail", 200, 40), ("Construction", 100, 40), ("Nail bars", 10, 9)):
        rows += [DecisionRow(None, None, i < a, day, sector) for i in range(n)]
    point = DecisionPoint(
        POINT,
        "Visit outcomes (test)",
        "browsertest",
        "Arrest made",
        lambda s, e: [r for r in rows if s <= r.on <= e],
        carries=("sector",),
    )
    monkeypatch.setattr(core_fairness, "_POINTS", {POINT: point, **core_fairness._POINTS})
    person = people_services.person_create(
        actor=None,
        given_names="Ana",
        family_name="Testcase",
        nationalities=("ALB",),
        owning_team=team,
        case_owner=users["owner"],
    )

    def check():
        return DataQualityCheck(
            checked={team.pk: 20},
            failing=[
                FailingRecord(
                    f"person:{person.pk}",
                    f"No address for {person.reference}",
                    person.pk,
                    team.pk,
                    users["owner"].pk,
                )
            ]
            * 1
            + [
                FailingRecord(f"other:{i}", f"Record {i} with no address", None, team.pk, None)
                for i in range(2)
            ],
        )

    monkeypatch.setitem(
        core_dq._RULES,
        RULE,
        core_dq.DataQualityRule(
            RULE, "People with no address (test)", "browsertest", "completeness", check
        ),
    )
    return {"team": team, "person": person, **users}


def test_flagged_disparity_item_opened_answered_and_closed(browser, live_server, world):
    from waymark.oversight.models import DisparityReview
    from waymark.work.models import Task

    base = live_server.url
    analyst = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    ).new_page()
    sign_in(analyst, base, "fair.analyst")
    analyst.goto(base + f"/oversight/fairness/?point={POINT}&dimension=sector&months=12")
    assert "Flagged" in analyst.content() and "Figures as of" in analyst.content()
    assert "Suppressed" in analyst.content()  # Nail bars, under k, folded and suppressed
    assert_accessible(analyst, "fairness figures")
    _at_360(analyst, "fairness figures")

    # Drill into the flagged group's figure.
    analyst.locator("th a[href^='/oversight/fairness/?'][href$='group=Construction']").click()
    analyst.wait_for_url("**group=Construction**")
    assert "Construction: 40 of 100" in analyst.content()
    assert_accessible(analyst, "group figure")
    _at_360(analyst, "group figure")

    # Open an explain-or-reform item, owned by the data protection officer.
    analyst.get_by_role("link", name="Open an explain-or-reform item for Construction").click()
    analyst.wait_for_url("**/explain-or-reform/open/**")
    assert_accessible(analyst, "open form")
    _at_360(analyst, "open form")
    analyst.select_option("select[name=owner]", str(world["dpo"].pk))
    due = START.date() + timedelta(days=28)
    analyst.fill("input[name=due_on_0]", str(due.day))
    analyst.fill("input[name=due_on_1]", str(due.month))
    analyst.fill("input[name=due_on_2]", str(due.year))
    analyst.fill(
        "textarea[name=note]",
        "Why are construction sites' visits twice as likely to end in arrest?",
    )
    analyst.get_by_role("button", name="Open the item").click()
    analyst.wait_for_url("**/explain-or-reform/*/")
    item = DisparityReview.objects.get()
    assert (item.group, item.owner, item.status) == ("Construction", world["dpo"], "open")
    assert item.group_count == 100 and item.reference_group == "Retail"
    assert_accessible(analyst, "item")
    task = Task.objects.get(task_type="oversight.disparity_review")
    assert task.assignee == world["dpo"]

    # The owner answers, on a phone.
    owner = browser.new_context(viewport={"width": 360, "height": 800}, bypass_csp=True).new_page()
    sign_in(owner, base, "fair.dpo")
    owner.goto(base + "/oversight/fairness/explain-or-reform/")
    assert_accessible(owner, "items at 360px")
    assert owner.evaluate("document.documentElement.scrollWidth") <= 360
    owner.goto(base + f"/oversight/fairness/explain-or-reform/{item.pk}/")
    owner.get_by_role("link", name="Record the answer").click()
    assert_accessible(owner, "answer form at 360px")
    assert owner.evaluate("document.documentElement.scrollWidth") <= 360
    owner.check("input[name=answer_kind][value=reform]")
    owner.fill(
        "textarea[name=answer]",
        "Construction visits will be planned with the same intelligence grading as retail ones.",
    )
    owner.get_by_role("button", name="Record the answer").click()
    owner.wait_for_url(f"**/explain-or-reform/{item.pk}/")
    assert "Answered" in owner.content()
    assert_accessible(owner, "answered item at 360px")
    item.refresh_from_db()
    assert item.status == "answered" and item.answer_kind == "reform"

    # The analyst (not the owner) accepts the answer and closes the item.
    analyst.goto(base + f"/oversight/fairness/explain-or-reform/{item.pk}/")
    analyst.get_by_role("button", name="Accept the answer and close").click()
    analyst.wait_for_url(f"**/explain-or-reform/{item.pk}/")
    assert "Closed" in analyst.content()
    assert_accessible(analyst, "closed item")
    _at_360(analyst, "closed item")
    item.refresh_from_db()
    task.refresh_from_db()
    assert item.status == "closed" and item.closed_by == world["analyst"]
    assert task.status == "done"


def test_dashboard_failing_rule_records_and_the_owners_task(browser, live_server, world):
    from waymark.oversight.models import DataQualityFailure

    base = live_server.url
    analyst = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    ).new_page()
    sign_in(analyst, base, "fair.analyst")
    analyst.goto(base + "/oversight/data-quality/")
    assert_accessible(analyst, "data-quality dashboard before measuring")
    analyst.get_by_role("button", name="Measure every rule now").click()
    analyst.wait_for_url("**/oversight/data-quality/")
    assert_accessible(analyst, "data-quality dashboard")
    _at_360(analyst, "data-quality dashboard")
    row = analyst.locator("tr", has_text="People with no address (test)")
    assert "Failing" in row.inner_text() and "3 of 20" in row.inner_text()

    # The failing rule: its score by team and its failing records with owner and task.
    analyst.get_by_role("link", name="People with no address (test)").click()
    analyst.wait_for_url("**/data-quality/rule/**")
    content = analyst.content()
    assert f"No address for {world['person'].reference}" in content
    assert_accessible(analyst, "rule page")
    _at_360(analyst, "rule page")
    failure = DataQualityFailure.objects.get(rule_key=RULE, person=world["person"])
    assert failure.owner == world["owner"] and failure.task is not None
    assert f"Task {failure.task.pk}" in content

    # The record's owner finds the task on their own work list, on a phone, and opens it.
    owner = browser.new_context(viewport={"width": 360, "height": 800}, bypass_csp=True).new_page()
    sign_in(owner, base, "fair.owner")
    assert f"Put right: No address for {world['person'].reference}" in owner.content()
    assert_accessible(owner, "owner's work at 360px")
    assert owner.evaluate("document.documentElement.scrollWidth") <= 360
    owner.get_by_role("link", name=f"Put right: No address for {world['person'].reference}").click()
    owner.wait_for_url(f"**/work/tasks/{failure.task.pk}/")
    assert_accessible(owner, "task at 360px")
    assert owner.evaluate("document.documentElement.scrollWidth") <= 360
