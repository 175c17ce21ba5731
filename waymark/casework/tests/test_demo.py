"""The casework demo data reproduces the seeds' figures (001 Figures 1, 6, 7, 8, 9; §7.20, §7.26)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from waymark.casework import demo, selectors
from waymark.casework.models import Case, ReportingEvent
from waymark.core import clock
from waymark.demo.generator import OWNERSHIP, demo_load

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds the demo
ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
SCALE = 0.1


@pytest.fixture(scope="module")
def figures(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            demo_load(scale=SCALE, seed=2026, anchor=ANCHOR, correspondence=False)
            with clock.frozen(ANCHOR):
                result = selectors.mi_figures()
                extra = {
                    "weekly": [w["missed"] for w in result["missed_weeks"][:-1]],
                    "open_cases": Case.objects.filter(status="open").count(),
                    "past_blank": ReportingEvent.objects.filter(
                        outcome="", due_on__lt=ANCHOR.date(), cancelled=False
                    ).count(),
                }
            transaction.set_rollback(True)
    return result, extra


def test_figure_1_cases_by_team_follow_the_seed_shares(figures):
    f, _extra = figures
    totals = {row["team"]: row["total"] for row in f["figure_1"]}
    share = totals["Criminal casework Croydon"] / f["figure_1_total"]
    assert abs(share - OWNERSHIP["criminal-casework-croydon"] / sum(OWNERSHIP.values())) < 0.04
    assert all(len(row["bands"]) == 4 for row in f["figure_1"])


def test_non_detained_stock_reporting_and_absconders_follow_001_7_20(figures):
    f, _extra = figures
    assert f["non_detained"] == round(demo.NON_DETAINED_AT_X1 * SCALE)
    assert f["absconders"] == round(
        f["non_detained"] * demo.ABSCONDERS_AT_X1 / demo.NON_DETAINED_AT_X1
    )
    assert f["reporting_population"] == f["non_detained"] - f["absconders"]


def test_missed_events_are_700_to_750_a_week_at_x1(figures):
    _f, extra = figures
    weekly = extra["weekly"]
    assert 600 * SCALE <= sum(weekly) / len(weekly) <= 850 * SCALE
    assert extra["past_blank"] > 0  # blanks exist, for the centres to be chased


def test_figure_6_one_year_of_removals_in_the_2016_17_proportions(figures):
    f, _extra = figures
    year = f["figure_6"][0]
    assert year["year"] == "2025/26"
    assert year["removed"] == round(6_182 * SCALE) and year["failed"] == round(3_106 * SCALE)
    assert (year["removed_pct"], year["failed_pct"]) == (67, 33)


def test_figures_7_and_8_the_two_charters(figures):
    f, _extra = figures
    charters = [(c["planned"], c["removed"]) for c in f["charters"]]
    assert charters == [(round(p * SCALE), round(r * SCALE)) for _ref, _m, p, r in demo.CHARTERS]
    reasons = Counter()
    for c in f["charters"]:
        reasons.update(dict(c["reasons"]))
    labels = {k: lbl for k, lbl, _n in f["figure_8"]}
    top = {k: reasons[labels[k]] for k in demo.FIGURE_8}
    assert sum(top.values()) == round(sum(demo.FIGURE_8.values()) * SCALE)
    assert top["fresh_asylum_claim"] >= top["judicial_review"] >= top["no_visit_resources"]


def test_figure_9_referred_and_located_each_year(figures):
    f, _extra = figures
    rows = {r["year"]: (r["referred"], r["located"]) for r in f["figure_9"]}
    first = ANCHOR.year - len(demo.FIGURE_9) + 1
    for offset, (referred, located) in enumerate(demo.FIGURE_9):
        assert rows[first + offset] == (round(referred * SCALE), round(located * SCALE))
