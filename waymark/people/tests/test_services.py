from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from waymark.core import clock
from waymark.core.models import AuditAction, AuditEvent
from waymark.people import rules, services
from waymark.people.models import (
    AddressType,
    AppendOnlyError,
    ExternalReference,
    NameType,
    Note,
    OwnershipState,
    Person,
    PersonName,
    RecordStatus,
    ReferenceType,
    TimelineEvent,
    VulnerabilityAssessment,
)
from waymark.people.tests.factories import make_person, make_team, make_user

pytestmark = pytest.mark.django_db


def test_reference_rule_is_unchanged():
    assert rules.WAYMARK_REFERENCE_FORMAT % 1234 == "WM-0001234"
    assert rules.NAME_MATCH_MIN_SCORE == 0.80


def test_person_create_assigns_reference_from_pk_and_writes_identity(team):
    person = make_person(
        nationalities=("syr", "IRQ"),
        owning_team=team,
        references={ReferenceType.HOME_OFFICE: "H1234567"},
    )
    person.refresh_from_db()
    assert person.reference == f"WM-{person.pk:07d}"
    primary = person.names.get(name_type=NameType.PRIMARY)
    assert primary.normalised == "amir haddad"
    assert primary.family_key and primary.given_key
    assert list(person.dates_of_birth.values_list("date_of_birth", flat=True)) == [
        date(1990, 5, 17)
    ]
    assert sorted(person.nationalities.values_list("country", flat=True)) == ["IRQ", "SYR"]
    assert person.ownership_state == OwnershipState.OWNED
    assert person.timeline.filter(event_type="person.created").exists()
    audit = AuditEvent.objects.get(verb="person.created")
    assert audit.action == AuditAction.COLLECTION and audit.person_id == person.pk


def test_references_are_never_reused_and_ownership_unclear_without_team():
    first = make_person()
    second = make_person(given_names="Li", family_name="Wei")
    assert first.reference != second.reference
    assert second.ownership_state == OwnershipState.UNCLEAR


def test_invalid_nationality_is_refused_and_nothing_saved():
    with pytest.raises(ValidationError, match="ISO 3166-1"):
        make_person(nationalities=("ZZZ",))
    assert Person.objects.count() == 0


def test_external_reference_clash_gives_clear_error():
    make_person(references=[(ReferenceType.PNC, "2001/123456A")])
    other = make_person(given_names="Omar", family_name="Said")
    with pytest.raises(ValidationError) as exc:
        services.reference_add(
            actor=None, person=other, reference_type=ReferenceType.PNC, value="2001/123456a"
        )
    assert "already recorded on another person" in str(exc.value)
    assert ExternalReference.objects.count() == 1


def test_create_needs_permission():
    user = make_user("people.view_person")
    with pytest.raises(PermissionDenied):
        services.person_create(actor=user, given_names="A", family_name="B")


def test_person_update_audits_old_and_new(caseworker):
    person = make_person()
    services.person_update(actor=caseworker, person=person, family_name="Hadad", harm_level="high")
    audit = AuditEvent.objects.get(verb="person.updated")
    assert audit.action == AuditAction.ALTERATION
    assert audit.payload["old"] == {"family_name": "Haddad", "harm_level": "not_assessed"}
    assert audit.payload["new"] == {"family_name": "Hadad", "harm_level": "high"}
    assert person.names.get(name_type=NameType.PRIMARY).family_normalised == "hadad"
    with pytest.raises(ValidationError):
        services.person_update(actor=caseworker, person=person, owning_team=None)


def test_timeline_is_append_only():
    person = make_person()
    event = services.timeline_event_record(
        person=person, module="monitoring", event_type="tag.fitted", summary="Tag fitted"
    )
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        TimelineEvent.objects.filter(pk=event.pk).delete()
    assert TimelineEvent.objects.filter(pk=event.pk).exists()


