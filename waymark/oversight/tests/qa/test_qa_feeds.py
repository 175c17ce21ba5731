"""Where QA's work comes from: every module declares its kinds in ``register_oversight_feeds``
(``waymark.core.assurance``), each with a seeded checklist, and each population function answers
for a window with the items' ids, worker, team, date and page."""

from __future__ import annotations

from datetime import date

import pytest

from waymark.core import assurance
from waymark.oversight.qa_checklists import CHECKLISTS
from waymark.oversight.services import qa as services

KINDS = {
    "monitoring.em_review_decision",
    "monitoring.breach_decision",
    "monitoring.representation_response",
    "casework.case_note",
    "nrm.decision",
    "operations.visit_record",
    "operations.visit_plan",
}


def test_each_module_registers_its_kinds_of_work():
    registered = {k.key for k in assurance.work_kinds()}
    assert registered >= KINDS
    assert {k.module for k in assurance.work_kinds() if k.key in KINDS} == {
        "monitoring",
        "casework",
        "nrm",
        "operations",
    }


def test_every_kind_has_a_seeded_checklist_with_weights_and_reasons():
    assert {kind for kind, _t, _q in CHECKLISTS} == KINDS
    for _kind, _title, questions in CHECKLISTS:
        for _code, _area, text, _guidance, weight, reasons in questions:
            assert text and weight >= 1 and reasons


def test_the_visit_record_checklist_holds_the_five_areas():
    visit = next(q for k, _t, q in CHECKLISTS if k == "operations.visit_record")
    assert [area for _c, area, *_ in visit] == [
        "Civil penalty notice",
        "Interviews",
        "Power of entry",
        "Examinations",
        "Post-visit actions",
    ]


@pytest.mark.django_db
def test_checklists_seed_once():
    assert services.checklists_seed(actor=None) == {"created": len(CHECKLISTS)}
    assert services.checklists_seed(actor=None) == {"created": 0}


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(KINDS))
def test_each_population_answers_for_a_window(key):
    assert assurance.population(key, date(2026, 1, 1), date(2026, 12, 31)) == []
    assert assurance.population(key, date(2026, 2, 1), date(2026, 1, 1)) == []


def test_a_kind_key_taken_by_another_module_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        assurance.register_work_kind(
            assurance.WorkKind("nrm.decision", "Something else", "casework", lambda s, e: [])
        )
