"""Oversight's rules pinned at their boundaries."""

from __future__ import annotations

from waymark.oversight import rules
from waymark.oversight.workflows import ACTION_TRANSITIONS


def test_one_revision_of_the_due_date_is_already_slipping():
    assert rules.SLIPPING_REVISIONS == 1
    assert not rules.slipping(0)
    assert rules.slipping(1)


def test_due_soon_is_two_weeks():
    assert rules.DUE_SOON_DAYS == 14


def test_the_seed_counts_are_the_reports_own():
    assert rules.SEED_RECOMMENDATION_COUNTS == {"000": 5, "001": 8, "002": 25, "003": 6, "004": 7}


def test_an_action_closes_two_ways_and_reopens():
    assert ACTION_TRANSITIONS["open"] == {"closed", "closed_with_monitoring"}
    assert ACTION_TRANSITIONS["closed"] == {"open"}
    assert ACTION_TRANSITIONS["closed_with_monitoring"] == {"open"}
