"""Quality-assurance rules (issue 20 item 1): the ISO 2859-1 switching numbers and their effect,
NRM's 20%-until-half-red dip sample as one configured instance, the observation cadence (003
§7.46) and the detection probability. Each number is pinned: changing it fails a test here."""

from __future__ import annotations

import random
from datetime import date

import pytest

from waymark.nrm import rules as nrm_rules
from waymark.oversight import rules
from waymark.oversight.rules import QASwitching, qa_level_after

ISO = QASwitching()
FAIL, PASS = 1.0, 0.0


def test_the_switching_numbers_are_pinned():
    assert (rules.QA_TIGHTEN_FAILS, rules.QA_TIGHTEN_WINDOW) == (2, 5)
    assert rules.QA_NORMAL_AFTER_PASSES == 5
    assert (rules.QA_SCORE_STEP, rules.QA_REDUCE_SCORE) == (3, 30)
    assert rules.QA_REDUCED_FAILS_TO_NORMAL == 1
    assert rules.QA_DEFAULT_RATES == {"normal": 0.10, "tightened": 0.20, "reduced": 0.05}
    assert rules.QA_LEVELS == ("normal", "tightened", "reduced")


def test_normal_tightens_after_two_of_five_lots_fail():
    assert qa_level_after(ISO, [])[0] == "normal"
    assert qa_level_after(ISO, [FAIL])[0] == "normal"
    # Two failures within five lots: tightened.
    assert qa_level_after(ISO, [FAIL, PASS, PASS, PASS, FAIL])[0] == "tightened"
    assert qa_level_after(ISO, [PASS, FAIL, FAIL])[0] == "tightened"
    # Two failures six lots apart: not within any five, so still normal.
    assert qa_level_after(ISO, [FAIL, PASS, PASS, PASS, PASS, FAIL])[0] == "normal"


def test_tightened_goes_back_to_normal_after_five_passes_in_a_row():
    tightened = [FAIL, FAIL]
    assert qa_level_after(ISO, tightened + [PASS] * 4)[0] == "tightened"
    level, reason = qa_level_after(ISO, tightened + [PASS] * 5)
    assert level == "normal" and "5 lots in a row passed" in reason
    # A failure inside the run restarts it.
    assert qa_level_after(ISO, tightened + [PASS] * 4 + [FAIL] + [PASS] * 4)[0] == "tightened"


def test_normal_reduces_after_a_run_of_passes_and_goes_back_on_a_failure():
    run = rules.QA_REDUCE_SCORE // rules.QA_SCORE_STEP  # 10 passing lots
    assert qa_level_after(ISO, [PASS] * (run - 1))[0] == "normal"
    assert qa_level_after(ISO, [PASS] * run)[0] == "reduced"
    # A failure resets the switching score.
    assert qa_level_after(ISO, [PASS] * (run - 1) + [FAIL] + [PASS] * (run - 1))[0] == "normal"
    level, reason = qa_level_after(ISO, [PASS] * run + [PASS, PASS, FAIL])
    assert level == "normal" and "failed while reduced" in reason


def test_each_level_has_its_rate():
    assert [ISO.rate(level) for level in rules.QA_LEVELS] == [0.10, 0.20, 0.05]
    assert QASwitching(reduced_rate=None).rate("reduced") == 0.10


def test_the_nrm_dip_sample_is_one_configured_instance():
    nrm = QASwitching(**rules.QA_NRM_DIP_SAMPLE)
    assert nrm.tightened_rate == nrm_rules.DIP_SAMPLE_RATE == 0.20
    assert nrm.normal_rate == nrm_rules.DIP_SAMPLE_EASED_RATE == 0.10
    assert nrm.lot_fail_share == nrm_rules.DIP_SAMPLE_RED_SHARE == 0.5
    assert nrm.normal_after_passes == nrm_rules.DIP_SAMPLE_EASE_AFTER_ROUNDS == 2
    # "20% until no more than half are red": tightened from the start, eased after two rounds
    # at or under half red, straight back on a round over half.
    assert nrm.rate(qa_level_after(nrm, [])[0]) == 0.20
    assert nrm.rate(qa_level_after(nrm, [0.6])[0]) == 0.20
    assert nrm.rate(qa_level_after(nrm, [0.5])[0]) == 0.20
    assert nrm.rate(qa_level_after(nrm, [0.5, 0.3])[0]) == 0.10
    assert nrm.rate(qa_level_after(nrm, [0.5, 0.3, 0.51])[0]) == 0.20
    # Never reduced.
    assert qa_level_after(nrm, [0.0] * 40)[0] == "normal"


