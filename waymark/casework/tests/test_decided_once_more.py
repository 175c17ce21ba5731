"""Casework decisions and steps are taken once when two people act at the same moment (a
double-submitted form, two caseworkers on one case): a detention request decided, a removal's
outcome, a referral routed or not accepted, a case review completed, case preparation's steps, a
contact step, a trace-and-locate outcome and a commission's result. Each checked what it was about
to do before its transaction and without a lock, so both passed: the second overwrote the first
(two audit entries each claiming it, a barrier re-opened twice) or failed in the database (an
error page). Now the second waits for the first (the row lock) and is refused with the reason. A
pause after each writer's audit entry, before it commits, makes the overlap happen every time
(PostgreSQL, real threads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.accounts.models import Grade
from waymark.casework import services
from waymark.casework.models import (
    Barrier,
    CasePreparation,
    CaseReview,
    Commission,
    ContactStep,
    DetentionRequest,
    NonCompliance,
    Referral,
    RemovalDirection,
    ReportingEvent,
    TraceReferral,
)
from waymark.casework.services import (
    commissions,
    non_compliance,
    progression,
    referral,
    removals,
)
from waymark.casework.tests.conftest import (
    NOW,
    TODAY,
    casework_reference_data,
    person_make,
    restriction_make,
    user_make,
)
from waymark.core import clock
from waymark.core.models import AuditEvent

pytestmark = [
    *WRITERS_AT_ONCE,
]


def _paused_record(monkeypatch, module):
    pause_after(monkeypatch, module, "_record")


def _setting():
    teams = casework_reference_data()
    owner = user_make("case_owner", teams["owning"])
    other = user_make("case_owner", teams["owning"])
    return teams, owner, other, person_make(teams["owning"], owner)


def _one_refused(errors, words):
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and words in errors[0], errors


def _audited_once(verb, target_id):
    found = AuditEvent.objects.filter(verb=verb, target_id=target_id)
    assert found.count() == 1
    return found.get()


def test_two_decisions_on_one_detention_request_at_once_store_one(monkeypatch):
    teams, owner, _, person = _setting()
    deciders = [user_make("removals", teams["removals"], grade=Grade.HEO) for _ in range(2)]
    with clock.frozen(NOW):
        request = services.detention_request(actor=owner, person=person, grounds="Absconded")
    _paused_record(monkeypatch, removals)

    def decide(actor, accept):
        def work():
            services.detention_decide(
                actor=actor,
                request=DetentionRequest.objects.get(pk=request.pk),
                accept=accept,
                rejection_reason="" if accept else "vulnerability",
            )

        return work

    errors = run_at_once([decide(deciders[0], True), decide(deciders[1], False)], at=NOW)
    _one_refused(errors, "already")
    request.refresh_from_db()
    decided = _audited_once("casework.detention_decided", request.pk)
    assert decided.payload["new"]["decision"] == request.decision
    assert decided.actor_id == request.decided_by_id


def test_a_removal_outcome_recorded_twice_at_once_is_recorded_once(monkeypatch):
    teams, _, _, person = _setting()
    officers = [user_make("removals", teams["removals"], grade=Grade.HEO) for _ in range(2)]
    with clock.frozen(NOW):
        direction = services.removal_directions_set(
            actor=officers[0], person=person, route="deportation", planned_for=TODAY
        )
    _paused_record(monkeypatch, removals)

    def record(actor, note):
        def work():
            services.removal_outcome_record(
                actor=actor,
                direction=RemovalDirection.objects.get(pk=direction.pk),
                removed=False,
                failure_reason="judicial_review",
                note=note,
            )

        return work

    errors = run_at_once(
        [record(officers[0], "JR lodged"), record(officers[1], "JR lodged at night")], at=NOW
    )
    _one_refused(errors, "already recorded")
    _audited_once("casework.removal_outcome", direction.pk)
    assert Barrier.objects.filter(person=person, reopened_by_removal=direction).count() == 1


def test_a_referral_routed_and_not_accepted_at_once_is_decided_once(monkeypatch):
    _, owner, other, _ = _setting()
    person = person_make(None, None, family_name="Okafor", sentence_days=400)
    with clock.frozen(NOW):
        found = services.referral_create(actor=owner, person=person)
    _paused_record(monkeypatch, referral)

    def route():
        services.referral_route(
            actor=owner,
            referral=Referral.objects.get(pk=found.pk),
            outstanding_applications_checked=True,
        )

    def not_accept():
        services.referral_not_accept(
            actor=other, referral=Referral.objects.get(pk=found.pk), reason="Not foreign national"
        )

    errors = run_at_once([route, not_accept], at=NOW)
    _one_refused(errors, "already")
    found.refresh_from_db()
    decided = AuditEvent.objects.filter(
        verb__in=["casework.referral_routed", "casework.referral_not_accepted"],
        target_id=found.pk,
    )
    assert decided.count() == 1
    assert decided.get().verb.endswith("routed" if found.status == "routed" else "not_accepted")


def test_a_case_review_completed_twice_at_once_is_completed_once(monkeypatch):
    _, owner, other, person = _setting()
    with clock.frozen(NOW):
        services.case_ensure(actor=owner, person=person)
        services.reviews_schedule()
    review = CaseReview.objects.get(person=person)
    _paused_record(monkeypatch, progression)

    def complete(actor, summary):
        def work():
            services.case_review_complete(
                actor=actor,
                review=CaseReview.objects.get(pk=review.pk),
                summary=summary,
                next_action="Interview",
            )

        return work

    errors = run_at_once([complete(owner, "ETD chased"), complete(other, "Seen")], at=NOW)
    _one_refused(errors, "already completed")
    review.refresh_from_db()
    completed = _audited_once("casework.case_reviewed", review.pk)
    assert completed.actor_id == review.completed_by_id
    assert CaseReview.objects.filter(person=person, completed_at__isnull=True).count() == 1


def test_case_preparation_steps_taken_twice_at_once_are_taken_once(monkeypatch):
    teams, owner, other, person = _setting()
    seniors = [user_make("case_owner", teams["owning"], grade=Grade.HEO) for _ in range(2)]
    with clock.frozen(NOW):
        prep = services.case_preparation_start(actor=owner, person=person)
    _paused_record(monkeypatch, progression)

    def initial(actor):
        def work():
            services.case_preparation_initial_done(
                actor=actor, prep=CasePreparation.objects.get(pk=prep.pk)
            )

        return work

    errors = run_at_once([initial(owner), initial(other)], at=NOW)
    _one_refused(errors, "already recorded")
    _audited_once("casework.preparation_initial_done", prep.pk)

    def finalise(senior):
        def work():
            services.case_preparation_finalise(
                actor=owner, prep=CasePreparation.objects.get(pk=prep.pk), senior=senior
            )

        return work

    errors = run_at_once([finalise(seniors[0]), finalise(seniors[1])], at=NOW)
    _one_refused(errors, "already finalised")
    _audited_once("casework.preparation_finalised", prep.pk)


def _missed(teams, owner, person):
    centre_officer = user_make("reporting_centre", teams["centre"])
    with clock.frozen(NOW):
        restriction_make(owner, person, teams["centre"])
        services.event_outcome_record(
            actor=centre_officer,
            event=ReportingEvent.objects.get(person=person, due_on=TODAY),
            outcome="no_show",
        )
    return NonCompliance.objects.get(person=person)


def test_a_contact_step_recorded_twice_at_once_is_recorded_once(monkeypatch):
    teams, owner, other, person = _setting()
    step = _missed(teams, owner, person).steps.get(step="phone_warning")
    _paused_record(monkeypatch, non_compliance)

    def record(actor, result):
        def work():
            services.contact_step_record(
                actor=actor, step=ContactStep.objects.get(pk=step.pk), result=result
            )

        return work

    errors = run_at_once([record(owner, "No answer"), record(other, "Voicemail left")], at=NOW)
    _one_refused(errors, "already recorded")
    step.refresh_from_db()
    recorded = _audited_once("casework.contact_step", step.pk)
    assert recorded.payload["new"]["result"] == step.result


def test_a_trace_outcome_recorded_twice_at_once_is_recorded_once(monkeypatch):
    teams, owner, other, person = _setting()
    nc = _missed(teams, owner, person)
    with clock.frozen(NOW):
        for step in nc.steps.all():
            services.contact_step_record(actor=owner, step=step, result="No contact")
        declaration = services.absconder_declare(
            actor=owner, person=person, reasons="All steps failed", whereabouts_unknown=True
        )
        trace = services.trace_refer(actor=owner, declaration=declaration)
    _paused_record(monkeypatch, non_compliance)

    def record(actor, outcome):
        def work():
            services.trace_outcome_record(
                actor=actor, referral=TraceReferral.objects.get(pk=trace.pk), outcome=outcome
            )

        return work

    errors = run_at_once(
        [record(owner, "located_reporting"), record(other, "not_located")],
        at=NOW + timedelta(days=9),
    )
    _one_refused(errors, "already recorded")
    trace.refresh_from_db()
    recorded = _audited_once("casework.trace_outcome", trace.pk)
    assert recorded.payload["new"]["outcome"] == trace.outcome


def test_a_commission_result_recorded_twice_at_once_is_recorded_once(monkeypatch):
    teams, owner, _, person = _setting()
    officers = [user_make("reporting_centre", teams["centre"]) for _ in range(2)]
    with clock.frozen(NOW):
        restriction_make(owner, person, teams["centre"])
        commission = services.commission_request(
            actor=owner, person=person, kind="etd_interview", instructions="Bio-data form"
        )
    _paused_record(monkeypatch, commissions)

    def record(actor, done):
        def work():
            services.commission_result_record(
                actor=actor,
                commission=Commission.objects.get(pk=commission.pk),
                done=done,
                result="Form completed" if done else "Did not attend",
            )

        return work

    errors = run_at_once([record(officers[0], True), record(officers[1], False)], at=NOW)
    _one_refused(errors, "already")
    commission.refresh_from_db()
    recorded = _audited_once("casework.commission_result", commission.pk)
    assert recorded.payload["new"]["status"] == commission.status


def test_refusals_inside_the_lock_still_refuse_alone():
    """The checks repeated inside the transaction refuse as before when nothing is concurrent."""
    teams, owner, other, person = _setting()
    remover = user_make("removals", teams["removals"], grade=Grade.HEO)
    with clock.frozen(NOW):
        request = services.detention_request(actor=owner, person=person, grounds="Absconded")
        services.detention_decide(actor=remover, request=request, accept=True)
        with pytest.raises(ValidationError, match="already accepted"):
            services.detention_decide(actor=remover, request=request, accept=True)
        prep = services.case_preparation_start(actor=owner, person=person)
        services.case_preparation_initial_done(actor=owner, prep=prep)
        with pytest.raises(ValidationError, match="already recorded"):
            services.case_preparation_initial_done(actor=other, prep=prep)
