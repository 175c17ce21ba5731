"""Reconsideration: of served negatives only, within the window or late with a reason, through a
first responder or support provider, never decided by the original decision maker; overturning
drafts a new decision and reopens the referral. Decisions under superseded guidance offered."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.nrm import selectors as sel
from waymark.nrm import services as s
from waymark.nrm.tests._decision_helpers import later, referral_make, served

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "guidance_edition")]


@pytest.fixture
def referral(person, form_version, authority_team, first_responder):
    return referral_make(
        person=person, form_version=form_version, team=authority_team, referrer=first_responder
    )


@pytest.fixture
def negative(referral, decision_maker, specialist):
    return served(referral, decision_maker, specialist, outcome="negative")


def _request(decision, actor, **kw):
    values = {
        "requester_type": "support_provider",
        "requester_name": "Salvation Army",
        "grounds": "New medical evidence",
    }
    values.update(kw)
    return s.reconsideration_request(actor=actor, decision=decision, **values)


def test_only_served_negatives(referral, decision_maker, first_responder):
    positive = served(referral, decision_maker)
    with pytest.raises(ValidationError, match="Only a served negative"):
        _request(positive, first_responder)
    assert not m.Reconsideration.objects.exists()


def test_window_boundary_and_late_reason(negative, first_responder):
    with later(rules.RECONSIDERATION_WINDOW_DAYS):
        assert _request(negative, first_responder).in_time
    m.Reconsideration.objects.all().delete()
    with later(rules.RECONSIDERATION_WINDOW_DAYS + 1):
        with pytest.raises(ValidationError) as exc:
            _request(negative, first_responder)
        assert "late_reason" in exc.value.message_dict
        assert not m.Reconsideration.objects.exists()
        late = _request(negative, first_responder, late_reason="The evidence arrived late")
    assert not late.in_time


def test_requester_type_must_be_first_responder_or_support_provider(negative, first_responder):
    with pytest.raises(ValidationError) as exc:
        _request(negative, first_responder, requester_type="solicitor")
    assert "requester_type" in exc.value.message_dict


def test_refused_to_the_original_decision_maker(negative, decision_maker, first_responder):
    item = _request(negative, first_responder)
    with pytest.raises(PermissionDenied, match="other than the original decision maker"):
        s.reconsideration_decide(
            actor=decision_maker, reconsideration=item, upheld=True, reasons="Stands"
        )
    item.refresh_from_db()
    assert item.status == m.ReconsiderationStatus.REQUESTED and item.decided_by is None


def test_upheld_leaves_the_referral_concluded(
    negative, second_decision_maker, first_responder, referral
):
    item = _request(negative, first_responder)
    s.reconsideration_decide(
        actor=second_decision_maker, reconsideration=item, upheld=True, reasons="No new evidence"
    )
    referral.refresh_from_db()
    assert item.upheld and item.new_decision is None
    assert referral.status == m.ReferralStatus.CONCLUDED


def test_overturned_drafts_a_new_decision_and_reopens(
    negative, second_decision_maker, first_responder, referral
):
    item = _request(negative, first_responder)
    s.reconsideration_decide(
        actor=second_decision_maker,
        reconsideration=item,
        upheld=False,
        reasons="The medical evidence meets the test",
    )
    referral.refresh_from_db()
    new = item.new_decision
    assert new.status == m.DecisionStatus.DRAFT and new.outcome == "positive"
    assert new.reconsideration_of == negative and new.decision_maker == second_decision_maker
    assert referral.status == m.ReferralStatus.RECOVERY and referral.outcome == ""
    s.decision_sign_off(actor=second_decision_maker, decision=new)
    s.decision_serve(actor=second_decision_maker, decision=new, method="post")
    referral.refresh_from_db()
    assert referral.status == m.ReferralStatus.RECOVERY
    assert referral.recovery_ends_on == rules.recovery_ends_on(clock.today())


def test_superseded_guidance_list_and_offer(
    negative, guidance_edition, decision_maker, second_decision_maker
):
    assert not sel.superseded_negative_decisions().exists()
    guidance_edition.superseded_on = clock.today()
    guidance_edition.save()
    m.GuidanceEdition.objects.create(
        code="MSA-SG-4.0", title="Version 4.0", in_force_from=clock.today()
    )
    assert list(sel.superseded_negative_decisions()) == [negative]
    offer = s.reconsideration_offer(actor=second_decision_maker, decision=negative)
    assert offer.offered_for_guidance
    assert not sel.superseded_negative_decisions().exists()
    with pytest.raises(ValidationError):
        s.reconsideration_offer(actor=second_decision_maker, decision=negative)


def test_superseded_in_future_not_listed(negative, guidance_edition):
    guidance_edition.superseded_on = date(2099, 1, 1)
    guidance_edition.save()
    assert not sel.superseded_negative_decisions().exists()
