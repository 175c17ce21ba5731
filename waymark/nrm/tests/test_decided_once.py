"""The competent authority's "decide once" steps, when two people act at the same moment (a
double-submitted form, two decision makers on one reconsideration). Each checked that the step was
not yet done before its transaction, without a lock: both passed, the second overwrote the first
(two audit entries each claiming the decision) or failed in the database (an error page). Now the
second waits for the first, reads the row again under its lock and is refused with the reason.
A pause after each writer's audit entry, before it commits, makes the overlap happen every time
(PostgreSQL, real threads)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark import testing
from waymark.core import clock
from waymark.core.models import AuditEvent, Notification
from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.nrm import services as s
from waymark.nrm.services import (
    checks,
    decisions,
    disqualification,
    duty_to_notify,
    reconsideration,
    referral_quality,
    safeguarding,
    sampling,
)
from waymark.nrm.tests._decision_helpers import draft, referral_make, served
from waymark.nrm.tests.conftest import signed_off_decision_maker
from waymark.testing import NOW

pytestmark = [
    *WRITERS_AT_ONCE,
    pytest.mark.usefixtures("frozen", "guidance_edition"),
]


def _paused(monkeypatch, module, name="record"):
    pause_after(monkeypatch, module, name)


def _refused_once(errors, message):
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and message in errors[0], errors


def _audits(verb, target=None):
    found = AuditEvent.objects.filter(verb=verb)
    return found.filter(target_id=target.pk) if target is not None else found


@pytest.fixture
def referral(person, form_version, authority_team, first_responder):
    return referral_make(
        person=person, form_version=form_version, team=authority_team, referrer=first_responder
    )


@pytest.fixture
def third_decision_maker(authority_team):
    return signed_off_decision_maker(
        testing.user_make("nrm_decision_maker", authority_team, last_name="Third")
    )


# Decisions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["positive", "negative"])
def test_a_decision_signed_off_twice_at_once_is_signed_off_once(
    monkeypatch, referral, decision_maker, outcome
):
    decision = draft(referral, decision_maker, outcome=outcome)
    _paused(monkeypatch, decisions)

    def sign_off():
        s.decision_sign_off(actor=decision_maker, decision=m.Decision.objects.get(pk=decision.pk))

    errors = run_at_once([sign_off, sign_off], at=NOW)
    _refused_once(errors, "Only a draft decision can be signed off")
    assert _audits("nrm.decision_signed_off", decision).count() == 1
    assert m.SpecialistCheck.objects.filter(decision=decision).count() == (
        0 if outcome == "positive" else 1
    )


def test_a_decision_served_twice_at_once_is_served_once(
    monkeypatch, referral, decision_maker, nrm_manager
):
    decision = draft(referral, decision_maker)
    s.decision_sign_off(actor=decision_maker, decision=decision)
    _paused(monkeypatch, decisions)

    def serve(actor, method):
        def work():
            s.decision_serve(
                actor=actor, decision=m.Decision.objects.get(pk=decision.pk), method=method
            )

        return work

    errors = run_at_once([serve(decision_maker, "post"), serve(nrm_manager, "email")], at=NOW)
    _refused_once(errors, "already been served")
    decision.refresh_from_db()
    served_audit = _audits("nrm.decision_served", decision)
    assert served_audit.count() == 1
    assert served_audit.get().payload["new"]["method"] == decision.service_method


def test_two_drafts_at_one_stage_at_once_make_one_decision(
    monkeypatch, referral, decision_maker, second_decision_maker
):
    _paused(monkeypatch, decisions)
    workers = [
        lambda u=user: draft(referral, u) for user in (decision_maker, second_decision_maker)
    ]
    errors = run_at_once(workers, at=NOW)
    _refused_once(errors, "already has a decision at this stage in progress")
    assert m.Decision.objects.filter(referral=referral, stage="rg").count() == 1
    assert _audits("nrm.decision_drafted").count() == 1


# Reconsideration -------------------------------------------------------------------------------


def _requested(referral, decision_maker, specialist, first_responder):
    negative = served(referral, decision_maker, specialist, outcome="negative")
    return negative, s.reconsideration_request(
        actor=first_responder,
        decision=negative,
        requester_type="support_provider",
        requester_name="Salvation Army",
        grounds="New medical evidence",
    )


def test_a_reconsideration_decided_twice_at_once_is_decided_once(
    monkeypatch,
    referral,
    decision_maker,
    specialist,
    first_responder,
    second_decision_maker,
    third_decision_maker,
):
    negative, item = _requested(referral, decision_maker, specialist, first_responder)
    _paused(monkeypatch, reconsideration)

    def decide(actor, upheld):
        def work():
            s.reconsideration_decide(
                actor=actor,
                reconsideration=m.Reconsideration.objects.get(pk=item.pk),
                upheld=upheld,
                reasons="Stands" if upheld else "The new evidence changes it",
            )

        return work

    errors = run_at_once(
        [decide(second_decision_maker, True), decide(third_decision_maker, False)], at=NOW
    )
    _refused_once(errors, "This reconsideration has already been decided")
    item.refresh_from_db()
    decided = _audits("nrm.reconsideration_decided", item)
    assert decided.count() == 1
    assert decided.get().payload["new"]["upheld"] == item.upheld
    redrafts = m.Decision.objects.filter(reconsideration_of=negative)
    assert redrafts.count() == (0 if item.upheld else 1)


def test_a_reconsideration_asked_for_twice_at_once_is_recorded_once(
    monkeypatch, referral, decision_maker, specialist, first_responder
):
    negative = served(referral, decision_maker, specialist, outcome="negative")
    _paused(monkeypatch, reconsideration)

    def ask():
        s.reconsideration_request(
            actor=first_responder,
            decision=m.Decision.objects.get(pk=negative.pk),
            requester_type="support_provider",
            requester_name="Salvation Army",
            grounds="New medical evidence",
        )

    errors = run_at_once([ask, ask], at=NOW)
    _refused_once(errors, "A reconsideration of this decision is already under way")
    assert m.Reconsideration.objects.filter(decision=negative).count() == 1
    assert _audits("nrm.reconsideration_requested").count() == 1


# Public order disqualification ----------------------------------------------------------------


def _notice(referral, actor):
    return s.disqualification_notice_send(
        actor=actor,
        referral=referral,
        grounds="Convicted of a serious offence",
        consequences_stated="No recovery support or leave as a victim",
    )


def test_a_minded_to_notice_sent_twice_at_once_is_sent_once(
    monkeypatch, referral, decision_maker, second_decision_maker
):
    served(referral, decision_maker)
    _paused(monkeypatch, disqualification)
    workers = [
        lambda u=user: _notice(m.Referral.objects.get(pk=referral.pk), u)
        for user in (decision_maker, second_decision_maker)
    ]
    errors = run_at_once(workers, at=NOW)
    _refused_once(errors, "A disqualification is already under way")
    assert m.Disqualification.objects.filter(referral=referral).count() == 1
    assert _audits("nrm.disqualification_notice_sent").count() == 1


STEPS = {
    "response": (
        "nrm.disqualification_response_recorded",
        "A response has already been recorded",
        lambda actor, item, i: s.disqualification_response_record(
            actor=actor, disqualification=item, response=f"Response {i}"
        ),
        "response",
    ),
    "assess": (
        "nrm.disqualification_assessed",
        "The re-trafficking risk has already been assessed",
        lambda actor, item, i: s.disqualification_assess(
            actor=actor,
            disqualification=item,
            risk=("low", "high")[i],
            assessment=f"Assessment {i}",
        ),
        "retrafficking_risk",
    ),
    "decide": (
        "nrm.disqualification_decided",
        "This disqualification has already been decided",
        lambda actor, item, i: s.disqualification_decide(
            actor=actor, disqualification=item, disqualified=bool(i), reasons=f"Reasons {i}"
        ),
        "disqualified",
    ),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_disqualification_step_taken_twice_at_once_is_taken_once(
    monkeypatch, referral, decision_maker, second_decision_maker, step
):
    served(referral, decision_maker)
    item = _notice(referral, decision_maker)
    if step == "decide":
        s.disqualification_response_record(
            actor=decision_maker, disqualification=item, response="I was coerced"
        )
        s.disqualification_assess(
            actor=decision_maker, disqualification=item, risk="high", assessment="Known network"
        )
    verb, message, act, field = STEPS[step]
    _paused(monkeypatch, disqualification)
    workers = [
        lambda i=i, u=user: act(u, m.Disqualification.objects.get(pk=item.pk), i)
        for i, user in enumerate((decision_maker, second_decision_maker))
    ]
    errors = run_at_once(workers, at=NOW)
    _refused_once(errors, message)
    item.refresh_from_db()
    audited = _audits(verb, item)
    assert audited.count() == 1
    if step != "response":
        key = {"assess": "risk", "decide": "disqualified"}[step]
        assert audited.get().payload["new"][key] == getattr(item, field)
    # The winner's earlier steps are kept (no stale full-row save wiped the response).
    if step == "decide":
        assert item.response == "I was coerced" and item.retrafficking_risk == "high"


# Safeguarding advice, referral feedback, trend review ------------------------------------------


def test_safeguarding_advice_given_twice_at_once_is_given_once(
    monkeypatch, referral, decision_maker, safeguarding_adviser, authority_team
):
    other = testing.user_make("nrm_safeguarding_adviser", authority_team, last_name="Second")
    advice = draft(referral, decision_maker, level=1).safeguarding_advice.get()
    _paused(monkeypatch, safeguarding)

    def give(actor, text):
        def work():
            s.safeguarding_advice_give(
                actor=actor,
                advice=m.SafeguardingAdvice.objects.get(pk=advice.pk),
                advice_text=text,
                no_action_required=True,
            )

        return work

    errors = run_at_once([give(safeguarding_adviser, "Signpost"), give(other, "Refer")], at=NOW)
    _refused_once(errors, "This advice has already been given")
    advice.refresh_from_db()
    given = _audits("nrm.safeguarding_advice_given", advice)
    assert given.count() == 1
    assert given.get().actor_id == advice.adviser_id


def test_referral_feedback_sent_twice_at_once_is_sent_once(
    monkeypatch, referral, specialist, nrm_manager, first_responder
):
    assessment = s.referral_quality_assess(
        actor=specialist,
        referral=referral,
        checklist=dict.fromkeys(rules.QUALITY_CHECKLIST, True),
        feedback="Say when and where",
        point_of_contact=first_responder,
    )
    _paused(monkeypatch, referral_quality, "audit")

    def send(actor):
        def work():
            s.quality_feedback_send(
                actor=actor, assessment=m.QualityAssessment.objects.get(pk=assessment.pk)
            )

        return work

    errors = run_at_once([send(specialist), send(nrm_manager)], at=NOW)
    _refused_once(errors, "This feedback has already been sent")
    assert Notification.objects.filter(user=first_responder).count() == 1
    assert _audits("nrm.quality_feedback_sent").count() == 1


def test_a_quarter_reviewed_twice_at_once_is_reviewed_once(monkeypatch, nrm_manager, specialist):
    _paused(monkeypatch, sampling, "_audit")
    quarter = date(2026, 7, 1)
    workers = [
        lambda u=user: s.trend_review_record(actor=u, quarter_start=quarter, findings="Findings")
        for user in (nrm_manager, specialist)
    ]
    errors = run_at_once(workers, at=NOW)
    _refused_once(errors, "This quarter has already been reviewed")
    assert m.TrendReview.objects.filter(quarter_start=quarter).count() == 1
    assert _audits("nrm.trend_review_recorded").count() == 1


def test_a_duty_to_notify_from_one_source_sent_twice_at_once_is_recorded_once(
    monkeypatch, nrm_manager
):
    """The visit hook's record, idempotent on its source: the second insert waited for the first
    and failed on the unique key (an error where the officer's entry was saved); now it is
    answered with the first record."""
    _paused(monkeypatch, duty_to_notify, "audit")
    made = []

    def record():
        made.append(
            s.duty_to_notify_record(
                actor=None,
                referrer_type="enforcement_officer",
                exploitation_types=["not_specified"],
                control_methods=["other"],
                summary="Recorded on a visit",
                source_key="operations.safeguarding:race",
            ).pk
        )

    errors = run_at_once([record, record], at=NOW)
    assert errors == []
    assert m.DutyToNotify.objects.filter(source_key="operations.safeguarding:race").count() == 1
    assert len(set(made)) == 1 and len(made) == 2
    assert _audits("nrm.duty_to_notify_recorded").count() == 1


def test_refusals_under_the_lock_still_refuse_alone(
    referral, decision_maker, second_decision_maker, specialist, first_responder
):
    """The checks made again under the lock refuse as before when nothing is concurrent."""
    from django.core.exceptions import ValidationError

    _, item = _requested(referral, decision_maker, specialist, first_responder)
    with clock.frozen(NOW):
        s.reconsideration_decide(
            actor=second_decision_maker, reconsideration=item, upheld=True, reasons="Stands"
        )
        with pytest.raises(ValidationError, match="already been decided"):
            s.reconsideration_decide(
                actor=second_decision_maker, reconsideration=item, upheld=True, reasons="Stands"
            )


# Duty line, urgent service, dip sample ---------------------------------------------------------


def _call(actor):
    return s.duty_call_log(actor=actor, caller="Police", summary="Person missing from refuge")


def test_a_duty_call_followed_up_twice_at_once_is_followed_up_once(
    monkeypatch, safeguarding_adviser, authority_team
):
    other = testing.user_make("nrm_safeguarding_adviser", authority_team, last_name="Second")
    with clock.frozen(NOW):
        call = _call(safeguarding_adviser)
    _paused(monkeypatch, safeguarding)
    texts = {safeguarding_adviser.pk: "Found safe", other.pk: "Still missing"}

    def follow_up(actor):
        def work():
            s.duty_call_follow_up(
                actor=actor,
                call=m.DutyLineCall.objects.get(pk=call.pk),
                follow_up=texts[actor.pk],
            )

        return work

    errors = run_at_once([follow_up(safeguarding_adviser), follow_up(other)], at=NOW)
    _refused_once(errors, "Only an open call can be followed up")
    call.refresh_from_db()
    followed = _audits("nrm.duty_call_followed_up", call)
    assert followed.count() == 1
    assert call.status == m.DutyCallStatus.FOLLOWED_UP
    assert call.follow_up == texts[followed.get().actor_id]


def test_a_duty_call_debriefed_twice_at_once_is_closed_once(
    monkeypatch, safeguarding_adviser, authority_team
):
    other = testing.user_make("nrm_safeguarding_adviser", authority_team, last_name="Second")
    with clock.frozen(NOW):
        call = _call(safeguarding_adviser)
        s.duty_call_follow_up(actor=safeguarding_adviser, call=call, follow_up="Found safe")
    _paused(monkeypatch, safeguarding)
    texts = {safeguarding_adviser.pk: "Handled well", other.pk: "Escalate next time"}

    def debrief(actor):
        def work():
            s.duty_call_debrief(
                actor=actor, call=m.DutyLineCall.objects.get(pk=call.pk), debrief=texts[actor.pk]
            )

        return work

    errors = run_at_once([debrief(safeguarding_adviser), debrief(other)], at=NOW)
    _refused_once(errors, "This call is already closed")
    call.refresh_from_db()
    closed = _audits("nrm.duty_call_closed", call)
    assert closed.count() == 1
    assert call.status == m.DutyCallStatus.CLOSED
    assert call.debrief == texts[closed.get().actor_id]
    # The follow-up made before is kept (no stale full-row save over it).
    assert call.follow_up == "Found safe"


def test_urgent_service_authorised_twice_at_once_is_authorised_once(
    monkeypatch, referral, decision_maker, nrm_manager, authority_team
):
    other = testing.user_make("nrm_manager", authority_team, last_name="Second")
    decision = draft(referral, decision_maker, outcome="negative")
    with clock.frozen(NOW):
        s.decision_sign_off(actor=decision_maker, decision=decision)
    _paused(monkeypatch, checks)
    reasons = {nrm_manager.pk: "Removal directions set", other.pk: "Flight booked tomorrow"}

    def authorise(actor):
        def work():
            s.urgent_service_authorise(
                actor=actor,
                decision=m.Decision.objects.get(pk=decision.pk),
                reason=reasons[actor.pk],
            )

        return work

    errors = run_at_once([authorise(nrm_manager), authorise(other)], at=NOW)
    _refused_once(errors, "Urgent service has already been authorised for this decision")
    decision.refresh_from_db()
    authorised = _audits("nrm.urgent_service_authorised", decision)
    assert authorised.count() == 1
    assert authorised.get().actor_id == decision.urgent_service_by_id
    assert decision.urgent_service_reason == reasons[decision.urgent_service_by_id]
    assert decision.status == m.DecisionStatus.AWAITING_CHECK


def test_urgent_service_authorised_again_alone_is_refused(referral, decision_maker, nrm_manager):
    """The page offers it once; a second authorisation (a resubmitted form) is refused."""
    from django.core.exceptions import ValidationError

    decision = draft(referral, decision_maker, outcome="negative")
    with clock.frozen(NOW):
        s.decision_sign_off(actor=decision_maker, decision=decision)
        s.urgent_service_authorise(actor=nrm_manager, decision=decision, reason="Removal")
        with pytest.raises(ValidationError, match="already been authorised"):
            s.urgent_service_authorise(
                actor=nrm_manager,
                decision=m.Decision.objects.get(pk=decision.pk),
                reason="Again",
            )
    assert _audits("nrm.urgent_service_authorised", decision).count() == 1


def test_overlapping_dip_samples_drawn_at_once_make_one_round(
    monkeypatch, person, form_version, guidance_edition, decision_maker, specialist, nrm_manager
):
    from waymark.nrm.tests.quality_factories import served_positive_cgs
    from waymark.work.models import Task

    served_positive_cgs(
        20, person, form_version, guidance_edition, decision_maker, on=date(2026, 10, 14)
    )
    _paused(monkeypatch, sampling, "_audit")
    periods = {
        specialist.pk: (date(2026, 10, 1), date(2026, 10, 31)),
        nrm_manager.pk: (date(2026, 10, 10), date(2026, 10, 20)),
    }

    def draw(actor):
        def work():
            start, end = periods[actor.pk]
            s.dip_sample_draw(actor=actor, period_start=start, period_end=end)

        return work

    errors = run_at_once([draw(specialist), draw(nrm_manager)], at=NOW)
    _refused_once(errors, "A dip sample already covers part of this period")
    sample_round = m.SampleRound.objects.get()
    assert _audits("nrm.dip_sample_drawn").count() == 1
    assert Task.objects.filter(task_type=sampling.RATE_TASK).count() == len(sample_round.drawn)
    assert m.QualityRating.objects.count() == len(sample_round.drawn)
