"""Criminal casework in a real browser: the owner sets reporting → the centre records a no-show →
the owner works the contact checklist → declares an absconder → refers to trace and locate →
records the person located. axe-core on every page on the way."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def casework_data():
    from django.contrib.auth.models import Group

    from waymark.accounts.models import User
    from waymark.casework.tests.conftest import casework_reference_data
    from waymark.people import services as people_services

    teams = casework_reference_data()
    owner = User.objects.create_user(
        username="case.owner", password=PASSWORD, first_name="Chloe", last_name="Owner", grade="EO"
    )
    owner.teams.add(teams["owning"])
    owner.groups.add(Group.objects.get(name="case_owner"))
    officer = User.objects.create_user(
        username="centre.officer",
        password=PASSWORD,
        first_name="Raj",
        last_name="Centre",
        grade="AO",
    )
    officer.teams.add(teams["centre"])
    officer.groups.add(Group.objects.get(name="reporting_centre"))
    person = people_services.person_create(
        actor=None,
        given_names="Marcus",
        family_name="Brown",
        date_of_birth=date(1985, 6, 1),
        nationalities=("JAM",),
        owning_team=teams["owning"],
        case_owner=owner,
        release_date=date(2026, 6, 1),
        mappa_level=2,
        mappa_category=1,
    )
    return {"owner": owner, "officer": officer, "person": person, "teams": teams}


def _fill_date(page, name: str, day: date) -> None:
    page.fill(f"input[name={name}_0]", str(day.day))
    page.fill(f"input[name={name}_1]", str(day.month))
    page.fill(f"input[name={name}_2]", str(day.year))


def test_restriction_no_show_checklist_absconder_trace_located(browser, live_server, casework_data):
    from waymark.casework.models import AbsconderDeclaration, Case, TraceReferral
    from waymark.core import clock

    base, person, teams = live_server.url, casework_data["person"], casework_data["teams"]
    # Two people at two desks: separate browser contexts (bypass_csp lets the test inject axe-core).
    owner_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    centre_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    owner_page, centre_page = owner_ctx.new_page(), centre_ctx.new_page()
    owner_page.set_default_timeout(15_000)
    centre_page.set_default_timeout(15_000)
    try:
        sign_in(owner_page, base, "case.owner")
        owner_page.goto(base + "/casework/")
        assert_accessible(owner_page, "casework home")
        owner_page.goto(base + f"/casework/people/{person.pk}/")
        assert_accessible(owner_page, "casework tab")

        # The owner sets weekly reporting at the Liverpool centre, starting today.
        owner_page.get_by_role("button", name="Set reporting restrictions").click()
        assert_accessible(owner_page, "restriction form")
        owner_page.select_option("select[name=centre]", str(teams["centre"].pk))
        owner_page.fill("input[name=window_start]", "00:00")  # impossible: before the centre opens
        owner_page.get_by_role("button", name="Set reporting").click()
        assert "opening hours" in owner_page.content()
        assert_accessible(owner_page, "restriction form with errors")
        owner_page.fill("input[name=window_start]", "09:00")
        owner_page.get_by_role("button", name="Set reporting").click()
        owner_page.wait_for_url(re.compile(rf"/casework/people/{person.pk}/$"))
        assert "Weekly" in owner_page.content()

        # The centre records a no-show on today's list.
        sign_in(centre_page, base, "centre.officer")
        centre_page.goto(base + "/casework/centre/")
        assert_accessible(centre_page, "centre day list")
        centre_page.get_by_role("link", name=re.compile("Other outcome for Marcus")).click()
        centre_page.get_by_label("Did not attend (no show)").check()
        assert_accessible(centre_page, "outcome form")
        centre_page.get_by_role("button", name="Record").click()
        centre_page.wait_for_url(re.compile(r"/casework/centre/"))
        assert "Did not attend" in centre_page.content()

        # The owner has band 1 work at once, and works the checklist.
        owner_page.goto(base + "/")  # "My work"
        assert "Missed reporting (1 in a row)" in owner_page.content()
        owner_page.goto(base + f"/casework/people/{person.pk}/")
        assert "band 1 deadlines" in owner_page.content()
        for step, result in [
            ("Telephone contact and a verbal warning", "Phoned twice: no answer"),
            ("Failure-to-report warning letter", "Letter sent first class"),
            ("Visit, or referral to an arrest team", "Visited: not at the address"),
        ]:
            owner_page.get_by_role("link", name=f"Record {step}").click()
            owner_page.wait_for_selector("textarea[name=result]")
            assert_accessible(owner_page, f"step: {step}")
            owner_page.fill("textarea[name=result]", result)
            owner_page.get_by_role("button", name="Record").click()
            owner_page.wait_for_url(re.compile(rf"/casework/people/{person.pk}/$"))

        # Every step failed and nobody knows where he is: declare an absconder.
        owner_page.get_by_role("link", name="Declare an absconder").click()
        assert_accessible(owner_page, "absconder form")
        owner_page.fill(
            "textarea[name=reasons]", "All mandatory steps failed; not at the bail address"
        )
        owner_page.get_by_role("button", name="Declare").click()
        assert "whereabouts" in owner_page.content()  # the confirmation is required
        owner_page.get_by_label("The person's whereabouts are unknown").check()
        owner_page.get_by_role("button", name="Declare").click()
        owner_page.wait_for_url(re.compile(rf"/casework/people/{person.pk}/$"))
        assert AbsconderDeclaration.objects.filter(person=person).count() == 1

        owner_page.get_by_role("button", name="Refer to trace and locate").click()
        owner_page.wait_for_url(re.compile(rf"/casework/people/{person.pk}/$"))
        owner_page.goto(base + "/casework/lists/trace/")
        assert_accessible(owner_page, "trace list")
        owner_page.get_by_role("link", name="Record outcome").click()
        owner_page.get_by_label("Located: resumed reporting").check()
        owner_page.fill("textarea[name=note]", "Found at his sister's address")
        assert_accessible(owner_page, "trace outcome form")
        owner_page.get_by_role("button", name="Record").click()
        owner_page.wait_for_url(re.compile(rf"/casework/people/{person.pk}/$"))
        assert "Located: resumed reporting" in owner_page.content()
        assert TraceReferral.objects.get(person=person).outcome == "located_reporting"
        case = Case.objects.get(person=person)
        assert case.absconder_since is None and clock.today() - timedelta(days=1) < clock.today()
    finally:
        owner_ctx.close()
        centre_ctx.close()


def test_the_reporting_day_finds_the_person_at_the_counter_and_records_attended(
    page, live_server, casework_data
):
    """At the counter: the day chosen with the GOV.UK date input, the person found by name, and
    'Attended' recorded in one press (issue 16, problem 10)."""
    from waymark.casework.models import ReportingEvent
    from waymark.casework.tests.conftest import restriction_make
    from waymark.core import clock

    person, teams = casework_data["person"], casework_data["teams"]
    restriction_make(casework_data["owner"], person, teams["centre"])
    base = live_server.url
    sign_in(page, base, "centre.officer")
    page.goto(base + "/casework/centre/")
    today = clock.today()
    assert page.locator("input[name='day-0']").input_value() == str(today.day)
    assert page.locator("input[type=date]").count() == 0
    page.fill("input[name=q]", "Brown")
    page.get_by_role("button", name="Find").click()
    page.wait_for_load_state()
    assert_accessible(page, "the day list searched")
    page.get_by_role("button", name=re.compile(r"Attended\W+Marcus")).click()
    page.wait_for_load_state()
    assert "attended" in page.content()
    event = ReportingEvent.objects.get(person=person, due_on=today)
    assert event.outcome == "attended"
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(base + "/casework/centre/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page, "the day list at 360px")
