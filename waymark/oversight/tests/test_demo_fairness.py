"""The fairness and data-quality demo loader: items only for flagged disparities, at every state
(open, answered, closed), opened, answered and accepted by the right people; weekly data-quality
measurements so the dashboard has a trend; a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.services import roles_sync
from waymark.core import fairness as core_fairness
from waymark.core.demo_loaders import demo_loaders
from waymark.core.fairness import DecisionPoint, DecisionRow
from waymark.oversight.demo_fairness import MAX_ITEMS, MEASURE_WEEKS, fairness_demo_load
from waymark.oversight.models import DataQualityScore, DisparityReview, DisparityReviewStatus

K = 11


@pytest.fixture
def world(db, monkeypatch):
    """A decision point whose sector breakdown flags three sectors against Retail (and one group
    that is not flagged), and the demo's analyst and data protection officer."""
    rows: list[DecisionRow] = []
    p = DecisionPoint(
        "fairdemo.point",
        "Demo decisions",
        "fairdemo",
        "Outcome happened",
        lambda start, end: [r for r in rows if start <= r.on <= end],
        carries=("sector",),
    )
    monkeypatch.setattr(core_fairness, "_POINTS", {p.key: p})
    day = testing.NOW.date() - timedelta(days=10)
    for sector, n, a in (
        ("Retail", 300, 60),
        ("Construction", 100, 40),
        ("Car washes", 100, 45),
        ("Nail bars", 100, 50),
        ("Takeaways", 100, 21),
    ):
        rows += [DecisionRow(None, None, i < a, day, sector) for i in range(n)]
    roles_sync()
    team = Team.objects.get_or_create(slug="fair-demo", defaults={"name": "Performance"})[0]
    analyst = testing.user_make("performance_analyst", team, username="performance-analyst")
    dpo = testing.user_make("data_protection", team, username="data-protection")
    return analyst, dpo


def test_items_only_for_flagged_groups_at_every_state(world):
    analyst, dpo = world
    counts = fairness_demo_load(anchor=testing.NOW)
    items = DisparityReview.objects.order_by("pk")
    assert counts["fairness_items"] == items.count() == 3 <= MAX_ITEMS
    assert {i.group for i in items} == {"Construction", "Car washes", "Nail bars"}
    assert {i.status for i in items} == {
        DisparityReviewStatus.OPEN,
        DisparityReviewStatus.ANSWERED,
        DisparityReviewStatus.CLOSED,
    }
    for item in items:
        assert item.opened_by == analyst and item.owner == dpo
        if item.status != DisparityReviewStatus.OPEN:
            assert item.answered_by == dpo and item.answer
        if item.status == DisparityReviewStatus.CLOSED:
            assert item.closed_by == analyst


def test_data_quality_is_measured_weekly_for_a_trend(world):
    fairness_demo_load(anchor=testing.NOW)
    days = set(DataQualityScore.objects.values_list("measured_on", flat=True))
    assert len(days) == MEASURE_WEEKS + 1
    assert max(days) == testing.NOW.date()
    assert min(days) == testing.NOW.date() - timedelta(weeks=MEASURE_WEEKS)


def test_a_second_run_adds_nothing(world):
    fairness_demo_load(anchor=testing.NOW)
    items, scores = DisparityReview.objects.count(), DataQualityScore.objects.count()
    fairness_demo_load(anchor=testing.NOW)
    assert DisparityReview.objects.count() == items
    assert DataQualityScore.objects.count() == scores


def test_the_loader_is_registered_after_the_modules():
    loaders = {loader.name: loader for loader in demo_loaders()}
    assert loaders["oversight_fairness"].order > max(
        loader.order
        for name, loader in loaders.items()
        if not name.startswith(("oversight", "competence"))
    )