def test_timeline_events_bulk_record_writes_what_one_by_one_writes():
    person, other = make_person(), make_person()
    specs = [
        {
            "person": person,
            "module": "monitoring",
            "event_type": "em.breach_received",
            "summary": "Breach reported" + "!" * 600,
            "occurred_at": datetime(2026, 3, 1, tzinfo=UTC),
            "related": other,
            "detail": {"on": date(2026, 3, 1), "who": other},
        },
        {"person": other, "module": "monitoring", "event_type": "tag.fitted", "summary": "Fitted"},
    ]
    before = TimelineEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with clock.frozen(datetime(2026, 3, 2, 9, tzinfo=UTC)):
        one = [services.timeline_event_record(**spec) for spec in specs]
        middle = TimelineEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        bulk = services.timeline_events_bulk_record(events=specs)
    fields = (
        "person_id",
        "occurred_at",
        "recorded_at",
        "module",
        "event_type",
        "summary",
        "detail",
        "actor_id",
        "related_type",
        "related_id",
    )
    rows = TimelineEvent.objects.order_by("pk").values_list(*fields)
    assert list(rows.filter(pk__gt=middle)) == list(rows.filter(pk__gt=before, pk__lte=middle))
    assert [e.pk for e in bulk] == list(
        rows.filter(pk__gt=middle).values_list("pk", flat=True)
    ) and len(one) == 2
    with pytest.raises(ValidationError):
        services.timeline_events_bulk_record(events=[{**specs[1], "summary": ""}])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the delete trigger exists on PostgreSQL only"
)
def test_timeline_delete_refused_by_database():
    person = make_person()
    event = person.timeline.first()
    with (
        pytest.raises(Exception, match=r"(?i)protect|cannot"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM people_timelineevent WHERE id = %s", [event.pk])


def test_note_correction_keeps_original(caseworker):
    person = make_person()
    note = services.note_add(actor=caseworker, person=person, text="Reported at Croydon on Monday")
    correction = services.note_correct(
        actor=caseworker, note=note, text="Reported at Croydon on Tuesday", reason="Wrong day"
    )
    note.refresh_from_db()
    assert note.text == "Reported at Croydon on Monday"
    assert correction.corrects == note and correction.correction_reason == "Wrong day"
    assert Note.objects.filter(person=person).count() == 2
    assert person.timeline.filter(event_type="note.corrected").exists()


def test_note_correction_needs_add_note_and_a_reason(caseworker):
    person = make_person()
    note = services.note_add(actor=caseworker, person=person, text="First")
    with pytest.raises(PermissionDenied):
        services.note_correct(
            actor=make_user("people.view_person"), note=note, text="Second", reason="r"
        )
    with pytest.raises(ValidationError):
        services.note_correct(actor=caseworker, note=note, text="Second", reason="")


def test_ownership_change_writes_history_and_timeline(team):
    manager = make_user("people.view_person", "people.change_ownership")
    owner = make_user(teams=[team])
    person = make_person()
    services.ownership_change(
        actor=manager, person=person, team=team, owner=owner, reason="Allocated"
    )
    person.refresh_from_db()
    assert person.ownership_state == OwnershipState.OWNED and person.case_owner == owner
    change = person.ownership_history.get()
    assert (change.from_state, change.to_state, change.to_team) == ("unclear", "owned", team)
    services.ownership_change(
        actor=manager, person=person, team=None, owner=None, reason="Team closed"
    )
    person.refresh_from_db()
    assert person.ownership_state == OwnershipState.UNCLEAR
    assert person.ownership_history.count() == 2
    assert person.timeline.filter(event_type="person.ownership_changed").count() == 2
    with pytest.raises(PermissionDenied):
        services.ownership_change(
            actor=make_user("people.view_person"), person=person, team=team, owner=None, reason="x"
        )


def test_owner_must_be_in_team(team):
    manager = make_user("people.change_ownership")
    outsider = make_user(teams=[make_team()])
    with pytest.raises(ValidationError, match="not a member"):
        services.ownership_change(
            actor=manager, person=make_person(), team=team, owner=outsider, reason="x"
        )


def test_a_consultation_of_counted_protected_characteristics_is_checked_and_audited():
    """The read-model path (counts already summed by group) checks and records as the
    expression's path does: the permission, the field, a purpose, one consultation entry."""
    verb = "person.protected_characteristics_monitored"
    with pytest.raises(PermissionDenied):
        services.protected_characteristics_consulted(
            actor=make_user("people.view_person"),
            characteristic="ethnicity",
            people_count=3,
            purpose="Equality monitoring",
        )
    reader = make_user("people.view_protected_characteristics")
    for characteristic, purpose in (("shoe_size", "Equality monitoring"), ("ethnicity", "  ")):
        with pytest.raises(ValidationError):
            services.protected_characteristics_consulted(
                actor=reader, characteristic=characteristic, people_count=3, purpose=purpose
            )
    assert not AuditEvent.objects.filter(verb=verb).exists()
    services.protected_characteristics_consulted(
        actor=reader, characteristic="ethnicity", people_count=3, purpose=" Equality monitoring "
    )
    entry = AuditEvent.objects.get(verb=verb)
    assert entry.action == AuditAction.CONSULTATION and entry.actor == reader
    assert entry.payload == {"characteristic": "ethnicity", "people_count": 3}
    assert entry.purpose == "Equality monitoring"


def test_protected_characteristics_view_logged_with_reason_and_refused_without_permission():
    person = make_person()
    recorder = make_user("people.change_protected_characteristics")
    services.protected_characteristics_record(actor=recorder, person=person, ethnicity="Arab")
    with pytest.raises(PermissionDenied):
        services.protected_characteristics_view(
            actor=make_user("people.view_person"), person=person, reason="Curious"
        )
    viewer = make_user("people.view_person", "people.view_protected_characteristics")
    with pytest.raises(ValidationError):
        services.protected_characteristics_view(actor=viewer, person=person, reason="  ")
    assert not AuditEvent.objects.filter(verb="person.protected_characteristics_viewed").exists()
    record = services.protected_characteristics_view(
        actor=viewer, person=person, reason="Equality report Q3"
    )
    assert record.ethnicity == "Arab"
    audit = AuditEvent.objects.get(verb="person.protected_characteristics_viewed")
    assert audit.action == AuditAction.CONSULTATION
    assert (
        audit.purpose == "Equality report Q3"
        and audit.person_id == person.pk
        and audit.actor == viewer
    )
    recorded = AuditEvent.objects.get(verb="person.protected_characteristics_recorded")
    assert "Arab" not in str(recorded.payload)


def test_vulnerability_states(caseworker):
    person = make_person()
    assert person.vulnerability_assessment == VulnerabilityAssessment.NOT_YET_ASSESSED
    services.vulnerability_assessment_record(
        actor=caseworker, person=person, assessment=VulnerabilityAssessment.NONE_IDENTIFIED
    )
    assert person.vulnerability_assessment == VulnerabilityAssessment.NONE_IDENTIFIED
    services.vulnerability_record(
        actor=caseworker,
        person=person,
        vulnerability_type="mental_health",
        source="GP letter",
        identified_on=date(2024, 1, 2),
    )
    person.refresh_from_db()
    assert person.vulnerability_assessment == VulnerabilityAssessment.VULNERABLE
    with pytest.raises(ValidationError):
        services.vulnerability_assessment_record(
            actor=caseworker, person=person, assessment=VulnerabilityAssessment.NONE_IDENTIFIED
        )


def test_reporting_centre_address_means_no_fixed_abode(caseworker):
    person = make_person()
    services.address_add(
        actor=caseworker,
        person=person,
        address_type=AddressType.REPORTING_CENTRE,
        line_1="Croydon Reporting Centre",
        valid_from=date(2024, 1, 1),
    )
    person.refresh_from_db()
    assert person.no_fixed_abode
    services.address_add(
        actor=caseworker,
        person=person,
        address_type=AddressType.HOME,
        line_1="1 High Street",
        valid_from=date(2024, 2, 1),
    )
    person.refresh_from_db()
    assert not person.no_fixed_abode


def test_supplier_issued_phone_and_nexus_flag_caveat(caseworker):
    person = make_person()
    phone = services.phone_add(
        actor=caseworker, person=person, number="07700 900123", kind="supplier_issued"
    )
    assert phone.get_kind_display().startswith("Issued by the monitoring supplier")
    flag = services.flag_set(actor=caseworker, person=person, flag_type="nexus_high_harm")
    assert "Police intelligence" in flag.caveat
    services.flag_end(actor=caseworker, flag=flag, reason="Expired")
    with pytest.raises(ValidationError):
        services.flag_end(actor=caseworker, flag=flag)


def _snapshot(person: Person) -> dict:
    return {
        "names": sorted(person.names.values_list("pk", "name_type")),
        "dobs": sorted(person.dates_of_birth.values_list("pk", flat=True)),
        "nationalities": sorted(person.nationalities.values_list("pk", flat=True)),
        "references": sorted(person.references.values_list("pk", flat=True)),
        "addresses": sorted(person.addresses.values_list("pk", flat=True)),
        "phones": sorted(person.phone_numbers.values_list("pk", flat=True)),
        "convictions": sorted(person.convictions.values_list("pk", flat=True)),
        "vulnerabilities": sorted(person.vulnerabilities.values_list("pk", flat=True)),
        "flags": sorted(person.flags.values_list("pk", flat=True)),
        "notes": sorted(person.notes.values_list("pk", flat=True)),
        "timeline": sorted(person.timeline.values_list("pk", flat=True)),
        "tasks": sorted(person.tasks.values_list("pk", flat=True)),
    }


def _rich_person(actor, **kwargs) -> Person:
    person = make_person(**kwargs)
    services.alias_add(
        actor=actor, person=person, given_names="Ameer", family_name="Hadad", source="Police"
    )
    services.reference_add(
        actor=actor, person=person, reference_type=ReferenceType.PRISON, value=f"A{person.pk}BC"
    )
    services.address_add(
        actor=actor, person=person, line_1=f"{person.pk} Station Road", valid_from=date(2023, 1, 1)
    )
    services.phone_add(actor=actor, person=person, number="07700 900000")
    services.conviction_add(
        actor=actor, person=person, offence="Burglary", conviction_date=date(2019, 3, 1)
    )
    services.vulnerability_record(
        actor=actor,
        person=person,
        vulnerability_type="trauma",
        source="Interview",
        identified_on=date(2024, 1, 1),
    )
    services.flag_set(actor=actor, person=person, flag_type="warning_marker", detail="Violence")
    services.note_add(actor=actor, person=person, text=f"Note on {person.reference}")
    return person


def _task_for(person):
    from waymark.core import clock
    from waymark.work.models import Queue, Task

    queue = Queue.objects.get_or_create(slug="q", defaults={"name": "Q", "team": make_team()})[0]
    return Task.objects.create(
        task_type="test", queue=queue, person=person, title="Review", created_at=clock.now()
    )


def test_merge_moves_everything_and_unmerge_restores_exactly(caseworker):
    merger = make_user("people.view_person", "people.merge_person")
    survivor = _rich_person(caseworker)
    merged = _rich_person(
        caseworker,
        given_names="Amir",
        family_name="Hadad",
        nationalities=("SYR", "LBN"),
        date_of_birth=date(1990, 5, 17),
    )
    _task_for(merged)
    before_survivor, before_merged = _snapshot(survivor), _snapshot(merged)

    merge = services.person_merge(
        actor=merger, survivor=survivor, merged=merged, reason="Same fingerprints"
    )
    merged.refresh_from_db()
    assert merged.record_status == RecordStatus.MERGED and merged.merged_into == survivor
    after = _snapshot(survivor)
    for key in (
        "names",
        "references",
        "addresses",
        "phones",
        "convictions",
        "vulnerabilities",
        "flags",
        "notes",
        "tasks",
    ):
        moved_ids = {row if not isinstance(row, tuple) else row[0] for row in before_merged[key]}
        after_ids = {row if not isinstance(row, tuple) else row[0] for row in after[key]}
        assert moved_ids <= after_ids, key
    # the duplicate date of birth and nationality stay behind; the new nationality moves
    assert merged.dates_of_birth.count() == 1 and list(
        merged.nationalities.values_list("country", flat=True)
    ) == ["SYR"]
    assert survivor.nationalities.filter(country="LBN").exists()
    assert survivor.names.filter(name_type=NameType.PRIMARY).count() == 1
    assert merge.moved["work.task:person"] == before_merged["tasks"]
    combination = AuditEvent.objects.filter(verb="person.merged", action=AuditAction.COMBINATION)
    assert set(combination.values_list("person_id", flat=True)) == {survivor.pk, merged.pk}
    assert survivor.timeline.filter(event_type="person.merged").exists()
    assert merged.timeline.filter(event_type="person.merged_into").exists()
    with pytest.raises(ValidationError):
        services.person_merge(actor=merger, survivor=survivor, merged=merged, reason="again")

    services.person_unmerge(actor=merger, merge=merge, reason="Fingerprints were wrong")
    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert merged.record_status == RecordStatus.ACTIVE and merged.merged_into is None
    restored_survivor, restored_merged = _snapshot(survivor), _snapshot(merged)
    # exactly the rows each had before, plus the merge/unmerge timeline events
    new_events = set(
        TimelineEvent.objects.filter(
            event_type__in=["person.merged", "person.merged_into", "person.unmerged"]
        ).values_list("pk", flat=True)
    )
    restored_survivor["timeline"] = sorted(set(restored_survivor["timeline"]) - new_events)
    restored_merged["timeline"] = sorted(set(restored_merged["timeline"]) - new_events)
    assert restored_survivor == before_survivor
    assert restored_merged == before_merged
    assert not TimelineEvent.objects.filter(original_person_id=merged.pk).exists()
    assert (
        AuditEvent.objects.filter(verb="person.unmerged", action=AuditAction.COMBINATION).count()
        == 2
    )
    with pytest.raises(ValidationError, match="already been undone"):
        services.person_unmerge(actor=merger, merge=merge, reason="again")


def test_merge_needs_permission_and_reason(caseworker):
    a, b = make_person(), make_person(given_names="Li", family_name="Wei")
    with pytest.raises(PermissionDenied):
        services.person_merge(actor=caseworker, survivor=a, merged=b, reason="Same")
    merger = make_user("people.merge_person")
    with pytest.raises(ValidationError):
        services.person_merge(actor=merger, survivor=a, merged=b, reason="")
    with pytest.raises(ValidationError):
        services.person_merge(actor=merger, survivor=a, merged=a, reason="Same")
    assert PersonName.objects.filter(person=b).exists()
