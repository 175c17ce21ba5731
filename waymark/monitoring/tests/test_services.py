"""The EM services against the brief's rules: each test names the behaviour it checks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.monitoring import rules, selectors, services
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    ChallengeKind,
    ConditionStatus,
    Review,
    ReviewOutcome,
    ReviewStatus,
    TrailOutcome,
)
from waymark.monitoring.tests.conftest import NOW, condition_make, em_person, em_user, fitted_make
from waymark.people.models import TimelineEvent
from waymark.work.models import Task

pytestmark = pytest.mark.django_db


def battery(person, start: datetime, hours: float) -> Breach:
    return services.breach_ingest(
        event=None,
        person=person,
        breach_type=rules.BATTERY,
        started_at=start,
        ended_at=start + timedelta(hours=hours),
    )


# --- conditions -----------------------------------------------------------------------------------


def test_judge_bail_condition_is_due_72_hours_after_the_grant(frozen, caseworker, person):
    granted = NOW - timedelta(hours=5)
    condition = condition_make(caseworker, person, granted_at=granted)
    assert condition.fitting_due_at == granted + timedelta(hours=72)
    task = Task.objects.get(task_type=rules.TASK_FITTING_JUDGE, person=person)
    assert task.due_at == granted + timedelta(hours=72)
    assert task.deadline_rule == rules.DEADLINE_JUDGE_FITTING


def test_secretary_of_state_bail_uses_the_configured_target(frozen, caseworker, person):
    condition = condition_make(caseworker, person, granted_by="secretary_of_state", granted_at=NOW)
    assert condition.fitting_due_at == NOW + timedelta(hours=rules.sos_fitting_target_hours())


def test_representations_are_due_3_days_after_the_decision(frozen, caseworker, person):
    condition = condition_make(caseworker, person)
    assert condition.representations_due_at == NOW + timedelta(days=3)


def test_departing_from_the_recommendation_needs_reasons(frozen, caseworker, hub):
    person = em_person(hub, harm_level="very_high")
    grant = services.bail_grant_record(
        actor=caseworker, person=person, granted_by="immigration_judge", granted_at=NOW
    )
    with pytest.raises(ValidationError) as caught:
        services.condition_impose(
            actor=caseworker,
            person=person,
            bail_grant=grant,
            device_type="non_fitted",
            start_date=clock.today(),
        )
    assert "departure_reasons" in caught.value.message_dict
    assert not person.em_conditions.exists()
    condition = services.condition_impose(
        actor=caseworker,
        person=person,
        bail_grant=grant,
        device_type="non_fitted",
        start_date=clock.today(),
        departure_reasons="Medical evidence: cannot wear a fitted tag",
    )
    assert (
        condition.recommended_device_type == "gps_fitted" and condition.departs_from_recommendation
    )
    assert condition.recommender_version == rules.RECOMMENDER_VERSION


def test_a_prison_slot_after_17_00_is_refused_until_confirmed(frozen, caseworker, person):
    condition = condition_make(caseworker, person)
    late = NOW.replace(hour=18)
    with pytest.raises(ValidationError) as caught:
        services.fitting_order_create(
            actor=caseworker,
            condition=condition,
            place="prison",
            place_details="HMP Wandsworth",
            requested_slot_start=late,
        )
    assert "morning" in caught.value.message_dict["requested_slot_start"][0]
    assert not condition.orders.exists()
    order = services.fitting_order_create(
        actor=caseworker,
        condition=condition,
        place="prison",
        place_details="HMP Wandsworth",
        requested_slot_start=late,
        accept_slot_warning=True,
    )
    assert order.slot_warning


def test_fitting_activates_the_condition_and_closes_the_fitting_task(fitted):
    assert fitted.status == ConditionStatus.ACTIVE
    assert fitted.issued_phone_number == "07700 900123"
    assert not Task.objects.filter(
        task_type=rules.TASK_FITTING_JUDGE, status__in=["open", "in_progress"]
    ).exists()


def test_an_order_that_cannot_be_sent_is_retried_then_made_into_work(frozen, caseworker, person):
    condition = condition_make(caseworker, person)
    order = services.fitting_order_create(
        actor=caseworker,
        condition=condition,
        place="home",
        place_details="1 High St",
        requested_slot_start=NOW + timedelta(hours=3),
    )

    def down(payload):
        raise OSError("connection refused")

    for _ in range(rules.OUTBOUND_MAX_ATTEMPTS - 1):
        with pytest.raises(services.OrderNotSent):
            services.order_send(order_id=order.pk, transport=down)
    order = services.order_send(order_id=order.pk, transport=down)
    assert order.status == "send_failed" and order.send_attempts == rules.OUTBOUND_MAX_ATTEMPTS
    assert Task.objects.filter(task_type=rules.TASK_SEND_FAILED, person=person).count() == 1


def test_silence_after_the_configured_time_is_flagged_once(caseworker, person):
    with clock.frozen(NOW):
        condition = condition_make(caseworker, person)
        order = services.fitting_order_create(
            actor=caseworker,
            condition=condition,
            place="home",
            place_details="1 High St",
            requested_slot_start=NOW + timedelta(hours=3),
        )
        services.order_send(order_id=order.pk, transport=lambda payload: {})
    with clock.frozen(NOW + rules.slot_answer_silence() + timedelta(minutes=1)):
        assert services.slot_silence_flag() == 1
        assert services.slot_silence_flag() == 0
    assert Task.objects.filter(task_type=rules.TASK_SLOT_SILENCE).count() == 1


# --- breaches ---------------------------------------------------------------------------------------


def test_five_3_hour_battery_breaches_in_7_days_raise_exactly_one_violation_and_one_task(
    fitted, person
):
    start = NOW - timedelta(days=6)
    for day in range(5):
        battery(person, start + timedelta(days=day), 3)
    assert AccumulatedViolation.objects.filter(person=person).count() == 1
    assert Task.objects.filter(task_type=rules.TASK_ACCUMULATED_BATTERY, person=person).count() == 1
    counted = Breach.objects.filter(
        person=person, disposition=BreachDisposition.BATTERY_COUNTED
    ).count()
    assert counted == 4  # 12 hours reached on the fourth; the fifth waits for more
    assert not Task.objects.filter(task_type=rules.TASK_BREACH).exists()


def test_battery_breaches_totalling_11_hours_raise_nothing(fitted, person):
    start = NOW - timedelta(days=5)
    for day, hours in enumerate((3, 3, 3, 2)):
        battery(person, start + timedelta(days=day), hours)
    assert not AccumulatedViolation.objects.exists()
    assert not Task.objects.filter(
        task_type__in=[rules.TASK_ACCUMULATED_BATTERY, rules.TASK_BREACH]
    ).exists()


def test_battery_hours_outside_the_rolling_window_do_not_add_up(fitted, person):
    battery(person, NOW - timedelta(days=20), 7)
    battery(person, NOW - timedelta(days=2), 7)
    assert not AccumulatedViolation.objects.exists()


def test_each_battery_breach_is_counted_once(fitted, person):
    start = NOW - timedelta(days=6)
    for day in range(8):
        battery(person, start + timedelta(hours=18 * day), 6)
    violations = AccumulatedViolation.objects.filter(person=person)
    assert violations.count() == 4
    assert Breach.objects.filter(accumulated__isnull=False).count() == 8


def test_a_tamper_is_second_priority_with_its_reason_on_the_task(fitted, person):
    breach = services.breach_ingest(
        event=None,
        person=person,
        breach_type="strap_tamper",
        started_at=NOW - timedelta(hours=1),
        ended_at=None,
    )
    assert breach.task.priority == rules.PRIORITY_HIGH_TYPE
    assert "Strap tamper" in breach.task.priority_reason
    assert breach.ladder_step == 3  # deliberate tamper goes to consideration for prosecution


def test_out_of_contact_for_7_days_outranks_a_tamper(fitted, person):
    tamper = services.breach_ingest(
        event=None,
        person=person,
        breach_type="strap_tamper",
        started_at=NOW - timedelta(hours=1),
        ended_at=None,
    )
    ooc = services.breach_ingest(
        event=None,
        person=person,
        breach_type="out_of_contact",
        started_at=NOW - timedelta(days=8),
        ended_at=NOW - timedelta(hours=1),
    )
    assert ooc.task.priority > tamper.task.priority


def test_the_first_breach_after_fitting_prompts_a_call_to_the_issued_phone(fitted, person):
    services.breach_ingest(
        event=None,
        person=person,
        breach_type="absence_15_minute",
        started_at=NOW - timedelta(hours=1),
        ended_at=NOW,
    )
    services.breach_ingest(
        event=None,
        person=person,
        breach_type="absence_15_minute",
        started_at=NOW - timedelta(minutes=30),
        ended_at=NOW,
    )
    calls = Task.objects.filter(task_type=rules.TASK_FIRST_BREACH_CONTACT, person=person)
    assert calls.count() == 1
    assert "07700 900123" in calls.get().description


def test_a_breach_ending_before_it_starts_is_refused_and_stores_nothing(fitted, person):
    with pytest.raises(ValidationError):
        services.breach_ingest(
            event=None,
            person=person,
            breach_type="full_curfew",
            started_at=NOW,
            ended_at=NOW - timedelta(hours=1),
        )
    with pytest.raises(ValidationError):
        services.breach_ingest(
            event=None, person=person, breach_type="made_up", started_at=NOW, ended_at=None
        )
    assert not Breach.objects.exists()


def test_the_ladder_is_applied_the_same_way_with_letters(fitted, person, caseworker):
    first = services.breach_ingest(
        event=None,
        person=person,
        breach_type="full_curfew",
        started_at=NOW - timedelta(hours=3),
        ended_at=NOW - timedelta(hours=2),
    )
    action = services.ladder_apply(actor=caseworker, breach=first)
    assert action.step == 1 and action.letter is not None
    assert "BAIL 204" in action.letter.title or "breach" in action.letter.title.lower()
    second = services.breach_ingest(
        event=None,
        person=person,
        breach_type="partial_curfew",
        started_at=NOW - timedelta(hours=1),
        ended_at=NOW,
    )
    assert second.ladder_step == 2
    services.ladder_apply(actor=caseworker, breach=second)
    third = services.breach_ingest(
        event=None,
        person=person,
        breach_type="absence_15_minute",
        started_at=NOW - timedelta(minutes=20),
        ended_at=NOW,
    )
    assert third.ladder_step == 3
    services.ladder_apply(actor=caseworker, breach=third)
    assert person.em_referrals.count() == 1
    assert selectors.ladder_position(person).step == 3
    with pytest.raises(ValidationError):
        services.ladder_apply(actor=caseworker, breach=third)


def test_accepted_mitigation_stops_the_ladder_and_the_person_is_told(fitted, person, caseworker):
    breach = services.breach_ingest(
        event=None,
        person=person,
        breach_type="full_curfew",
        started_at=NOW - timedelta(hours=3),
        ended_at=NOW - timedelta(hours=2),
    )
    mitigation = services.mitigation_record(
        actor=caseworker,
        breach=breach,
        given_by="person",
        explanation="I was in hospital",
        received_on=clock.today(),
    )
    with pytest.raises(ValidationError):
        services.mitigation_decide(
            actor=caseworker,
            mitigation=mitigation,
            decision="accepted",
            reasons="",
            communicated_on=clock.today(),
            method="",
        )
    services.mitigation_decide(
        actor=caseworker,
        mitigation=mitigation,
        decision="accepted",
        reasons="Hospital letter seen",
        communicated_on=clock.today(),
        method="Phone call",
    )
    with pytest.raises(ValidationError):
        services.ladder_apply(actor=caseworker, breach=breach)


def test_a_referral_needs_a_complete_case_file(fitted, person, caseworker):
    referral = services.referral_open(actor=caseworker, person=person, breaches=[])
    with pytest.raises(ValidationError) as caught:
        services.referral_update(
            actor=caseworker,
            referral=referral,
            status="referred",
            checklist={},
            compliance_attempts="Two calls",
        )
    assert "checklist" in caught.value.message_dict
    complete = dict.fromkeys(referral.checklist, True)
    services.referral_update(
        actor=caseworker,
        referral=referral,
        status="referred",
        checklist=complete,
        compliance_attempts="Two calls, two letters",
    )
    referral.refresh_from_db()
    assert referral.referred_at is not None


# --- reviews and challenges -------------------------------------------------------------------------


def test_reviews_are_scheduled_every_3_months_and_never_twice(caseworker, person):
    with clock.frozen(NOW):
        fitted_make(caseworker, person)
        assert services.reviews_schedule() == 0  # not due for 3 months
    due_day = (NOW + timedelta(days=92)).date()
    with clock.frozen(NOW + timedelta(days=80)):
        assert services.reviews_schedule() == 1
        assert services.reviews_schedule() == 0
    review = Review.objects.get()
    assert review.due_on == date(2027, 2, 18)
    assert abs((review.due_on - due_day).days) <= 3
    assert Task.objects.filter(task_type=rules.TASK_REVIEW).count() == 1


def _due_review(caseworker, person):
    with clock.frozen(NOW - timedelta(days=85)):
        fitted_make(caseworker, person)
    services.reviews_schedule()
    return Review.objects.get()


REASONS = {
    "reasons_vulnerability": "None known",
    "reasons_medical": "No evidence",
    "reasons_convention_rights": "Article 8 considered",
    "reasons_harm": "High harm",
}


def test_an_eo_cannot_cease_em_without_heo_sign_off(frozen, caseworker, senior, person):
    review = _due_review(caseworker, person)
    services.review_decide(actor=caseworker, review=review, outcome=ReviewOutcome.CEASE, **REASONS)
    review.refresh_from_db()
    assert review.status == ReviewStatus.AWAITING_SIGN_OFF
    assert review.condition.status == ConditionStatus.ACTIVE
    with pytest.raises(PermissionDenied, match=r"Higher Executive Officer|HEO"):
        services.review_sign_off(actor=caseworker, review=review, agree=True)
    services.review_sign_off(actor=senior, review=review, agree=True)
    review.refresh_from_db()
    review.condition.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED and review.signed_off_by == senior
    assert review.condition.status == ConditionStatus.CEASED


def test_a_review_needs_reasons_on_every_head(frozen, caseworker, person):
    review = _due_review(caseworker, person)
    with pytest.raises(ValidationError) as caught:
        services.review_decide(
            actor=caseworker,
            review=review,
            outcome="continue",
            reasons_vulnerability="",
            reasons_medical="",
            reasons_convention_rights="",
            reasons_harm="",
        )
    assert set(caught.value.message_dict) == set(REASONS)
    review.refresh_from_db()
    assert review.status == ReviewStatus.DUE


def test_pre_action_letters_are_due_in_14_days_and_judicial_reviews_on_the_courts_date(
    frozen, caseworker, fitted, person
):
    pap = services.challenge_record(
        actor=caseworker,
        person=person,
        kind=ChallengeKind.PRE_ACTION,
        received_on=clock.today(),
        from_party="Smith & Co",
        summary="Curfew",
    )
    assert pap.due_at.date() == clock.today() + timedelta(days=14)
    with pytest.raises(ValidationError):
        services.challenge_record(
            actor=caseworker,
            person=person,
            kind=ChallengeKind.JUDICIAL_REVIEW,
            received_on=clock.today(),
            from_party="Court",
            summary="JR",
        )
    court = NOW + timedelta(days=21)
    jr = services.challenge_record(
        actor=caseworker,
        person=person,
        kind=ChallengeKind.JUDICIAL_REVIEW,
        received_on=clock.today(),
        from_party="Court",
        summary="JR",
        court_deadline=court,
    )
    assert jr.due_at == court
    complaint = services.challenge_record(
        actor=caseworker,
        person=person,
        kind=ChallengeKind.REPRESENTATION,
        received_on=clock.today(),
        from_party="Person",
        summary="Unfair",
        is_complaint=True,
    )
    services.challenge_respond(
        actor=caseworker, challenge=complaint, outcome="curfew_removed", reasons="Work"
    )
    figures = selectors.representations_by_outcome(selectors.period_default())
    assert figures["by_outcome"] == {"curfew_removed": 1} and figures["complaints"] == 1


# --- trail data -----------------------------------------------------------------------------------


def _trail(actor, person, days=7):
    return services.trail_request_create(
        actor=actor,
        person=person,
        requester_kind="police",
        requester_name="Met Police",
        request_type="trail",
        period_start=NOW - timedelta(days=days),
        period_end=NOW - timedelta(hours=1),
        lawful_ground="allegations",
        justification="Intelligence of breaches",
    )


def test_the_requester_may_not_approve_their_own_trail_request(frozen, manager, hub, person):
    request = _trail(manager, person)
    with pytest.raises(PermissionDenied, match="someone else"):
        services.trail_request_approve(actor=manager, request=request)
    other = em_user("line_manager", hub)
    services.trail_request_approve(actor=other, request=request)
    request.refresh_from_db()
    assert request.status == "approved"


def test_a_too_broad_request_is_flagged_before_approval(frozen, caseworker, manager, person):
    request = _trail(caseworker, person, days=rules.trail_max_period().days + 5)
    assert request.too_broad
    with pytest.raises(ValidationError):
        services.trail_request_approve(actor=manager, request=request)
    services.trail_request_approve(actor=manager, request=request, confirm_too_broad=True)


def test_viewing_trail_data_needs_its_permission_and_a_purpose_and_is_logged(
    frozen, caseworker, manager, person
):
    request = _trail(caseworker, person)
    services.trail_request_approve(actor=manager, request=request)
    services.trail_request_close(
        actor=manager,
        request=request,
        outcome=TrailOutcome.PROVIDED,
        returned_data=[{"at": NOW.isoformat(), "lat": 51.5, "lon": -0.1}],
    )
    with pytest.raises(PermissionDenied):
        services.trail_data_view(actor=caseworker, request=request, purpose="Curious")
    with pytest.raises(ValidationError):
        services.trail_data_view(actor=manager, request=request, purpose=" ")
    data = services.trail_data_view(
        actor=manager, request=request, purpose="Investigating a breach"
    )
    assert data[0]["lat"] == 51.5
    assert AuditEvent.objects.filter(verb="em.trail_viewed", actor=manager).count() == 1


def test_trail_data_is_sealed_at_the_end_of_retention(caseworker, manager, person):
    with clock.frozen(NOW):
        request = _trail(caseworker, person)
        services.trail_request_approve(actor=manager, request=request)
        services.trail_request_close(
            actor=manager,
            request=request,
            outcome=TrailOutcome.PROVIDED,
            returned_data=[{"lat": 1}],
        )
    with clock.frozen(NOW + rules.trail_retention() + timedelta(days=1)):
        assert services.trail_retention_seal() == 1
        assert services.trail_retention_seal() == 0
    request.refresh_from_db()
    assert request.returned_data is None and request.sealed_at is not None


# --- duty, exemptions and figures --------------------------------------------------------------------


def test_duty_gaps_list_people_with_neither_condition_nor_exemption(frozen, caseworker, hub):
    gap = em_person(hub, family_name="Gap")
    services.bail_grant_record(
        actor=caseworker, person=gap, granted_by="secretary_of_state", granted_at=NOW
    )
    exempt = em_person(hub, family_name="Exempt")
    services.bail_grant_record(
        actor=caseworker, person=exempt, granted_by="secretary_of_state", granted_at=NOW
    )
    services.exemption_decide(
        actor=caseworker,
        person=exempt,
        ground="impractical",
        reasons="Bedbound",
        evidence="GP letter",
        decided_on=clock.today(),
    )
    covered = em_person(hub, family_name="Covered")
    condition_make(caseworker, covered)
    assert list(selectors.duty_gaps(caseworker)) == [gap]
    figures = selectors.exemption_figures(selectors.period_default())
    assert figures["by_ground"] == {"impractical": 1}


def test_notifications_against_work_items(fitted, person):
    start = NOW - timedelta(days=6)
    for day in range(4):
        battery(person, start + timedelta(days=day), 3)
    services.breach_ingest(
        event=None,
        person=person,
        breach_type="full_curfew",
        started_at=NOW - timedelta(hours=2),
        ended_at=NOW - timedelta(hours=1),
    )
    figures = selectors.notifications_and_work(selectors.period_default())
    assert figures["received"] == 5 and figures["work_items"] == 2
    assert figures["reduction"] == 60.0


def test_every_change_is_on_the_persons_timeline(fitted, person):
    kinds = set(
        TimelineEvent.objects.filter(person=person, module="monitoring").values_list(
            "event_type", flat=True
        )
    )
    assert {"em.condition_imposed", "em.order_created", "em.fitting_outcome"} <= kinds


def test_the_hub_sees_people_on_em_owned_by_other_teams_and_no_one_else(frozen, caseworker):
    from waymark.accounts.models import Team
    from waymark.people.selectors import person_visible_queryset

    elsewhere = Team.objects.create(slug="casework-leeds", name="Casework Leeds")
    on_em = em_person(elsewhere, family_name="Onem")
    condition_make(None, on_em)
    unrelated = people_create_plain(elsewhere)
    visible = set(person_visible_queryset(caseworker).values_list("pk", flat=True))
    assert on_em.pk in visible and unrelated.pk not in visible


def people_create_plain(team):
    from waymark.people import services as people_services

    return people_services.person_create(
        actor=None, given_names="Ann", family_name="Other", owning_team=team
    )


def test_an_archive_replay_stores_each_event_once_and_applies_the_battery_rule(fitted, person):
    rows = [
        {
            "event_id": f"arch-{i}",
            "person_reference": person.reference,
            "breach_type": "battery",
            "started_at": NOW - timedelta(days=6 - i),
            "ended_at": NOW - timedelta(days=6 - i) + timedelta(hours=3),
        }
        for i in range(4)
    ]
    rows.append(
        {
            "event_id": "arch-x",
            "person_reference": person.reference,
            "breach_type": "full_curfew",
            "started_at": NOW - timedelta(hours=3),
            "ended_at": NOW - timedelta(hours=2),
        }
    )
    rows.append(
        {
            "event_id": "arch-bad",
            "person_reference": "WM-0000000",
            "breach_type": "battery",
            "started_at": NOW,
            "ended_at": None,
        }
    )
    first = services.breach_archive_replay(rows=rows + rows[:2])
    assert first == {"stored": 5, "skipped": 2, "rejected": 1, "work_items": 2}
    again = services.breach_archive_replay(rows=rows)
    assert again["stored"] == 0 and Breach.objects.count() == 5
    assert AccumulatedViolation.objects.count() == 1


def test_people_awaiting_a_device_are_listed_in_the_scarcity_order(frozen, caseworker, hub):
    from waymark.people import services as people_services

    low = em_person(hub, family_name="Low", harm_level="low")
    high = em_person(hub, family_name="High", harm_level="high")
    eu = people_services.person_create(
        actor=None,
        given_names="Jan",
        family_name="Kowalski",
        owning_team=hub,
        nationalities=("POL",),
        harm_level="very_high",
        deportation_order_date=date(2025, 1, 1),
    )
    for person in (low, eu, high):
        condition = condition_make(caseworker, person, held_in_detention=False)
        assert condition.status == ConditionStatus.AWAITING_FITTING
    order = [
        c.person.family_name
        for c in selectors.released_awaiting_device(caseworker)["not_yet_attempted"]
    ]
    assert order == ["High", "Low", "Kowalski"]
