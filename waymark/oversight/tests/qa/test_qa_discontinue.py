"""ISO 2859-1's discontinue (issue 20 item 1, part 2): while tightened, 5 failing lots in a row
discontinue sampling (everything is drawn, the monthly cap aside) until an assurance manager
records a corrective action, which resumes it at tightened. The level is replayed from the
recorded lots and resumptions; NRM's 20%-until-half-red instance never discontinues. Also the
rule-change and checklist-version services, refused with the reason and nothing saved."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core.models import AuditEvent
from waymark.nrm import rules as nrm_rules
from waymark.oversight import rules
from waymark.oversight.models import Checklist, QALevelEvent, SamplingRule
from waymark.oversight.rules import QAScheme, QASwitching, qa_level_replay
from waymark.oversight.selectors import qa as sel
from waymark.oversight.selectors import qa_admin as sel_admin
from waymark.oversight.services import qa as services
from waymark.oversight.tests.qa.support import KIND, answers, fill

FAIL, PASS = 1.0, 0.0
ISO = QAScheme()
TIGHTENED = [FAIL, FAIL]  # two of five failed: tightened
pytestmark = pytest.mark.usefixtures("frozen")


# --- the rule (pure) -----------------------------------------------------------------------------


def test_the_discontinue_numbers_are_pinned():
    assert rules.QA_DISCONTINUE_AFTER_FAILS == 5
    assert rules.QA_LEVEL_DISCONTINUED == "discontinued"
    assert rules.QA_DISCONTINUED_RATE == 1.0
    assert rules.QA_REASON_MIN_CHARS == 10
    assert rules.QA_WEIGHT_MAX == 10
    assert rules.QA_RULE_CHANGE_MAX_DAYS_AHEAD == 366
    assert ISO.discontinue_fails == 5 and ISO.rate("discontinued") == 1.0
    # The earlier levels and their rates are unchanged.
    assert [ISO.rate(level) for level in rules.QA_LEVELS] == [0.10, 0.20, 0.05]


def test_five_failing_lots_in_a_row_while_tightened_discontinue():
    assert qa_level_replay(ISO, TIGHTENED + [FAIL] * 4)[0] == "tightened"
    level, reason = qa_level_replay(ISO, TIGHTENED + [FAIL] * 5)
    assert level == "discontinued" and "5 lots in a row failed while tightened" in reason
    # A pass breaks the run: four, a pass, four more is still tightened.
    assert qa_level_replay(ISO, TIGHTENED + [FAIL] * 4 + [PASS] + [FAIL] * 4)[0] == "tightened"
    # Failures while normal do not count towards it (the run starts once tightened).
    assert qa_level_replay(ISO, [FAIL, FAIL, FAIL, FAIL])[0] == "tightened"
    # Discontinued stays so whatever the lots, until a corrective action.
    assert qa_level_replay(ISO, TIGHTENED + [FAIL] * 5 + [PASS] * 20)[0] == "discontinued"


def test_a_corrective_action_resumes_at_tightened_and_the_switching_goes_on():
    history = TIGHTENED + [FAIL] * 5  # 7 lots: discontinued after the 7th
    level, reason = qa_level_replay(ISO, history, resumes=[7])
    assert level == "tightened" and "Corrective action" in reason
    # After resuming: five passes ease to normal, five more failures discontinue again.
    assert qa_level_replay(ISO, history + [PASS] * 5, resumes=[7])[0] == "normal"
    assert qa_level_replay(ISO, history + [FAIL] * 5, resumes=[7])[0] == "discontinued"
    # Lots drawn while discontinued (before the resumption) are not counted afterwards.
    assert qa_level_replay(ISO, history + [FAIL] * 3 + [PASS] * 5, resumes=[10])[0] == "normal"
    # A resumption recorded when the rule was not discontinued changes nothing.
    assert qa_level_replay(ISO, TIGHTENED, resumes=[2])[0] == "tightened"
    assert qa_level_replay(ISO, [PASS], resumes=[0])[0] == "normal"


def test_a_plain_switching_scheme_never_discontinues():
    # qa_level_after, and QASwitching without the discontinue field, keep the earlier behaviour.
    assert rules.qa_level_after(QASwitching(), TIGHTENED + [FAIL] * 10)[0] == "tightened"
    assert QAScheme(discontinue_fails=None) != ISO
    none = QAScheme(discontinue_fails=None)
    assert qa_level_replay(none, TIGHTENED + [FAIL] * 10)[0] == "tightened"


def test_the_nrm_dip_sample_instance_never_discontinues_and_still_agrees_with_nrm():
    """The configured NRM instance, with this section's levels, gives nrm's own rate every round
    on random histories, long runs of red rounds included."""
    nrm = QAScheme(**rules.QA_NRM_DIP_SAMPLE_SCHEME)
    assert nrm.discontinue_fails is None
    assert {
        k: v for k, v in rules.QA_NRM_DIP_SAMPLE_SCHEME.items() if k != "discontinue_fails"
    } == (rules.QA_NRM_DIP_SAMPLE)
    assert nrm.rate(qa_level_replay(nrm, [1.0] * 30)[0]) == nrm_rules.DIP_SAMPLE_RATE == 0.20
    rng = random.Random(2859)
    for _ in range(300):
        shares = [rng.choice([0.0, 0.5, 0.51, 0.75, 1.0]) for _ in range(rng.randint(0, 15))]
        current = nrm_rules.DIP_SAMPLE_RATE
        for i in range(len(shares) + 1):
            current = nrm_rules.dip_sample_rate(current_rate=current, red_share_by_round=shares[:i])
            assert nrm.rate(qa_level_replay(nrm, shares[:i])[0]) == current, shares[:i]


# --- through the services: draws, the record, resuming -------------------------------------------

START = date(2026, 6, 1)


def _adaptive(actor, **kw):
    values = {
        "name": "Adaptive",
        "kind_key": KIND,
        "method": "adaptive",
        "rate_percent": "5",
        "tightened_percent": "10",
        "monthly_cap": 12,
    }
    values.update(kw)
    return services.rule_create(actor=actor, **values)


def _round(rule, n, *, week, rating, kind_items, worker, team, actor, checklist):
    """One week's lot: 20 items on a day, drawn and every drawn item reviewed ``rating``."""
    day = START + timedelta(days=7 * week)
    n = fill(kind_items, start=day, days=1, per_day=20, worker=worker, team=team, first_id=n)
    draw = services.sample_draw(actor=actor, rule=rule, period_start=day, period_end=day)
    for item in draw.items.all():
        services.review_record(
            actor=actor, item=item, line="second", answers=answers(checklist, rating)
        )
    return n, draw


