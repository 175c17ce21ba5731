"""Each numbered EM rule, pinned: a change to a number fails here (brief monitoring.md, seed 000)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from waymark.accounts.models import Grade
from waymark.core.clock import LONDON
from waymark.monitoring import rules


def test_judge_bail_fitting_within_72_hours():  # 000 §5.9, §5.50
    assert rules.JUDGE_FITTING_HOURS == 72


def test_representations_window_is_3_days():  # 000 §1.24
    assert rules.REPRESENTATIONS_WINDOW_DAYS == 3


def test_accumulated_battery_is_12_hours_in_a_rolling_7_days():  # 000 §5.16, note 20
    assert rules.BATTERY_THRESHOLD_HOURS_DEFAULT == 12
    assert rules.BATTERY_WINDOW_DAYS_DEFAULT == 7
    assert rules.battery_threshold() == timedelta(hours=12)
    assert rules.battery_window() == timedelta(days=7)


def test_thresholds_come_from_configuration(settings):
    settings.WAYMARK_EM = {"BATTERY_THRESHOLD_HOURS": 10, "BATTERY_WINDOW_DAYS": 5}
    assert rules.battery_threshold() == timedelta(hours=10)
    assert rules.battery_window() == timedelta(days=5)


def test_out_of_contact_7_days_is_first_priority():  # 000 §5.14
    assert rules.OUT_OF_CONTACT_PRIORITY_DAYS == 7
    first, reason = rules.breach_priority("out_of_contact", timedelta(days=7))
    assert first == rules.PRIORITY_OUT_OF_CONTACT and "7 days" in reason
    below, _ = rules.breach_priority("out_of_contact", timedelta(days=6, hours=23))
    assert below == rules.PRIORITY_OTHER


def test_tamper_full_curfew_and_location_come_next_then_the_rest():  # 000 §5.14
    for breach_type in ("strap_tamper", "full_curfew", "location"):
        assert rules.breach_priority(breach_type, None)[0] == rules.PRIORITY_HIGH_TYPE
    assert rules.breach_priority("absence_15_minute", None)[0] == rules.PRIORITY_OTHER
    assert rules.PRIORITY_OUT_OF_CONTACT > rules.PRIORITY_HIGH_TYPE > rules.PRIORITY_OTHER


def test_reviews_every_3_months():  # 000 §5.17
    assert rules.REVIEW_INTERVAL_MONTHS == 3


def test_pre_action_letter_response_14_days():
    assert rules.PRE_ACTION_DAYS == 14


def test_cease_or_vary_needs_heo_sign_off():  # 000 §3.11, §5.77
    assert rules.SIGN_OFF_GRADE == Grade.HEO


def test_figure_12_service_levels():  # 000 Figure 12
    assert {key: target for key, (_label, target) in rules.SERVICE_LEVELS.items()} == {
        "reinstallation": Decimal("0.95"),
        "removal_non_bail": Decimal("0.95"),
        "removal_tamper": Decimal("0.85"),
        "requesting_information": Decimal("0.85"),
        "informing_authorities": Decimal("0.85"),
        "court_attendance": Decimal("1.00"),
    }


def test_supplier_slot_times():  # 000 §5.12
    assert time(14, 0) == rules.SUPPLIER_AFTERNOON_SLOTS_FROM
    assert time(17, 0) == rules.PRISON_LATEST_RELEASE


def test_signature_tolerance_is_5_minutes():
    assert timedelta(minutes=5) == rules.SIGNATURE_TOLERANCE


def test_a_supplier_client_is_kept_30_seconds_a_process():
    assert rules.SUPPLIER_CLIENT_CACHE_SECONDS == 30


def test_escalation_ladder_is_one_published_ladder():  # 000 §5.83-5.84
    assert [step.key for step in rules.ESCALATION_LADDER] == [
        "warning",
        "final_warning",
        "prosecution",
    ]
    assert rules.ladder_step_for(1, "absence_15_minute").key == "warning"
    assert rules.ladder_step_for(2, "full_curfew").key == "final_warning"
    assert rules.ladder_step_for(3, "absence_15_minute").key == "prosecution"
    assert rules.ladder_step_for(9, "absence_15_minute").key == "prosecution"
    assert rules.ladder_step_for(1, "strap_tamper").key == "prosecution"  # deliberate tamper


def test_scarcity_order():  # 000 §5.54
    assert rules.SCARCITY_ORDER == [
        "very_high_harm",
        "high_harm",
        "medium_harm",
        "low_harm",
        "deportation_with_assurances",
        "entered_in_breach_of_deportation_order",
        "eu_national_or_family",
    ]
    assert (
        rules.scarcity_group(
            harm_level="very_high",
            deportation_with_assurances=False,
            entered_in_breach=False,
            eu_national=False,
        )
        == "very_high_harm"
    )
    assert (
        rules.scarcity_group(
            harm_level="not_assessed",
            deportation_with_assurances=True,
            entered_in_breach=True,
            eu_national=False,
        )
        == "deportation_with_assurances"
    )
    assert (
        rules.scarcity_group(
            harm_level="high",
            deportation_with_assurances=False,
            entered_in_breach=False,
            eu_national=True,
        )
        == "eu_national_or_family"
    )


def test_recommender_gives_reasons_and_its_version():  # 000 §5.30
    advice = rules.device_recommend(
        harm_level="high",
        sentence_months=60,
        breach_count=0,
        compliance_concerns=False,
        vulnerable=True,
        fitted_available=10,
        non_fitted_available=10,
    )
    assert advice.device_type == "gps_fitted"
    assert advice.review_months == 1
    assert any("Harm level" in r for r in advice.reasons) and any(
        "60 months" in r for r in advice.reasons
    )
    assert advice.version == rules.RECOMMENDER_VERSION
    low = rules.device_recommend(
        harm_level="low",
        sentence_months=12,
        breach_count=0,
        compliance_concerns=False,
        vulnerable=False,
        fitted_available=10,
        non_fitted_available=10,
    )
    assert low.device_type == "non_fitted" and low.review_months == 3
    no_stock = rules.device_recommend(
        harm_level="low",
        sentence_months=None,
        breach_count=0,
        compliance_concerns=False,
        vulnerable=False,
        fitted_available=5,
        non_fitted_available=0,
    )
    assert no_stock.device_type == "gps_fitted"


def test_slot_conflict_warns_for_a_late_prison_slot_and_offers_a_morning():  # 000 §5.12
    granted = datetime(2026, 11, 16, 11, 0, tzinfo=LONDON)
    late = datetime(2026, 11, 18, 17, 30, tzinfo=LONDON)
    warning = rules.slot_conflict(
        granted_at=granted, release_at=None, slot_start=late, at_prison=True, limit_hours=72
    )
    assert "17:00" in warning and "morning" in warning
    after_limit = datetime(2026, 11, 19, 12, 0, tzinfo=LONDON)
    assert "72-hour" in rules.slot_conflict(
        granted_at=granted, release_at=None, slot_start=after_limit, at_prison=False, limit_hours=72
    )
    fine = datetime(2026, 11, 17, 9, 0, tzinfo=LONDON)
    assert (
        rules.slot_conflict(
            granted_at=granted, release_at=None, slot_start=fine, at_prison=True, limit_hours=72
        )
        == ""
    )


def test_planning_assumptions_and_limits_are_pinned():
    assert rules.REVIEW_LEAD_DAYS == 14
    assert rules.MI_MAX_PERIOD_DAYS == 3 * 366
    assert rules.PLAN_WORK_MINUTES == {
        "release": 90,
        "breach": 30,
        "review": 60,
        "representation": 120,
    }
    assert (
        Decimal("37") == rules.PLAN_FTE_HOURS_PER_WEEK
        and Decimal("0.7") == rules.PLAN_PRODUCTIVE_SHARE
    )
    assert rules.PLAN_LOOKBACK_WEEKS == 8 and rules.WEEKS_PER_REVIEW_INTERVAL == 13
    assert timedelta(days=7) == rules.SECRET_ROTATION_OVERLAP
    assert rules.trail_max_period() == timedelta(days=31) and rules.trail_retention() == timedelta(
        days=90
    )
    assert rules.slot_answer_silence() == timedelta(hours=24)
    assert rules.sos_fitting_target_hours() == 120


def test_a_supplier_batch_carries_at_most_500_events():
    assert rules.SUPPLIER_BATCH_MAX == 500
