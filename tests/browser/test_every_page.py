"""Every page at 360, 768 and 1280 px in a real browser (issue 16, "must show").

The walk is the audit-coverage walk's: every route of the site, its arguments filled from the demo
data, opened by a user who may see everything and belongs to every team. At each width a page
must not scroll sideways, and a table wider than its column must scroll in a labelled, focusable
area; at 360 and 1280 px axe-core must also find nothing serious or critical (768 px is GOV.UK
Frontend's tablet layout, the desktop's columns at a narrower width: its axe run added a sixth of
the sweep's time and found nothing the other two widths did not). Then each role's own home page, whose
navigation must fit one line at 1280 px. Pages that open a panel (a queue's filter) are checked
with it open too. Each page is opened once and checked at the three widths in turn (opening it
three times cost a quarter of the sweep); the pages are split between three tests and the roles'
homes are a fourth, so that pytest-xdist can share them between its workers (the demo data costs
half a minute a test; the sweep of a third of the pages at three widths about a minute)."""

from __future__ import annotations

import zlib

import pytest

from tests.browser.conftest import axe_serious
from tests.browser.test_journey import UNREACHABLE_SCROLL_AREAS
from tests.test_audit_coverage import _routes, _url, reader  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-123"
WIDTHS = (360, 768, 1280)
# The widths axe-core runs at (the phone's and the desk's layouts).
AXE_WIDTHS = (360, 1280)
# The pages are split between this many tests (by a hash of their address).
SHARDS = 3

NAV_LINES = """() => new Set([...document.querySelectorAll('.govuk-service-navigation__item')]
  .map((item) => Math.round(item.getBoundingClientRect().top))).size"""


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/sign-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/sign-in/" not in page.url, f"{username} could not sign in"


def _page_urls(client, shard: int) -> list[str]:
    """The HTML pages the walk can open (200, text/html), each once: those of one shard."""
    urls = []
    for route, _callback in _routes():
        if route.startswith("api/"):
            continue
        try:
            url = _url(route)
        except AssertionError:
            continue
        if zlib.crc32(url.encode()) % SHARDS != shard:
            continue
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            urls.append(url)
    return sorted(set(urls))


def _resize(page, width: int) -> None:
    """Lay the page out at ``width`` and let two frames pass, so that the page's ResizeObserver
    has labelled the tables that now scroll before they are checked."""
    page.set_viewport_size({"width": width, "height": 900})
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


def _check(page, where: str, width: int) -> list[str]:
    problems = []
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"{where}: the page is {scroll_width}px wide")
    hidden = page.evaluate(UNREACHABLE_SCROLL_AREAS)
    if hidden:
        problems.append(f"{where}: a table overflows without a labelled, focusable area: {hidden}")
    if width in AXE_WIDTHS:
        problems += [f"{where}: axe: {problem}" for problem in axe_serious(page)]
    return problems


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_page_fits_each_width_and_passes_axe(page, live_server, reader, client, shard):  # noqa: F811
    """Each page is opened once and checked at each width (a viewport change lays it out again);
    the pages are shared between a few tests so that pytest-xdist's workers share them."""
    reader.set_password(PASSWORD)
    reader.save()
    client.force_login(reader)
    urls = _page_urls(client, shard)
    assert len(urls) > 50 // SHARDS
    base = live_server.url
    _sign_in(page, base, reader.username)
    problems: list[str] = []
    for url in urls:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        page.goto(base + url)
        page.wait_for_load_state()
        for width in WIDTHS:
            _resize(page, width)
            problems += _check(page, f"{url} at {width}px", width)
        toggle = page.locator(".moj-action-bar__filter button")
        if toggle.count():
            toggle.first.click()
            for width in WIDTHS:
                _resize(page, width)
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