@pytest.fixture
def discontinued(kind_items, qa_team, worker, qa_assurance, checklist):
    """An adaptive rule after 7 red lots (2 to tighten, 5 more to discontinue)."""
    rule = _adaptive(qa_assurance)
    n = 1
    for week in range(7):
        n, _draw = _round(
            rule,
            n,
            week=week,
            rating="red",
            kind_items=kind_items,
            worker=worker,
            team=qa_team,
            actor=qa_assurance,
            checklist=checklist,
        )
    return {"rule": rule, "n": n}


def test_a_discontinued_rule_draws_everything_past_its_cap(
    discontinued, kind_items, qa_team, worker, qa_assurance, checklist
):
    rule = discontinued["rule"]
    assert sel.rule_level(rule)[0] == "discontinued"
    _n, draw = _round(
        rule,
        discontinued["n"],
        week=7,
        rating="green",
        kind_items=kind_items,
        worker=worker,
        team=qa_team,
        actor=qa_assurance,
        checklist=checklist,
    )
    assert draw.level == "discontinued" and "discontinued" in draw.reason
    assert draw.cap_remaining < 20
    assert len(draw.drawn) == draw.population_count == 20  # the monthly cap does not apply
    assert services.sample_rederive(draw) == draw.drawn
    # The page's weekly sample is the whole volume, past the cap.
    row = sel.rule_row(rule, weeks=4)
    assert row.discontinued and row.weekly_sample == pytest.approx(row.weekly_volume)


def test_resuming_needs_an_assurance_manager_and_a_reason(
    discontinued, qa_manager, qa_assurance, kind_items
):
    rule = discontinued["rule"]
    with pytest.raises(PermissionDenied):
        services.rule_resume(actor=qa_manager, rule=rule, reason="Training given to the team")
    with pytest.raises(ValidationError) as caught:
        services.rule_resume(actor=qa_assurance, rule=rule, reason="  ")
    assert "corrective action" in caught.value.message_dict["reason"][0]
    assert not QALevelEvent.objects.exists()
    assert sel.rule_level(rule)[0] == "discontinued"


