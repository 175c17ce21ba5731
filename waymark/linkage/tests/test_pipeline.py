"""The whole pipeline through its services, as the pages and the demo drive it: files imported,
linked into people, and imported again (issue 6 must-show: re-importing the same files creates
no new people; an updated file updates rather than duplicates)."""

from __future__ import annotations

import csv
import io

import pytest

from waymark.linkage import generator, importers, services
from waymark.linkage import services as import_services
from waymark.linkage.models import CandidatePair, SourceKind, SourceRecord
from waymark.linkage.tests.linking_fixtures import user_with_role
from waymark.people.models import ExternalReference, Person

pytestmark = pytest.mark.django_db


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _import(actor, kind: str, name: str, content: bytes):
    job = import_services.import_upload(
        actor=actor, source_kind=kind, label=name, file_name=name, content=content
    )
    job = import_services.import_map(
        actor=actor, job=job, mapping=importers.mapping_suggest(kind, job.headers)
    )
    job = import_services.import_check(actor=actor, job=job)
    job = import_services.import_confirm(actor=actor, job=job, accept_valid_rows=False)
    job = import_services.import_execute(job.pk)
    assert job.status == "completed", job.failure_reason
    return job


def _link(actor):
    run = services.linkage_run_execute(services.linkage_run_start(actor=actor).pk)
    assert run.status == "completed", run.failure_reason
    return run


@pytest.fixture
def files():
    gen = generator.generate(900, seed=31)
    return {
        SourceKind.LEGACY_CASE: gen.rows[SourceKind.LEGACY_CASE],
        SourceKind.CASEWORK: gen.rows[SourceKind.CASEWORK],
    }


def test_re_importing_the_same_files_creates_no_new_people(files):
    manager = user_with_role("records_manager")
    for kind, rows in files.items():
        _import(manager, kind, f"{kind}.csv", _csv(rows))
    first = _link(manager)
    assert first.people_created > 0
    people, references = Person.objects.count(), ExternalReference.objects.count()
    records = SourceRecord.objects.count()

    for kind, rows in files.items():
        job = _import(manager, kind, f"{kind}.csv", _csv(rows))
        assert job.rows_created == 0 and job.rows_unchanged == len(rows)
    pairs = _outcome()[1]
    second = _link(manager)
    assert second.people_created == 0 and second.people_merged == 0
    assert Person.objects.count() == people
    # Every pair kept again, as it was, now the second run's (one statement per status on
    # PostgreSQL, one a pair elsewhere).
    assert _outcome()[1] == pairs
    assert set(CandidatePair.objects.values_list("run_id", flat=True)) == {second.pk}
    assert ExternalReference.objects.count() == references
    assert SourceRecord.objects.count() == records


def test_an_updated_file_updates_records_and_adds_new_cases_to_the_same_people(files):
    manager = user_with_role("records_manager")
    legacy = files[SourceKind.LEGACY_CASE]
    _import(manager, SourceKind.LEGACY_CASE, "cid.csv", _csv(legacy))
    _link(manager)
    people = Person.objects.count()

    changed = [dict(row) for row in legacy]
    changed[0]["POSTCODE"] = "SW1A 2AA"  # moved
    extra_case = dict(changed[1], CASE_ID="99999999", CASE_TYPE="Further submissions")
    job = _import(manager, SourceKind.LEGACY_CASE, "cid-december.csv", _csv([*changed, extra_case]))
    assert (job.rows_created, job.rows_updated) == (1, 1)
    run = _link(manager)
    assert run.people_created == 0
    assert Person.objects.count() == people
    moved = SourceRecord.objects.get(
        source_kind=SourceKind.LEGACY_CASE, source_ref=changed[0]["CASE_ID"]
    )
    assert moved.postcode_std == "SW1A 2AA"
    new = SourceRecord.objects.get(source_kind=SourceKind.LEGACY_CASE, source_ref="99999999")
    sibling = SourceRecord.objects.get(
        source_kind=SourceKind.LEGACY_CASE, source_ref=changed[1]["CASE_ID"]
    )
    assert new.person_id == sibling.person_id is not None
    assert (
        ExternalReference.objects.get(reference_type="legacy_casework", value="99999999").person_id
        == sibling.person_id
    )


def _outcome() -> tuple:
    """Who was linked with whom and the pairs kept, whatever the keys the rows were given."""
    from waymark.linkage.models import CandidatePair

    groups: dict[int, set[int]] = {}
    for pk, person_id in SourceRecord.objects.values_list("pk", "person_id"):
        groups.setdefault(person_id, set()).add(pk)
    # Rounded: DuckDB's parallel sums in training may differ in the last bits from run to run.
    pairs = sorted(
        (
            p.record_l_id,
            p.record_r_id,
            p.status,
            round(p.match_probability, 6),
            str([{**c, "weight": round(c["weight"], 6)} for c in p.contributions]),
        )
        for p in CandidatePair.objects.all()
    )
    return sorted(sorted(g) for g in groups.values()), pairs, Person.objects.count()


def test_a_run_writes_in_chunks_with_duckdb_limited_and_the_same_outcome(files, monkeypatch):
    """A run's DuckDB sessions get the configured memory limit, and writing people and links a
    chunk at a time (issue 18: a national run's peak memory) changes no one's outcome."""
    from django.db import transaction

    from waymark.linkage import engine, rules

    limits, orders = [], []
    session_class = engine.Session

    class Recording(session_class):
        def __post_init__(self):
            super().__post_init__()
            limits.append(self.con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
            orders.append(
                self.con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
            )

    monkeypatch.setattr(engine, "Session", Recording)
    manager = user_with_role("records_manager")
    for kind, rows in files.items():
        _import(manager, kind, f"{kind}.csv", _csv(rows))
    outcomes = []
    for chunk in (7, rules.RUN_WRITE_CHUNK):
        monkeypatch.setattr(rules, "RUN_WRITE_CHUNK", chunk)
        monkeypatch.setattr(engine, "CONTRIBUTIONS_CHUNK", chunk)
        with transaction.atomic():
            run = _link(manager)
            assert run.pairs_auto > 7 and run.people_created > 7
            outcomes.append(_outcome())
            transaction.set_rollback(True)
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] and all(contributions != "[]" for *_r, contributions in outcomes[0][1])
    # Two sessions a run (training, scoring), each at the configured limit (DuckDB's own units).
    assert len(limits) == 4
    assert set(limits) == {"2.7 GiB"}  # 3GB, as DuckDB shows it
    assert set(orders) == {False}  # so that a capped session can spill what it materialises
