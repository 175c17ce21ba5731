"""Objectives in a real browser (issue 20 item 2): a line manager sets a personal objective for a
member of their team (a target that is not a number is refused first, nothing saved) → the person
posts this month's value at 360 px → the manager sees the red/amber/green on the list and the
objective's history. axe-core on every page; the list and the objective at 360 px with no
sideways scroll."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 11, 18, 10, 0)


@pytest.fixture
def objectives_world(settings):
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Team, User
    from waymark.accounts.services import roles_sync
    from waymark.oversight.services.objectives import priorities_seed

    settings.WAYMARK_FROZEN_TIME = START.isoformat()
    roles_sync()
    priorities_seed()  # a transactional test's flush removed the migration's rows
    team = Team.objects.get_or_create(slug="obj-hub", defaults={"name": "Objectives hub"})[0]
    users = {}
    for username, role, last in (
        ("obj.manager", "line_manager", "Manager"),
        ("obj.officer", "em_caseworker", "Officer"),
    ):
        user = User.objects.create_user(
            username=username, password=PASSWORD, first_name="Sam", last_name=last
        )
        user.teams.add(team)
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return {"team": team, **users}


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_set_an_objective_report_a_value_and_see_its_rating(browser, live_server, objectives_world):
    from waymark.oversight.models import Objective, ObjectiveMeasurement

    base = live_server.url
    team, officer = objectives_world["team"], objectives_world["obj.officer"]
    manager = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    ).new_page()
    sign_in(manager, base, "obj.manager")
    manager.goto(base + "/oversight/objectives/")
    assert "No objectives match" in manager.content()
    assert_accessible(manager, "objectives (empty)")
    manager.get_by_role("link", name="Set an objective").first.click()
    assert_accessible(manager, "objective form")
    manager.select_option("select[name=priority]", label="Timely action on EM breaches")
    manager.fill("input[name=title]", "Breaches actioned within 2 working days")
    manager.select_option("select[name=team]", str(team.pk))
    manager.select_option("select[name=person]", str(officer.pk))
    for prefix, (d, m, y) in (
        ("period_start", ("1", "4", "2026")),
        ("period_end", ("31", "3", "2027")),
    ):
        manager.fill(f"input[name={prefix}_0]", d)
        manager.fill(f"input[name={prefix}_1]", m)
        manager.fill(f"input[name={prefix}_2]", y)
    manager.fill("input[name=measure_label]", "Breaches actioned within 2 working days (%)")
    manager.check("input[name=higher_is_better][value=higher]")
    manager.fill("input[name=target]", "ninety-five")
    manager.get_by_role("button", name="Set the objective").click()
    assert "There is a problem" in manager.content()
    assert "Enter the target as a number" in manager.content()
    assert not Objective.objects.exists()
    assert_accessible(manager, "objective form with errors")
    manager.fill("input[name=target]", "95")
    manager.get_by_role("button", name="Set the objective").click()
    manager.wait_for_url("**/oversight/objectives/*/")
    assert_accessible(manager, "objective")
    objective = Objective.objects.get()
    assert objective.owner_id == officer.pk

    # The officer reports this month's value on a phone.
    own = browser.new_context(viewport={"width": 360, "height": 800}, bypass_csp=True).new_page()
    sign_in(own, base, "obj.officer")
    own.goto(base + "/oversight/objectives/")
    assert "My objectives" in own.content()
    _no_sideways_scroll(own)
    assert_accessible(own, "my objectives at 360px")
    own.get_by_role("link", name="Breaches actioned within 2 working days").click()
    own.get_by_role("link", name="Post an update").click()
    own.fill("textarea[name=text]", "Two breaches waited over a bank holiday.")
    own.fill("input[name=actual]", "88")
    own.get_by_role("button", name="Post the update").click()
    own.wait_for_url(f"**/oversight/objectives/{objective.pk}/")
    _no_sideways_scroll(own)
    assert_accessible(own, "objective at 360px")
    assert ObjectiveMeasurement.objects.get().rag == "amber"

    # The manager sees the rating on the list, filtered to amber.
    manager.goto(base + "/oversight/objectives/?rag=amber")
    assert "Breaches actioned within 2 working days" in manager.content()
    assert manager.locator(".govuk-tag--yellow").count() >= 1
    manager.set_viewport_size({"width": 360, "height": 800})
    _no_sideways_scroll(manager)
    assert_accessible(manager, "objectives at 360px")
