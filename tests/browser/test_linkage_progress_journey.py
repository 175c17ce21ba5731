"""A long job's page follows the job by itself, in a real browser (issue 16, problem 13, and the
"Must show" of a linkage run's self-updating progress): a records manager starts a linkage run and
its page, never reloaded, goes by itself from waiting, to a progress bar with the step and an
estimate of the time left, to "Completed" with a notification in the header, and stops there.
The same for a bulk check against a police records file. axe-core on every state.

No worker runs in tests: the test calls the service the background job would call. To see the page
while the job is part-way, the test looks at it from inside the job's scoring step (the engine's
scoring, wrapped), as a user watching the page would see it then."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_accessible, axe_serious, linkage_queues_ensure, sign_in
from waymark.linkage.tests.test_bulk_services import world  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The page fetches itself again every few seconds: wait for three rounds at most.
WAIT_MS = 3 * 5 * 1000
ESTIMATE = re.compile(r"(Less than a minute|About [\d.]+ (minutes?|hours)) left|Working out")


def _accessible_while_following(page, where: str) -> None:
    """axe on a page that follows its job: nothing serious or critical (the page updates in place,
    so there is no ``<meta http-equiv="refresh">`` for axe's meta-refresh rule to find)."""
    assert_accessible(page, where)
    assert page.locator("meta[http-equiv=refresh]").count() == 0


def _mark_the_page(page) -> None:
    """A flag in the page's window: still there at the end only if the page was never reloaded."""
    page.evaluate("window.__notReloaded = true")


def _not_reloaded(page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def _watched_while_scoring(monkeypatch, name: str, page, step: str, seen: dict) -> None:
    """Wrap the engine's ``name`` so that, when the job reaches it, the test waits for the page to
    show ``step`` by itself and notes what it shows, then lets the job go on."""
    from waymark.linkage import engine

    real = getattr(engine, name)

    def watched(*args, **kwargs):
        page.wait_for_function(
            f"(document.getElementById('progress-text') || {{}}).innerText?.includes({step!r})",
            timeout=WAIT_MS,
        )
        seen["text"] = page.locator("#progress-text").inner_text()
        seen["bar"] = page.locator("progress.waymark-progress").count()
        seen["refreshing"] = page.locator("[data-wm-refresh]").count()
        seen["tag"] = page.locator("[data-status]").inner_text()
        seen["axe"] = axe_serious(page)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, name, watched)


def _finished_by_itself(page, where: str) -> None:
    page.wait_for_selector("[data-status=completed]", timeout=WAIT_MS)
    assert page.locator("[data-wm-refresh]").count() == 0  # finished: it stops following the job
    assert _not_reloaded(page), "the page should update in place, not reload"
    assert page.locator("progress").count() == 0 and "refreshes every" not in page.content()
    # ...and the person who started it is told, in the header's notifications.
    assert page.locator(".waymark-header__count").inner_text() == "1"
    assert_accessible(page, where)


def test_a_linkage_run_page_follows_the_run_to_completed(page, live_server, manager, monkeypatch):
    from waymark.linkage import services
    from waymark.linkage.models import LinkageRun, RunStatus
    from waymark.linkage.tests.linking_fixtures import job_make, population_make
    from waymark.linkage.tests.review_fixtures import PASSWORD

    linkage_queues_ensure()  # an earlier transactional test may have flushed the migration's queues
    population_make(job_make(), people=30)
    base = live_server.url
    sign_in(page, base, manager.username, PASSWORD)

    page.goto(base + "/linkage/runs/")
    page.get_by_role("button", name="Start a linkage run").click()
    page.wait_for_url(re.compile(r"/linkage/runs/\d+/$"))
    # Waiting to start: the page says so, and follows the run by itself.
    assert page.locator("[data-wm-refresh]").count() == 1
    _mark_the_page(page)
    assert page.locator("[data-status=queued]").inner_text() == "Waiting to start"
    assert "The run is waiting to start" in page.content()
    assert "refreshes every" in page.content()
    _accessible_while_following(page, "linkage run waiting")

    # The worker's job, run here; the page moves on while it scores the pairs.
    seen: dict = {}
    _watched_while_scoring(monkeypatch, "pairs_predict", page, "Step 3 of 4", seen)
    run = services.linkage_run_execute(LinkageRun.objects.get().pk)
    assert run.status == RunStatus.COMPLETED, run.failure_reason
    assert seen["bar"] == 1 and seen["refreshing"] == 1 and seen["tag"] == "Running"
    assert re.match(r"35% done\. Step 3 of 4: Scoring the blocked pairs\. ", seen["text"])
    assert ESTIMATE.search(seen["text"]), seen["text"]
    assert seen["axe"] == [], f"axe on linkage run running: {seen['axe']}"

    # Finished: the page says so without a click, and stops following the run.
    _finished_by_itself(page, "linkage run completed")
    assert page.locator("[data-run-finished]").inner_text().startswith("The run finished on ")
    page.locator(".waymark-header__count").click()
    page.wait_for_url(re.compile(r"/notifications/"))
    assert f"Linkage run {run.pk} has finished" in page.content()


def test_a_bulk_check_page_follows_the_check_to_completed(
    page,
    live_server,
    manager,
    world,  # noqa: F811
    monkeypatch,
):
    from waymark.linkage import services
    from waymark.linkage.models import BulkCheck, BulkCheckStatus
    from waymark.linkage.tests import bulk_fixtures
    from waymark.linkage.tests.review_fixtures import PASSWORD

    linkage_queues_ensure()
    base = live_server.url
    sign_in(page, base, manager.username, PASSWORD)

    page.goto(base + "/linkage/bulk/new/")
    page.get_by_label("Name of the check").fill("Linked people against PNC, journey test")
    page.get_by_label("Everyone linked to source records").check()
    page.get_by_label("Police records file").select_option(index=1)
    page.get_by_role("button", name="Start the check").click()
    page.wait_for_url(re.compile(r"/linkage/bulk/\d+/$"))
    assert page.locator("[data-wm-refresh]").count() == 1
    _mark_the_page(page)
    assert "The check is waiting to start" in page.content()
    _accessible_while_following(page, "bulk check waiting")

    seen: dict = {}
    _watched_while_scoring(monkeypatch, "pairs_between", page, "Step 2 of 3", seen)
    check = services.bulk_check_execute(
        BulkCheck.objects.get().pk, model=bulk_fixtures.model_fixed()
    )
    assert check.status == BulkCheckStatus.COMPLETED and check.potential_matches == 2
    assert seen["bar"] == 1 and seen["refreshing"] == 1 and seen["tag"] == "Running"
    assert re.match(
        r"10% done\. Step 2 of 3: Scoring the people against the police records\. ", seen["text"]
    )
    assert ESTIMATE.search(seen["text"]), seen["text"]
    assert seen["axe"] == [], f"axe on bulk check running: {seen['axe']}"

    _finished_by_itself(page, "bulk check completed")
    assert "2 potential matches not yet reviewed" in page.content()
