"""The numbers of objectives, quality per person and training needs (issue 20 item 2), pinned:
the amber band, the period limit, the training-needs lookback, and the mapping of every coded
failure reason of the seeded checklists to a training topic."""

from __future__ import annotations

import pytest

from waymark.oversight import rules
from waymark.oversight.qa_checklists import CHECKLISTS
from waymark.work.registry import competences


def test_the_numbers():
    assert rules.OBJECTIVE_AMBER_BAND == 0.10
    assert rules.OBJECTIVE_AMBER_ABSOLUTE_AT_ZERO == 1.0
    assert rules.OBJECTIVE_MAX_PERIOD_DAYS == 366
    assert rules.OBJECTIVES_PER_PAGE == 50
    assert rules.OBJECTIVE_CARRY_OVER_WINDOW_DAYS == 30
    assert rules.TRAINING_NEEDS_LOOKBACK_DAYS == 180
    assert rules.TRAINING_NEEDS_MIN_FAILURES == 1


@pytest.mark.parametrize(
    ("actual", "target", "higher", "rag"),
    [
        (95, 95, True, "green"),  # at the target
        (99, 95, True, "green"),
        (85.5, 95, True, "amber"),  # 9.5 short: within 10% of 95
        (85.4, 95, True, "red"),
        (10, 10, False, "green"),  # lower is better
        (11, 10, False, "amber"),  # 1 over: within 10% of 10
        (11.1, 10, False, "red"),
        (0, 0, False, "green"),  # a zero target allows 1 in absolute terms
        (1, 0, False, "amber"),
        (2, 0, False, "red"),
    ],
)
def test_red_amber_green(actual, target, higher, rag):
    assert rules.objective_rag(actual=actual, target=target, higher_is_better=higher) == rag


def test_every_seeded_failure_reason_suggests_a_known_topic():
    for kind, _title, questions in CHECKLISTS:
        for question in questions:
            for code, _label in question[5]:
                topic = rules.training_topic(kind, code)
                assert topic in rules.TRAINING_TOPICS, (kind, code)


def test_a_kind_specific_mapping_is_read_first():
    assert rules.training_topic("nrm.decision", "rationale_unclear") == "nrm_law"
    assert rules.training_topic("monitoring.breach_decision", "rationale_unclear") == (
        "written_reasons"
    )
    assert rules.training_topic("anything", "no_such_reason") is None


def test_the_competences_topics_name_are_registered(db):
    keys = {c.key for c in competences()}
    named = {competence for _label, competence in rules.TRAINING_TOPICS.values() if competence}
    assert named <= keys
