"""Bulk checks against a police records file (brief linkage.md §3; 001 §6.22-§6.23)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core.models import AuditEvent
from waymark.linkage import rules
from waymark.linkage import selectors as bulk_selectors
from waymark.linkage import services as bulk_services
from waymark.linkage.models import BulkCheckStatus, BulkMatchStatus, ImportStatus, SourceKind
from waymark.linkage.tests import bulk_fixtures as fx
from waymark.people import services as people_services
from waymark.people.models import ExternalReference, ReferenceType, TimelineEvent
from waymark.work.models import Task, TaskStatus


@pytest.fixture
def world(db):
    """Three linked people and a police file: one person's criminality is known (their PNC ID is on
    the record), one's is not, one has no police record; plus a police record for nobody here."""
    team = fx.team_make("Criminal casework Croydon")
    owner = fx.user_with_role("case_owner", team)
    legacy = fx.job_make()
    known = fx.person_make(
        "Amir",
        "Haddad",
        date(1990, 5, 17),
        nationality="SYR",
        postcode="E1 6AN",
        references=[(ReferenceType.PNC, "2001/0012345A")],
        team=team,
    )
    unknown = fx.person_make(
        "Bola",
        "Okafor",
        date(1985, 3, 2),
        nationality="NGA",
        postcode="M1 2AB",
        team=team,
        case_owner=owner,
    )
    clean = fx.person_make("Chen", "Wei", date(1979, 11, 30), nationality="CHN", postcode="LS1 4AP")
    for person in (known, unknown, clean):
        fx.record_make(
            legacy,
            person=person,
            source_ref=f"CID-{person.pk}",
            given_names=person.given_names,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth.isoformat(),
        )
    police = fx.job_make(SourceKind.POLICE, label="PNC extract")
    records = {
        "known": fx.police_record_make(
            police,
            "2001/0012345A",
            "Amir",
            "HADDAD",
            "1990-05-17",
            nationality="SYR",
            postcode="E1 6AN",
        ),
        "unknown": fx.police_record_make(
            police,
            "2015/0099887B",
            "Bola",
            "OKAFOR",
            "1985-03-02",
            nationality="NGA",
            postcode="M1 2AB",
            most_serious_offence="Robbery",
        ),
        "stranger": fx.police_record_make(
            police,
            "2010/0044556C",
            "Dariusz",
            "NOWAK",
            "1970-01-09",
            nationality="POL",
            postcode="B1 1AA",
        ),
    }
    return {
        "team": team,
        "owner": owner,
        "known": known,
        "unknown": unknown,
        "clean": clean,
        "police": police,
        "records": records,
        "manager": fx.user_with_role("records_manager"),
    }


def _run(world):
    check = bulk_services.bulk_check_start(
        actor=world["manager"],
        name="Reporting v PNC",
        population="all_linked",
        police_import=world["police"],
    )
    return bulk_services.bulk_check_execute(check.pk, model=fx.model_fixed())


def test_check_finds_the_known_and_the_not_previously_known_match(world):
    check = _run(world)
    assert check.status == BulkCheckStatus.COMPLETED
    assert (check.people_checked, check.police_records) == (3, 3)
    pairs = {(m.person_id, m.police_record_id) for m in check.matches.all()}
    assert pairs == {
        (world["known"].pk, world["records"]["known"].pk),
        (world["unknown"].pk, world["records"]["unknown"].pk),
    }
    assert check.potential_matches == 2
    for match in check.matches.all():
        assert (
            match.status == BulkMatchStatus.PENDING
            and match.match_probability >= rules.lower_threshold()
        )
        assert match.task.task_type == rules.TASK_REVIEW_BULK_MATCH
        assert (
            match.task.queue.slug == rules.QUEUE_BULK_CHECK
            and match.task.person_id == match.person_id
        )
        assert {c["field"] for c in match.contributions} >= {"name", "dob"}
    assert AuditEvent.objects.filter(verb="linkage.bulk_match_found").count() == 2


