"""The tracker's demo data: every recommendation, and actions at the state 002's response gives
(completed elements closed and signed off by someone other than their owner; three re-planned
ones slipping)."""

from __future__ import annotations

from waymark import testing
from waymark.oversight import rules, selectors
from waymark.oversight.demo import IECA_ACTIONS, IECA_REPLANNED, OTHER_ACTIONS, oversight_demo_load
from waymark.oversight.models import Action, ActionStatus, Recommendation


def test_the_demo_tracker_is_at_the_state_the_reports_describe(team):
    owner = testing.user_make("line_manager", team, username="line-manager")
    testing.user_make("assurance", team, username="assurance")
    testing.user_make("service_delivery", team, username="service-delivery")
    counts = oversight_demo_load(anchor=testing.NOW)
    assert Recommendation.objects.count() == sum(rules.SEED_RECOMMENDATION_COUNTS.values())
    assert counts["oversight_actions"] == len(IECA_ACTIONS) + len(OTHER_ACTIONS)
    closed = Action.objects.filter(status=ActionStatus.CLOSED)
    assert closed.count() == sum(1 for *_, done in IECA_ACTIONS if done)
    assert not closed.filter(signed_off_by=owner).exists()
    assert not Action.objects.filter(
        recommendation__seed="002", recommendation__number="5d"
    ).exists()
    slipping = [
        r.recommendation.number for r in selectors.tracker_rows(seed="002", slipping_only=True)
    ]
    assert sorted(slipping) == sorted(IECA_REPLANNED)
    # A second run adds nothing.
    oversight_demo_load(anchor=testing.NOW)
    assert Action.objects.count() == counts["oversight_actions"]
