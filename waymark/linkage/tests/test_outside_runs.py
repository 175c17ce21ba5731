"""A linkage run over records shaped the way the generator does not make them (issue 18): no
identifiers or nationality, foreign postcodes, addresses. The run trains, links, and keeps its
training report, which the run page shows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from waymark.linkage import engine, services
from waymark.linkage.models import RunStatus
from waymark.linkage.services._common import engine_records, linkable_records
from waymark.linkage.tests import outside_fixtures
from waymark.linkage.tests.linking_fixtures import job_make, record_make, user_with_role

pytestmark = pytest.mark.django_db


def test_a_run_without_identifiers_trains_links_and_reports_what_it_could_not_train(client):
    manager = user_with_role("records_manager")
    rows, truth = outside_fixtures.outside_rows(60, seed=21)
    job = job_make()
    for row in rows:
        record_make(job, **row)
    run = services.linkage_run_start(actor=manager)
    run = services.linkage_run_execute(
        run.pk, truth={f"legacy_case:{ref}": key for ref, key in truth.items()}
    )
    assert run.status == RunStatus.COMPLETED, run.failure_reason
    assert run.clusters < run.records
    training = run.training
    assert training["prior_source"] == "rules" and 0 < training["prior"] < 1
    assert {"name", "dob", "address"} <= set(training["trained"])
    untrained = {u["comparison"] for u in training["untrained"]}
    assert {"home_office_ref", "pnc_id", "nationality", "sex"} <= untrained
    assert run.accuracy["pairwise"]["precision"] >= 0.95

    client.force_login(manager)
    page = client.get(reverse("linkage:run-detail", args=[run.pk])).content.decode()
    assert "How the model was trained" in page and "data-untrained" in page
    assert "home_office_ref: empty in every record" in page


def test_a_run_with_a_truth_reports_its_blocking_recall_on_the_run_page(client):
    manager = user_with_role("records_manager")
    rows, truth = outside_fixtures.outside_rows(40, seed=22)
    job = job_make()
    for row in rows:
        record_make(job, **row)
    run = services.linkage_run_execute(
        services.linkage_run_start(actor=manager).pk,
        truth={f"legacy_case:{ref}": key for ref, key in truth.items()},
    )
    blocking = run.accuracy["blocking"]
    assert blocking["true_pairs"] == run.accuracy["pairwise"]["true_pairs"] > 0
    assert 0 < blocking["compared"] <= blocking["true_pairs"]
    assert blocking["recall"] == blocking["compared"] / blocking["true_pairs"]
    assert blocking["comparisons_per_record"] > 0

    client.force_login(manager)
    page = client.get(reverse("linkage:run-detail", args=[run.pk])).content.decode()
    assert "data-blocking-recall" in page and "Blocking recall" in page


def test_a_run_counts_every_pair_its_blocking_compared_not_only_those_it_kept(client):
    """The run page's "Pairs compared after blocking" is every pair the rules compared (the same
    number the engine enumerates over the run's records), not the pairs scored at or above the
    lower threshold, which are fewer."""
    manager = user_with_role("records_manager")
    rows, _truth = outside_fixtures.outside_rows(40, seed=24)
    job = job_make()
    for row in rows:
        record_make(job, **row)
    run = services.linkage_run_execute(services.linkage_run_start(actor=manager).pk)
    assert run.status == RunStatus.COMPLETED, run.failure_reason
    records = engine_records(linkable_records())
    enumerated = engine.blocking_recall(records, {r["unique_id"]: "one" for r in records})
    assert run.comparisons == enumerated["comparisons"] > run.pairs_auto + run.pairs_review > 0

    client.force_login(manager)
    page = client.get(reverse("linkage:run-detail", args=[run.pk])).content.decode()
    assert f"{run.comparisons:,}" in page.split("Pairs compared after blocking", 1)[1][:300]


def test_the_run_page_shows_calibration_against_the_truth_and_the_decisions(client):
    manager = user_with_role("records_manager")
    rows, truth = outside_fixtures.outside_rows(40, seed=23)
    job = job_make()
    for row in rows:
        record_make(job, **row)
    run = services.linkage_run_execute(
        services.linkage_run_start(actor=manager).pk,
        truth={f"legacy_case:{ref}": key for ref, key in truth.items()},
    )
    calibration = run.calibration
    scored = [b for b in calibration["bands"] if b["pairs"]]
    kept = sum(b["pairs"] for b in calibration["bands"])
    assert scored and run.pairs_auto + run.pairs_review <= kept <= run.comparisons
    for band in scored:
        assert band["from"] <= band["expected_share"] < band["to"] or band["to"] == 1
        assert band["with_truth"] == band["pairs"] and 0 <= band["measured_share"] <= 1
    assert calibration["expected_precision"] >= run.upper_threshold
    assert 0 < calibration["expected_recall"] <= calibration["expected_recall_reviewed"] <= 1
    assert 0.9 <= calibration["measured_precision"] <= 1

    client.force_login(manager)
    page = client.get(reverse("linkage:run-detail", args=[run.pk])).content.decode()
    assert "data-calibration" in page and "data-expected" in page
    assert "Expected share of matches" in page and "Decided the same person" in page
