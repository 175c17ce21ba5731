"""Browser journeys in Debian's headless Chromium (never a downloaded browser), with axe-core.

Playwright's sync API runs an event loop in this thread; Django refuses database access from a
thread with a running loop unless told the access is deliberate, which it is here (the test's own
set-up code runs beside the browser, not inside it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("WAYMARK_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run `make browser-deps` (make test does)."
        )
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci` (make test does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # bypass_csp lets the test inject axe-core; the pages' own scripts still run under the CSP.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    # axe-core is in every document from the start, so a check need not send its 500 KB each time
    # (about 40% of a check's time: 378 -> 232 ms a page in the sweep of every page).
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def axe_serious(page) -> list[str]:
    """Violations of impact serious or critical on the current page, described for the failure.

    A click that navigates returns before the new document exists; injecting axe-core then finds
    no <head> (CI run of 2026-12-04). Wait for the page to load, and retry once if the document
    was replaced while axe was being added or run."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            # Let a rendering update run first: a viewport change just made reaches the page's
            # ResizeObserver (which labels tables that now scroll) only at the next frame (CI run
            # of 2026-12-06: a table at 360 px checked before it was labelled).
            page.evaluate(
                "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
            )
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                page.add_script_tag(path=str(AXE))  # a context of the test's own
            result = page.evaluate(
                "async () => await axe.run(document, {resultTypes: ['violations']})"
            )
            break
        except PlaywrightError as error:
            transient = "appendChild" in str(error) or "context was destroyed" in str(error)
            if not transient or attempt == 2:
                raise
            page.wait_for_timeout(200)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


PASSWORD = "a-long-test-password-123"  # the browser tests' users' password


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form and wait for the home page."""
    page.goto(base + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def assert_accessible(page, where: str) -> None:
    """axe-core finds nothing serious or critical on the current page."""
    problems = axe_serious(page)
    assert problems == [], f"axe on {where}: {problems}"


@pytest.fixture
def manager(db):
    """A records manager, for the linkage journeys."""
    from waymark.linkage.tests.review_fixtures import user_make

    return user_make("records_manager", first_name="Rita", last_name="Reviewer")


def linkage_queues_ensure() -> None:
    """The records team's review and bulk-check queues, which the linkage journeys fill."""
    from waymark.accounts.models import Team
    from waymark.linkage import rules
    from waymark.work.models import Queue

    team = Team.objects.get_or_create(
        slug="records", defaults={"name": "Records and linkage", "unit": "Records"}
    )[0]
    for slug in (rules.QUEUE_REVIEW, rules.QUEUE_BULK_CHECK):
        Queue.objects.get_or_create(
            slug=slug, defaults={"name": slug.replace("-", " ").capitalize(), "team": team}
        )
