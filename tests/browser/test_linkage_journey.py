"""Record linkage in a real browser (issue 6 "Must show"): a records manager imports a generated
legacy case extract through the wizard (upload → map → check → confirm → report), starts a
linkage run, opens the clerical review queue, compares a pair the model could not decide, is told
what is missing when they save too soon, decides the pair, and sees the decision. axe-core on every
page on the way.

No worker runs in tests: where the page queues a background job (the import, the run), the test
calls the service that job would call, then reloads the page."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_accessible, linkage_queues_ensure, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# About 150 legacy cases of about 100 people: the seed gives pairs between the thresholds.
SCALE = 300


@pytest.fixture
def legacy_file(tmp_path):
    from waymark.linkage import generator

    gen = generator.generate(SCALE)
    return generator.write_csv(
        gen.rows["legacy_case"], tmp_path / "cid_extract.csv", generator.HEADERS["legacy_case"]
    )


def test_import_link_review_and_decide_a_pair(page, live_server, manager, legacy_file):
    from waymark.linkage import import_services, rules, services
    from waymark.linkage.models import (
        CandidatePair,
        ImportJob,
        ImportStatus,
        LinkageRun,
        PairStatus,
        RunStatus,
    )
    from waymark.linkage.tests.review_fixtures import PASSWORD

    linkage_queues_ensure()  # an earlier transactional test may have flushed the migration's queues
    base = live_server.url
    sign_in(page, base, manager.username, PASSWORD)

    # The linkage home page, empty: it says to import a file first.
    page.goto(base + "/linkage/")
    assert "No records have been imported yet" in page.content()
    assert_accessible(page, "linkage home (empty)")
    page.get_by_role("link", name="importing a file").click()

    # 1. Upload.
    page.wait_for_url(re.compile(r"/linkage/imports/new/$"))
    assert_accessible(page, "import upload")
    page.get_by_label("Legacy case extract").check()
    page.get_by_label("Name this import").fill("CID extract, journey test")
    page.set_input_files("input[name=file]", str(legacy_file))
    page.get_by_role("button", name="Upload and continue").click()

    # 2. Map the columns (the CID headers are recognised: nothing to change).
    page.wait_for_url(re.compile(r"/linkage/imports/\d+/columns/$"))
    assert_accessible(page, "import column mapping")
    page.get_by_role("button", name="Save and check the rows").click()

    # 3. Check and confirm.
    page.wait_for_url(re.compile(r"/linkage/imports/\d+/check/$"))
    assert_accessible(page, "import check")
    page.get_by_role("button", name=re.compile(r"^Import [\d,]+ rows$")).click()

    # 4. Progress and report: the worker's job, run here.
    page.wait_for_url(re.compile(r"/linkage/imports/\d+/$"))
    # The page follows the job by itself (issue 16, problem 13): no reload by the user.
    assert page.locator("[data-wm-refresh]").count() == 1
    page.evaluate("window.__notReloaded = true")
    assert "refreshes every" in page.content()
    job = ImportJob.objects.get()
    import_services.import_execute(job.pk)
    job.refresh_from_db()
    assert (
        job.status == ImportStatus.COMPLETED and job.rows_rejected == 0 and job.rows_created > 100
    )
    page.wait_for_function(
        "document.body.innerText.includes('Completed')",
        timeout=rules.IMPORT_PROGRESS_REFRESH_SECONDS * 3000,
    )
    assert page.locator("[data-wm-refresh]").count() == 0  # finished: it stops following the job
    assert page.evaluate("window.__notReloaded === true"), "updated in place, never reloaded"
    # ...and the person who started it is told, in the header's notifications.
    assert page.locator(".waymark-header__count").count() == 1
    assert_accessible(page, "import report")

    # Start a linkage run from the runs page; the worker's job, run here.
    page.goto(base + "/linkage/runs/")
    assert_accessible(page, "linkage runs")
    page.get_by_role("button", name="Start a linkage run").click()
    page.wait_for_url(re.compile(r"/linkage/runs/\d+/$"))
    assert "Waiting to start" in page.content()
    run = LinkageRun.objects.get()
    run = services.linkage_run_execute(run.pk)
    assert run.status == RunStatus.COMPLETED, run.failure_reason
    assert run.pairs_review > 0, "the generated file should give pairs between the thresholds"
    page.reload()
    assert (
        "The trained model" in page.content() and "Forename and surname the same" in page.content()
    )
    assert_accessible(page, "linkage run")

    # The dashboard now counts the records and the pairs waiting.
    page.goto(base + "/linkage/")
    assert_accessible(page, "linkage home")
    page.get_by_role("link", name="Open the review queue").click()

    # The review queue: the most likely pair first.
    page.wait_for_url(re.compile(r"/linkage/review/$"))
    assert_accessible(page, "review queue")
    first = (
        CandidatePair.objects.filter(status=PairStatus.PENDING)
        .order_by("-match_probability", "pk")
        .first()
    )
    assert first is not None
    page.get_by_role("link", name=f"Compare pair {first.pk}").click()

    # The pair side by side, with the reasons.
    page.wait_for_url(re.compile(rf"/linkage/review/pairs/{first.pk}/$"))
    assert "Are these the same person?" in page.content()
    assert "Why the model scored this pair" in page.content()
    assert_accessible(page, "pair comparison")

    # Saving without a decision or a reason: the error summary says what is missing.
    page.get_by_role("button", name="Save decision").click()
    summary = page.locator(".govuk-error-summary")
    assert "Select whether the two records are about the same person" in summary.inner_text()
    assert "Enter the reason for your decision" in summary.inner_text()
    assert_accessible(page, "pair comparison with errors")

    page.get_by_label("Yes, the same person").check()
    page.get_by_label("Reason for your decision").fill(
        "Same name and date of birth; the HO file shows one person"
    )
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url(re.compile(rf"/linkage/review/pairs/{first.pk}/$"))
    content = page.content()
    assert "Decision saved: the same person" in content
    assert "Decided: the same person" in content and "Rita Reviewer" in content
    assert page.get_by_role("button", name="Save decision").count() == 0
    assert_accessible(page, "pair decided")

    first.refresh_from_db()
    assert first.status == PairStatus.MATCH and first.decided_by_id == manager.pk
    left, right = first.record_l, first.record_r
    left.refresh_from_db()
    right.refresh_from_db()
    assert first.person_merge is not None or left.person_id == right.person_id
