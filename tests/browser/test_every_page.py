"""Every page at 360, 768 and 1280 px in a real browser (issue 16, "must show").

The walk is the audit-coverage walk's: every route of the site, its arguments filled from the demo
data, opened by a user who may see everything and belongs to every team. At each width a page
must not scroll sideways, a table wider than its column must scroll in a labelled, focusable area,
and axe-core must find nothing serious or critical. Then each role's own home page, whose
navigation must fit one line at 1280 px. Pages that open a panel (a queue's filter) are checked
with it open too. A test a width and one for the roles' homes, so that pytest-xdist can share them
between its workers (the demo data costs a few seconds a test; the sweep of one width about a
minute)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_serious
from tests.browser.test_journey import UNREACHABLE_SCROLL_AREAS
from tests.test_audit_coverage import _routes, _url, reader  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-123"
WIDTHS = (360, 768, 1280)

NAV_LINES = """() => new Set([...document.querySelectorAll('.govuk-service-navigation__item')]
  .map((item) => Math.round(item.getBoundingClientRect().top))).size"""


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/sign-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/sign-in/" not in page.url, f"{username} could not sign in"


def _page_urls(client) -> list[str]:
    """The HTML pages the walk can open (200, text/html), each once."""
    urls = []
    for route, _callback in _routes():
        if route.startswith("api/"):
            continue
        try:
            url = _url(route)
        except AssertionError:
            continue
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            urls.append(url)
    return sorted(set(urls))


def _check(page, where: str, width: int) -> list[str]:
    problems = []
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"{where}: the page is {scroll_width}px wide")
    hidden = page.evaluate(UNREACHABLE_SCROLL_AREAS)
    if hidden:
        problems.append(f"{where}: a table overflows without a labelled, focusable area: {hidden}")
    problems += [f"{where}: axe: {problem}" for problem in axe_serious(page)]
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_width_and_passes_axe(page, live_server, reader, client, width):  # noqa: F811
    """One test a width, so that the three sweeps can run on different workers (pytest-xdist)."""
    reader.set_password(PASSWORD)
    reader.save()
    client.force_login(reader)
    urls = _page_urls(client)
    assert len(urls) > 50
    base = live_server.url
    _sign_in(page, base, reader.username)
    problems: list[str] = []
    page.set_viewport_size({"width": width, "height": 900})
    for url in urls:
        page.goto(base + url)
        page.wait_for_load_state()
        problems += _check(page, f"{url} at {width}px", width)
        toggle = page.locator(".moj-action-bar__filter button")
        if toggle.count():
            toggle.first.click()
            # The panel narrows the list: its areas are labelled on the next frames.
            page.wait_for_timeout(300)
            problems += _check(page, f"{url} with its filter open at {width}px", width)
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_every_role_s_home_fits_every_width_and_its_navigation_one_line(page, live_server, reader):  # noqa: F811
    from django.contrib.auth.models import Group

    from waymark.accounts.models import User
    from waymark.accounts.roles import ROLES

    base = live_server.url
    problems: list[str] = []
    # Each role's home page, as that role: the navigation fits one line on a desk.
    team = reader.teams.first()
    for key in ROLES:
        user = User.objects.create_user(username=f"sweep-{key}", password=PASSWORD)
        user.groups.add(Group.objects.get(name=key))
        user.teams.add(team)
        page.context.clear_cookies()
        _sign_in(page, base, user.username)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(base + "/")
            problems += _check(page, f"home as {key} at {width}px", width)
            if width == 1280 and page.evaluate(NAV_LINES) > 1:
                problems.append(f"home as {key}: the navigation takes more than one line at 1280px")
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