def test_decisions_bring_the_unreviewed_count_to_zero_and_route_new_criminality(world):
    check = _run(world)
    counts = bulk_selectors.bulk_check_counts(check)
    assert (counts.potential_matches, counts.reviewed, counts.unreviewed) == (2, 0, 2)
    manager = world["manager"]
    known = check.matches.get(person=world["known"])
    unknown = check.matches.get(person=world["unknown"])

    bulk_services.bulk_match_decide(
        actor=manager, match=known, decision="confirmed", reason="Same PNC ID"
    )
    assert bulk_selectors.bulk_check_counts(check).unreviewed == 1
    bulk_services.bulk_match_decide(
        actor=manager,
        match=unknown,
        decision="confirmed",
        reason="Same name, date of birth and postcode",
    )

    counts = bulk_selectors.bulk_check_counts(check)
    assert (counts.reviewed, counts.unreviewed, counts.confirmed, counts.not_previously_known) == (
        2,
        0,
        2,
        1,
    )
    known.refresh_from_db()
    unknown.refresh_from_db()
    assert known.previously_known is True and known.owner_task is None
    assert unknown.previously_known is False
    task = unknown.owner_task
    assert task.task_type == rules.TASK_NEW_CRIMINALITY and task.person_id == world["unknown"].pk
    assert task.queue.team == world["team"] and task.assignee == world["owner"]
    assert "Robbery" in task.description
    assert (
        ExternalReference.objects.get(
            reference_type=ReferenceType.PNC, person=world["unknown"]
        ).value
        == "2015/0099887B"
    )
    assert (
        ExternalReference.objects.filter(
            reference_type=ReferenceType.PNC, person=world["known"]
        ).count()
        == 1
    )
    assert TimelineEvent.objects.filter(
        person=world["unknown"], event_type="linkage.police_match_confirmed"
    ).exists()
    for match in (known, unknown):
        assert match.task.status == TaskStatus.DONE and match.task.outcome == "confirmed"
    assert list(bulk_selectors.new_criminality(manager, check=check)) == [unknown]


def test_a_conviction_on_record_means_previously_known(world):
    people_services.conviction_add(
        actor=None, person=world["unknown"], offence="Theft", conviction_date=date(2019, 1, 5)
    )
    check = _run(world)
    match = bulk_services.bulk_match_decide(
        actor=world["manager"],
        match=check.matches.get(person=world["unknown"]),
        decision="confirmed",
        reason="Same person",
    )
    assert match.previously_known is True and match.owner_task is None


def test_no_owner_routes_to_ownership_to_decide(world):
    people_services.ownership_change(
        actor=None, person=world["unknown"], team=None, owner=None, reason="Unclear"
    )
    check = _run(world)
    match = bulk_services.bulk_match_decide(
        actor=world["manager"],
        match=check.matches.get(person=world["unknown"]),
        decision="confirmed",
        reason="Same person",
    )
    assert (
        match.owner_task.queue.slug == "ownership-to-decide" and match.owner_task.assignee is None
    )


def test_a_second_decision_is_refused_naming_the_first_decider(world):
    check = _run(world)
    match = check.matches.get(person=world["unknown"])
    bulk_services.bulk_match_decide(
        actor=world["manager"], match=match, decision="rejected", reason="Different"
    )
    other = fx.user_with_role("records_manager")
    with pytest.raises(bulk_services.BulkMatchAlreadyDecided) as refused:
        bulk_services.bulk_match_decide(
            actor=other, match=match, decision="confirmed", reason="Same"
        )
    message = " ".join(refused.value.messages)
    assert world["manager"].get_full_name() in message and "rejected" in message
    match.refresh_from_db()
    assert match.status == BulkMatchStatus.REJECTED and match.decided_by == world["manager"]
    assert not ExternalReference.objects.filter(
        person=world["unknown"], reference_type=ReferenceType.PNC
    ).exists()


