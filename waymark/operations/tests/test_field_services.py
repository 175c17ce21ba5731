"""Field entries, debrief and closure (brief operations.md §6-§7; issue 5 items 6-8 and bad input).

Every refusal is checked to save nothing: no FieldEntry, no typed row, no change to the visit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.operations import models as m
from waymark.operations import rules
from waymark.operations import selectors as field_selectors
from waymark.operations import services as field_services
from waymark.operations.tests.conftest import (
    NOW,
    entry_uuid,
    premises_make,
    user_make,
    visit_deployed_make,
    visit_make,
)
from waymark.people.models import Person, TimelineEvent
from waymark.work import services as work_services
from waymark.work.models import Queue, Task

pytestmark = pytest.mark.django_db


def record(actor, visit, entry_type, data=None, *, at=None, uuid=None, **extra):
    return field_services.field_entry_record(
        actor=actor,
        visit=visit,
        entry_type=entry_type,
        client_uuid=uuid or entry_uuid(),
        recorded_at=at or clock.now(),
        data=data or {},
        **extra,
    )


CONSENT = {
    "achieved": True,
    "power": "informed_consent",
    "consent_given_by": "Mr Li",
    "consent_given_by_role": "Manager",
    "told_could_refuse": True,
}
SEIZURE = {
    "searched": "Staff room",
    "search_power": "s25B Immigration Act 1971",
    "item_description": "Passport (Chinese)",
    "exhibit_number": "AB/1",
    "sealed_bag_number": "S123456",
}


def nothing_saved(visit) -> None:
    assert not m.FieldEntry.objects.filter(visit=visit).exists()
    for model in (
        m.EntryRecord,
        m.Encounter,
        m.Interview,
        m.Seizure,
        m.SafeguardingRecord,
        m.EmployerSanction,
        m.Engagement,
        m.CriticalIncident,
    ):
        assert not model.objects.filter(visit=visit).exists(), model


# ------------------------------------------------------------------------------------------------
# The field rules' numbers (each test below fails if one changes without the brief changing)


def test_the_field_rules_numbers():
    assert timedelta(minutes=5) == rules.FIELD_CLOCK_TOLERANCE
    assert timedelta(days=7) == rules.OFFLINE_REPLAY_LIMIT
    assert timedelta(minutes=30) == rules.FIELD_BEFORE_DEPLOYMENT_MARGIN
    assert timedelta(hours=48) == rules.CLOSURE_DUE
    assert rules.FIELD_BATCH_MAX == 100
    assert rules.FIELD_RETRY_INTERVAL_MS == 15_000


# ------------------------------------------------------------------------------------------------
# Who may record, and when


def test_an_assigned_officer_records_an_arrival_with_phone_time_and_location(
    frozen, visit_deployed, field_officer
):
    at = NOW + timedelta(minutes=2)
    with clock.frozen(NOW + timedelta(minutes=10)):
        entry, created = record(
            field_officer,
            visit_deployed,
            "arrival",
            at=at,
            latitude=51.5,
            longitude=-0.07,
            accuracy_m=12,
            sent_offline=True,
        )
    assert created and entry.recorded_at == at and entry.received_at == NOW + timedelta(minutes=10)
    assert entry.sent_offline and entry.latitude == 51.5
    assignment = m.VisitOfficer.objects.get(visit=visit_deployed, officer=field_officer)
    assert assignment.arrived_at == at and assignment.on_site
    assert (assignment.last_latitude, assignment.last_longitude) == (51.5, -0.07)
    assert AuditEvent.objects.filter(verb="operations.entry.arrival").count() == 1


def test_a_non_assigned_officer_is_refused_and_nothing_saved(frozen, visit_deployed, ice_team):
    outsider = user_make("field_officer", ice_team)
    with pytest.raises(PermissionDenied, match="assigned"):
        record(outsider, visit_deployed, "arrival")
    nothing_saved(visit_deployed)


def test_a_role_without_the_permission_is_refused(frozen, visit_deployed, ice_team):
    analyst = user_make("performance_analyst", ice_team)
    m.VisitOfficer.objects.create(visit=visit_deployed, officer=analyst)
    with pytest.raises(PermissionDenied):
        record(analyst, visit_deployed, "note", {"text": "Hello"})
    nothing_saved(visit_deployed)


@pytest.mark.parametrize(
    "status", [m.VisitStatus.PLANNING, m.VisitStatus.AUTHORISED, m.VisitStatus.CLOSED]
)
def test_an_entry_on_a_visit_not_deployed_is_refused(
    frozen, ice_team, premises, oic, field_officer, status
):
    visit = visit_make(
        ice_team, premises, creator=oic, status=status, rating="green", officer_in_charge=oic
    )
    m.VisitOfficer.objects.create(visit=visit, officer=field_officer)
    with pytest.raises(ValidationError, match="only while a visit is deployed"):
        record(field_officer, visit, "arrival")
    nothing_saved(visit)


def test_phone_times_in_the_future_before_deployment_or_too_old_are_refused(
    frozen, visit_deployed, field_officer
):
    ahead = NOW + rules.FIELD_CLOCK_TOLERANCE + timedelta(seconds=1)
    with pytest.raises(ValidationError, match="future"):
        record(field_officer, visit_deployed, "arrival", at=ahead)
    record(
        field_officer,
        visit_deployed,
        "note",
        {"text": "clock a little fast"},
        at=NOW + rules.FIELD_CLOCK_TOLERANCE,
    )
    before = (
        visit_deployed.deployed_at - rules.FIELD_BEFORE_DEPLOYMENT_MARGIN - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="before the visit was deployed"):
        record(field_officer, visit_deployed, "arrival", at=before)
    with (
        clock.frozen(NOW + rules.OFFLINE_REPLAY_LIMIT + timedelta(minutes=1)),
        pytest.raises(ValidationError, match="too old"),
    ):
        record(field_officer, visit_deployed, "arrival", at=NOW)
    assert m.FieldEntry.objects.filter(visit=visit_deployed).count() == 1
    assert (
        m.VisitOfficer.objects.get(visit=visit_deployed, officer=field_officer).arrived_at is None
    )


# ------------------------------------------------------------------------------------------------
# Exactly once


def test_an_offline_entry_sent_twice_is_stored_once(frozen, visit_deployed, field_officer):
    key, at = entry_uuid(), NOW + timedelta(minutes=1)
    first, created = record(
        field_officer, visit_deployed, "entry", CONSENT, at=at, uuid=key, sent_offline=True
    )
    with clock.frozen(NOW + timedelta(hours=1)):
        again, created_again = record(
            field_officer, visit_deployed, "entry", CONSENT, at=at, uuid=key, sent_offline=True
        )
    assert created and not created_again and again.pk == first.pk
    assert m.FieldEntry.objects.filter(client_uuid=key).count() == 1
    assert m.EntryRecord.objects.filter(visit=visit_deployed).count() == 1
    assert AuditEvent.objects.filter(verb="operations.entry.entry").count() == 1


def test_the_same_id_with_different_content_is_refused(frozen, visit_deployed, field_officer):
    key = entry_uuid()
    record(field_officer, visit_deployed, "note", {"text": "first"}, uuid=key)
    with pytest.raises(ValidationError, match="different entry"):
        record(field_officer, visit_deployed, "note", {"text": "second"}, uuid=key)
    with pytest.raises(ValidationError, match="different entry"):
        record(field_officer, visit_deployed, "arrival", {"text": "first"}, uuid=key)
    assert m.FieldEntry.objects.get(client_uuid=key).payload == {"text": "first"}


def test_a_replay_arrives_after_closure_and_is_answered_with_the_stored_entry(
    frozen, visit_deployed, field_officer
):
    key = entry_uuid()
    entry, _ = record(field_officer, visit_deployed, "note", {"text": "queued"}, uuid=key, at=NOW)
    m.Visit.objects.filter(pk=visit_deployed.pk).update(status=m.VisitStatus.CLOSED)
    visit_deployed.refresh_from_db()
    again, created = record(
        field_officer, visit_deployed, "note", {"text": "queued"}, uuid=key, at=NOW
    )
    assert again.pk == entry.pk and not created


# ------------------------------------------------------------------------------------------------
# Arrival and departure


def test_departure_before_arrival_is_refused(frozen, visit_deployed, field_officer):
    with pytest.raises(ValidationError, match="before you have arrived"):
        record(field_officer, visit_deployed, "departure")
    nothing_saved(visit_deployed)
    record(field_officer, visit_deployed, "arrival", at=NOW + timedelta(minutes=5))
    with clock.frozen(NOW + timedelta(minutes=10)):
        with pytest.raises(ValidationError, match="before your arrival"):
            record(field_officer, visit_deployed, "departure", at=NOW + timedelta(minutes=4))
        record(field_officer, visit_deployed, "departure", at=NOW + timedelta(minutes=9))
    assignment = m.VisitOfficer.objects.get(visit=visit_deployed, officer=field_officer)
    assert assignment.departed_at == NOW + timedelta(minutes=9) and not assignment.on_site


def test_who_is_where(frozen, visit_deployed, field_officer, oic):
    record(field_officer, visit_deployed, "arrival", latitude=51.5, longitude=-0.07)
    rows = {row.officer.pk: row for row in field_selectors.who_is_where(visit_deployed)}
    assert rows[field_officer.pk].state == "on_site" and rows[field_officer.pk].last_seen_at == NOW
    assert rows[oic.pk].state == "not_arrived" and rows[oic.pk].last_seen_at is None


# ------------------------------------------------------------------------------------------------
# Entry and its power


def test_informed_consent_needs_who_their_role_and_told_they_could_refuse(
    frozen, visit_deployed, field_officer
):
    with pytest.raises(ValidationError) as refused:
        record(
            field_officer,
            visit_deployed,
            "entry",
            {
                **CONSENT,
                "consent_given_by": "",
                "consent_given_by_role": "",
                "told_could_refuse": False,
            },
        )
    assert set(refused.value.message_dict) == {
        "consent_given_by",
        "consent_given_by_role",
        "told_could_refuse",
    }
    nothing_saved(visit_deployed)
    entry, _ = record(field_officer, visit_deployed, "entry", CONSENT)
    assert (
        entry.entry_record.consent_given_by == "Mr Li"
        and entry.entry_record.told_could_refuse is True
    )


def test_section_179_at_unlicensed_premises_is_refused(
    frozen, ice_team, sector, oic, field_officer
):
    unlicensed = premises_make(sector, licensed=False, name="Corner Cafe")
    visit = visit_deployed_make(ice_team, unlicensed, oic, [field_officer])
    with pytest.raises(ValidationError, match="Section 179 applies only to licensed premises"):
        record(field_officer, visit, "entry", {"achieved": True, "power": "licensing_s179"})
    nothing_saved(visit)


def test_section_179_at_licensed_premises_warrant_and_ad_letter(
    frozen, visit_deployed, field_officer
):
    entry, _ = record(
        field_officer, visit_deployed, "entry", {"achieved": True, "power": "licensing_s179"}
    )
    assert entry.entry_record.power == "licensing_s179"
    with pytest.raises(ValidationError) as refused:
        record(field_officer, visit_deployed, "entry", {"achieved": True, "power": "warrant"})
    assert set(refused.value.message_dict) == {"warrant_reference", "warrant_court"}
    with pytest.raises(ValidationError, match="letter"):
        record(
            field_officer, visit_deployed, "entry", {"achieved": True, "power": "ad_letter_s28ca"}
        )
    record(
        field_officer,
        visit_deployed,
        "entry",
        {
            "achieved": True,
            "power": "warrant",
            "warrant_reference": "W1",
            "warrant_court": "Thames Magistrates",
        },
    )
    with pytest.raises(ValidationError, match="why entry was not achieved"):
        record(field_officer, visit_deployed, "entry", {"achieved": False})
    record(
        field_officer,
        visit_deployed,
        "entry",
        {"achieved": False, "not_achieved_reason": "Shutters down"},
    )
    assert m.EntryRecord.objects.filter(visit=visit_deployed).count() == 3


# ------------------------------------------------------------------------------------------------
# Encounters, interviews


def test_an_encounter_creates_a_person_and_writes_their_timeline(
    frozen, visit_deployed, field_officer
):
    entry, _ = record(
        field_officer,
        visit_deployed,
        "encounter",
        {
            "given_names": "Wei",
            "family_name": "Chen",
            "date_of_birth": "1991-03-04",
            "nationality": "chn",
            "checks_made": ["biometric", "status_lookup"],
            "result": "offender",
            "action": "arrest",
            "offence": "Illegal working (s24B)",
        },
    )
    encounter = entry.encounter
    assert encounter.person.family_name == "Chen" and encounter.nationality == "CHN"
    event = TimelineEvent.objects.get(person=encounter.person, module="operations")
    assert visit_deployed.reference in event.summary and "Illegal working" in event.summary
    assert AuditEvent.objects.filter(
        verb="operations.entry.encounter", person_id=encounter.person_id
    ).exists()


def test_an_encounter_links_to_an_existing_person(frozen, visit_deployed, field_officer, subject):
    entry, _ = record(
        field_officer,
        visit_deployed,
        "encounter",
        {"person": subject.pk, "result": "right_to_work", "checks_made": ["status_lookup"]},
    )
    assert entry.encounter.person == subject and Person.objects.count() == 1


def test_an_offender_needs_an_action_and_an_arrest_an_offence(
    frozen, visit_deployed, field_officer
):
    base = {"given_names": "A", "family_name": "B", "result": "offender"}
    with pytest.raises(ValidationError, match="action taken"):
        record(field_officer, visit_deployed, "encounter", base)
    with pytest.raises(ValidationError, match="offence"):
        record(field_officer, visit_deployed, "encounter", {**base, "action": "arrest"})
    with pytest.raises(ValidationError, match="No person"):
        record(
            field_officer,
            visit_deployed,
            "encounter",
            {**base, "action": "referral", "person": 999999},
        )
    nothing_saved(visit_deployed)
    assert not Person.objects.exists()


def test_an_interview_answers_predefined_and_added_questions_and_saves_one_for_reuse(
    frozen, visit_deployed, field_officer
):
    question = m.InterviewQuestion.objects.create(
        text="How long have you worked here?", predefined=True, created_at=NOW
    )
    entry, _ = record(
        field_officer,
        visit_deployed,
        "interview",
        {
            "answers": [
                {"question_id": question.pk, "answer": "Two months"},
                {
                    "question": "Who pays your wages?",
                    "answer": "Cash from the owner",
                    "save_for_reuse": True,
                },
            ]
        },
    )
    assert [a["question"] for a in entry.interview.answers] == [
        "How long have you worked here?",
        "Who pays your wages?",
    ]
    saved = m.InterviewQuestion.objects.get(text="Who pays your wages?")
    assert not saved.predefined and saved.created_by == field_officer
    with pytest.raises(ValidationError, match="at least one"):
        record(field_officer, visit_deployed, "interview", {"answers": []})


# ------------------------------------------------------------------------------------------------
# Seizures and the rest


@pytest.mark.parametrize("missing", ["exhibit_number", "sealed_bag_number"])
def test_a_seizure_without_exhibit_or_bag_number_is_refused(
    frozen, visit_deployed, field_officer, missing
):
    with pytest.raises(ValidationError) as refused:
        record(field_officer, visit_deployed, "seizure", {**SEIZURE, missing: ""})
    assert missing in refused.value.message_dict
    nothing_saved(visit_deployed)


def test_a_seizure_without_either_number_names_both(frozen, visit_deployed, field_officer):
    with pytest.raises(ValidationError) as refused:
        record(
            field_officer,
            visit_deployed,
            "seizure",
            {**SEIZURE, "exhibit_number": "", "sealed_bag_number": " "},
        )
    assert {"exhibit_number", "sealed_bag_number"} <= set(refused.value.message_dict)
    nothing_saved(visit_deployed)


def test_a_seizure_is_recorded_and_its_property_signed_off(frozen, visit_deployed, field_officer):
    entry, _ = record(field_officer, visit_deployed, "seizure", SEIZURE)
    assert entry.seizure.property_signed_off_at is None
    with pytest.raises(ValidationError, match="already recorded"):
        record(field_officer, visit_deployed, "seizure", SEIZURE)
    field_services.seizure_property_sign_off(actor=field_officer, seizure=entry.seizure)
    assert m.Seizure.objects.get(pk=entry.seizure.pk).property_signed_off_by == field_officer
    signed, _ = record(
        field_officer,
        visit_deployed,
        "seizure",
        {**SEIZURE, "exhibit_number": "AB/2", "property_signed_off": True},
    )
    assert signed.seizure.property_signed_off_at is not None


def test_safeguarding_sanction_engagement_and_note(frozen, visit_deployed, field_officer):
    record(
        field_officer,
        visit_deployed,
        "safeguarding",
        {"kind": "nrm", "detail": "Debt bondage indicators"},
    )
    record(field_officer, visit_deployed, "employer_sanction", {"kind": "civil_penalty_referral"})
    record(
        field_officer,
        visit_deployed,
        "engagement",
        {"advice_given": "Right to work checks", "leaflets_handed_out": "3"},
    )
    record(field_officer, visit_deployed, "note", {"text": "Rear door locked"})
    assert m.SafeguardingRecord.objects.get(visit=visit_deployed).kind == "nrm"
    assert m.EmployerSanction.objects.get(visit=visit_deployed).kind == "civil_penalty_referral"
    assert m.Engagement.objects.get(visit=visit_deployed).leaflets_handed_out == 3
    with pytest.raises(ValidationError):
        record(field_officer, visit_deployed, "safeguarding", {"kind": "unknown", "detail": "x"})
    with pytest.raises(ValidationError):
        record(field_officer, visit_deployed, "employer_sanction", {})
    assert [e.entry_type for e in field_selectors.visit_entries(visit_deployed)] == [
        "safeguarding",
        "employer_sanction",
        "engagement",
        "note",
    ]


def test_a_critical_incident_is_declared_only_by_the_officer_in_charge(
    frozen, visit_deployed, field_officer, oic
):
    incident = {"reason": "Officer assaulted", "help_requested": "Police and ambulance"}
    with pytest.raises(PermissionDenied, match="officer in charge"):
        record(field_officer, visit_deployed, "critical_incident", incident)
    nothing_saved(visit_deployed)
    with pytest.raises(ValidationError, match="help requested"):
        record(oic, visit_deployed, "critical_incident", {"reason": "x"})
    record(oic, visit_deployed, "critical_incident", incident)
    record(field_officer, visit_deployed, "incident_action", {"action": "First aid given"})
    with pytest.raises(PermissionDenied):
        record(
            field_officer,
            visit_deployed,
            "incident_action",
            {"action": "Stand down", "stands_down": True},
        )
    record(
        oic, visit_deployed, "incident_action", {"action": "Police on scene", "stands_down": True}
    )
    assert m.CriticalIncident.objects.get(visit=visit_deployed).stood_down_at == NOW


# ------------------------------------------------------------------------------------------------
# Debrief and closure

DEBRIEF = {
    key: f"Something considered about {label.lower()}."
    for key, label in rules.DEBRIEF_SECTIONS.items()
}


def test_a_debrief_missing_a_section_is_refused_naming_each(frozen, visit_deployed, oic):
    sections = {**DEBRIEF, "went_well": "", "to_improve": "  "}
    with pytest.raises(ValidationError) as refused:
        field_services.debrief_submit(actor=oic, visit=visit_deployed, **sections)
    assert set(refused.value.message_dict) == {"went_well", "to_improve", "intelligence_accuracy"}
    assert "what went well" in refused.value.message_dict["went_well"][0]
    assert not m.Debrief.objects.exists()


def test_only_the_officer_in_charge_submits_the_debrief(frozen, visit_deployed, field_officer, oic):
    with pytest.raises(PermissionDenied):
        field_services.debrief_submit(
            actor=field_officer, visit=visit_deployed, intelligence_accuracy="accurate", **DEBRIEF
        )
    debrief = field_services.debrief_submit(
        actor=oic, visit=visit_deployed, intelligence_accuracy="partly", **DEBRIEF
    )
    assert debrief.intelligence_accuracy == "partly" and debrief.submitted_by == oic


def _ready_to_close(visit, officers):
    for officer in officers:
        record(officer, visit, "arrival", at=NOW + timedelta(minutes=1))
    record(officers[0], visit, "entry", CONSENT, at=NOW + timedelta(minutes=2))


def test_closing_with_an_officer_still_on_site_is_refused(
    frozen, visit_deployed, field_officer, oic
):
    _ready_to_close(visit_deployed, [field_officer, oic])
    field_services.debrief_submit(
        actor=oic, visit=visit_deployed, intelligence_accuracy="accurate", **DEBRIEF
    )
    record(oic, visit_deployed, "departure", at=NOW + timedelta(minutes=3))
    with pytest.raises(ValidationError, match="still on site"):
        field_services.visit_close(actor=oic, visit=visit_deployed)
    visit_deployed.refresh_from_db()
    assert visit_deployed.status == m.VisitStatus.DEPLOYED and visit_deployed.closed_at is None
    assert not AuditEvent.objects.filter(verb="operations.visit.closed").exists()


def test_closing_names_everything_incomplete(frozen, visit_deployed, field_officer, oic):
    record(field_officer, visit_deployed, "seizure", SEIZURE)
    with pytest.raises(ValidationError) as refused:
        field_services.visit_close(actor=oic, visit=visit_deployed)
    text = " ".join(refused.value.messages)
    assert "debrief" in text and "exhibit AB/1" in text and "Entry to the premises" in text
    with pytest.raises(PermissionDenied):
        field_services.visit_close(actor=field_officer, visit=visit_deployed)
    assert m.Visit.objects.get(pk=visit_deployed.pk).status == m.VisitStatus.DEPLOYED


def test_the_officer_in_charge_closes_and_the_close_task_is_completed(
    frozen, visit_deployed, field_officer, oic
):
    from waymark.operations import registrations as setup

    setup.task_types_register()
    _ready_to_close(visit_deployed, [field_officer])
    with clock.frozen(NOW + timedelta(minutes=30)):
        record(field_officer, visit_deployed, "departure")
    field_services.debrief_submit(
        actor=oic, visit=visit_deployed, intelligence_accuracy="accurate", **DEBRIEF
    )
    queue = Queue.objects.create(slug="ice-close", name="ICE: visits", team=visit_deployed.team)
    task = work_services.task_create(
        actor=None,
        task_type=rules.TASK_CLOSE,
        title="Close the visit",
        subject=visit_deployed,
        queue=queue,
    )
    with clock.frozen(NOW + timedelta(hours=1)):
        closed = field_services.visit_close(actor=oic, visit=visit_deployed)
    assert closed.status == m.VisitStatus.CLOSED and closed.closed_at == NOW + timedelta(hours=1)
    event = AuditEvent.objects.get(verb="operations.visit.closed")
    assert event.payload["new"]["late"] is False
    done = Task.objects.get(pk=task.pk)
    assert done.status == "done" and done.outcome == "closed"
    with pytest.raises(ValidationError):
        field_services.visit_close(actor=oic, visit=closed)


def test_a_closure_after_the_deadline_is_recorded_late_and_overdue_visits_are_listed(
    frozen, visit_deployed, field_officer, oic
):
    assert list(field_selectors.visits_closure_overdue(now=NOW)) == []
    assert list(field_selectors.visits_closure_overdue(now=NOW + timedelta(hours=48))) == []
    late_at = NOW + rules.CLOSURE_DUE + timedelta(minutes=1)
    assert list(field_selectors.visits_closure_overdue(now=late_at)) == [visit_deployed]
    assert list(field_selectors.visits_closure_overdue(oic, now=late_at)) == [visit_deployed]
    _ready_to_close(visit_deployed, [field_officer])
    with clock.frozen(NOW + timedelta(minutes=30)):
        record(field_officer, visit_deployed, "departure")
    field_services.debrief_submit(
        actor=oic, visit=visit_deployed, intelligence_accuracy="inaccurate", **DEBRIEF
    )
    with clock.frozen(late_at):
        field_services.visit_close(actor=oic, visit=visit_deployed)
    assert AuditEvent.objects.get(verb="operations.visit.closed").payload["new"]["late"] is True
    assert list(field_selectors.visits_closure_overdue(now=late_at)) == []
