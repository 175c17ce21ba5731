"""The numbered rules: these tests fail if a number changes (change them together, with a
citation)."""

from datetime import UTC, datetime, timedelta

import pytest

from waymark.core.clock import LONDON
from waymark.work import rules
from waymark.work.registry import get_task_type


def test_general_enquiry_is_five_working_days():  # 000 §5.85
    assert rules.GENERAL_ENQUIRY_WORKING_DAYS == 5
    assert rules.get_deadline_rule("general_enquiry") == rules.WorkingDays(5)
    assert get_task_type("general.enquiry").deadline_rule == "general_enquiry"


def test_at_risk_window_is_24_hours():
    assert timedelta(hours=24) == rules.AT_RISK_WINDOW


def test_throughput_figures_default_to_the_last_30_days():
    # oversight's performance page defaults to 30 days too (oversight.rules.PERFORMANCE_PERIOD_DAYS)
    assert rules.THROUGHPUT_DEFAULT_DAYS == 30


def test_age_bands_are_pinned():
    assert [(low, high) for _key, _label, low, high in rules.AGE_BANDS] == [
        (0, 2),
        (3, 5),
        (6, 10),
        (11, 20),
        (21, None),
    ]


def test_working_days_in_england_and_wales():
    start = datetime(2026, 3, 3, 14, 30, tzinfo=LONDON)  # a Tuesday
    due, inputs = rules.deadline_compute("general_enquiry", start, "england-and-wales")
    assert due.astimezone(LONDON) == datetime(2026, 3, 10, 23, 59, 59, tzinfo=LONDON)
    assert inputs == {
        "rule": "general_enquiry",
        "kind": "working_days",
        "start": start.isoformat(),
        "nation": "england-and-wales",
        "days": 5,
        "bank_holidays_skipped": [],
    }
    assert rules.deadline_describe(inputs) == (
        "Due 5 working days after 3 March 2026 (England and Wales bank holidays)"
    )


def test_second_of_january_is_a_bank_holiday_in_scotland_only():
    start = datetime(2025, 12, 31, 10, 0, tzinfo=LONDON)  # Wednesday; 1 January is a Thursday
    england, england_inputs = rules.deadline_compute("general_enquiry", start, "england-and-wales")
    scotland, scotland_inputs = rules.deadline_compute("general_enquiry", start, "scotland")
    assert england.astimezone(LONDON).date().isoformat() == "2026-01-08"
    assert scotland.astimezone(LONDON).date().isoformat() == "2026-01-09"
    assert england_inputs["bank_holidays_skipped"] == ["2026-01-01"]
    assert scotland_inputs["bank_holidays_skipped"] == ["2026-01-01", "2026-01-02"]
    assert "Scotland bank holidays" in rules.deadline_describe(scotland_inputs)


def test_st_andrews_day_counts_in_scotland_only():
    start = datetime(2026, 11, 27, 9, 0, tzinfo=LONDON)  # Friday; 30 November 2026 is a Monday
    rules.register_deadline_rule("test_one_working_day", rules.WorkingDays(1))
    england, _ = rules.deadline_compute("test_one_working_day", start, "england-and-wales")
    scotland, _ = rules.deadline_compute("test_one_working_day", start, "scotland")
    assert england.astimezone(LONDON).date().isoformat() == "2026-11-30"
    assert scotland.astimezone(LONDON).date().isoformat() == "2026-12-01"


def test_calendar_hours_ignore_weekends_and_holidays():
    rules.register_deadline_rule("test_72_hours", rules.CalendarHours(72))
    start = datetime(2025, 12, 31, 9, 0, tzinfo=UTC)
    due, inputs = rules.deadline_compute("test_72_hours", start, "scotland")
    assert due == datetime(2026, 1, 3, 9, 0, tzinfo=UTC)
    assert inputs["hours"] == 72 and inputs["kind"] == "calendar_hours"
    assert rules.deadline_describe(inputs) == "Due 72 hours after 31 December 2025, 9:00am"


def test_a_different_rule_under_a_taken_name_is_refused():
    with pytest.raises(ValueError):
        rules.register_deadline_rule("general_enquiry", rules.WorkingDays(10))
    rules.register_deadline_rule("general_enquiry", rules.WorkingDays(5))  # same again: harmless


def test_unknown_rule_and_nation():
    start = datetime(2026, 3, 3, tzinfo=UTC)
    with pytest.raises(KeyError):
        rules.deadline_compute("no_such_rule", start, "england-and-wales")
    with pytest.raises(ValueError):
        rules.deadline_compute("general_enquiry", start, "wales")


@pytest.mark.parametrize(
    ("hours_until_due", "state"),
    [(None, "no_deadline"), (-1, "overdue"), (0.5, "at_risk"), (23.9, "at_risk"), (24, "on_time")],
)
def test_deadline_state(hours_until_due, state):
    now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    due = None if hours_until_due is None else now + timedelta(hours=hours_until_due)
    assert rules.deadline_state(due, now) == state


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (0, "0-2"),
        (2, "0-2"),
        (3, "3-5"),
        (10, "6-10"),
        (11, "11-20"),
        (20, "11-20"),
        (21, "21+"),
        (400, "21+"),
    ],
)
def test_age_band(days, band):
    now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    assert rules.age_band(now - timedelta(days=days, hours=1), now) == band


def test_default_priority_and_get_next_attempts_are_pinned():
    assert rules.DEFAULT_PRIORITY == 0
    assert rules.GET_NEXT_ATTEMPTS == 5
