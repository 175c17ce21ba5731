"""The second pair of eyes: agree, disagree (returned with reasons), urgent service that leaves the
check open, and the backlog and ratio selectors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark import testing
from waymark.core import clock
from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.nrm import selectors as sel
from waymark.nrm import services as s
from waymark.nrm.tests._decision_helpers import draft, later, referral_make
from waymark.work.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "guidance_edition")]


@pytest.fixture
def negative(person, form_version, authority_team, decision_maker):
    referral = referral_make(person=person, form_version=form_version, team=authority_team)
    decision = draft(referral, decision_maker, outcome="negative")
    s.decision_sign_off(actor=decision_maker, decision=decision)
    return decision


def test_agree_makes_the_decision_ready_and_closes_the_task(negative, specialist):
    check = negative.checks.get()
    s.check_agree(actor=specialist, check=check, reasons="Sound")
    negative.refresh_from_db()
    assert check.status == m.CheckStatus.AGREED and check.specialist == specialist
    assert negative.status == m.DecisionStatus.READY
    assert Task.objects.get(dedupe_key=f"nrm.check:{check.pk}").status == "done"


def test_never_checked_by_its_own_maker(person, form_version, authority_team, specialist):
    # A technical specialist may decide too; they still never check their own decision.
    referral = referral_make(person=person, form_version=form_version, team=authority_team)
    decision = draft(referral, specialist, outcome="negative")
    s.decision_sign_off(actor=specialist, decision=decision)
    with pytest.raises(PermissionDenied, match="never checked by the decision maker"):
        s.check_agree(actor=specialist, check=decision.checks.get())
    assert decision.checks.get().status == m.CheckStatus.PENDING


def test_decision_maker_without_check_role_cannot_check(negative, second_decision_maker):
    with pytest.raises(PermissionDenied):
        s.check_agree(actor=second_decision_maker, check=negative.checks.get())


def test_disagree_needs_reasons_and_returns_the_decision(negative, specialist, decision_maker):
    check = negative.checks.get()
    with pytest.raises(ValidationError) as exc:
        s.check_disagree(actor=specialist, check=check, reasons="  ")
    assert "reasons" in exc.value.message_dict
    check.refresh_from_db()
    assert check.status == m.CheckStatus.PENDING
    s.check_disagree(actor=specialist, check=check, reasons="Medical evidence not considered")
    negative.refresh_from_db()
    assert negative.status == m.DecisionStatus.RETURNED
    task = Task.objects.get(dedupe_key=f"nrm.revise:{negative.pk}:{check.pk}")
    assert task.assignee == decision_maker and task.status != "done"
    # The revised decision, signed off again, gets a new check.
    s.decision_revise(
        actor=decision_maker,
        decision=negative,
        outcome="negative",
        evidence_considered="All of it, medical report included",
        rationale="Still not met",
    )
    assert Task.objects.get(pk=task.pk).status == "done"
    s.decision_sign_off(actor=decision_maker, decision=negative)
    assert negative.checks.filter(status=m.CheckStatus.PENDING).count() == 1


def test_urgent_service_needs_a_manager_and_a_reason(negative, decision_maker, nrm_manager):
    with pytest.raises(PermissionDenied):
        s.urgent_service_authorise(actor=decision_maker, decision=negative, reason="Removal")
    with pytest.raises(ValidationError) as exc:
        s.urgent_service_authorise(actor=nrm_manager, decision=negative, reason="")
    assert "reason" in exc.value.message_dict
    negative.refresh_from_db()
    assert negative.urgent_service_by is None


def test_urgent_service_leaves_the_check_open_and_it_can_still_be_done(
    negative, nrm_manager, decision_maker, specialist
):
    s.urgent_service_authorise(
        actor=nrm_manager, decision=negative, reason="Removal directions set for tomorrow"
    )
    s.decision_serve(actor=decision_maker, decision=negative, method="hand")
    negative.refresh_from_db()
    assert negative.status == m.DecisionStatus.SERVED
    check = negative.checks.get()
    assert check.status == m.CheckStatus.PENDING
    task = Task.objects.get(dedupe_key=f"nrm.check:{check.pk}")
    assert task.status != "done"
    assert sel.check_backlog()["count"] == 1
    s.check_agree(actor=specialist, check=check)
    assert m.SpecialistCheck.objects.get(pk=check.pk).status == m.CheckStatus.AGREED
    assert Task.objects.get(pk=task.pk).status == "done"
    negative.refresh_from_db()
    assert negative.status == m.DecisionStatus.SERVED


def test_backlog_counts_pending_checks_and_the_oldest_age(negative):
    with later(3):
        backlog = sel.check_backlog()
    assert backlog == {
        "count": 1,
        "oldest_age_days": 3,
        "oldest_requested_at": negative.checks.get().requested_at,
    }


def test_ratio_counts_users_holding_each_role_in_the_team(
    authority_team, decision_maker, second_decision_maker, specialist, other_team
):
    testing.user_make("technical_specialist", other_team)  # another team's: not counted
    ratio = sel.specialist_ratio()
    assert ratio["specialists"] == 1 and ratio["decision_makers"] == 2
    assert ratio["ratio"] == 2.0
    assert ratio["stated"] == rules.SPECIALIST_RATIO_STATED == 9
    assert not ratio["over_stated"]
    for _ in range(8):
        testing.user_make("nrm_decision_maker", authority_team)
    assert sel.specialist_ratio()["ratio"] == 10.0
    assert sel.specialist_ratio()["over_stated"]


def test_backlog_empty():
    assert sel.check_backlog(clock.now() + timedelta(days=1))["count"] == 0
