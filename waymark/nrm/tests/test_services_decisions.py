"""Decisions: drafting against the test and guidance in force, sign-off with safeguarding, the
specialist check on negatives, service and its effect on the referral, the recovery-period sweep."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.nrm import services as s
from waymark.nrm.tests._decision_helpers import draft, later, referral_make, served
from waymark.people.models import TimelineEvent
from waymark.work.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "guidance_edition")]


@pytest.fixture
def referral(person, form_version, authority_team, first_responder):
    return referral_make(
        person=person, form_version=form_version, referrer=first_responder, team=authority_team
    )


def test_rg_draft_records_the_legal_test_and_guidance_in_force(referral, decision_maker):
    newer = m.GuidanceEdition.objects.create(
        code="MSA-SG-4.0", title="Version 4.0", in_force_from=clock.today()
    )
    m.GuidanceEdition.objects.create(
        code="MSA-SG-9", title="Future", in_force_from=clock.today() + timedelta(days=1)
    )
    decision = draft(referral, decision_maker)
    assert decision.legal_test == rules.RG_TEST
    assert decision.guidance == newer
    assert decision.status == m.DecisionStatus.DRAFT
    assert AuditEvent.objects.filter(verb="nrm.decision_drafted").count() == 1
    assert TimelineEvent.objects.filter(person=referral.person, event_type="nrm.decision_drafted")


def test_superseded_guidance_is_not_in_force(referral, decision_maker, guidance_edition):
    guidance_edition.superseded_on = clock.today()
    guidance_edition.save()
    with pytest.raises(ValidationError, match="No statutory guidance"):
        draft(referral, decision_maker)
    assert not m.Decision.objects.exists()


def test_only_a_decision_maker_drafts(referral, case_preparer, safeguarding_adviser):
    for user in (case_preparer, safeguarding_adviser):
        with pytest.raises(PermissionDenied):
            draft(referral, user)
    assert not m.Decision.objects.exists()


def test_bad_outcome_and_empty_text_refused_with_nothing_saved(referral, decision_maker):
    with pytest.raises(ValidationError) as exc:
        s.decision_draft(
            actor=decision_maker,
            referral=referral,
            stage="rg",
            outcome="positive_trafficking",
            evidence_considered=" ",
            rationale="",
            safeguarding_level=4,
        )
    assert set(exc.value.message_dict) == {
        "outcome",
        "evidence_considered",
        "rationale",
        "safeguarding_level",
    }
    assert not m.Decision.objects.exists()


def test_rg_refused_on_a_referral_past_rg(referral, decision_maker):
    referral.status = m.ReferralStatus.RECOVERY
    referral.save()
    with pytest.raises(ValidationError, match="reasonable grounds decision can be made only"):
        draft(referral, decision_maker)


def test_cg_not_before_recovery_period_ends_and_allowed_on_the_day(referral, decision_maker):
    served(referral, decision_maker)
    assert referral.status == m.ReferralStatus.RECOVERY
    first = rules.recovery_ends_on(clock.today())
    assert referral.recovery_ends_on == first
    with later(rules.RECOVERY_PERIOD_DAYS - 1):
        with pytest.raises(ValidationError) as exc:
            draft(referral, decision_maker, stage="cg", outcome="positive_trafficking")
        assert first.strftime("%-d %B %Y") in str(exc.value)
        assert not m.Decision.objects.filter(stage="cg").exists()
    with later(rules.RECOVERY_PERIOD_DAYS):
        decision = draft(referral, decision_maker, stage="cg", outcome="positive_trafficking")
    assert decision.legal_test == rules.CG_TEST


def test_cg_refused_without_a_positive_rg(referral, decision_maker):
    with pytest.raises(ValidationError, match="needs a positive reasonable grounds"):
        draft(referral, decision_maker, stage="cg", outcome="negative")


def test_positive_sign_off_is_ready_negative_goes_to_check(
    referral, decision_maker, person, form_version, authority_team
):
    positive = draft(referral, decision_maker)
    s.decision_sign_off(actor=decision_maker, decision=positive)
    assert positive.status == m.DecisionStatus.READY
    assert not positive.checks.exists()
    other = referral_make(person=person, form_version=form_version, team=authority_team)
    negative = draft(other, decision_maker, outcome="negative")
    s.decision_sign_off(actor=decision_maker, decision=negative)
    assert negative.status == m.DecisionStatus.AWAITING_CHECK
    check = negative.checks.get()
    assert check.status == m.CheckStatus.PENDING
    assert Task.objects.get(dedupe_key=f"nrm.check:{check.pk}").task_type == "nrm.check"


def test_sign_off_only_by_its_maker(referral, decision_maker, second_decision_maker):
    decision = draft(referral, decision_maker)
    with pytest.raises(PermissionDenied):
        s.decision_sign_off(actor=second_decision_maker, decision=decision)


def test_sign_off_with_a_level_and_no_advice_refused(referral, decision_maker):
    decision = draft(referral, decision_maker, level=2)
    advice = decision.safeguarding_advice.get()
    assert Task.objects.filter(dedupe_key=f"nrm.safeguarding_advice:{advice.pk}").exists()
    with pytest.raises(ValidationError, match="needs a safeguarding adviser's advice"):
        s.decision_sign_off(actor=decision_maker, decision=decision)
    decision.refresh_from_db()
    assert decision.status == m.DecisionStatus.DRAFT
    assert decision.signed_off_at is None


def test_sign_off_after_advice_given(referral, decision_maker, safeguarding_adviser):
    decision = draft(referral, decision_maker, level=2)
    s.safeguarding_advice_give(
        actor=safeguarding_adviser,
        advice=decision.safeguarding_advice.get(),
        advice_text="Support provider to attend service",
        no_action_required=False,
    )
    s.decision_sign_off(actor=decision_maker, decision=decision)
    assert decision.status == m.DecisionStatus.READY


def test_level_3_not_detained_no_representative_needs_formal_advice(
    referral, decision_maker, safeguarding_adviser
):
    decision = draft(referral, decision_maker, level=3)
    advice = decision.safeguarding_advice.get()
    assert advice.formal_required
    with pytest.raises(ValidationError) as exc:
        s.safeguarding_advice_give(
            actor=safeguarding_adviser, advice=advice, advice_text="Risky", no_action_required=False
        )
    assert "service_advice" in exc.value.message_dict
    advice.refresh_from_db()
    assert advice.given_at is None
    # Advice given without formal advice (e.g. entered elsewhere) still blocks sign-off.
    advice.advice, advice.given_at = "Risky", clock.now()
    advice.save()
    with pytest.raises(ValidationError, match="formal advice"):
        s.decision_sign_off(actor=decision_maker, decision=decision)


def test_level_3_detained_needs_no_formal_advice(
    person, form_version, authority_team, decision_maker
):
    referral = referral_make(
        person=person, form_version=form_version, team=authority_team, detained=True
    )
    decision = draft(referral, decision_maker, level=3)
    assert not decision.safeguarding_advice.get().formal_required


def test_negative_not_served_without_specialist_agreement(referral, decision_maker, nrm_manager):
    decision = draft(referral, decision_maker, outcome="negative")
    s.decision_sign_off(actor=decision_maker, decision=decision)
    for actor in (decision_maker, nrm_manager):
        with pytest.raises(ValidationError, match="only after a technical specialist agrees"):
            s.decision_serve(actor=actor, decision=decision, method="post")
    decision.refresh_from_db()
    referral.refresh_from_db()
    assert decision.status == m.DecisionStatus.AWAITING_CHECK
    assert decision.served_at is None
    assert referral.status == m.ReferralStatus.RG_PENDING


def test_negative_rg_served_after_check_concludes_the_referral(
    referral, decision_maker, specialist
):
    decision = served(referral, decision_maker, specialist, outcome="negative")
    assert decision.status == m.DecisionStatus.SERVED
    assert referral.status == m.ReferralStatus.CONCLUDED
    assert referral.outcome == "rg_negative"
    assert referral.concluded_at is not None


def test_serve_refuses_an_unknown_method(referral, decision_maker):
    decision = draft(referral, decision_maker)
    s.decision_sign_off(actor=decision_maker, decision=decision)
    with pytest.raises(ValidationError) as exc:
        s.decision_serve(actor=decision_maker, decision=decision, method="pigeon")
    assert "method" in exc.value.message_dict
    decision.refresh_from_db()
    assert decision.status == m.DecisionStatus.READY


def test_recovery_sweep_opens_cg_work_once_when_period_has_run(referral, decision_maker):
    served(referral, decision_maker)
    with later(rules.RECOVERY_PERIOD_DAYS - 1):
        assert s.recovery_ended_sweep() == 0
    with later(rules.RECOVERY_PERIOD_DAYS):
        assert s.recovery_ended_sweep() == 1
        assert s.recovery_ended_sweep() == 0
    referral.refresh_from_db()
    assert referral.status == m.ReferralStatus.CG_PENDING
    task = Task.objects.get(dedupe_key=f"nrm.decide_cg:{referral.pk}")
    assert task.task_type == "nrm.decide_cg"
    assert task.assignee == decision_maker


def test_cg_served_concludes_with_its_outcome_and_closes_cg_work(
    referral, decision_maker, specialist
):
    served(referral, decision_maker)
    with later(rules.RECOVERY_PERIOD_DAYS):
        s.recovery_ended_sweep()
        served(referral, decision_maker, specialist, stage="cg", outcome="positive_slavery")
    assert referral.status == m.ReferralStatus.CONCLUDED
    assert referral.outcome == "cg_positive_slavery"
    task = Task.objects.get(dedupe_key=f"nrm.decide_cg:{referral.pk}")
    assert task.status == "done"


def test_revise_returns_a_returned_decision_to_draft(referral, decision_maker, specialist):
    decision = draft(referral, decision_maker, outcome="negative")
    s.decision_sign_off(actor=decision_maker, decision=decision)
    s.check_disagree(actor=specialist, check=decision.checks.get(), reasons="Evidence missed")
    decision.refresh_from_db()
    assert decision.status == m.DecisionStatus.RETURNED
    s.decision_revise(
        actor=decision_maker,
        decision=decision,
        outcome="positive",
        evidence_considered="Now with the medical report",
        rationale="The medical evidence supports the account",
    )
    assert decision.status == m.DecisionStatus.DRAFT
    assert decision.outcome == "positive"


def test_rules_boundary_recovery_date():
    assert rules.recovery_ends_on(date(2026, 1, 1)) == date(2026, 1, 31)
