"""Editing a sampling rule in a real browser (issue 20 item 1): the assurance team opens a rule,
asks for a change with a rate over 100% (refused with the GOV.UK error summary, nothing saved),
makes the change from a date, then, on a phone, ends the new rule before it comes into force with
nothing in its place (a date after its start refused first). axe-core on every page, the rule
page and end form at 360 px with no sideways scroll."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_oversight_qa_journey import qa_world  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _date(page, prefix: str, day: str, month: str, year: str) -> None:
    page.fill(f"input[name={prefix}_0]", day)
    page.fill(f"input[name={prefix}_1]", month)
    page.fill(f"input[name={prefix}_2]", year)


def test_change_a_rule_then_end_it_on_a_phone(browser, live_server, qa_world):  # noqa: F811
    from waymark.core.models import AuditEvent
    from waymark.oversight.models import SamplingRule

    base = live_server.url
    old = SamplingRule.objects.get()
    page = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    sign_in(page, base, "qa.checker")
    page.goto(base + f"/oversight/qa/rules/{old.pk}/")
    assert_accessible(page, "rule")
    page.get_by_role("link", name="Change the rule").click()
    assert_accessible(page, "change form")
    page.fill("input[name=rate_percent]", "150")
    _date(page, "starts_on", "1", "12", "2026")
    page.fill("textarea[name=reason]", "The team doubled: a larger sample")
    page.get_by_role("button", name="Save the change").click()
    assert "There is a problem" in page.content() and "between 0% and 100%" in page.content()
    assert SamplingRule.objects.count() == 1
    assert_accessible(page, "change form with errors")
    page.fill("input[name=rate_percent]", "30")
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_url("**/oversight/qa/rules/*/")
    new = SamplingRule.objects.get(replaces=old)
    assert new.rate == 0.3 and "The team doubled" in page.content()

    # On a phone, the rule is ended with nothing in its place.
    phone = browser.new_context(viewport={"width": 360, "height": 800}, bypass_csp=True).new_page()
    sign_in(phone, base, "qa.checker")
    phone.goto(base + f"/oversight/qa/rules/{new.pk}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(phone, "rule at 360px")
    phone.get_by_role("link", name="End the rule").click()
    assert_accessible(phone, "end form at 360px")
    _date(phone, "ends_on", "1", "1", "2027")
    phone.fill("textarea[name=reason]", "Breach decisions move to the supplier's own assurance")
    phone.get_by_role("button", name="End the rule").click()
    assert "There is a problem" in phone.content() and "coming into force" in phone.content()
    new.refresh_from_db()
    assert new.is_active
    _date(phone, "ends_on", "30", "11", "2026")
    phone.get_by_role("button", name="End the rule").click()
    phone.wait_for_url(f"**/oversight/qa/rules/{new.pk}/")
    assert "with nothing in its place" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(phone, "ended rule at 360px")
    new.refresh_from_db()
    assert not new.is_active and new.end_reason.startswith("Breach decisions move")
    assert AuditEvent.objects.filter(verb="oversight.qa_rule_ended").count() == 1
