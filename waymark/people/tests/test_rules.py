"""The people app's numbered rules: these tests fail if a number changes (change them together,
with a citation), and the vulnerability state machine stays as declared."""

import pytest

from waymark.core.workflows import TransitionNotAllowed, for_model
from waymark.people import rules
from waymark.people.models import Vulnerability, VulnerabilityStatus
from waymark.people.workflows import VULNERABILITY


def test_reference_and_name_search_numbers_are_pinned():
    assert rules.WAYMARK_REFERENCE_FORMAT % 1234 == "WM-0001234"
    assert rules.NAME_MATCH_MIN_SCORE == 0.80
    assert rules.NAME_MATCH_FAMILY_WEIGHT == 0.6
    assert rules.NAME_MATCH_ALIAS_PENALTY == 0.02
    assert rules.NAME_SEARCH_CANDIDATE_LIMIT == 5000
    assert rules.NAME_SEARCH_VISIBLE_BATCH == 100
    assert rules.NAME_SEARCH_UNFILTERED_LIMIT == 20000
    assert rules.NAME_PREFIX_LENGTH == 3


def test_possible_duplicates_note_summary_and_reference_chunk_are_pinned():
    assert rules.POSSIBLE_DUPLICATES_LIMIT == 10
    assert rules.NOTE_SUMMARY_CHARACTERS == 120
    assert rules.REFERENCE_LOOKUP_CHUNK == 900


def test_the_oldest_plausible_age_is_pinned():
    assert rules.PERSON_MAX_AGE_YEARS == 120


def test_a_long_note_is_summarised_to_the_limit():
    from waymark.people.services.notes import _note_summary

    assert _note_summary("word " * 10) == ("word " * 10).strip()
    summary = _note_summary("x" * 200)
    assert len(summary) == rules.NOTE_SUMMARY_CHARACTERS and summary.endswith("...")


def test_the_vulnerability_workflow():
    S = VulnerabilityStatus
    assert for_model(Vulnerability) is VULNERABILITY
    assert VULNERABILITY.final == frozenset({S.NO_LONGER_APPLIES})
    row = Vulnerability(status=S.SUSPECTED)
    assert VULNERABILITY.move(row, S.CONFIRMED) == S.SUSPECTED and row.status == S.CONFIRMED
    VULNERABILITY.move(row, S.NO_LONGER_APPLIES)
    with pytest.raises(TransitionNotAllowed):
        VULNERABILITY.move(row, S.SUSPECTED)
