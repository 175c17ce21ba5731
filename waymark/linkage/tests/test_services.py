"""Linking source records into people: runs, clerical decisions, merges and unmerges, and
incremental matching (brief linkage.md §2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.linkage import services
from waymark.linkage.models import CandidatePair, LinkageRun, PairStatus, RunStatus, SourceRecord
from waymark.linkage.tests.linking_fixtures import (
    job_make,
    population_make,
    record_make,
    user_with_role,
)
from waymark.people.models import (
    ExternalReference,
    Person,
    PersonMerge,
    RecordStatus,
    TimelineEvent,
)
from waymark.people.services import person_unmerge, timeline_event_record
from waymark.work.models import Task

pytestmark = pytest.mark.django_db


def _run(actor=None) -> LinkageRun:
    run = services.linkage_run_start(actor=actor)
    return services.linkage_run_execute(run.pk)


@pytest.fixture
def manager():
    return user_with_role("records_manager")


@pytest.fixture
def population():
    job = job_make()
    return job, population_make(job)


def _review_pair(job):
    """Twins, or one person with a forename typed two ways: same surname, date of birth,
    nationality and address, different forenames, no identifier. The twins guard keeps the model
    from linking them on its own: a person decides."""
    left = record_make(
        job,
        source_ref="TWIN-A",
        given_names="Samuel",
        family_name="Adeyemi",
        date_of_birth="04/05/1988",
        nationality="NGA",
        postcode="M1 1AE",
    )
    right = record_make(
        job,
        source_ref="TWIN-B",
        given_names="Samson",
        family_name="Adeyemi",
        date_of_birth="04/05/1988",
        nationality="NGA",
        postcode="M1 1AE",
    )
    return left, right


def test_a_run_makes_one_person_per_cluster_with_every_reference(population, manager):
    _job, groups = population
    run = _run(manager)
    assert run.status == RunStatus.COMPLETED, run.failure_reason
    assert run.people_created == len(groups)
    for records in groups:
        people = {SourceRecord.objects.get(pk=r.pk).person_id for r in records}
        assert len(people) == 1 and None not in people
        person = Person.objects.get(pk=people.pop())
        refs = set(person.references.values_list("reference_type", "value"))
        assert ("home_office", records[0].home_office_ref) in refs
        assert {("legacy_casework", r.source_ref) for r in records} <= refs
    assert run.model["comparisons"], "the trained model is kept with its m and u"
    assert run.timings["total"] > 0


def test_a_second_run_over_the_same_records_creates_no_new_people(population, manager):
    _run(manager)
    people = Person.objects.count()
    pairs = CandidatePair.objects.count()
    run = _run(manager)
    assert run.people_created == 0
    assert Person.objects.count() == people
    assert CandidatePair.objects.count() == pairs


def test_a_new_record_for_a_known_person_joins_that_person(population, manager):
    job, groups = population
    _run(manager)
    first = SourceRecord.objects.get(pk=groups[0][0].pk)
    newcomer = record_make(
        job,
        source_ref="CID-NEW",
        given_names=first.given_names,
        family_name=first.family_name,
        date_of_birth=first.date_of_birth.strftime("%d/%m/%Y"),
        home_office_ref=first.home_office_ref,
        nationality=first.nationality,
    )
    people = Person.objects.count()
    run = _run(manager)
    assert run.people_created == 0 and Person.objects.count() == people
    assert SourceRecord.objects.get(pk=newcomer.pk).person_id == first.person_id


def test_a_pair_between_the_thresholds_waits_for_a_decision_as_a_task(population, manager):
    job, _ = population
    left, right = _review_pair(job)
    _run(manager)
    pair = CandidatePair.objects.get(record_l=left, record_r=right)
    assert pair.status == PairStatus.PENDING
    assert pair.match_probability >= services.rules.lower_threshold()
    assert pair.task is not None and pair.task.task_type == services.rules.TASK_REVIEW_PAIR
    assert {c["field"] for c in pair.contributions} >= {"name", "dob", "home_office_ref"}
    assert (
        SourceRecord.objects.get(pk=left.pk).person_id
        != SourceRecord.objects.get(pk=right.pk).person_id
    )


def test_a_match_decision_merges_and_an_unmerge_restores_both_with_references_and_timeline(
    population, manager
):
    job, _ = population
    left, right = _review_pair(job)
    _run(manager)
    pair = CandidatePair.objects.get(record_l=left, record_r=right)
    person_l = Person.objects.get(pk=SourceRecord.objects.get(pk=left.pk).person_id)
    person_r = Person.objects.get(pk=SourceRecord.objects.get(pk=right.pk).person_id)
    timeline_event_record(
        person=person_r, module="test", event_type="test.event", summary="Reported at Croydon"
    )
    refs_l = set(person_l.references.values_list("pk", flat=True))
    refs_r = set(person_r.references.values_list("pk", flat=True))
    events_r = set(TimelineEvent.objects.filter(person=person_r).values_list("pk", flat=True))

    pair = services.pair_decide(
        actor=manager, pair=pair, decision="match", reason="Same fingerprints on both"
    )
    assert pair.status == PairStatus.MATCH and pair.person_merge is not None
    assert Person.objects.get(pk=person_r.pk).record_status == RecordStatus.MERGED
    assert SourceRecord.objects.get(pk=right.pk).person_id == person_l.pk
    assert Task.objects.get(pk=pair.task_id).status == "done"

    person_unmerge(
        actor=manager, merge=PersonMerge.objects.get(pk=pair.person_merge_id), reason="Wrong merge"
    )
    assert Person.objects.get(pk=person_r.pk).record_status == RecordStatus.ACTIVE
    assert SourceRecord.objects.get(pk=left.pk).person_id == person_l.pk
    assert SourceRecord.objects.get(pk=right.pk).person_id == person_r.pk
    assert (
        set(ExternalReference.objects.filter(person=person_l).values_list("pk", flat=True))
        == refs_l
    )
    assert (
        set(ExternalReference.objects.filter(person=person_r).values_list("pk", flat=True))
        == refs_r
    )
    assert events_r <= set(
        TimelineEvent.objects.filter(person=person_r).values_list("pk", flat=True)
    )


def test_a_decided_pair_cannot_be_decided_again_and_the_refusal_names_who_decided(
    population, manager
):
    job, _ = population
    left, right = _review_pair(job)
    _run(manager)
    pair = CandidatePair.objects.get(record_l=left, record_r=right)
    services.pair_decide(
        actor=manager, pair=pair, decision="not_match", reason="Different fathers' names"
    )
    other = user_with_role("records_manager")
    with pytest.raises(services.PairAlreadyDecided) as refused:
        services.pair_decide(actor=other, pair=pair, decision="match", reason="Looks the same")
    assert manager.get_full_name() in str(refused.value)
    assert CandidatePair.objects.get(pk=pair.pk).decided_by == manager


def test_a_not_match_decision_is_kept_by_later_runs(population, manager):
    job, _ = population
    left, right = _review_pair(job)
    _run(manager)
    pair = CandidatePair.objects.get(record_l=left, record_r=right)
    services.pair_decide(
        actor=manager, pair=pair, decision="not_match", reason="Twins: different people"
    )
    run = _run(manager)
    pair.refresh_from_db()
    assert pair.status == PairStatus.NOT_MATCH
    assert run.review_tasks == 0


def test_unsure_refers_the_pair_to_someone_else(population, manager):
    job, _ = population
    left, right = _review_pair(job)
    _run(manager)
    pair = CandidatePair.objects.get(record_l=left, record_r=right)
    services.pair_decide(actor=manager, pair=pair, decision="unsure", reason="Need the paper file")
    with pytest.raises(ValidationError):
        services.pair_decide(actor=manager, pair=pair, decision="match", reason="Decided after all")
    senior = user_with_role("records_manager")
    assert (
        services.pair_decide(
            actor=senior, pair=pair, decision="match", reason="Paper file matches"
        ).status
        == "match"
    )


def test_a_decision_needs_a_reason_and_the_permission(population, manager):
    job, _ = population
    left, right = _review_pair(job)
    _run(manager)
    pair = CandidatePair.objects.get(record_l=left, record_r=right)
    with pytest.raises(ValidationError) as missing:
        services.pair_decide(actor=manager, pair=pair, decision="match", reason=" ")
    assert "reason" in missing.value.message_dict
    with pytest.raises(PermissionDenied):
        services.pair_decide(
            actor=user_with_role("case_owner"), pair=pair, decision="match", reason="x"
        )
    assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.PENDING


def test_only_one_run_at_a_time_and_not_before_anything_is_imported(manager):
    with pytest.raises(ValidationError, match="no imported records"):
        services.linkage_run_start(actor=manager)
    job = job_make()
    population_make(job, people=3)
    services.linkage_run_start(actor=manager)
    with pytest.raises(ValidationError, match="already"):
        services.linkage_run_start(actor=manager)


def test_a_failed_run_changes_no_one(population, manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.runs, "_pairs_write", broken)
    run = services.linkage_run_start(actor=manager)
    with pytest.raises(RuntimeError):
        services.linkage_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "disk full" in run.failure_reason
    assert Person.objects.count() == 0
    assert not SourceRecord.objects.filter(person__isnull=False).exists()


def test_an_incremental_match_finds_the_person_with_reasons(population, manager):
    _job, groups = population
    _run(manager)
    first = SourceRecord.objects.get(pk=groups[5][0].pk)
    found = services.person_match(
        actor=manager,
        given_names=first.given_names,
        family_name=first.family_name,
        date_of_birth=first.date_of_birth,
        nationality=first.nationality,
    )
    assert found and found[0].person.pk == first.person_id
    assert found[0].match_probability >= services.rules.lower_threshold()
    assert any(c["field"] == "dob" and c["weight"] > 0 for c in found[0].contributions)


def test_the_run_measures_its_accuracy_when_a_truth_is_known(population, manager):
    _job, groups = population
    truth = {
        f"{r.source_kind}:{r.source_ref}": i for i, records in enumerate(groups) for r in records
    }
    run = services.linkage_run_start(actor=manager)
    run = services.linkage_run_execute(run.pk, truth=truth)
    assert run.accuracy["clusters"]["f1"] == pytest.approx(1.0)
    assert run.accuracy["pairwise"]["precision"] == pytest.approx(1.0)


def test_survivors_read_at_once_are_those_followed_one_by_one():
    """``_survivors_load`` (a run reads every record's person at once) answers as ``_survivor``
    does a person at a time: along chains of merges, stopping at a loop or a missing person."""
    from waymark.linkage.services._common import _survivor, _survivors_load
    from waymark.people.models import RecordStatus
    from waymark.people.services import person_create

    ids = [person_create(actor=None, given_names=f"P{i}", family_name="Chain").pk for i in range(7)]
    a, b, c, d, e, f, g = ids
    for merged, into in ((a, b), (b, c), (d, e), (e, d), (f, f)):
        Person.objects.filter(pk=merged).update(
            record_status=RecordStatus.MERGED, merged_into_id=into
        )
    loaded: dict[int, int] = {}
    _survivors_load([*ids, a, None], loaded)
    assert loaded == {pk: _survivor(pk, {}) for pk in ids}
    assert loaded[a] == c and loaded[g] == g
