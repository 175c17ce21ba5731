"""Safeguarding advice (asked automatically for a level; formal advice where required) and the
duty line (logged, followed up, debriefed and closed)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.nrm import selectors as sel
from waymark.nrm import services as s
from waymark.nrm.tests._decision_helpers import draft, referral_make
from waymark.work.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "guidance_edition")]


@pytest.fixture
def referral(person, form_version, authority_team):
    return referral_make(person=person, form_version=form_version, team=authority_team)


def test_a_level_asks_for_advice_and_giving_it_closes_the_task(
    referral, decision_maker, safeguarding_adviser
):
    decision = draft(referral, decision_maker, level=1)
    advice = decision.safeguarding_advice.get()
    assert list(sel.advice_queue()) == [advice]
    s.safeguarding_advice_give(
        actor=safeguarding_adviser, advice=advice, advice_text="Signpost", no_action_required=True
    )
    assert advice.given_at is not None and advice.adviser == safeguarding_adviser
    assert Task.objects.get(dedupe_key=f"nrm.safeguarding_advice:{advice.pk}").status == "done"
    assert not sel.advice_queue().exists()


def test_no_level_no_advice(referral, decision_maker):
    assert not draft(referral, decision_maker).safeguarding_advice.exists()


def test_only_an_adviser_gives_advice(referral, decision_maker):
    decision = draft(referral, decision_maker, level=1)
    with pytest.raises(PermissionDenied):
        s.safeguarding_advice_give(
            actor=decision_maker,
            advice=decision.safeguarding_advice.get(),
            advice_text="x",
            no_action_required=True,
        )


def test_formal_advice_given_with_service_advice(referral, decision_maker, safeguarding_adviser):
    decision = draft(referral, decision_maker, level=3)
    advice = decision.safeguarding_advice.get()
    s.safeguarding_advice_give(
        actor=safeguarding_adviser,
        advice=advice,
        advice_text="High risk",
        no_action_required=False,
        service_advice="Serve in person with the support provider present",
    )
    s.decision_sign_off(actor=decision_maker, decision=decision)
    assert decision.status == m.DecisionStatus.READY


def test_level_3_with_a_legal_representative_needs_no_formal_advice(
    person, form_version, authority_team, decision_maker
):
    referral = referral_make(
        person=person,
        form_version=form_version,
        team=authority_team,
        has_legal_representative=True,
    )
    assert not draft(referral, decision_maker, level=3).safeguarding_advice.get().formal_required


def test_duty_call_logged_followed_up_and_closed(safeguarding_adviser, referral):
    with pytest.raises(ValidationError) as exc:
        s.duty_call_log(actor=safeguarding_adviser, caller="", summary="")
    assert set(exc.value.message_dict) == {"caller", "summary"}
    assert not m.DutyLineCall.objects.exists()
    call = s.duty_call_log(
        actor=safeguarding_adviser,
        caller="Support provider",
        summary="Person missing from accommodation",
        risk_level=3,
        actions="Police informed",
        referral=referral,
    )
    assert call.follow_up_due_on == rules.working_days_after(
        call.received_at.date(), rules.DUTY_LINE_FOLLOW_UP_WORKING_DAYS
    )
    s.duty_call_follow_up(actor=safeguarding_adviser, call=call, follow_up="Found safe")
    assert call.status == m.DutyCallStatus.FOLLOWED_UP
    with pytest.raises(ValidationError):
        s.duty_call_debrief(actor=safeguarding_adviser, call=call, debrief="")
    s.duty_call_debrief(actor=safeguarding_adviser, call=call, debrief="Handled well")
    assert call.status == m.DutyCallStatus.CLOSED
    with pytest.raises(ValidationError, match="already closed"):
        s.duty_call_debrief(actor=safeguarding_adviser, call=call, debrief="Again")


def test_duty_line_is_the_advisers(decision_maker):
    with pytest.raises(PermissionDenied):
        s.duty_call_log(actor=decision_maker, caller="x", summary="y")
