"""Every number in rules.py §1-§5, pinned at its boundary: each test fails if the number changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from waymark.accounts.models import Grade
from waymark.core.clock import LONDON
from waymark.operations import rules

START = datetime(2026, 11, 23, 6, 0, tzinfo=LONDON)


# §1 Priority matrix and the sector plan
def test_priority_matrix_default_values():
    assert rules.PRIORITY_MATRIX_DEFAULT == {
        "high": {"A": 1, "B": 1, "C": 2, "D": 3, "E": 2},
        "medium": {"A": 2, "B": 2, "C": 3, "D": 4, "E": 3},
        "low": {"A": 3, "B": 3, "C": 4, "D": 4, "E": 4},
    }


def test_sector_plan_raises_priority_by_one_but_never_above_1():
    assert rules.SECTOR_PLAN_UPLIFT == 1
    assert rules.tasking_priority(harm="medium", reliability="C", sector_in_plan=False)[0] == 3
    priority, reason = rules.tasking_priority(harm="medium", reliability="C", sector_in_plan=True)
    assert priority == 2 and "sector plan" in reason
    assert rules.tasking_priority(harm="high", reliability="A", sector_in_plan=True)[0] == 1


# §2 Authorisation grades per rating, ECIA for red
@pytest.mark.parametrize(
    ("rating", "lowest", "below"),
    [("green", Grade.HEO, Grade.EO), ("amber", Grade.SEO, Grade.HEO), ("red", Grade.G7, Grade.SEO)],
)
def test_authorisation_grade_per_rating(rating, lowest, below):
    assert rules.AUTHORISATION_MIN_GRADE[rating] == lowest
    assert rules.may_authorise(grade=lowest, rating=rating)
    assert not rules.may_authorise(grade=below, rating=rating)
    assert rules.authorisation_problem(grade=lowest, rating=rating, ecia_completed=True) == ""
    problem = rules.authorisation_problem(grade=below, rating=rating, ecia_completed=True)
    assert Grade(lowest).label in problem and Grade(below).label in problem


def test_ecia_required_for_red_only():
    assert frozenset({"red"}) == rules.ECIA_REQUIRED_RATINGS
    assert "impact assessment" in rules.authorisation_problem(
        grade=Grade.G7, rating="red", ecia_completed=False
    )
    assert rules.authorisation_problem(grade=Grade.G7, rating="amber", ecia_completed=False) == ""


def test_no_rating_is_refused():
    assert "no risk rating" in rules.authorisation_problem(
        grade=Grade.G6, rating=None, ecia_completed=True
    )


def test_material_fields_and_risk_minimum():
    assert rules.MATERIAL_FIELDS == ("planned_start", "premises", "subjects", "risk_rating")
    assert rules.RISK_MIN_CHARACTERS == 10
    assert set(rules.PLAN_LETTERS) == {"proportionate", "legal", "accountable", "necessary"}


# §3 Checks and police notification
def test_final_status_check_within_24_hours_before():
    assert timedelta(hours=24) == rules.FINAL_STATUS_CHECK_WINDOW
    assert rules.final_status_check_in_window(
        checked_at=START - timedelta(hours=24), planned_start=START
    )
    assert not rules.final_status_check_in_window(
        checked_at=START - timedelta(hours=24, minutes=1), planned_start=START
    )
    assert not rules.final_status_check_in_window(
        checked_at=START + timedelta(minutes=1), planned_start=START
    )


def test_onf_sent_at_least_3_days_before():
    assert timedelta(days=3) == rules.ONF_MIN_NOTICE
    assert rules.onf_sent_in_time(sent_at=START - timedelta(days=3), planned_start=START)
    assert not rules.onf_sent_in_time(
        sent_at=START - timedelta(days=3) + timedelta(minutes=1), planned_start=START
    )


def test_police_have_72_hours():
    assert timedelta(hours=72) == rules.ONF_POLICE_RESPONSE
    assert rules.onf_response_due(START) == START + timedelta(hours=72)


@pytest.mark.parametrize(
    ("returned", "valid_until"),
    [
        (datetime(2027, 1, 31, 12, 0, tzinfo=LONDON), datetime(2027, 2, 28, 12, 0, tzinfo=LONDON)),
        (datetime(2028, 1, 31, 12, 0, tzinfo=LONDON), datetime(2028, 2, 29, 12, 0, tzinfo=LONDON)),
        (datetime(2026, 11, 18, 9, 0, tzinfo=LONDON), datetime(2026, 12, 18, 9, 0, tzinfo=LONDON)),
    ],
)
def test_onf_valid_one_calendar_month(returned, valid_until):
    assert rules.ONF_VALIDITY_MONTHS == 1
    assert rules.onf_valid_until(returned) == valid_until


def test_checks_list():
    assert {k for k, (_, per_subject) in rules.CHECKS.items() if per_subject} == {
        "casework_subject",
        "visa_records",
        "pnc",
    }
    assert {k for k, (_, per_subject) in rules.CHECKS.items() if not per_subject} == {
        "casework_postcode",
        "previous_visits",
        "final_status",
    }


# §4 Reconnaissance
def test_imagery_older_than_365_days_is_flagged():
    assert rules.IMAGERY_MAX_AGE_DAYS_DEFAULT == 365
    today = date(2026, 11, 18)
    assert not rules.imagery_is_old(imagery_date=today - timedelta(days=365), on=today)
    assert rules.imagery_is_old(imagery_date=today - timedelta(days=366), on=today)


# §5 Command and order
def test_officer_in_charge_minimum_grade_and_order_formats():
    assert rules.OFFICER_IN_CHARGE_MIN_GRADE == Grade.EO
    assert frozenset({"amber", "red"}) == rules.IIMARCH_RATINGS
    assert rules.order_sections("green") is rules.DIGITAL_ORDER_SECTIONS
    assert rules.order_sections("amber") is rules.IIMARCH_SECTIONS
    assert list(rules.IIMARCH_SECTIONS) == [
        "information",
        "intention",
        "method",
        "administration",
        "risk_assessment",
        "communications",
        "human_rights",
    ]
    assert len(rules.DIGITAL_ORDER_SECTIONS) == 6


def test_closure_due_48_hours_after_the_visit():
    assert timedelta(hours=48) == rules.CLOSURE_DUE
    assert rules.closure_due_at(START) == START + timedelta(hours=48)
