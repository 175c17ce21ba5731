"""``bulk_insert_rows`` writes what ``bulk_insert`` writes for the same values given as instances
(defaults filled, a JSON value as an object or as ``JsonText``), below and above the row count at
which PostgreSQL takes ``COPY``; ``audit_record_many`` stores what ``audit_record`` stores,
payloads repaired alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from waymark.core.audit import audit_record, audit_record_many, content_hash
from waymark.core.bulk_insert import JsonText, bulk_insert, bulk_insert_rows, bulk_update_rows
from waymark.core.models import AuditAction, AuditEvent
from waymark.core.rules import BULK_INSERT_COPY_FROM
from waymark.work.models import Task
from waymark.work.tests.factories import queue_make

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
COLUMNS = ("task_type", "queue_id", "title", "created_at", "deadline_rule", "dedupe_key")


def _stored(pks) -> list[tuple]:
    fields = [f.attname for f in Task._meta.concrete_fields if not f.primary_key]
    rows = Task.objects.filter(pk__in=pks).order_by("pk").values_list(*fields)
    return [tuple(v for f, v in zip(fields, row, strict=True) if f != "dedupe_key") for row in rows]


@pytest.mark.parametrize("count", [3, BULK_INSERT_COPY_FROM + 2])
def test_rows_are_written_as_the_same_instances_would_be(count):
    queue = queue_make()

    def values(prefix: str, i: int) -> tuple:
        return ("general.enquiry", queue.pk, f"Item {i}", WHEN, "", f"{prefix}{i}")

    instances = [Task(**dict(zip(COLUMNS, values("a", i), strict=True))) for i in range(count)]
    bulk_insert(Task, instances)
    before = set(Task.objects.values_list("pk", flat=True))
    assert bulk_insert_rows(Task, COLUMNS, [values("b", i) for i in range(count)]) == count
    made = set(Task.objects.values_list("pk", flat=True)) - before
    assert len(made) == count and min(made) > max(before)
    assert _stored(made) == _stored([t.pk for t in instances])
    # A JSON value given as an object or as text already written is stored the same.
    inputs = {"from": "2026-03-02", "days": [1, 2]}
    columns = (*COLUMNS, "deadline_inputs")
    bulk_insert_rows(Task, columns, [(*values("c", i), inputs) for i in range(count)])
    bulk_insert_rows(
        Task, columns, [(*values("d", i), JsonText(json.dumps(inputs))) for i in range(count)]
    )
    for prefix in "cd":
        stored = Task.objects.filter(dedupe_key__startswith=prefix)
        assert [t.deadline_inputs for t in stored] == [inputs] * count


UPDATED = ("title", "queue_id", "deadline_inputs", "completed_at", "due_at")


@pytest.mark.parametrize("count", [3, BULK_INSERT_COPY_FROM + 2])
def test_rows_are_updated_as_bulk_update_updates_the_same_instances(count):
    """Two sets of rows, the same changes: one through ``bulk_update``, one through
    ``bulk_update_rows`` (a JSON value as an object and as text, a foreign key by its column, a
    null), twice in one transaction (the staging table is dropped each time). Rows not named are
    left alone."""
    queue, other = queue_make(), queue_make()

    def made(prefix: str) -> list[Task]:
        rows = [
            ("general.enquiry", queue.pk, f"Item {i}", WHEN, "", f"{prefix}{i}")
            for i in range(count)
        ]
        bulk_insert_rows(Task, COLUMNS, rows)
        return list(Task.objects.filter(dedupe_key__startswith=prefix).order_by("pk"))

    by_orm, by_rows, untouched = made("a"), made("b"), made("c")
    before = _stored([t.pk for t in untouched])
    later = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    for round_ in range(2):
        changes = [
            (
                f"Changed {round_} {i}",
                other.pk,
                {"round": round_, "i": i},
                None if i % 2 else later,
                later,
            )
            for i in range(count)
        ]
        for task, change in zip(by_orm, changes, strict=True):
            for name, value in zip(UPDATED, change, strict=True):
                setattr(task, name, value)
        Task.objects.bulk_update(
            by_orm, ["title", "queue", "deadline_inputs", "completed_at", "due_at"]
        )
        rows = [
            (
                task.pk,
                *change[:2],
                JsonText(json.dumps(change[2])) if i % 2 else change[2],
                *change[3:],
            )
            for i, (task, change) in enumerate(zip(by_rows, changes, strict=True))
        ]
        assert bulk_update_rows(Task, UPDATED, rows) == count
        # Every column but the key and the dedupe key (which differ by design) stored alike.
        assert _stored([t.pk for t in by_rows]) == _stored([t.pk for t in by_orm])
        stored = Task.objects.filter(pk__in=[t.pk for t in by_rows]).order_by("pk")
        assert [t.title for t in stored] == [c[0] for c in changes]
        assert [t.deadline_inputs for t in stored] == [c[2] for c in changes]
    assert _stored([t.pk for t in untouched]) == before
    assert bulk_update_rows(Task, UPDATED, []) == 0


@pytest.mark.parametrize("count", [2, BULK_INSERT_COPY_FROM + 2])
def test_many_entries_store_what_one_by_one_stores(count):
    payloads = [
        {"query\x00": ["a\x00b", "\ud800x"], "plain": "ok"},
        {"name": "Zoë Ní Bhriain", "when": WHEN.date(), "pair": (1, 2), 3: None, "x": 1.5},
        {"tab\t": 'back\\slash \\u0000 quote"', "nested": {"deep": ["\u2019", "\x01"]}},
    ]
    entries = [
        {
            "action": AuditAction.COLLECTION,
            "verb": "person.created",
            "target_type": "people.person",
            "target_id": i,
            "person_id": i,
            "payload": payloads[i % len(payloads)],
        }
        for i in range(count)
    ]
    one = [audit_record(actor=None, **entry) for entry in entries]
    last = max(e.sequence for e in one)
    assert audit_record_many(actor=None, entries=entries) == count
    many = list(AuditEvent.objects.filter(sequence__gt=last).order_by("sequence"))
    stored = list(AuditEvent.objects.filter(sequence__lte=last).order_by("sequence"))[-count:]
    assert [e.payload for e in many] == [e.payload for e in stored]
    assert many[0].payload == {"query\ufffd": ["a\ufffdb", "?x"], "plain": "ok"}
    for event in many:
        assert event.entry_hash == content_hash(event)
