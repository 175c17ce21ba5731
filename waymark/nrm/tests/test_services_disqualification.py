"""Public order disqualification: only after a served positive RG; the response window; the
separate re-trafficking assessment before the decision; reasons."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from waymark.core import clock
from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.nrm import services as s
from waymark.nrm.tests._decision_helpers import draft, later, referral_make, served
from waymark.work.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "guidance_edition")]


@pytest.fixture
def referral(person, form_version, authority_team):
    return referral_make(person=person, form_version=form_version, team=authority_team)


def _send(referral, actor):
    return s.disqualification_notice_send(
        actor=actor,
        referral=referral,
        grounds="Convicted of a serious offence",
        consequences_stated="No recovery support or leave as a victim",
    )


def test_refused_without_a_served_positive_rg(referral, decision_maker):
    with pytest.raises(ValidationError, match="only after a positive reasonable grounds"):
        _send(referral, decision_maker)
    decision = draft(referral, decision_maker)
    s.decision_sign_off(actor=decision_maker, decision=decision)  # ready, not served
    with pytest.raises(ValidationError, match="only after a positive reasonable grounds"):
        _send(referral, decision_maker)
    assert not m.Disqualification.objects.exists()


def test_consequences_required(referral, decision_maker):
    served(referral, decision_maker)
    with pytest.raises(ValidationError) as exc:
        s.disqualification_notice_send(
            actor=decision_maker, referral=referral, grounds="x", consequences_stated=""
        )
    assert "consequences_stated" in exc.value.message_dict
    assert not m.Disqualification.objects.exists()


def test_window_then_assessment_then_decision(referral, decision_maker):
    served(referral, decision_maker)
    item = _send(referral, decision_maker)
    assert item.response_due_on == rules.disqualification_response_due(clock.today())
    assert Task.objects.get(dedupe_key=f"nrm.disqualification_decide:{item.pk}")
    with pytest.raises(ValidationError, match="Assess the risk of re-trafficking"):
        s.disqualification_decide(
            actor=decision_maker, disqualification=item, disqualified=True, reasons="r"
        )
    s.disqualification_assess(
        actor=decision_maker, disqualification=item, risk="high", assessment="Known network"
    )
    # The last day of the window: still refused.
    with (
        later(rules.DISQUALIFICATION_RESPONSE_DAYS),
        pytest.raises(ValidationError, match="to respond"),
    ):
        s.disqualification_decide(
            actor=decision_maker, disqualification=item, disqualified=True, reasons="r"
        )
    item.refresh_from_db()
    assert item.status == m.DisqualificationStatus.ASSESSED and item.disqualified is None
    with later(rules.DISQUALIFICATION_RESPONSE_DAYS + 1):
        with pytest.raises(ValidationError) as exc:
            s.disqualification_decide(
                actor=decision_maker, disqualification=item, disqualified=False, reasons=""
            )
        assert "reasons" in exc.value.message_dict
        s.disqualification_decide(
            actor=decision_maker,
            disqualification=item,
            disqualified=False,
            reasons="The risk of re-trafficking outweighs the public order grounds",
        )
    assert item.status == m.DisqualificationStatus.DECIDED and item.disqualified is False
    assert Task.objects.get(dedupe_key=f"nrm.disqualification_decide:{item.pk}").status == "done"


def test_a_response_lets_the_decision_be_made_inside_the_window(referral, decision_maker):
    served(referral, decision_maker)
    item = _send(referral, decision_maker)
    s.disqualification_response_record(
        actor=decision_maker, disqualification=item, response="I was forced to offend"
    )
    s.disqualification_assess(
        actor=decision_maker, disqualification=item, risk="low", assessment="Low risk"
    )
    s.disqualification_decide(
        actor=decision_maker, disqualification=item, disqualified=True, reasons="Grounds met"
    )
    assert item.disqualified is True


def test_assessment_needs_a_risk(referral, decision_maker):
    served(referral, decision_maker)
    item = _send(referral, decision_maker)
    with pytest.raises(ValidationError) as exc:
        s.disqualification_assess(
            actor=decision_maker, disqualification=item, risk="extreme", assessment=""
        )
    assert set(exc.value.message_dict) == {"risk", "assessment"}