def test_the_nrm_instance_agrees_with_nrm_own_rule_on_any_history():
    """The same rate as nrm.rules.dip_sample_rate, round after round, on random histories."""
    nrm = QASwitching(**rules.QA_NRM_DIP_SAMPLE)
    rng = random.Random(20)
    for _ in range(300):
        shares = [rng.choice([0.0, 0.25, 0.5, 0.51, 0.75, 1.0]) for _ in range(rng.randint(0, 12))]
        current = nrm_rules.DIP_SAMPLE_RATE
        for i in range(len(shares) + 1):
            current = nrm_rules.dip_sample_rate(current_rate=current, red_share_by_round=shares[:i])
            assert nrm.rate(qa_level_after(nrm, shares[:i])[0]) == current, shares[:i]


@pytest.mark.parametrize(
    ("rating", "due"),
    [
        ("green", date(2026, 7, 31)),
        ("amber", date(2026, 4, 30)),
        ("red", date(2026, 2, 28)),
    ],
)
def test_the_next_observation_follows_the_rating(rating, due):
    # 6 months for green, 2-3 (here 3) for amber, 1 for red; month ends clip to the month.
    assert rules.QA_OBSERVATION_MONTHS == {"green": 6, "amber": 3, "red": 1}
    assert rules.QA_OBSERVATIONS_PER_YEAR == 2
    assert rules.qa_observation_next_due(date(2026, 1, 31), rating) == due


def test_green_keeps_a_team_observed_at_least_twice_a_year():
    months = rules.QA_OBSERVATION_MONTHS
    assert 12 / max(months.values()) >= rules.QA_OBSERVATIONS_PER_YEAR
    assert 2 <= months["amber"] <= 3 and months["red"] <= 1


def test_detection_probability():
    # 5 a week for 4 weeks at a 5% error rate: 1 - 0.95^20.
    p = rules.qa_detection_probability(error_rate=0.05, weekly_sample=5, weeks=4)
    assert p == pytest.approx(1 - 0.95**20)
    assert rules.qa_detection_probability(error_rate=0.05, weekly_sample=0, weeks=4) == 0
    more = rules.qa_detection_probability(error_rate=0.05, weekly_sample=5, weeks=8)
    assert more > p
    assert rules.QA_DETECTION_ERROR_RATES == (0.02, 0.05, 0.10, 0.20)
    assert (rules.QA_DETECTION_WEEKS_DEFAULT, rules.QA_DETECTION_WEEKS_MAX) == (4, 52)


def test_overall_rating_and_score():
    assert rules.qa_rating_overall(["green", "amber", "green"]) == "amber"
    assert rules.qa_rating_overall(["amber", "red"]) == "red"
    assert rules.qa_rating_overall(["green"]) == "green"
    assert rules.QA_RATING_POINTS == {"green": 2, "amber": 1, "red": 0}
    assert rules.qa_score([(3, "green"), (1, "red")]) == pytest.approx(6 / 8)


def test_other_qa_numbers_are_pinned():
    assert rules.QA_NEW_STAFF_DAYS == 90
    assert rules.QA_AFTER_FAILURE_DAYS == 60
    assert rules.QA_DISPUTE_DAYS == 14
    assert rules.QA_REVIEW_WORKING_DAYS == 10
    assert rules.QA_CORRECT_WORKING_DAYS == 10
    assert rules.QA_DISPUTE_DECISION_WORKING_DAYS == 10
    assert rules.QA_VOLUME_LOOKBACK_DAYS == 28


def test_every_qa_task_type_has_its_working_day_deadline():
    from waymark.oversight.registrations import QA_TASK_CORRECT, QA_TASK_DISPUTE, QA_TASK_REVIEW
    from waymark.work.registry import get_task_type
    from waymark.work.rules import WorkingDays, get_deadline_rule

    for key, days in (
        (QA_TASK_REVIEW, rules.QA_REVIEW_WORKING_DAYS),
        (QA_TASK_CORRECT, rules.QA_CORRECT_WORKING_DAYS),
        (QA_TASK_DISPUTE, rules.QA_DISPUTE_DECISION_WORKING_DAYS),
    ):
        assert get_task_type(key).deadline_rule == key
        assert get_deadline_rule(key) == WorkingDays(days)
