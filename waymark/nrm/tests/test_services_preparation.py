"""Case preparation (an item and a task a source, gatherers named, the RG task opening only when
every source is done) and further information requests (chased, lapsed, answered late)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.nrm import models as m
from waymark.nrm import rules, services
from waymark.work.models import Task

pytestmark = pytest.mark.django_db

ANSWERS = {"account": "Worked 16 hours a day on a farm", "indicators": "Passport held by boss"}


@pytest.fixture
def referral(frozen, authority_team, form_version, first_responder, person):
    return services.referral_create(
        actor=first_responder,
        person=person,
        referrer_type="detention_engagement_team",
        consent="consented",
        age_group="adult",
        detained=True,
        exploitation_types=["forced_labour"],
        control_methods=["debt_bondage"],
        answers=ANSWERS,
    )


def _record_all(actor, referral, status=m.PreparationStatus.GATHERED):
    for item in referral.preparation_items.all():
        services.preparation_record(actor=actor, item=item, status=status, summary="Held: x")


def test_items_are_unassigned_in_the_queue_until_a_preparer_is_allocated(referral):
    items = list(referral.preparation_items.all())
    assert sorted(i.source for i in items) == sorted(rules.PREPARATION_SOURCES)
    assert all(i.gatherer is None for i in items)
    tasks = Task.objects.filter(task_type="nrm.prepare")
    assert {t.queue.slug for t in tasks} == {"competent-authority-case-preparation"}
    assert all(t.assignee is None for t in tasks)


def test_the_rg_task_opens_for_the_decision_maker_only_when_every_source_is_done(
    referral, case_preparer, decision_maker, nrm_manager
):
    services.referral_allocate(actor=nrm_manager, referral=referral, decision_maker=decision_maker)
    items = list(referral.preparation_items.all())
    for item in items[:-1]:
        services.preparation_record(
            actor=case_preparer, item=item, status="gathered", summary="Two convictions"
        )
    assert not Task.objects.filter(task_type="nrm.decide_rg").exists()
    referral.refresh_from_db()
    assert referral.status == m.ReferralStatus.PREPARATION
    services.preparation_record(
        actor=case_preparer, item=items[-1], status="not_available", summary=""
    )
    referral.refresh_from_db()
    assert referral.status == m.ReferralStatus.RG_PENDING
    task = Task.objects.get(task_type="nrm.decide_rg")
    assert task.assignee == decision_maker
    assert clock.LONDON and task.due_at.astimezone(clock.LONDON).date() == referral.rg_due_on
    assert not Task.objects.filter(task_type="nrm.prepare", status__in=["new", "in_progress"])
    assert AuditEvent.objects.filter(verb="nrm.preparation_completed").exists()


def test_bad_preparation_input_is_refused(referral, case_preparer, first_responder):
    item = referral.preparation_items.first()
    with pytest.raises(PermissionDenied):
        services.preparation_record(
            actor=first_responder, item=item, status="gathered", summary="x"
        )
    with pytest.raises(ValidationError) as caught:
        services.preparation_record(actor=case_preparer, item=item, status="gathered", summary="")
    assert "Summarise" in caught.value.message_dict["summary"][0]
    with pytest.raises(ValidationError):
        services.preparation_record(actor=case_preparer, item=item, status="maybe", summary="x")
    item.refresh_from_db()
    assert item.status == m.PreparationStatus.OPEN
    services.preparation_record(actor=case_preparer, item=item, status="gathered", summary="x")
    with pytest.raises(ValidationError):
        services.preparation_record(actor=case_preparer, item=item, status="gathered", summary="y")


def test_an_information_request_is_chased_then_lapses(referral, case_preparer):
    request = services.information_request_send(
        actor=case_preparer,
        referral=referral,
        requested_from="Hounslow children's services",
        questions="Is the person known to you?",
        is_s58_notice=True,
    )
    sent_on = clock.today()
    assert request.is_s58_notice
    assert request.due_on == rules.information_due_on(sent_on)
    chase_on = rules.information_chase_on(sent_on)
    with clock.frozen(clock.now() + timedelta(days=(chase_on - sent_on).days - 1)):
        assert services.information_requests_sweep() == {"chased": 0, "lapsed": 0}
    with clock.frozen(clock.now() + timedelta(days=(chase_on - sent_on).days)):
        assert services.information_requests_sweep() == {"chased": 1, "lapsed": 0}
        assert services.information_requests_sweep() == {"chased": 0, "lapsed": 0}
    assert Task.objects.filter(task_type="nrm.information_chase").count() == 1
    with clock.frozen(clock.now() + timedelta(days=(request.due_on - sent_on).days)):
        assert services.information_requests_sweep() == {"chased": 0, "lapsed": 0}
    with clock.frozen(clock.now() + timedelta(days=(request.due_on - sent_on).days + 1)):
        assert services.information_requests_sweep() == {"chased": 0, "lapsed": 1}
        request.refresh_from_db()
        assert request.status == m.InformationRequestStatus.LAPSED
        answered = services.information_request_answer(
            actor=case_preparer, request=request, answer="Known since 2023"
        )
    assert answered.status == m.InformationRequestStatus.ANSWERED
    assert answered.late_without_good_reason
    assert not Task.objects.filter(
        task_type="nrm.information_chase", status__in=["new", "in_progress"]
    )


def test_a_late_answer_with_a_reason_is_not_late_without_good_reason(referral, case_preparer):
    request = services.information_request_send(
        actor=case_preparer, referral=referral, requested_from="Police", questions="PNC?"
    )
    with clock.frozen(clock.now() + timedelta(days=30)):
        answered = services.information_request_answer(
            actor=case_preparer, request=request, answer="None", late_reason="Officer off sick"
        )
    assert not answered.late_without_good_reason


def test_bad_information_requests_are_refused(referral, case_preparer, first_responder):
    with pytest.raises(ValidationError) as caught:
        services.information_request_send(
            actor=case_preparer, referral=referral, requested_from="", questions=""
        )
    assert set(caught.value.message_dict) == {"requested_from", "questions"}
    with pytest.raises(PermissionDenied):
        services.information_request_send(
            actor=first_responder, referral=referral, requested_from="x", questions="y"
        )
    assert not m.InformationRequest.objects.exists()
