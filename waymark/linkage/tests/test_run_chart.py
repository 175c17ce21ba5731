"""The linkage run page's score chart (decision 0014): the run's pairs by match weight in bins of a
round width, counted by the database, drawn as an SVG histogram with a one-sentence summary and
the same figures in a table under "Show the figures as a table"."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from waymark.core import clock
from waymark.linkage import selectors
from waymark.linkage.models import PairStatus, RunStatus
from waymark.linkage.tests import review_fixtures as fx

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with clock.frozen(fx.NOW):
        yield fx.NOW


@pytest.fixture
def manager(db):
    return fx.user_make("records_manager", first_name="Rita", last_name="Reviewer")


@pytest.fixture
def scored(frozen):
    """A run and four pairs it scored, with match weights 3, 7.5, 12 and 12.5."""
    job = fx.import_job_make()
    a, b, c, d = (
        fx.record_make(
            job,
            source_ref=f"CASE-{n}",
            given_names="Amir",
            family_name=name,
            date_of_birth=date(1990, 5, 7),
        )
        for n, name in enumerate(("Haddad", "Hadad", "Haddadi", "Hadded"))
    )
    run = fx.run_make()
    for left, right, weight, probability in (
        (a, b, 3.0, 0.89),
        (a, c, 7.5, 0.995),
        (a, d, 12.0, 0.9998),
        (b, c, 12.5, 0.9999),
    ):
        fx.pair_make(
            run,
            left,
            right,
            status=PairStatus.AUTO,
            weight=weight,
            probability=probability,
            task=False,
        )
    return run


def test_the_scores_are_counted_in_round_bins(scored):
    scores = selectors.run_score_bins(scored)
    assert scores["total"] == 4 and scores["auto"] == 3
    assert scores["edges"][0] == 3 and scores["edges"][-1] == 13
    counts = {b["label"]: b["count"] for b in scores["bins"]}
    assert len(counts) == 10 and sum(counts.values()) == 4
    assert counts["3 to under 4"] == 1 and counts["7 to under 8"] == 1
    assert counts["12 to under 13"] == 2 and counts["4 to under 5"] == 0


def test_the_run_page_charts_the_scores_and_keeps_them_in_a_table(client, manager, scored):
    client.force_login(manager)
    html = client.get(reverse("linkage:run-detail", args=[scored.pk])).content.decode()
    assert 'style="' not in html
    assert '<svg class="wm-chart wm-chart--histogram"' in html and 'role="img"' in html
    assert '<title id="chart-run-scores-title">Pairs by match weight</title>' in html
    assert (
        '<p class="govuk-body wm-chart__summary">Of 4 pairs this run scored, the most (2) had a'
        " match weight of 12 to under 13; 3 were at or above the threshold for linking"
        " automatically (99.0%).</p>"
    ) in html
    table = html.split("Show the figures as a table", 1)[1]
    assert '<table class="govuk-table" data-scores>' in table and "12 to under 13" in table


def test_a_run_with_no_pairs_says_there_is_nothing_to_chart(client, manager, frozen):
    run = fx.run_make(status=RunStatus.QUEUED)
    client.force_login(manager)
    html = client.get(reverse("linkage:run-detail", args=[run.pk])).content.decode()
    assert "No pairs scored yet." in html and "Show the figures as a table" not in html
