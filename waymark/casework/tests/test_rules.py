"""Every numbered casework rule, pinned: each test fails if its number changes (brief casework.md)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from waymark.accounts.models import Grade
from waymark.casework import rules
from waymark.core import clock


def S(days, on=date(2024, 1, 1), custodial=True, offence="Theft"):
    return rules.Sentence(convicted_on=on, days=days, custodial=custodial, offence=offence)


# --- §1 referral: 12 months; aggregated within 5 years ------------------------------------------------


def test_a_sentence_of_12_months_is_referable_and_one_day_less_is_not():
    assert rules.REFERRAL_SENTENCE_MONTHS == 12
    assert [k for k, _ in rules.referral_criteria([S(365)], harm_level="low")] == [
        "sentence_12_months"
    ]
    assert rules.referral_criteria([S(364)], harm_level="low") == []


def test_two_or_three_sentences_adding_up_to_12_months_within_5_years_are_referable():
    assert (rules.AGGREGATE_WINDOW_YEARS, rules.AGGREGATE_MAX_SENTENCES) == (5, 3)
    within = [S(200, date(2020, 1, 1)), S(165, date(2024, 12, 31))]
    assert "aggregate_5_years" in [k for k, _ in rules.referral_criteria(within, harm_level="low")]
    apart = [S(200, date(2019, 1, 1)), S(165, date(2024, 1, 2))]
    assert rules.referral_criteria(apart, harm_level="low") == []
    three = [S(120, date(2022, 1, 1)), S(120, date(2023, 1, 1)), S(125, date(2024, 1, 1))]
    assert "aggregate_5_years" in [k for k, _ in rules.referral_criteria(three, harm_level="low")]
    four_small = [
        S(100, date(2022, 1, 1)),
        S(100, date(2022, 6, 1)),
        S(100, date(2023, 1, 1)),
        S(100, date(2023, 6, 1)),
    ]
    assert "aggregate_5_years" not in [
        k for k, _ in rules.referral_criteria(four_small, harm_level="low")
    ]


def test_serious_harm_persistent_offending_and_discretionary_categories():
    assert rules.SERIOUS_HARM_LEVELS == ("high", "very_high")
    assert [k for k, _ in rules.referral_criteria([S(30)], harm_level="high")] == ["serious_harm"]
    assert rules.PERSISTENT_OFFENDER_CONVICTIONS_DEFAULT == 3
    many = [S(30, date(2023, 1, 1)), S(30, date(2023, 6, 1)), S(30, date(2024, 1, 1))]
    assert "persistent_offender" in [k for k, _ in rules.referral_criteria(many, harm_level="low")]
    violent = [S(90, offence="Assault occasioning actual bodily harm")]
    assert [k for k, _ in rules.referral_criteria(violent, harm_level="low")] == ["discretionary"]


def test_intake_28_days_and_decision_overdue_12_months():
    assert rules.INTAKE_DAYS == 28
    assert rules.DECISION_OVERDUE_MONTHS == 12


# --- banding, including "sentence over 5 years" ----------------------------------------------------------


def test_band_boundaries():
    assert rules.BAND_1_SENTENCE_OVER_YEARS == 5
    common = {"formerly_mappa": False, "harm_level": "medium", "removable": True}
    assert rules.band_for(mappa_level=2, longest_sentence_days=100, **common)[0] == 1
    assert rules.band_for(mappa_level=3, longest_sentence_days=100, **common)[0] == 1
    assert (
        rules.band_for(
            mappa_level=1, longest_sentence_days=100, **{**common, "harm_level": "very_high"}
        )[0]
        == 1
    )
    assert rules.band_for(mappa_level=1, longest_sentence_days=100, **common)[0] == 2
    assert (
        rules.band_for(
            mappa_level=None, longest_sentence_days=100, **{**common, "formerly_mappa": True}
        )[0]
        == 2
    )
    assert rules.band_for(mappa_level=None, longest_sentence_days=100, **common)[0] == 3
    assert (
        rules.band_for(
            mappa_level=None, longest_sentence_days=100, **{**common, "removable": False}
        )[0]
        == 4
    )


def test_a_sentence_over_5_years_is_band_1_and_exactly_5_years_is_not():
    five_years = (date(2025, 1, 1) - date(2020, 1, 1)).days  # 1,827 days with two leap days
    common = {"mappa_level": None, "formerly_mappa": False, "harm_level": "low", "removable": True}
    assert rules.band_for(longest_sentence_days=1827, **common)[0] == 1
    assert rules.band_for(longest_sentence_days=1826, **common)[0] == 3
    assert five_years >= 1826


def test_routing_sends_bands_1_2_to_one_team_and_3_4_to_another():
    route = rules.routing()
    assert route[1] == route[2] and route[3] == route[4] and route[1] != route[3]


# --- §2 reporting: weekly default; 1-hour window --------------------------------------------------------


def _problems(**kw):
    values = {
        "frequency_days": 7,
        "frequency_reason": "",
        "window_start": time(10),
        "window_minutes": 60,
        "window_reason": "",
        "detain_on_reporting": False,
        "starts_on": date(2026, 11, 18),
        "ends_on": None,
        **kw,
    }
    return rules.restriction_problems(**values)


def test_weekly_is_the_default_and_less_often_needs_a_reason():
    assert rules.DEFAULT_FREQUENCY_DAYS == 7
    assert _problems() == {}
    assert "frequency_reason" in _problems(frequency_days=14)
    assert _problems(frequency_days=14, frequency_reason="history_of_compliance") == {}
    assert _problems(frequency_days=3) == {}


def test_a_one_hour_window_is_the_default_and_longer_needs_a_reason():
    assert rules.DEFAULT_WINDOW_MINUTES == 60
    assert _problems(window_minutes=60) == {}
    assert "window_reason" in _problems(window_minutes=61)
    assert _problems(window_minutes=90, window_reason="Travels from Wales by train") == {}


def test_a_long_window_cannot_be_combined_with_detention_on_reporting():
    assert rules.DETAIN_WINDOW_LIMIT_MINUTES_DEFAULT == 120
    assert _problems(window_minutes=120, window_reason="x", detain_on_reporting=True) == {}
    assert "detain_on_reporting" in _problems(
        window_minutes=121, window_reason="x", detain_on_reporting=True
    )


def test_an_impossible_window_is_refused():
    assert "window_minutes" in _problems(window_minutes=0)
    assert "window_minutes" in _problems(window_start=time(17, 30), window_minutes=60)
    assert "window_minutes" in _problems(window_start=time(7, 0))
    assert "ends_on" in _problems(ends_on=date(2026, 11, 1))


def test_events_fall_every_frequency_days_from_the_start():
    days = rules.event_days(
        starts_on=date(2026, 11, 2),
        ends_on=None,
        frequency_days=7,
        first=date(2026, 11, 18),
        last=date(2026, 12, 10),
    )
    assert days == [date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7)]
    assert rules.EVENT_HORIZON_DAYS_DEFAULT == 28


# --- §3 contact steps with band deadlines ------------------------------------------------------------------


def test_contact_step_deadlines_are_shortest_for_band_1():
    at = datetime(2026, 11, 18, 10, tzinfo=clock.LONDON)
    assert rules.contact_step_hours()[1] == {
        "phone_warning": 24,
        "ftr_letter": 48,
        "visit_or_arrest_referral": 72,
    }
    for step, _label in rules.CONTACT_STEPS:
        hours = [rules.contact_step_hours()[band][step] for band in (1, 2, 3, 4)]
        assert hours == sorted(hours) and hours[0] < hours[-1]
    assert rules.contact_step_deadlines(1, at)["phone_warning"] == at + timedelta(hours=24)


def test_absconder_limits_by_band():
    assert rules.ABSCONDER_DECISION_LIMIT_DAYS_DEFAULT == {1: 7, 2: 14, 3: 21, 4: 28}
    assert rules.absconder_declaration_problems(
        steps_done={"phone_warning": 1}, whereabouts_unknown=True
    )


# --- §4 progression: 3-monthly reviews; 8 weeks = 2 + 6; 5 working days ---------------------------------------


def test_reviews_every_3_months():
    assert rules.CASE_REVIEW_MONTHS == 3
    assert rules.next_review_due(date(2026, 11, 30)) == date(2027, 2, 28)


def test_case_preparation_is_8_weeks_made_of_2_and_6():
    assert (
        rules.CASE_PREP_INITIAL_WEEKS,
        rules.CASE_PREP_FINALISE_WEEKS,
        rules.CASE_PREP_TOTAL_WEEKS,
    ) == (2, 6, 8)


def test_further_submissions_5_working_days():
    assert rules.FURTHER_SUBMISSIONS_WORKING_DAYS == 5


def test_barrier_override_grade_and_the_fixed_failure_list():
    assert rules.BARRIER_OVERRIDE_GRADE == Grade.SEO
    assert rules.FAILURE_REOPENS["judicial_review"] == "judicial_review"
    assert rules.FAILURE_REOPENS["fresh_asylum_claim"] == "asylum_claim"
    assert len(rules.FAILURE_REASONS) == 9


def test_financial_year_runs_april_to_march():
    assert rules.financial_year(date(2017, 3, 31)) == "2016/17"
    assert rules.financial_year(date(2017, 4, 1)) == "2017/18"


def test_the_removals_page_shows_the_next_100_removals():
    assert rules.REMOVALS_SHOWN == 100
