"""An import's look-up of the records it already holds (``_import_rows._existing``) and the
references look-up a linkage run's write makes (``people.selectors.references_held``): the right
rows, and on PostgreSQL a probe of the unique key whatever the table's statistics say. A first
migration fills these tables inside one transaction, before any ANALYZE: ``IN (...)`` or
``= ANY(...)`` was then planned as a scan of every row of the kind, a batch at a time, and the
import of 1M rows took 17 times the import of 100,000."""

from __future__ import annotations

import pytest
from django.db import connection

from waymark.core import clock
from waymark.core.bulk_insert import bulk_insert_rows
from waymark.linkage.models import SourceKind, SourceRecord
from waymark.linkage.services import _import_rows
from waymark.linkage.tests.linking_fixtures import job_make
from waymark.people.models import ExternalReference, ReferenceType
from waymark.people.selectors import REFERENCES_HELD_SQL, references_held
from waymark.people.tests.factories import make_person

pytestmark = pytest.mark.django_db

ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the plan is PostgreSQL's"
)


def _records(job, count: int, prefix: str = "REF") -> None:
    now = clock.now()
    bulk_insert_rows(
        SourceRecord,
        ("source_kind", "source_ref", "import_job_id", "content_hash", "created_at", "updated_at"),
        [(job.source_kind, f"{prefix}-{i:06d}", job.pk, f"h{i}", now, now) for i in range(count)],
    )


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_existing_finds_the_stored_records_of_the_kind_and_nothing_else():
    job = job_make(SourceKind.LEGACY_CASE)
    _records(job, 30)
    other = job_make(SourceKind.TRACKER)
    _records(other, 5)
    found = _import_rows._existing(SourceKind.LEGACY_CASE, ["REF-000003", "REF-000029", "NEW-1"])
    stored = dict(
        SourceRecord.objects.filter(source_kind=SourceKind.LEGACY_CASE).values_list(
            "source_ref", "pk"
        )
    )
    assert found == {
        "REF-000003": (stored["REF-000003"], "h3"),
        "REF-000029": (stored["REF-000029"], "h29"),
    }
    assert _import_rows._existing(SourceKind.CASEWORK, ["REF-000003"]) == {}
    assert _import_rows._existing(SourceKind.LEGACY_CASE, []) == {}


@ON_POSTGRES
def test_existing_probes_the_unique_key_on_a_table_filled_in_this_transaction():
    job = job_make(SourceKind.LEGACY_CASE)
    _records(job, 5000)
    table = connection.ops.quote_name(SourceRecord._meta.db_table)
    plan = _plan(
        _import_rows._EXISTING_SQL.format(table=table),
        [[f"REF-{i:06d}" for i in range(0, 5000, 10)], SourceKind.LEGACY_CASE],
    )
    assert "Index Scan using source_record_unique" in plan, plan
    assert "source_ref" in plan.split("Index Cond:", 1)[1].splitlines()[0], plan


def test_references_held_finds_the_values_of_the_type_and_their_people():
    held = make_person()
    ExternalReference.objects.create(
        person=held,
        reference_type=ReferenceType.HOME_OFFICE,
        value="A123 4567",
        value_normalised="A1234567",
        recorded_at=clock.now(),
    )
    assert references_held(ReferenceType.HOME_OFFICE, ["A1234567", "Z9"]) == [("A1234567", held.pk)]
    assert references_held(ReferenceType.PNC, ["A1234567"]) == []


@ON_POSTGRES
def test_references_held_probes_the_unique_key_on_a_table_filled_in_this_transaction():
    held = make_person()
    now = clock.now()
    bulk_insert_rows(
        ExternalReference,
        ("person_id", "reference_type", "value", "value_normalised", "source", "recorded_at"),
        [
            (held.pk, ReferenceType.HOME_OFFICE, f"H{i:07d}", f"H{i:07d}", "test", now)
            for i in range(5000)
        ],
    )
    plan = _plan(
        REFERENCES_HELD_SQL,
        [[f"H{i:07d}" for i in range(0, 5000, 10)], ReferenceType.HOME_OFFICE],
    )
    assert "Index Scan using external_reference_normalised_unique" in plan, plan
    assert "value_normalised" in plan.split("Index Cond:", 1)[1].splitlines()[0], plan
