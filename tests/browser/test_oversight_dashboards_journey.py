"""The dashboards per module in a real browser (issue 20 item 3): a performance analyst opens the
dashboards, chooses a module, a period and a team, and asks for dates the wrong way round. At 360
and 1280 px every dashboard page must not scroll sideways, its charts must fit the column, its
tables must stack or scroll in a labelled region, and axe-core must find nothing serious; the bad
dates come back in the GOV.UK error summary."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, sign_in
from tests.browser.test_journey import UNREACHABLE_SCROLL_AREAS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 11, 18, 10, 0)
MODULES = ("monitoring", "casework", "operations", "nrm", "work")
CHARTS_FIT = """() => [...document.querySelectorAll('svg.wm-chart')]
  .filter((svg) => svg.getBoundingClientRect().right > document.documentElement.clientWidth)
  .length"""


@pytest.fixture
def analyst(settings):
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Team, User
    from waymark.accounts.services import roles_sync
    from waymark.core import clock
    from waymark.oversight.services.metrics import metrics_snapshot_take

    settings.WAYMARK_FROZEN_TIME = START.isoformat()
    roles_sync()
    team = Team.objects.get_or_create(slug="performance", defaults={"name": "Performance"})[0]
    user = User.objects.create_user(
        username="dash.analyst", password=PASSWORD, first_name="Dana", last_name="Analyst"
    )
    user.teams.add(team)
    user.groups.add(Group.objects.get(name="performance_analyst"))
    for day in (3, 17):  # two snapshots in different months: a trend drawn from snapshots
        with clock.frozen(datetime(2026, 10 if day == 3 else 11, day, 9, tzinfo=clock.LONDON)):
            metrics_snapshot_take(actor=None)
    return user


def _fits(page, where: str, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, where
    assert page.evaluate(UNREACHABLE_SCROLL_AREAS) in ([], None, 0), where
    assert page.evaluate(CHARTS_FIT) == 0, where
    assert_accessible(page, where)


def test_an_analyst_filters_a_dashboard_at_360_and_1280_px(page, live_server, analyst):
    base = live_server.url
    sign_in(page, base, analyst.username)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + "/oversight/dashboards/")
        _fits(page, f"the dashboards at {width}px", width)
        for module in MODULES:
            page.goto(f"{base}/oversight/dashboards/{module}/")
            assert page.locator("#dashboard-figures").count() == 1, module
            _fits(page, f"the {module} dashboard at {width}px", width)
    page.set_viewport_size({"width": 360, "height": 900})
    page.goto(base + "/oversight/dashboards/work/")
    page.get_by_label("Last month").check()
    page.get_by_label("Team", exact=True).select_option(label="Performance")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_load_state()
    assert "for Performance" in page.locator("#dashboard-scope").inner_text()
    assert "1 October 2026 to 31 October 2026" in page.locator("#dashboard-scope").inner_text()
    _fits(page, "the work dashboard for a team at 360px", 360)
    page.get_by_label("From and to dates you choose").check()
    page.fill("#id_start", "2026-11-10")
    page.fill("#id_end", "2026-11-01")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 1
    assert "The to date must be the same as or after the from date" in summary.inner_text()
    _fits(page, "the dashboard's error summary at 360px", 360)
