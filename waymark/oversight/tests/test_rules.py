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


# --- governance: risks, supplier issues, complaints, lessons (item 6) ---
def test_a_risk_is_rated_likelihood_times_impact_on_five_point_scales():
    from waymark.oversight import rules

    assert (rules.RISK_SCORE_MIN, rules.RISK_SCORE_MAX) == (1, 5)
    assert rules.risk_rating(4, 5) == 20
    assert not rules.risk_score_valid(0) and not rules.risk_score_valid(6)
    assert all(rules.risk_score_valid(n) for n in range(1, 6))


def test_the_levels_are_the_5x5_matrix_bands():
    from waymark.oversight import rules

    assert (rules.RISK_HIGH_FROM, rules.RISK_MEDIUM_FROM) == (15, 5)
    assert rules.risk_level(25) == rules.risk_level(15) == "high"
    assert rules.risk_level(12) == rules.risk_level(5) == "medium"
    assert rules.risk_level(4) == rules.risk_level(1) == "low"


def test_reviews_follow_simplerisk_s_cadence_by_level():
    from datetime import date

    from waymark.oversight import rules

    assert rules.RISK_REVIEW_DAYS == {"high": 90, "medium": 180, "low": 360}
    on = date(2026, 1, 1)
    assert rules.risk_next_review_on(on, 16) == date(2026, 4, 1)
    assert rules.risk_next_review_on(on, 9) == date(2026, 6, 30)
    assert rules.risk_next_review_on(on, 2) == date(2026, 12, 27)
    assert rules.RISK_ACCEPTANCE_MAX_DAYS == 365
    assert rules.RISK_REVIEW_DUE_SOON_DAYS == 14
    assert rules.GOVERNANCE_TASK_WORKING_DAYS == 5


def test_a_complaint_is_answered_within_20_working_days_of_receipt():
    from datetime import date

    from waymark.oversight import rules

    assert rules.COMPLAINT_RESPONSE_WORKING_DAYS == 20
    assert rules.COMPLAINT_REVIEW_WORKING_DAYS == 20
    # Received on a Monday with no bank holiday near: four weeks later.
    assert rules.complaint_due_on(date(2026, 3, 2)) == date(2026, 3, 30)
    # Received on Friday 18 December 2026: Christmas Day (Friday), Boxing Day's substitute
    # (Monday 28) and New Year's Day (Friday) do not count.
    assert rules.complaint_due_on(date(2026, 12, 18)) == date(2027, 1, 20)
    # Scotland keeps 2 January as well (Saturday in 2027: its substitute is Monday 4 January).
    assert rules.complaint_due_on(date(2026, 12, 18), "scotland") == date(2027, 1, 21)
    assert rules.COMPLAINT_DUE_SOON_DAYS == 5
    assert rules.COMPLAINT_THEMES_MONTHS == 12
    assert rules.GOVERNANCE_PAGE_SIZE == 25
    assert rules.GOVERNANCE_CHASE_DAYS == 14


def test_training_record_numbers():
    # 002 rec 2a and the response: "all training packages are reviewed annually".
    assert rules.TRAINING_CONTENT_REVIEW_DAYS == 365
    assert rules.TRAINING_SESSION_BACKDATE_DAYS == 366
    assert rules.TRAINING_SESSIONS_SHOWN == 50


def test_the_training_course_state_machine():
    from waymark.oversight.workflows import TRAINING_COURSE_TRANSITIONS as T

    assert {str(k): {str(v) for v in vs} for k, vs in T.items()} == {
        "draft": {"approved", "withdrawn"},
        "approved": {"withdrawn"},
        "withdrawn": set(),
    }


def test_governance_state_machines():
    from waymark.oversight.workflows import (
        COMPLAINT_TRANSITIONS,
        RISK_TRANSITIONS,
        SUPPLIER_ISSUE_TRANSITIONS,
    )

    assert {"open": {"closed"}, "closed": {"open"}} == RISK_TRANSITIONS
    assert SUPPLIER_ISSUE_TRANSITIONS["open"] == {"with_supplier", "resolved"}
    assert SUPPLIER_ISSUE_TRANSITIONS["resolved"] == {"closed", "open"}
    assert SUPPLIER_ISSUE_TRANSITIONS["closed"] == frozenset()
    assert COMPLAINT_TRANSITIONS["received"] == {"allocated"}
    assert COMPLAINT_TRANSITIONS["responded"] == frozenset()