def test_the_corrective_action_is_recorded_and_the_level_replays_to_tightened(
    discontinued, kind_items, qa_team, worker, qa_assurance, checklist
):
    rule = discontinued["rule"]
    event = services.rule_resume(
        actor=qa_assurance, rule=rule, reason="Refresher training for the whole team"
    )
    assert event.after_draw_id == rule.draws.order_by("-pk").first().pk
    level, reason = sel.rule_level(rule)
    assert level == "tightened" and "Corrective action" in reason
    audit = AuditEvent.objects.get(verb="oversight.qa_sampling_resumed")
    assert audit.payload["reason"] == "Refresher training for the whole team"
    # Resuming twice is refused: it is no longer discontinued.
    with pytest.raises(ValidationError) as caught:
        services.rule_resume(actor=qa_assurance, rule=rule, reason="Another corrective action")
    assert "not discontinued" in caught.value.message_dict["reason"][0]
    # The next draw is at the tightened rate and the cap applies again; five passing lots after
    # the resumption ease the rule back to normal.
    n = discontinued["n"]
    for week in range(7, 12):
        n, draw = _round(
            rule,
            n,
            week=week,
            rating="green",
            kind_items=kind_items,
            worker=worker,
            team=qa_team,
            actor=qa_assurance,
            checklist=checklist,
        )
        assert draw.level == "tightened" and len(draw.drawn) == 2  # 10% of 20
    assert sel.rule_level(rule)[0] == "normal"


def test_a_person_levelled_rule_discontinues_and_resumes_per_person(
    kind_items, qa_team, worker, qa_assurance, checklist
):
    rule = _adaptive(
        qa_assurance, per_person=True, monthly_cap=None, rate_percent="10", tightened_percent="20"
    )
    # Per person a lot is one reviewed item: 2 red items (10% of 20) tighten, then 4 and 4 more
    # red items (20% of 20) make a run of 5 while tightened.
    n = 1
    for week in range(3):
        n, _ = _round(
            rule,
            n,
            week=week,
            rating="red",
            kind_items=kind_items,
            worker=worker,
            team=qa_team,
            actor=qa_assurance,
            checklist=checklist,
        )
    assert sel.rule_level(rule, worker_id=worker.pk)[0] == "discontinued"
    assert sel.discontinued_people(rule) == [(worker.pk, worker.display_name)]
    n, draw = _round(
        rule,
        n,
        week=3,
        rating="green",
        kind_items=kind_items,
        worker=worker,
        team=qa_team,
        actor=qa_assurance,
        checklist=checklist,
    )
    assert draw.strata[0]["level"] == "discontinued" and len(draw.drawn) == 20
    services.rule_resume(
        actor=qa_assurance, rule=rule, worker=worker, reason="Coaching on reasons given"
    )
    assert sel.rule_level(rule, worker_id=worker.pk)[0] == "tightened"
    assert sel.discontinued_people(rule) == []


# --- rule changes --------------------------------------------------------------------------------


def _change_values(**kw):
    values = {
        "name": "Adaptive, eased",
        "kind_key": KIND,
        "method": "adaptive",
        "rate_percent": "15",
        "tightened_percent": "40",
        "monthly_cap": 10,
    }
    values.update(kw)
    return values


def test_a_change_replaces_the_rule_from_a_date_and_keeps_its_level(discontinued, qa_assurance):
    old = discontinued["rule"]
    last = old.draws.order_by("-period_end").first().period_end
    new = services.rule_change(
        actor=qa_assurance,
        rule=old,
        starts_on=last + timedelta(days=1),
        reason="The team doubled: a larger sample",
        **_change_values(),
    )
    old.refresh_from_db()
    assert not old.is_active and old.ends_on == last
    assert new.replaces == old and new.starts_on == last + timedelta(days=1)
    assert new.change_reason == "The team doubled: a larger sample"
    assert new.created_by == qa_assurance and new.rate == 0.15
    # The history runs newest first from either rule; the level survives the change.
    assert sel_admin.rule_history(old) == sel_admin.rule_history(new) == [new, old]
    assert sel.rule_level(new)[0] == "discontinued"
    audit = AuditEvent.objects.get(verb="oversight.qa_rule_changed")
    assert audit.payload["replaces"] == old.pk and audit.payload["old"]["rate"] == 0.05
    # The old rule may still draw for a period before the change, not after it.
    with pytest.raises(ValidationError) as caught:
        services.sample_draw(
            actor=qa_assurance, rule=old, period_start=new.starts_on, period_end=new.starts_on
        )
    assert "no longer in force" in caught.value.message_dict["period_start"][0]
    with pytest.raises(ValidationError) as caught:
        services.sample_draw(
            actor=qa_assurance, rule=new, period_start=last, period_end=new.starts_on
        )
    assert "in force from" in caught.value.message_dict["period_start"][0]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rate_percent": "150"}, "rate_percent", "between 0% and 100%"),
        ({"rate_percent": "-1"}, "rate_percent", "between 0% and 100%"),
        ({"monthly_cap": -5}, "monthly_cap", "cannot be negative"),
        ({"reason": ""}, "reason", "Enter why the rule is changed"),
        ({"starts_on": None}, "starts_on", "Enter the date"),
        ({"starts_on": date(2026, 6, 2)}, "starts_on", "has drawn a sample up to"),
    ],
)
def test_a_bad_change_is_refused_with_the_reason_and_nothing_saved(
    discontinued, qa_assurance, fields, field, message
):
    old = discontinued["rule"]
    values = {"starts_on": date(2026, 12, 1), "reason": "A good reason for it", **_change_values()}
    values.update(fields)
    with pytest.raises(ValidationError) as caught:
        services.rule_change(actor=qa_assurance, rule=old, **values)
    assert message in caught.value.message_dict[field][0]
    old.refresh_from_db()
    assert old.is_active and old.ends_on is None
    assert SamplingRule.objects.count() == 1


