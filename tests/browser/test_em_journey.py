"""The EM Hub in a real browser: order a fitting → record it → a breach arrives → apply the ladder
(BAIL 204 letter) and record its service → the 3-monthly review. axe-core at each step."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from tests.browser.conftest import axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-123"


@pytest.fixture
def hub_data():
    from django.contrib.auth.models import Group

    from waymark.accounts.models import User
    from waymark.core import clock
    from waymark.monitoring import services
    from waymark.monitoring.tests.conftest import em_reference_data
    from waymark.people import services as people_services

    hub = em_reference_data()
    user = User.objects.create_user(
        username="em.caseworker", password=PASSWORD, first_name="Emma", last_name="Hub", grade="EO"
    )
    user.teams.add(hub)
    user.groups.add(Group.objects.get(name="em_caseworker"))
    person = people_services.person_create(
        actor=None,
        given_names="Arben",
        family_name="Hoxha",
        date_of_birth=date(1988, 3, 4),
        nationalities=("ALB",),
        owning_team=hub,
        deportation_order_date=date(2025, 1, 10),
    )
    grant = services.bail_grant_record(
        actor=user,
        person=person,
        granted_by="immigration_judge",
        granted_at=clock.now() - timedelta(hours=2),
    )
    advice = services.recommendation_for(person)
    condition = services.condition_impose(
        actor=user,
        person=person,
        bail_grant=grant,
        device_type=advice.device_type,
        start_date=clock.today(),
        held_in_detention=False,
    )
    return {"user": user, "person": person, "condition": condition}


def _accessible(page, where: str) -> None:
    problems = axe_serious(page)
    assert problems == [], f"axe on {where}: {problems}"


def _fill_date(page, name: str, day: date) -> None:
    page.fill(f"input[name={name}_0]", str(day.day))
    page.fill(f"input[name={name}_1]", str(day.month))
    page.fill(f"input[name={name}_2]", str(day.year))


def test_fitting_breach_warning_letter_and_review(page, live_server, hub_data):
    from waymark.core import clock
    from waymark.monitoring import services
    from waymark.monitoring.models import LadderAction, Review

    base, person = live_server.url, hub_data["person"]
    page.goto(base + "/")
    page.fill("input[name=username]", "em.caseworker")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")

    page.goto(base + "/monitoring/")
    _accessible(page, "hub home")
    page.goto(base + f"/monitoring/people/{person.pk}/")
    _accessible(page, "monitoring tab")

    # Order the fitting.
    page.get_by_role("link", name="Order a fitting").click()
    _accessible(page, "order form")
    page.get_by_label("Home address").check()
    page.fill("input[name=place_details]", "1 High Street, Croydon")
    tomorrow = clock.today() + timedelta(days=1)
    _fill_date(page, "slot_on", tomorrow)
    page.fill("input[name=slot_time]", "10:00")
    page.get_by_role("button", name="Send the order").click()
    page.wait_for_url(re.compile(rf"/monitoring/people/{person.pk}/$"))

    # The supplier fitted it: recorded by hand here (the API does it in production).
    page.get_by_role("link", name="record the outcome").click()
    page.get_by_label("Yes").check()
    _fill_date(page, "on", clock.today())
    page.fill("input[name=time_of_visit]", "00:01")
    page.fill("input[name=device_serial]", "GPS-424242")
    page.fill("input[name=issued_phone_number]", "07700 900424")
    _accessible(page, "outcome form")
    page.get_by_role("button", name="Record").click()
    page.wait_for_url(re.compile(rf"/monitoring/people/{person.pk}/$"))
    assert "GPS-424242" in page.content()

    # A breach arrives from the supplier and becomes prioritised work.
    services.breach_ingest(
        event=None,
        person=person,
        breach_type="full_curfew",
        started_at=clock.now() - timedelta(minutes=50),
        ended_at=clock.now() - timedelta(minutes=20),
    )
    page.goto(base + "/monitoring/lists/breaches/")
    _accessible(page, "breach list")
    assert "second priority" in page.content()
    page.get_by_role("link", name="Full curfew missed").click()
    _accessible(page, "breach page")
    # Escalating is checked first: the letter as it will be sent, then a confirmation.
    page.get_by_role("link", name=re.compile("Check and apply step 1")).click()
    page.wait_for_load_state()
    assert page.locator("[data-letter-preview]").is_visible()
    assert not LadderAction.objects.filter(person=person).exists()
    _accessible(page, "ladder check page")
    page.get_by_role("button", name=re.compile("Confirm and apply step 1")).click()
    page.wait_for_load_state()
    assert LadderAction.objects.filter(person=person, step=1).exists()
    page.get_by_role("link", name="record how it was served").click()
    page.get_by_label("First class post").check()
    _fill_date(page, "served_on", clock.today())
    _accessible(page, "letter service")
    page.get_by_role("button", name=re.compile("Record|Save")).click()
    page.wait_for_load_state()
    assert "Service recorded" in page.content()

    # Three months on, the sweep schedules the review; the caseworker records it.
    services.reviews_schedule(today=clock.today() + relativedelta(months=3))
    review = Review.objects.get(person=person)
    page.goto(base + "/monitoring/lists/reviews/")
    _accessible(page, "reviews list")
    page.get_by_role("link", name=re.compile("Hoxha", re.I)).click()
    page.get_by_label("Continue EM").check()
    for name in (
        "reasons_vulnerability",
        "reasons_medical",
        "reasons_convention_rights",
        "reasons_harm",
    ):
        page.fill(f"textarea[name={name}]", "Considered: no change")
    _accessible(page, "review form")
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_url(re.compile(rf"/monitoring/people/{person.pk}/$"))
    review.refresh_from_db()
    assert review.status == "completed" and review.outcome == "continue"
