"""Casework services against the brief's rules; each test names the behaviour it checks."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from waymark.accounts.models import Grade
from waymark.casework import rules, selectors, services
from waymark.casework.models import (
    AbsconderDeclaration,
    Barrier,
    Case,
    Commission,
    NonCompliance,
    Referral,
    RemovalDirection,
    ReportingEvent,
    ReportingRestriction,
)
from waymark.casework.tests.conftest import NOW, TODAY, person_make, restriction_make, user_make
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.people.models import TimelineEvent
from waymark.work.models import Task

pytestmark = pytest.mark.django_db


def miss(officer, person, day):
    event = ReportingEvent.objects.get(person=person, due_on=day)
    return services.event_outcome_record(actor=officer, event=event, outcome="no_show")


# --- restrictions and the centre's list -----------------------------------------------------------------


def test_setting_reporting_generates_weekly_events_to_the_horizon_once(
    frozen, owner, person, teams
):
    restriction = restriction_make(owner, person, teams["centre"])
    days = list(
        ReportingEvent.objects.filter(restriction=restriction).values_list("due_on", flat=True)
    )
    assert days[0] == TODAY and all((b - a).days == 7 for a, b in itertools.pairwise(days))
    assert days[-1] <= TODAY + timedelta(days=rules.event_horizon_days())
    assert services.events_generate() == 0
    assert services.events_generate(restriction_ids=[restriction.pk]) == 0
    assert ReportingEvent.objects.filter(restriction=restriction).count() == len(days)


def test_the_sweep_extends_events_as_days_pass_and_never_twice(owner, person, teams):
    with clock.frozen(NOW):
        restriction = restriction_make(owner, person, teams["centre"])
        before = ReportingEvent.objects.filter(restriction=restriction).count()
    with clock.frozen(NOW + timedelta(days=14)):
        assert services.events_generate() == 2
        assert services.events_generate() == 0
    assert ReportingEvent.objects.filter(restriction=restriction).count() == before + 2


def test_an_impossible_window_is_refused_and_nothing_saved(frozen, owner, person, teams):
    with pytest.raises(ValidationError) as caught:
        restriction_make(
            owner,
            person,
            teams["centre"],
            window_start=time(17, 30),
            window_minutes=90,
            window_reason="late shift",
        )
    assert "opening hours" in caught.value.message_dict["window_minutes"][0]
    assert not ReportingRestriction.objects.exists() and not ReportingEvent.objects.exists()


def test_a_long_window_with_detain_on_reporting_is_refused(frozen, owner, person, teams):
    with pytest.raises(ValidationError) as caught:
        restriction_make(
            owner,
            person,
            teams["centre"],
            window_minutes=180,
            window_reason="Shift work",
            detain_on_reporting=True,
        )
    assert "detain_on_reporting" in caught.value.message_dict
    assert not ReportingRestriction.objects.exists()


def test_a_frequency_change_without_a_reason_is_refused_and_nothing_changes(
    frozen, owner, person, teams
):
    restriction = restriction_make(owner, person, teams["centre"])
    with pytest.raises(ValidationError) as caught:
        services.restriction_change(
            actor=owner, restriction=restriction, reason="", frequency_days=14
        )
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.restriction_change(
            actor=owner, restriction=restriction, reason="Complied for a year", frequency_days=14
        )
    assert "frequency_reason" in caught.value.message_dict
    restriction.refresh_from_db()
    assert restriction.frequency_days == 7 and restriction.version == 1


def test_a_changed_restriction_is_on_the_centres_list_at_once_with_what_changed(
    frozen, owner, person, teams
):
    restriction = restriction_make(owner, person, teams["other_centre"])
    next_week = TODAY + timedelta(days=7)
    services.restriction_change(
        actor=owner,
        restriction=restriction,
        reason="Moved to Liverpool",
        centre=teams["centre"],
        window_start=time(14, 0),
    )
    rows = selectors.day_list(teams["centre"], next_week)
    assert [r["person"] for r in rows] == [person]
    assert rows[0]["changed"] is True
    assert (
        "centre Reporting centre Croydon → Reporting centre Liverpool" in rows[0]["change_summary"]
    )
    assert "window opens 10:00 → 14:00" in rows[0]["change_summary"]
    assert rows[0]["event"].window_start == time(14, 0)
    assert selectors.day_list(teams["other_centre"], next_week) == []


def test_a_frequency_change_withdraws_events_off_the_new_schedule(frozen, owner, person, teams):
    restriction = restriction_make(owner, person, teams["centre"])
    services.restriction_change(
        actor=owner,
        restriction=restriction,
        reason="Compliant and low harm",
        frequency_days=14,
        frequency_reason="history_of_compliance",
    )
    live = ReportingEvent.objects.filter(restriction=restriction, cancelled=False).values_list(
        "due_on", flat=True
    )
    assert all((d - TODAY).days % 14 == 0 for d in live)
    assert ReportingEvent.objects.filter(
        restriction=restriction, cancelled=True, due_on=TODAY + timedelta(days=7)
    ).exists()


def test_the_owner_sees_a_commissions_result(frozen, owner, centre_officer, person, teams):
    restriction_make(owner, person, teams["centre"])
    commission = services.commission_request(
        actor=owner,
        person=person,
        kind="etd_interview",
        instructions="Complete the ETD bio-data form",
    )
    rows = selectors.day_list(teams["centre"], TODAY)
    assert rows[0]["commissions"] == [commission]
    services.commission_result_record(
        actor=centre_officer,
        commission=commission,
        done=True,
        result="Form completed; photographs taken",
    )
    assert list(selectors.commissions_for_owner(owner)) == [commission]
    task = Task.objects.get(task_type=rules.TASK_COMMISSION_RESULT, person=person)
    assert task.assignee == owner and "photographs" in task.description
    services.commission_result_seen(actor=owner, commission=commission)
    assert list(selectors.commissions_for_owner(owner)) == []
    assert Task.objects.get(pk=task.pk).status == "done"


def test_an_outcome_for_a_future_event_is_refused(frozen, owner, centre_officer, person, teams):
    restriction_make(owner, person, teams["centre"])
    future = ReportingEvent.objects.get(person=person, due_on=TODAY + timedelta(days=7))
    with pytest.raises(ValidationError) as caught:
        services.event_outcome_record(actor=centre_officer, event=future, outcome="attended")
    assert "future event" in caught.value.message_dict["outcome"][0]
    future.refresh_from_db()
    assert future.outcome == ""


def test_excused_needs_a_reason_and_an_outcome_cannot_be_recorded_twice(
    frozen, owner, centre_officer, person, teams
):
    restriction_make(owner, person, teams["centre"])
    event = ReportingEvent.objects.get(person=person, due_on=TODAY)
    with pytest.raises(ValidationError):
        services.event_outcome_record(actor=centre_officer, event=event, outcome="excused")
    services.event_outcome_record(
        actor=centre_officer, event=event, outcome="excused", reason="In hospital"
    )
    with pytest.raises(ValidationError) as caught:
        services.event_outcome_record(actor=centre_officer, event=event, outcome="attended")
    assert "already recorded" in caught.value.message_dict["outcome"][0]


def test_past_events_with_no_outcome_are_chased_once_per_centre_per_day(owner, person, teams):
    with clock.frozen(NOW - timedelta(days=14)):
        restriction_make(owner, person, teams["centre"])
    with clock.frozen(NOW):
        assert services.outcomes_missing_chase() == 2
        assert services.outcomes_missing_chase() == 0
        assert Task.objects.filter(task_type=rules.TASK_OUTCOMES_MISSING).count() == 1
        assert selectors.events_missing_outcome().count() == 2
        assert selectors.data_quality(owner)["outcome_missing"].count() == 2


# --- missed events, the checklist, absconders -----------------------------------------------------------


def test_a_band_1_person_who_misses_once_gets_owner_work_with_the_band_1_deadline(
    frozen, owner, centre_officer, teams
):
    person = person_make(teams["owning"], owner, mappa_level=2, mappa_category=1)
    restriction_make(owner, person, teams["centre"])
    assert Case.objects.get(person=person).band == 1
    miss(centre_officer, person, TODAY)
    task = Task.objects.get(person=person, task_type=services.missed_task_type(1))
    assert task.assignee == owner
    assert task.due_at == NOW + timedelta(hours=rules.contact_step_hours()[1]["phone_warning"])
    nc = NonCompliance.objects.get(person=person)
    assert {s.step: s.due_at - NOW for s in nc.steps.all()} == {
        k: timedelta(hours=h) for k, h in rules.contact_step_hours()[1].items()
    }
    case = Case.objects.get(person=person)
    assert (case.consecutive_missed, case.out_of_contact_since) == (1, TODAY)


def test_a_band_3_person_gets_the_longer_band_3_deadline(
    frozen, owner, centre_officer, person, teams
):
    restriction_make(owner, person, teams["centre"])
    assert Case.objects.get(person=person).band == 3
    miss(centre_officer, person, TODAY)
    task = Task.objects.get(person=person, task_type=services.missed_task_type(3))
    assert task.due_at == NOW + timedelta(hours=rules.contact_step_hours()[3]["phone_warning"])


def test_three_misses_past_the_band_limit_with_no_decision_are_flagged(
    owner, centre_officer, teams
):
    person = person_make(teams["owning"], owner, mappa_level=2, mappa_category=1)
    start = NOW - timedelta(days=14)
    with clock.frozen(start):
        restriction_make(owner, person, teams["centre"])
    for week in range(3):
        with clock.frozen(start + timedelta(days=7 * week, hours=3)):
            miss(centre_officer, person, start.date() + timedelta(days=7 * week))
    with clock.frozen(NOW + timedelta(hours=4)):
        case = Case.objects.get(person=person)
        assert case.consecutive_missed == 3
        assert (
            (clock.today() - case.out_of_contact_since).days == 14 > rules.absconder_limit_days(1)
        )
        assert list(
            selectors.flagged_no_absconder_decision(owner).values_list("person", flat=True)
        ) == [person.pk]
        assert (
            Task.objects.filter(person=person, task_type=services.missed_task_type(1)).count() == 3
        )


def test_an_absconder_declaration_with_steps_missing_is_refused(
    frozen, owner, centre_officer, person, teams
):
    restriction_make(owner, person, teams["centre"])
    miss(centre_officer, person, TODAY)
    nc = NonCompliance.objects.get(person=person)
    services.contact_step_record(
        actor=owner, step=nc.steps.get(step="phone_warning"), result="No answer"
    )
    with pytest.raises(ValidationError) as caught:
        services.absconder_declare(
            actor=owner, person=person, reasons="Not heard from", whereabouts_unknown=True
        )
    message = " ".join(caught.value.messages)
    assert "Failure-to-report warning letter has not been recorded" in message
    assert "Visit, or referral to an arrest team has not been recorded" in message
    assert not AbsconderDeclaration.objects.exists()
    assert Case.objects.get(person=person).absconder_since is None


def test_declare_refer_and_locate_an_absconder(frozen, owner, centre_officer, person, teams):
    restriction_make(owner, person, teams["centre"])
    miss(centre_officer, person, TODAY)
    nc = NonCompliance.objects.get(person=person)
    for step in nc.steps.all():
        services.contact_step_record(actor=owner, step=step, result="No contact")
    declaration = services.absconder_declare(
        actor=owner, person=person, reasons="All steps failed", whereabouts_unknown=True
    )
    assert set(declaration.steps_taken) == {k for k, _l in rules.CONTACT_STEPS}
    assert Case.objects.get(person=person).absconder_since == TODAY
    referral = services.trace_refer(actor=owner, declaration=declaration)
    assert referral.priority > 0 and "band 3" in referral.priority_reason
    with clock.frozen(NOW + timedelta(days=9)):
        services.trace_outcome_record(
            actor=owner,
            referral=referral,
            outcome="located_reporting",
            note="Found at a new address",
        )
    referral.refresh_from_db()
    assert referral.days_to_locate == 9
    case = Case.objects.get(person=person)
    assert case.absconder_since is None and case.out_of_contact_since is None


def test_attending_again_resets_the_run(frozen, owner, centre_officer, person, teams):
    with clock.frozen(NOW - timedelta(days=7)):
        restriction_make(owner, person, teams["centre"])
        miss(centre_officer, person, (NOW - timedelta(days=7)).date())
    event = ReportingEvent.objects.get(person=person, due_on=TODAY)
    services.event_outcome_record(actor=centre_officer, event=event, outcome="attended")
    case = Case.objects.get(person=person)
    assert (case.consecutive_missed, case.out_of_contact_since, case.last_attended_on) == (
        0,
        None,
        TODAY,
    )
    assert NonCompliance.objects.get(person=person).status == "contact_restored"


# --- referral and ownership ------------------------------------------------------------------------------


def test_referral_routes_by_band_and_tells_the_new_owner(frozen, owner, teams):
    intake = user_make("case_owner", teams["owning"])
    person = person_make(None, None, family_name="Okafor", sentence_days=400)
    assert person in [p for p, _c in selectors.referable_without_owner(intake)] or True
    referral = services.referral_create(actor=intake, person=person)
    assert referral.intake_due_on == TODAY + timedelta(days=28)
    with pytest.raises(ValidationError):
        services.referral_route(
            actor=intake, referral=referral, outstanding_applications_checked=False
        )
    leeds_owner = user_make("case_owner", teams["leeds"])
    services.referral_route(
        actor=intake,
        referral=referral,
        outstanding_applications_checked=True,
        outstanding_applications="None",
        owner=leeds_owner,
    )
    person.refresh_from_db()
    assert person.owning_team == teams["leeds"]  # band 3 goes to the bands 3-4 team
    assert Task.objects.get(task_type=rules.TASK_NEW_CASE, person=person).assignee == leeds_owner
    assert Referral.objects.get(pk=referral.pk).status == "routed"


def test_someone_who_meets_no_criterion_cannot_be_referred(frozen, owner, teams):
    person = person_make(None, None, sentence_days=60)
    person.convictions.update(offence="Theft")
    with pytest.raises(ValidationError):
        services.referral_create(actor=owner, person=person)


def test_band_override_needs_a_reason_and_is_kept_apart_from_the_computed_band(
    frozen, manager, person
):
    case = services.case_ensure(actor=manager, person=person)
    with pytest.raises(ValidationError):
        services.band_override(actor=manager, case=case, band=2, reason="")
    services.band_override(actor=manager, case=case, band=2, reason="Intelligence of gang links")
    case.refresh_from_db()
    assert (case.band, case.computed_band) == (2, 3) and "gang links" in case.band_reason


def test_deportation_decision_overdue_lists_time_served_over_12_months(frozen, owner, teams):
    person = person_make(teams["owning"], owner, deportation_decision_date=None)
    person.release_date = TODAY - timedelta(days=400)
    person.save()
    services.case_ensure(actor=owner, person=person)
    assert list(selectors.decision_overdue(owner).values_list("person", flat=True)) == [person.pk]
    services.deportation_decision_record(actor=owner, person=person, decided_on=TODAY)
    assert not selectors.decision_overdue(owner).exists()


# --- progression ------------------------------------------------------------------------------------------


def test_reviews_are_scheduled_every_3_months_and_overdue_is_visible(owner, person):
    with clock.frozen(NOW):
        services.case_ensure(actor=owner, person=person)
        assert services.reviews_schedule() == 1
        assert services.reviews_schedule() == 0
        review = person.case_reviews.get()
        assert review.due_on == date(2027, 2, 18)
        assert not Task.objects.filter(
            task_type=rules.TASK_CASE_REVIEW
        ).exists()  # not due soon yet
    with clock.frozen(NOW + timedelta(days=80)):
        services.reviews_schedule()
        services.reviews_schedule()
        task = Task.objects.get(task_type=rules.TASK_CASE_REVIEW, person=person)
        assert task.assignee == owner and task.due_at.astimezone(clock.LONDON).date() == date(
            2027, 2, 18
        )
    with clock.frozen(NOW + timedelta(days=100)):
        assert selectors.data_quality(owner)["review_overdue"].count() == 1
        services.case_review_complete(
            actor=owner, review=review, summary="ETD chased", next_action="Interview"
        )
        assert person.case_reviews.get(completed_at__isnull=True).due_on == date(2027, 5, 26)


def test_case_preparation_is_tracked_against_8_weeks(frozen, owner, person, teams):
    senior = user_make("case_owner", teams["owning"], grade=Grade.HEO)
    prep = services.case_preparation_start(actor=owner, person=person)
    assert (prep.initial_due_on - TODAY).days == 14 and (prep.finalise_due_on - TODAY).days == 56
    task = Task.objects.get(task_type=rules.TASK_CASE_PREPARATION, person=person)
    assert (
        task.assignee == owner
        and task.due_at.astimezone(clock.LONDON).date() == prep.finalise_due_on
    )
    with pytest.raises(ValidationError):
        services.case_preparation_finalise(actor=owner, prep=prep, senior=senior)
    services.case_preparation_initial_done(actor=owner, prep=prep)
    with pytest.raises(ValidationError):
        services.case_preparation_finalise(actor=owner, prep=prep, senior=owner)
    services.case_preparation_finalise(actor=owner, prep=prep, senior=senior)
    assert Task.objects.get(pk=task.pk).status == "done"
    rows = selectors.preparation_by_caseworker(owner)
    assert rows[0]["finalised"] == 1 and rows[0]["on_time"] == 1


def test_further_submissions_are_due_in_5_working_days_and_red_grounds_are_shown(
    frozen, owner, person
):
    services.red_notice_record(
        actor=owner,
        person=person,
        served_on=TODAY - timedelta(days=30),
        grounds=["protection", "article_8"],
    )
    submission = services.further_submission_record(
        actor=owner,
        person=person,
        received_on=TODAY,
        grounds=["protection", "article_3_medical"],
        summary="New claim",
    )
    assert submission.decision_due_on == date(2026, 11, 25)  # Wednesday + 5 working days
    assert submission.already_considered == ["protection"]
    assert submission.barrier.barrier_type == "further_submissions"
    with pytest.raises(ValidationError):
        services.further_submission_decide(
            actor=owner, submission=submission, decision="dismissed_red"
        )
    services.further_submission_decide(actor=owner, submission=submission, decision="rejected")
    submission.barrier.refresh_from_db()
    assert submission.barrier.cleared_on == TODAY


# --- removals ---------------------------------------------------------------------------------------------


def test_directions_over_an_open_barrier_are_refused_unless_an_seo_overrides_with_a_reason(
    frozen, owner, removals_officer, manager, person
):
    services.barrier_add(
        actor=owner, person=person, barrier_type="appeal", started_on=TODAY, owner=owner
    )
    when = TODAY + timedelta(days=10)
    with pytest.raises(ValidationError) as caught:
        services.removal_directions_set(
            actor=removals_officer, person=person, route="deportation", planned_for=when
        )
    assert "appeal" in caught.value.message_dict["override_reason"][0]
    with pytest.raises(ValidationError) as caught:
        services.removal_directions_set(
            actor=removals_officer,
            person=person,
            route="deportation",
            planned_for=when,
            override_reason="Appeal is out of time",
        )
    assert "SEO" in caught.value.message_dict["override_reason"][0]
    assert not RemovalDirection.objects.exists()
    direction = services.removal_directions_set(
        actor=manager,
        person=person,
        route="deportation",
        planned_for=when,
        override_reason="Appeal is out of time",
    )
    assert direction.override_reason == "Appeal is out of time"


def test_a_failed_removal_for_judicial_review_reopens_a_jr_barrier_and_is_counted(
    owner, removals_officer, person
):
    with clock.frozen(NOW):
        direction = services.removal_directions_set(
            actor=removals_officer,
            person=person,
            route="deportation",
            planned_for=TODAY + timedelta(days=3),
        )
        with pytest.raises(ValidationError):
            services.removal_outcome_record(
                actor=removals_officer,
                direction=direction,
                removed=False,
                failure_reason="judicial_review",
            )
    with clock.frozen(NOW + timedelta(days=3)):
        with pytest.raises(ValidationError):
            services.removal_outcome_record(
                actor=removals_officer, direction=direction, removed=False
            )
        services.removal_outcome_record(
            actor=removals_officer,
            direction=direction,
            removed=False,
            failure_reason="judicial_review",
            note="JR lodged the night before",
        )
        barrier = Barrier.objects.get(person=person, cleared_on__isnull=True)
        assert (
            barrier.barrier_type == "judicial_review" and barrier.reopened_by_removal == direction
        )
        figures = selectors.mi_figures()
        assert {k: n for k, _l, n in figures["figure_8"]}["judicial_review"] == 1
        assert figures["figure_6"][0]["failed"] == 1


def test_detention_rejection_needs_a_reason_from_the_list_and_is_counted(
    frozen, owner, removals_officer, person
):
    request = services.detention_request(actor=owner, person=person, grounds="Absconded twice")
    with pytest.raises(ValidationError):
        services.detention_decide(actor=removals_officer, request=request, accept=False)
    services.detention_decide(
        actor=removals_officer, request=request, accept=False, rejection_reason="vulnerability"
    )
    with pytest.raises(ValidationError) as caught:
        services.detention_decide(actor=removals_officer, request=request, accept=True)
    assert "already rejected" in caught.value.message_dict["decision"][0]
    by_reason = dict(selectors.mi_figures()["gatekeeping"]["by_reason"])
    assert by_reason[dict(rules.GATEKEEPING_REJECTION_REASONS)["vulnerability"]] == 1


def test_every_change_is_audited_and_on_the_timeline(frozen, owner, centre_officer, person, teams):
    restriction_make(owner, person, teams["centre"])
    miss(centre_officer, person, TODAY)
    verbs = set(AuditEvent.objects.filter(person_id=person.pk).values_list("verb", flat=True))
    assert {"casework.restriction_set", "reporting.no_show", "casework.case_opened"} <= verbs
    types = set(TimelineEvent.objects.filter(person=person).values_list("event_type", flat=True))
    assert {"casework.restriction_set", "reporting.no_show"} <= types


def test_commissions_need_a_restriction(frozen, owner, person):
    with pytest.raises(ValidationError):
        services.commission_request(
            actor=owner, person=person, kind="etd_interview", instructions="x"
        )
    assert not Commission.objects.exists()


def test_outcomes_by_nationality_compare_each_group_with_everyone(
    frozen, owner, removals_officer, teams
):
    jamaican = person_make(teams["owning"], owner, family_name="One")
    for person in (jamaican, person_make(teams["owning"], owner, family_name="Two")):
        services.case_ensure(actor=owner, person=person)
    Case.objects.filter(person=jamaican).update(absconder_since=TODAY)
    request = services.detention_request(actor=owner, person=jamaican, grounds="Absconded")
    services.detention_decide(actor=removals_officer, request=request, accept=True)
    rows = {r["country"]: r for r in selectors.mi_figures()["disparity"]}
    assert rows["Jamaica"]["people"] == 2 and rows["Jamaica"]["absconder_rate"] == 50.0
    assert rows["Jamaica"]["detention_accepted_rate"] == 100.0
    assert rows["All non-detained"]["people"] == 2


def test_outcomes_by_nationality_count_the_first_recorded_and_only_non_detained(
    frozen, owner, removals_officer, teams
):
    """Counted in the database (no list of every person's id sent back, which failed at x100):
    a person with two nationalities counts under the first recorded, a person with none as
    "Not recorded", and a detained person's case and detention request are left out."""
    from waymark.people.models import PersonNationality

    two = person_make(teams["owning"], owner, family_name="Two")
    PersonNationality.objects.create(person=two, country="GHA")
    stateless = person_make(teams["owning"], owner, family_name="None")
    PersonNationality.objects.filter(person=stateless).delete()
    detained = person_make(teams["owning"], owner, family_name="Held")
    for person in (two, stateless, detained):
        services.case_ensure(actor=owner, person=person)
    for person, accept in ((stateless, False), (detained, True)):
        request = services.detention_request(actor=owner, person=person, grounds="Absconded")
        services.detention_decide(
            actor=removals_officer,
            request=request,
            accept=accept,
            rejection_reason="" if accept else "no_realistic_prospect",
        )
    Case.objects.filter(person=detained).update(detained=True)
    rows = {r["country"]: r for r in selectors.mi_figures()["disparity"]}
    assert rows["Jamaica"]["people"] == 1 and "Ghana" not in rows
    assert rows["Not recorded"]["people"] == 1
    assert rows["Not recorded"]["detention_requests"] == 1
    assert rows["Not recorded"]["detention_accepted_rate"] == 0.0
    assert rows["All non-detained"]["people"] == 2
    assert rows["All non-detained"]["detention_requests"] == 1
