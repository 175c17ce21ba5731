"""Planning services: authorisation by grade, material change, deployment readiness."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from waymark.core import clock
from waymark.operations import models as m
from waymark.operations import rules, selectors, services
from waymark.work.models import Task

from . import planning_helpers as h
from .conftest import NOW, VISIT_AT, premises_make


@pytest.fixture
def rated_visit(visit, oic, frozen):
    h.rate(visit, oic, "amber")
    h.plan_assess(visit, oic)
    visit.refresh_from_db()
    return visit


def test_authorising_above_ones_grade_is_refused_with_the_reason_and_nothing_saved(
    rated_visit, cio
):
    with pytest.raises(ValidationError) as exc:
        services.visit_authorise(actor=cio, visit=rated_visit, granted=True, reason="Looks fine")
    assert "amber visit must be authorised by Senior Executive Officer (SEO) or above" in str(
        exc.value
    )
    assert "Higher Executive Officer (HEO)" in str(exc.value)
    assert not m.Authorisation.objects.filter(visit=rated_visit).exists()
    rated_visit.refresh_from_db()
    assert rated_visit.status == m.VisitStatus.PLANNING


def test_authorising_at_ones_grade_is_granted_and_completes_the_task(rated_visit, oic, hmi):
    task = services.authorisation_request(actor=oic, visit=rated_visit)
    # On the owning team's own authorisation queue, where its authorising officers see it.
    assert task.queue.team == rated_visit.team and task.queue.slug.startswith(
        rules.QUEUE_AUTHORISATION
    )
    assert task.due_at == VISIT_AT
    authorisation = services.visit_authorise(
        actor=hmi, visit=rated_visit, granted=True, reason="Proportionate"
    )
    assert authorisation.granted and authorisation.decided_grade == "SEO"
    rated_visit.refresh_from_db()
    assert rated_visit.status == m.VisitStatus.AUTHORISED
    assert Task.objects.get(pk=task.pk).status == "done"


def test_a_refusal_is_recorded_with_its_reason(rated_visit, hmi):
    with pytest.raises(ValidationError, match="reasons"):
        services.visit_authorise(actor=hmi, visit=rated_visit, granted=False, reason=" ")
    refusal = services.visit_authorise(
        actor=hmi, visit=rated_visit, granted=False, reason="Intelligence too old"
    )
    assert refusal.granted is False and refusal.reason == "Intelligence too old"
    rated_visit.refresh_from_db()
    assert rated_visit.status == m.VisitStatus.PLANNING


def test_red_without_ecia_is_refused_and_with_it_granted(visit, oic, assistant_director, frozen):
    h.rate(visit, oic, "red")
    h.plan_assess(visit, oic)
    with pytest.raises(ValidationError, match="impact assessment"):
        services.visit_authorise(
            actor=assistant_director, visit=visit, granted=True, reason="Needed"
        )
    assert not m.Authorisation.objects.filter(visit=visit).exists()
    h.ecia(visit, oic)
    assert services.visit_authorise(
        actor=assistant_director, visit=visit, granted=True, reason="Needed"
    ).granted


def test_no_rating_is_refused(visit, oic, assistant_director, frozen):
    h.plan_assess(visit, oic)
    with pytest.raises(ValidationError, match="no risk rating"):
        services.visit_authorise(actor=assistant_director, visit=visit, granted=True, reason="Go")
    assert not m.Authorisation.objects.exists()


def test_no_plan_assessment_or_no_community_impact_is_refused(visit, oic, cio, frozen):
    h.rate(visit, oic, "green")
    with pytest.raises(ValidationError, match="PLAN assessment"):
        services.visit_authorise(actor=cio, visit=visit, granted=True, reason="Go")
    h.plan_assess(visit, oic)
    m.Visit.objects.filter(pk=visit.pk).update(community_impact="")
    with pytest.raises(ValidationError, match="community impact"):
        services.visit_authorise(actor=cio, visit=visit, granted=True, reason="Go")
    assert not m.Authorisation.objects.exists()


def test_every_rating_needs_a_risk_with_a_mitigation(visit, oic, frozen):
    with pytest.raises(ValidationError, match="at least one identified risk"):
        services.risk_assessment_record(
            actor=oic, visit=visit, rating="green", rationale="Fine", risks=[]
        )
    with pytest.raises(ValidationError, match="needs a mitigation"):
        services.risk_assessment_record(
            actor=oic,
            visit=visit,
            rating="green",
            rationale="Fine",
            risks=[("Dogs on the premises", "")],
        )
    assert not m.RiskAssessment.objects.exists()


def test_planning_rules(ice_team, sector, police_force, oic, frozen):
    unlicensed = premises_make(sector, police_force, licensed=False, name="Corner Shop")
    base = {
        "actor": oic,
        "team": ice_team,
        "region": "London",
        "planned_start": VISIT_AT,
        "premises": unlicensed,
        "community_impact": "Quiet street",
    }
    with pytest.raises(ValidationError, match="only to licensed premises"):
        services.visit_plan(**base, visit_type="compliance", intended_power="licensing_s179")
    with pytest.raises(ValidationError, match="at least one partner agency"):
        services.visit_plan(**base, visit_type="joint_operation", intended_power="warrant")
    with pytest.raises(ValidationError, match="in the future"):
        services.visit_plan(
            **{**base, "planned_start": NOW - timedelta(minutes=1)},
            visit_type="compliance",
            intended_power="warrant",
        )
    with pytest.raises(ValidationError, match="community impact"):
        services.visit_plan(
            **{**base, "community_impact": ""}, visit_type="compliance", intended_power="warrant"
        )
    assert not m.Visit.objects.exists()
    visit = services.visit_plan(
        **base, visit_type="joint_operation", intended_power="warrant", partner_agencies=["Police"]
    )
    assert visit.is_joint and visit.plan_version == 1


def test_intelligence_priority_and_actioned(ice_team, premises, oic, frozen):
    package = services.intelligence_record(
        actor=oic,
        team=ice_team,
        source="public_allegation",
        received_on=NOW.date(),
        premises=premises,
        summary="Staff paid cash",
        harm="medium",
        reliability="C",
    )
    assert (
        package.priority == 2 and "sector plan" in package.priority_reason
    )  # restaurants are in the plan
    with pytest.raises(ValidationError, match="why the intelligence is rejected"):
        services.intelligence_decide(actor=oic, package=package, accept=False)
    services.intelligence_decide(actor=oic, package=package, accept=True)
    services.visit_plan(
        actor=oic,
        team=ice_team,
        region="London",
        visit_type="compliance",
        planned_start=VISIT_AT,
        premises=premises,
        intended_power="informed_consent",
        community_impact="Quiet",
        intelligence=package,
    )
    package.refresh_from_db()
    assert package.status == m.IntelligenceStatus.ACTIONED


def test_material_change_lapses_authorisation_and_briefing_acceptance(
    visit, oic, cio, field_officer, police_partner, subject
):
    visit.subjects.add(subject)
    h.ready_but_final_check(
        visit, oic=oic, authoriser=cio, officers=[field_officer], police_partner=police_partner
    )
    with clock.frozen(NOW):
        services.briefing_accept(actor=field_officer, visit=visit)
        services.visit_update(actor=oic, visit=visit, planned_start=VISIT_AT + timedelta(hours=2))
    visit.refresh_from_db()
    assert visit.plan_version == 2 and visit.status == m.VisitStatus.PLANNING
    lapsed = m.Authorisation.objects.get(visit=visit)
    assert lapsed.lapsed_at == NOW and "date and time" in lapsed.lapse_reason
    assert selectors.current_authorisation(visit) is None
    assert field_officer.pk in [o.officer_id for o in selectors.briefing_pending(visit)]
    assert Task.objects.filter(task_type=rules.TASK_PLAN_CHANGED, assignee=oic).exists()
    assert Task.objects.filter(
        task_type=rules.TASK_BRIEFING,
        assignee=field_officer,
        dedupe_key__endswith="-v2",
        status="open",
    ).exists()


def test_a_non_material_change_keeps_the_authorisation(visit, oic, cio, frozen):
    h.rate(visit, oic)
    h.plan_assess(visit, oic)
    h.authorise(visit, cio)
    services.visit_update(actor=oic, visit=visit, region="North London")
    visit.refresh_from_db()
    assert visit.plan_version == 1 and selectors.current_authorisation(visit) is not None


def test_changing_the_rating_is_material(visit, oic, cio, frozen):
    h.rate(visit, oic)
    h.plan_assess(visit, oic)
    h.authorise(visit, cio)
    h.rate(visit, oic, "amber")
    visit.refresh_from_db()
    assert (
        visit.plan_version == 2
        and "risk rating" in m.Authorisation.objects.get(visit=visit).lapse_reason
    )


# ------------------------------------------------------------------------------------------------
# Must show: a visit cannot be deployed while one officer has not accepted the briefing


def test_a_visit_cannot_be_deployed_while_one_officer_has_not_accepted_the_briefing_and_can_once_they_have(
    visit, oic, cio, field_officer, police_partner, subject
):
    visit.subjects.add(subject)
    h.ready_but_final_check(
        visit, oic=oic, authoriser=cio, officers=[field_officer], police_partner=police_partner
    )
    h.final_check(visit, oic)
    with clock.frozen(h.FINAL_AT):
        services.briefing_accept(
            actor=oic, visit=visit
        )  # the officer in charge accepts; the field officer not
        with pytest.raises(ValidationError) as exc:
            services.visit_deploy(actor=oic, visit=visit)
        assert "Not accepted by: " + field_officer.get_full_name() in str(exc.value)
        visit.refresh_from_db()
        assert visit.status == m.VisitStatus.AUTHORISED and visit.deployed_at is None
        services.briefing_accept(actor=field_officer, visit=visit)
        deployed = services.visit_deploy(actor=oic, visit=visit)
    assert deployed.status == m.VisitStatus.DEPLOYED and deployed.deployed_at == h.FINAL_AT
    assert deployed.closure_due_at == VISIT_AT + timedelta(hours=48)
    close = Task.objects.get(task_type=rules.TASK_CLOSE, dedupe_key=f"ops-close-{visit.pk}")
    assert close.due_at == VISIT_AT + timedelta(hours=48) and close.assignee_id == oic.pk


@pytest.fixture
def nearly_ready(visit, oic, cio, field_officer, police_partner, subject):
    visit.subjects.add(subject)
    h.ready_but_final_check(
        visit, oic=oic, authoriser=cio, officers=[field_officer], police_partner=police_partner
    )
    with clock.frozen(NOW):
        services.briefing_accept(actor=oic, visit=visit)
        services.briefing_accept(actor=field_officer, visit=visit)
    return visit


def test_deploy_refused_with_a_check_missing(nearly_ready, oic):
    with (
        clock.frozen(h.FINAL_AT),
        pytest.raises(ValidationError, match="Final status check within 24 hours"),
    ):
        services.visit_deploy(actor=oic, visit=nearly_ready)
    m.MandatoryCheck.objects.filter(visit=nearly_ready, check_type="pnc").delete()
    h.final_check(nearly_ready, oic)
    with clock.frozen(h.FINAL_AT), pytest.raises(ValidationError, match="Police national computer"):
        services.visit_deploy(actor=oic, visit=nearly_ready)
    nearly_ready.refresh_from_db()
    assert nearly_ready.status == m.VisitStatus.AUTHORISED


def test_a_final_status_check_older_than_24_hours_does_not_count(nearly_ready, oic):
    early = VISIT_AT - rules.FINAL_STATUS_CHECK_WINDOW - timedelta(minutes=1)
    with clock.frozen(early), pytest.raises(ValidationError, match="within 24 hours"):
        services.check_record(
            actor=oic, visit=nearly_ready, check_type="final_status", result="no_trace"
        )
    # a stale one recorded directly (e.g. imported) is not accepted at deployment
    m.MandatoryCheck.objects.create(
        visit=nearly_ready,
        check_type="final_status",
        result="no_trace",
        performed_by=oic,
        performed_at=early,
    )
    with (
        clock.frozen(h.FINAL_AT),
        pytest.raises(ValidationError, match="Final status check within 24 hours"),
    ):
        services.visit_deploy(actor=oic, visit=nearly_ready)


def test_deploy_refused_with_an_unsigned_form_and_allowed_with_a_phone_check(nearly_ready, oic):
    m.NotificationForm.objects.filter(visit=nearly_ready).update(signed_by_name="")
    h.final_check(nearly_ready, oic)
    with clock.frozen(h.FINAL_AT):
        with pytest.raises(ValidationError, match="not signed and complete"):
            services.visit_deploy(actor=oic, visit=nearly_ready)
        services.police_phone_check_record(
            actor=oic,
            visit=nearly_ready,
            spoke_to="DC Patel, force intelligence bureau",
            called_at=h.FINAL_AT - timedelta(minutes=30),
            warning_markers="None",
            community_tensions="None",
        )
        assert services.visit_deploy(actor=oic, visit=nearly_ready).status == m.VisitStatus.DEPLOYED


def test_notification_must_be_sent_3_days_before(visit, oic):
    with (
        clock.frozen(VISIT_AT - rules.ONF_MIN_NOTICE + timedelta(minutes=1)),
        pytest.raises(ValidationError, match="at least 3 days"),
    ):
        services.notification_send(actor=oic, visit=visit)
    assert not m.NotificationForm.objects.exists()
    with clock.frozen(VISIT_AT - rules.ONF_MIN_NOTICE):
        form = services.notification_send(actor=oic, visit=visit)
    assert form.response_due_at == form.sent_at + timedelta(hours=72)
    chase = Task.objects.get(task_type=rules.TASK_ONF_CHASE)
    assert chase.due_at == form.sent_at + timedelta(hours=72)


def test_an_incomplete_answer_does_not_count(visit, oic, police_partner, frozen):
    form = services.notification_send(actor=oic, visit=visit)
    answered = services.notification_answer(
        actor=police_partner,
        form=form,
        signed_by_name="PS Smith",
        signed_by_rank="Sergeant",
        warning_markers="None",
        community_tensions="None",
        complete=False,
    )
    assert answered.counts is False and selectors.counting_notification(visit) is None
    assert answered.valid_until == rules.onf_valid_until(NOW)


def test_officer_in_charge_must_be_arrest_trained(visit, oic, ice_team, frozen):
    from .conftest import user_make

    untrained = user_make("officer_in_charge", ice_team, arrest_trained=False)
    with pytest.raises(ValidationError, match="not arrest-trained"):
        services.command_set(actor=oic, visit=visit, officer_in_charge=untrained)
    admin = user_make("field_officer", ice_team, grade="AO", arrest_trained=True)
    with pytest.raises(ValidationError, match="or above"):
        services.command_set(actor=oic, visit=visit, officer_in_charge=admin)
    visit.refresh_from_db()
    assert visit.officer_in_charge_id is None


def test_physical_reconnaissance_needs_ripa(visit, oic, frozen):
    with pytest.raises(ValidationError, match="RIPA"):
        services.reconnaissance_record(
            actor=oic, visit=visit, recon_type="walk_by", entry_exit_points="Front"
        )
    with pytest.raises(ValidationError, match="imagery"):
        services.reconnaissance_record(
            actor=oic, visit=visit, recon_type="virtual", entry_exit_points="Front"
        )
    assert not m.Reconnaissance.objects.exists()


def test_old_imagery_is_a_warning_on_the_readiness_list(visit, oic, frozen):
    services.reconnaissance_record(
        actor=oic,
        visit=visit,
        recon_type="virtual",
        entry_exit_points="Front",
        imagery_date=NOW.date() - timedelta(days=rules.imagery_max_age_days() + 1),
    )
    step = next(s for s in selectors.visit_readiness(visit) if s.key == "reconnaissance")
    assert step.done and "older than" in step.warning


def test_amber_order_needs_every_iimarch_section(visit, oic, frozen):
    h.rate(visit, oic, "amber")
    visit.refresh_from_db()
    with pytest.raises(ValidationError):
        services.order_record(actor=oic, visit=visit, sections={"information": "Something"})
    order = h.order(visit, oic)
    assert order.order_format == "iimarch" and set(order.sections) == set(rules.IIMARCH_SECTIONS)


def test_data_quality_selectors(visit, oic, cio, field_officer, frozen):
    assert visit in selectors.visits_without_rating()
    h.rate(visit, oic)
    h.plan_assess(visit, oic)
    services.visit_officer_assign(actor=oic, visit=visit, officer=field_officer)
    h.authorise(visit, cio)
    assert visit in selectors.authorised_visits_briefing_incomplete()
    form = services.notification_send(actor=oic, visit=visit)
    assert form not in selectors.notifications_overdue()
    assert form in selectors.notifications_overdue(
        at=NOW + rules.ONF_POLICE_RESPONSE + timedelta(minutes=1)
    )


def test_reference_data_migration(db):
    from waymark.work.models import Queue

    assert m.PoliceForce.objects.count() == 45  # 43 in England and Wales, Police Scotland, PSNI
    assert m.PoliceForce.objects.filter(code__in=["police-scotland", "psni"]).count() == 2
    assert not m.PoliceForce.objects.filter(intelligence_unit_phone="").exists()
    assert m.Sector.objects.filter(in_sector_plan=True).exists()
    assert Queue.objects.filter(slug=rules.QUEUE_AUTHORISATION).exists()
    assert m.InterviewQuestion.objects.filter(predefined=True).count() >= 10


def test_reference_rows_come_back_after_a_flush(db):
    """What the autouse fixture in conftest.py does after a transactional test's flush: the
    migration's rows are written back from the session's copy, complete."""
    from waymark.testing import reference_data
    from waymark.work.models import Queue

    forces = sorted(m.PoliceForce.objects.values_list("code", "name", "intelligence_unit_phone"))
    questions = m.InterviewQuestion.objects.filter(predefined=True).count()
    m.PoliceForce.objects.all().delete()
    m.InterviewQuestion.objects.all().delete()
    Queue.objects.filter(slug=rules.QUEUE_AUTHORISATION).delete()
    reference_data.operations()
    assert (
        sorted(m.PoliceForce.objects.values_list("code", "name", "intelligence_unit_phone"))
        == forces
    )
    assert m.InterviewQuestion.objects.filter(predefined=True).count() == questions
    assert Queue.objects.filter(slug=rules.QUEUE_AUTHORISATION).exists()


def test_each_team_asks_its_own_authorising_officers(ice_team, other_ice_team, premises, frozen):
    from waymark.accounts.models import Grade
    from waymark.work.selectors import task_visible_queryset

    from .conftest import user_make, visit_make

    planner = user_make("officer_in_charge", other_ice_team, arrest_trained=True)
    visit = visit_make(other_ice_team, premises, creator=planner)
    h.rate(visit, planner, "green")
    h.plan_assess(visit, planner)
    task = services.authorisation_request(actor=planner, visit=visit)
    theirs = user_make("authorising_officer", other_ice_team, grade=Grade.HEO)
    elsewhere = user_make("authorising_officer", ice_team, grade=Grade.HEO)
    assert task_visible_queryset(theirs).filter(pk=task.pk).exists()
    assert not task_visible_queryset(elsewhere).filter(pk=task.pk).exists()


def test_closing_a_task_by_its_key_never_closes_one_whose_key_extends_it(visit, oic, frozen):
    """A notification form's chase is closed by its exact key: answering form 7 must not close
    form 77's chase (both keys start ``ops-onf-7``)."""
    from waymark.operations.services._common import _complete_tasks, _officer_task

    for key in ("ops-onf-7", "ops-onf-77"):
        _officer_task(
            actor=oic,
            visit=visit,
            officer=oic,
            task_type=rules.TASK_ONF_CHASE,
            title=f"Chase {key}",
            dedupe_key=key,
        )
    _complete_tasks(actor=oic, key="ops-onf-7", outcome="answered")
    states = dict(Task.objects.values_list("dedupe_key", "status"))
    assert Task.objects.get(dedupe_key="ops-onf-7").is_active is False
    assert Task.objects.get(dedupe_key="ops-onf-77").is_active is True, states
