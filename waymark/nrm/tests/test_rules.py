"""Every number and function in nrm/rules.py, pinned at its boundary: each test fails if the number
changes (brief nrm.md §5; seed 002)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from waymark.core.clock import LONDON
from waymark.nrm import rules


# §1 Referrals: code lists and the quality checklist
def test_code_lists_cover_the_statistics_breakdowns():
    assert set(rules.REFERRER_TYPES) >= {
        "prison_immigration_team",
        "detention_engagement_team",
        "police",
        "local_authority",
        "ngo",
    }
    assert set(rules.CONSENT) == {"consented", "not_consented", "child"}
    assert set(rules.AGE_GROUPS) == {"adult", "child", "unknown"}
    assert "forced_labour" in rules.EXPLOITATION_TYPES
    assert "criminal_exploitation" in rules.EXPLOITATION_TYPES
    assert set(rules.PRIORITY_COHORTS) == {"detained", "fno", "removal_set", "none"}
    assert rules.REFERENCE_PREFIX == "NRM"
    assert [q["key"] for q in rules.REFERRAL_FORM_V1 if q["required"]] == ["account", "indicators"]


def test_quality_good_share_is_80_percent_at_its_boundary():
    assert rules.QUALITY_GOOD_SHARE == 0.8
    assert len(rules.QUALITY_CHECKLIST) == 6
    assert rules.quality_good(0.8)
    assert rules.quality_good(5 / 6)
    assert not rules.quality_good(4 / 6)
    assert not rules.quality_good(0.79)


# §2 Case preparation and information requests
def test_information_request_gives_10_working_days_skipping_bank_holidays():
    assert rules.INFORMATION_REQUEST_DAYS == 10
    assert rules.INFORMATION_CHASE_AFTER_DAYS == 5
    # Sent Thu 30 April 2026: May Day (Mon 4 May) is skipped, so day 10 is Fri 15 May, not Thu 14.
    assert rules.information_due_on(date(2026, 4, 30)) == date(2026, 5, 15)
    assert rules.information_due_on(date(2026, 11, 18)) == date(2026, 12, 2)


def test_preparation_sources():
    assert set(rules.PREPARATION_SOURCES) == {
        "casework_records",
        "pnc",
        "detention_records",
        "other_systems",
    }


# §3 Decisions
def test_rg_target_is_5_working_days_including_a_bank_holiday():
    assert rules.RG_TARGET_WORKING_DAYS == 5
    # Wed 18 Nov 2026 -> Wed 25 Nov (no holiday; a weekend in between).
    assert rules.rg_due_on(date(2026, 11, 18)) == date(2026, 11, 25)
    # Thu 30 Apr 2026: Fri 1, (Mon 4 May bank holiday), Tue 5, Wed 6, Thu 7, Fri 8.
    assert rules.rg_due_on(date(2026, 4, 30)) == date(2026, 5, 8)
    # Christmas: Tue 22 Dec 2026 -> Thu 31 Dec (25, 26 and 28 Dec are bank holidays).
    assert rules.rg_due_on(date(2026, 12, 22)) == date(2026, 12, 31)
    assert rules.working_days_after(date(2026, 12, 22), 4) == date(2026, 12, 30)


def test_rg_due_follows_the_nation_calendar():
    # 2 January is a bank holiday in Scotland only (Fri 2 Jan 2026).
    assert rules.rg_due_on(date(2025, 12, 31), "scotland") > rules.rg_due_on(date(2025, 12, 31))


def test_recovery_period_is_30_days_at_least():
    assert rules.RECOVERY_PERIOD_DAYS == 30
    served = date(2026, 11, 2)
    assert rules.recovery_ends_on(served) == date(2026, 12, 2)
    assert not rules.cg_allowed(rg_served_on=served, on=date(2026, 12, 1))
    assert rules.cg_allowed(rg_served_on=served, on=date(2026, 12, 2))


def test_legal_tests_and_outcomes():
    assert rules.RG_TEST == "reasonable grounds to believe"
    assert rules.CG_TEST == "balance of probabilities"
    assert set(rules.RG_OUTCOMES) == {"positive", "negative"}
    assert set(rules.CG_OUTCOMES) == {"positive_trafficking", "positive_slavery", "negative"}
    assert {"positive", "positive_trafficking", "positive_slavery"} == rules.POSITIVE_OUTCOMES
    assert "negative" not in rules.POSITIVE_OUTCOMES


def test_disqualification_response_window_is_10_days():
    assert rules.DISQUALIFICATION_RESPONSE_DAYS == 10
    sent = date(2026, 11, 2)
    assert rules.disqualification_response_due(sent) == date(2026, 11, 12)
    assert not rules.disqualification_decidable(
        sent_on=sent, on=date(2026, 11, 12), response_received=False
    )
    assert rules.disqualification_decidable(
        sent_on=sent, on=date(2026, 11, 13), response_received=False
    )
    assert rules.disqualification_decidable(
        sent_on=sent, on=date(2026, 11, 3), response_received=True
    )


def test_reconsideration_window_is_30_days():
    assert rules.RECONSIDERATION_WINDOW_DAYS == 30
    served = date(2026, 10, 1)
    assert rules.reconsideration_in_time(served_on=served, requested_on=date(2026, 10, 31))
    assert not rules.reconsideration_in_time(served_on=served, requested_on=date(2026, 11, 1))
    assert set(rules.RECONSIDERATION_REQUESTERS) == {"first_responder", "support_provider"}


# §4 Quality and safeguarding
def test_specialist_ratio_is_9_to_1_stretched_10_to_12():
    assert rules.SPECIALIST_RATIO_STATED == 9
    assert rules.SPECIALIST_RATIO_STRETCHED == (10, 12)


def test_dip_sample_rates():
    assert rules.DIP_SAMPLE_RATE == 0.20
    assert rules.DIP_SAMPLE_EASED_RATE == 0.10
    assert rules.DIP_SAMPLE_RED_SHARE == 0.5
    assert rules.DIP_SAMPLE_EASE_AFTER_ROUNDS == 2


def test_more_than_half_red_keeps_20_percent():
    assert rules.dip_sample_rate(current_rate=0.10, red_share_by_round=[0.51]) == 0.20
    assert rules.dip_sample_rate(current_rate=0.20, red_share_by_round=[0.2, 0.2, 0.6]) == 0.20


def test_exactly_half_red_does_not_keep_the_rate_up_by_itself():
    # One round at exactly half: not over the share, but not yet the 2 rounds needed to ease.
    assert rules.dip_sample_rate(current_rate=0.20, red_share_by_round=[0.5]) == 0.20
    assert rules.dip_sample_rate(current_rate=0.20, red_share_by_round=[0.6, 0.5]) == 0.20
    # Two rounds at exactly half: eases.
    assert rules.dip_sample_rate(current_rate=0.20, red_share_by_round=[0.5, 0.5]) == 0.10


def test_easing_only_after_the_configured_rounds_and_back_up_at_once():
    assert rules.dip_sample_rate(current_rate=0.20, red_share_by_round=[]) == 0.20
    assert rules.dip_sample_rate(current_rate=0.20, red_share_by_round=[0.1]) == 0.20
    assert rules.dip_sample_rate(current_rate=0.20, red_share_by_round=[0.9, 0.1, 0.1]) == 0.10
    assert rules.dip_sample_rate(current_rate=0.10, red_share_by_round=[0.1, 0.1, 0.7]) == 0.20


def test_quality_ratings_and_reason_codes():
    assert list(rules.QUALITY_RATINGS) == ["red", "amber", "green"]
    assert "sound" in rules.QUALITY_REASON_CODES
    assert "wrong_test" in rules.QUALITY_REASON_CODES


def test_safeguarding_levels_and_targets():
    assert set(rules.SAFEGUARDING_LEVELS) == {1, 2, 3}
    assert rules.FORMAL_ADVICE_LEVEL == 3
    assert rules.SAFEGUARDING_ADVICE_TARGET_WORKING_DAYS == 2
    assert rules.DUTY_LINE_FOLLOW_UP_WORKING_DAYS == 1


# §5 Management information
def test_stuck_after_20_days():
    assert rules.STUCK_AFTER_DAYS == 20
    last = datetime(2026, 10, 1, 9, 0, tzinfo=LONDON)
    assert rules.stuck_since(last) == last + timedelta(days=20)
    assert rules.stuck_since(last) != last + timedelta(days=19)


def test_decisions_per_week_expected():
    assert rules.DECISIONS_PER_WEEK_EXPECTED == 8


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, None), (10, None), (11, 11), (500, 500)])
def test_small_numbers_below_11_are_suppressed(count, shown):
    assert rules.SMALL_NUMBER_THRESHOLD == 11
    assert rules.suppress(count) == shown


def test_demo_volumes():
    assert rules.DEMO_REFERRALS_PER_QUARTER == 631
    assert rules.DEMO_POSITIVE_SHARE == 0.5


def test_settings_override_is_read(settings):
    assert rules._configured("RG_TARGET_WORKING_DAYS", 5) == 5
    settings.WAYMARK_NRM = {"RG_TARGET_WORKING_DAYS": 7}
    assert rules._configured("RG_TARGET_WORKING_DAYS", 5) == 7