def test_a_replaced_rule_cannot_be_changed_again_and_only_managers_change(
    discontinued, qa_assurance, qa_manager
):
    old = discontinued["rule"]
    values = {"starts_on": date(2026, 12, 1), "reason": "A good reason for it", **_change_values()}
    with pytest.raises(PermissionDenied):
        services.rule_change(actor=qa_manager, rule=old, **values)
    services.rule_change(actor=qa_assurance, rule=old, **values)
    with pytest.raises(ValidationError) as caught:
        services.rule_change(actor=qa_assurance, rule=old, **values)
    assert "already been replaced" in caught.value.message_dict["starts_on"][0]


# --- checklist versions ------------------------------------------------------------------------


def _q(text="Are the reasons clear?", weight=1, reasons=(("unclear", "Unclear"),), code=""):
    return {
        "code": code,
        "text": text,
        "weight": weight,
        "failure_reasons": [list(r) for r in reasons],
    }


@pytest.mark.parametrize(
    ("questions", "field", "message"),
    [
        ([], "questions", "at least one question"),
        ([_q(), _q(text="  ")], "q2_text", "Enter the text of question 2"),
        ([_q(weight=0)], "q1_weight", "1 or more"),
        ([_q(weight=-3)], "q1_weight", "1 or more"),
        ([_q(weight="two")], "q1_weight", "whole number"),
        ([_q(weight=11)], "q1_weight", "10 or less"),
        ([_q(reasons=(("late", "Late"), ("late", "Very late")))], "q1_reasons", "more than once"),
        ([_q(reasons=())], "q1_reasons", "at least one failure reason"),
        ([_q(reasons=(("late", ""),))], "q1_reasons", "a code and a description"),
    ],
)
def test_a_bad_checklist_is_refused_with_the_reason_and_nothing_saved(
    checklist, qa_assurance, questions, field, message
):
    with pytest.raises(ValidationError) as caught:
        services.checklist_new_version(
            actor=qa_assurance, kind_key=KIND, title="Test", questions=questions
        )
    assert message in caught.value.message_dict[field][0]
    assert list(Checklist.objects.values_list("version", "is_current")) == [(1, True)]


def test_a_new_version_keeps_the_old_one_and_its_question_codes(checklist, qa_assurance):
    new = services.checklist_new_version(
        actor=qa_assurance,
        kind_key=KIND,
        title="Test decision, revised",
        questions=[_q(code="timely", text="Was it on time?", weight=3), _q(text="New one")],
    )
    checklist.refresh_from_db()
    assert (checklist.version, checklist.is_current) == (1, False)
    assert (new.version, new.is_current) == (2, True)
    codes = [q.code for q in new.questions.all()]
    assert codes[0] == "timely" and codes[1] not in ("timely", "reasons")
    assert AuditEvent.objects.filter(verb="oversight.qa_checklist_versioned").count() == 2
    history = sel_admin.checklist_history(KIND)
    assert [v.checklist.version for v in history] == [2, 1]
    latest = history[0]
    assert [q.text for q in latest.added] == ["New one"]
    assert [q.text for q in latest.removed] == ["Are the reasons clear?"]
    assert [(q.code, what) for q, what in latest.changed] == [
        ("timely", ["weight", "failure reasons"])
    ]
    with pytest.raises(PermissionDenied):
        services.checklist_new_version(actor=None, kind_key=KIND, title="x", questions=[_q()])
