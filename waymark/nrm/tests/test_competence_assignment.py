"""The authority's own assignments respect the competence gate (issue 20 item 2, decision 0016):
a decision task the rule gives to the referral's decision maker goes to them only if they hold a
valid NRM decision maker competence (the predicate get next uses, read through work's
selectors); otherwise it waits unassigned in the queue, saying why, and get next gives it only to
someone competent. A manager naming an incompetent decision maker is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from waymark import testing
from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.nrm import services as s
from waymark.nrm.tests._decision_helpers import later, referral_make, served
from waymark.nrm.tests.conftest import signed_off_decision_maker
from waymark.work.models import Competence, Task
from waymark.work.selectors import competent_assignee
from waymark.work.services import competence_withdraw, task_get_next

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "guidance_edition")]


@pytest.fixture
def referral(person, form_version, authority_team, first_responder):
    return referral_make(
        person=person, form_version=form_version, referrer=first_responder, team=authority_team
    )


@pytest.fixture
def new_referral(person, form_version, authority_team, first_responder):
    """A referral as it arrives, with its preparation items (through the service)."""
    return s.referral_create(
        actor=first_responder,
        person=person,
        referrer_type="detention_engagement_team",
        consent="consented",
        age_group="adult",
        detained=True,
        exploitation_types=["forced_labour"],
        control_methods=["debt_bondage"],
        answers={"account": "Worked 16 hours a day", "indicators": "Passport held"},
    )


def _withdraw(user):
    competence_withdraw(
        actor=None,
        competence=Competence.objects.get(holder=user, competence_key="nrm_decision_maker"),
        reason="Failed two quality reviews in a row",
    )


def _all_given(user) -> set[int]:
    """Every task get next gives ``user``, pressing until it gives nothing."""
    given: set[int] = set()
    while (task := task_get_next(user=user)) is not None:
        given.add(task.pk)
    return given


def test_the_cg_task_goes_to_a_competent_decision_maker(referral, decision_maker):
    served(referral, decision_maker)
    with later(rules.RECOVERY_PERIOD_DAYS):
        s.recovery_ended_sweep()
    task = Task.objects.get(dedupe_key=f"nrm.decide_cg:{referral.pk}")
    assert task.assignee == decision_maker and task.description == ""


def test_the_cg_task_waits_in_the_queue_when_the_decision_maker_lost_the_competence(
    referral, decision_maker, second_decision_maker
):
    served(referral, decision_maker)
    _withdraw(decision_maker)
    with later(rules.RECOVERY_PERIOD_DAYS):
        s.recovery_ended_sweep()
        task = Task.objects.get(dedupe_key=f"nrm.decide_cg:{referral.pk}")
        assert task.assignee is None
        assert "does not hold a valid NRM decision maker competence" in task.description
        assert "waits in the queue" in task.description
        # The referral still names its decision maker; get next gives the task to someone who
        # holds the competence, never to the one who lost it.
        referral.refresh_from_db()
        assert referral.decision_maker == decision_maker
        assert task.pk not in _all_given(decision_maker)
        assert task.pk in _all_given(second_decision_maker)


def test_the_rg_task_waits_unassigned_when_the_named_maker_lacks_the_competence(
    new_referral, decision_maker, nrm_manager, case_preparer
):
    referral = new_referral
    s.referral_allocate(actor=nrm_manager, referral=referral, decision_maker=decision_maker)
    _withdraw(decision_maker)
    referral.refresh_from_db()
    for item in referral.preparation_items.all():
        s.preparation_record(actor=case_preparer, item=item, status="gathered", summary="Held")
    referral.refresh_from_db()
    assert referral.status == m.ReferralStatus.RG_PENDING
    task = Task.objects.get(task_type="nrm.decide_rg")
    assert task.assignee is None
    assert decision_maker.display_name in task.description


def test_a_manager_cannot_name_a_decision_maker_without_the_competence(
    referral, authority_team, nrm_manager
):
    untrained = testing.user_make("nrm_decision_maker", authority_team, last_name="Untrained")
    with pytest.raises(ValidationError) as caught:
        s.referral_allocate(actor=nrm_manager, referral=referral, decision_maker=untrained)
    assert "does not hold a valid NRM decision maker competence" in str(
        caught.value.message_dict["decision_maker"]
    )
    referral.refresh_from_db()
    assert referral.decision_maker is None
    signed_off_decision_maker(untrained)
    s.referral_allocate(actor=nrm_manager, referral=referral, decision_maker=untrained)
    referral.refresh_from_db()
    assert referral.decision_maker == untrained


def test_the_next_eligible_candidate_is_chosen(authority_team):
    lacking = testing.user_make("nrm_decision_maker", authority_team, last_name="Lacking")
    holding = signed_off_decision_maker(
        testing.user_make("nrm_decision_maker", authority_team, last_name="Holding")
    )
    chosen, passed_over = competent_assignee("nrm.decide_cg", [None, lacking, holding])
    assert chosen == holding
    assert len(passed_over) == 1 and lacking.display_name in passed_over[0]
    assert competent_assignee("nrm.decide_cg", [lacking]) == (None, passed_over)
    # A type no competence gates goes to the first named.
    assert competent_assignee("nrm.prepare", [lacking, holding]) == (lacking, [])