def test_decide_validates_and_needs_permission(world):
    check = _run(world)
    match = check.matches.first()
    with pytest.raises(ValidationError) as bad:
        bulk_services.bulk_match_decide(
            actor=world["manager"], match=match, decision="maybe", reason=""
        )
    assert set(bad.value.message_dict) == {"decision", "reason"}
    with pytest.raises(PermissionDenied):
        bulk_services.bulk_match_decide(
            actor=fx.user_with_role("assurance"), match=match, decision="rejected", reason="No"
        )


def test_start_refuses_an_unfinished_or_wrong_kind_of_import(world):
    manager = world["manager"]
    pending = fx.job_make(SourceKind.POLICE, status=ImportStatus.VALIDATED)
    legacy = fx.job_make(SourceKind.LEGACY_CASE)
    for job, needle in [(pending, "has not completed"), (legacy, "not a police records file")]:
        with pytest.raises(ValidationError) as refused:
            bulk_services.bulk_check_start(
                actor=manager, name="x", population="all_linked", police_import=job
            )
        assert needle in refused.value.message_dict["police_import"][0]
    with pytest.raises(ValidationError) as refused:
        bulk_services.bulk_check_start(
            actor=manager, name="", population="nobody", police_import=world["police"]
        )
    assert set(refused.value.message_dict) == {"name", "population"}
    with pytest.raises(PermissionDenied):
        bulk_services.bulk_check_start(
            actor=fx.user_with_role("assurance"),
            name="x",
            population="all_linked",
            police_import=world["police"],
        )


def test_rerunning_a_check_creates_no_second_match_or_task(world):
    check = _run(world)
    tasks = Task.objects.count()
    check.status = BulkCheckStatus.RUNNING
    check.save()
    again = bulk_services.bulk_check_execute(check.pk, model=fx.model_fixed())
    assert again.potential_matches == 2 and Task.objects.count() == tasks


def test_person_engine_records_standardise_like_source_records(world):
    records = bulk_services.person_engine_records(bulk_services.population_all_linked())
    by_id = {r["unique_id"]: r for r in records}
    known = by_id[f"person:{world['known'].pk}"]
    assert (known["given_std"], known["family_std"], known["dob"], known["nationality"]) == (
        "AMIR",
        "HADDAD",
        "1990-05-17",
        "SYR",
    )
    assert known["postcode_std"] == "E1 6AN" and known["postcode_district"] == "E1"
    assert known["pnc_id"] == "2001/0012345A" and known["sex"] == "M"


def test_reporting_population_is_the_casework_definition(world):
    # No one has a reporting restriction in this world: the population is empty, and says so.
    assert not bulk_services.population_people("reporting").exists()
    assert set(bulk_services.POPULATIONS) >= {"all_linked", "reporting"}


def test_a_check_with_no_records_completes_with_no_matches(world):
    empty = fx.job_make(SourceKind.POLICE, label="Empty PNC file")
    check = bulk_services.bulk_check_start(
        actor=world["manager"], name="Empty", population="all_linked", police_import=empty
    )
    check = bulk_services.bulk_check_execute(check.pk)
    assert check.status == BulkCheckStatus.COMPLETED and check.potential_matches == 0


def test_the_latest_completed_linkage_run_model_is_reused(world):
    from waymark.core import clock
    from waymark.linkage.models import LinkageRun, RunStatus

    LinkageRun.objects.create(
        status=RunStatus.COMPLETED,
        upper_threshold=0.99,
        lower_threshold=0.5,
        model=fx.model_fixed(),
        created_at=clock.now(),
        finished_at=clock.now(),
    )
    check = bulk_services.bulk_check_start(
        actor=world["manager"], name="Reuse", population="all_linked", police_import=world["police"]
    )
    check = bulk_services.bulk_check_execute(check.pk)
    assert check.status == BulkCheckStatus.COMPLETED and check.potential_matches == 2
