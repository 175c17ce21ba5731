"""The audit entries table partitioned by month on PostgreSQL (issue 17, migration 0005): the
partitions are there and kept ahead, an entry lands in its month's partition or, with none, the
default, and everything the log promises holds across partitions: sealing, verification,
inclusion proofs, a person's access history, and the refusals and detections of a partition
truncated, detached or dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from waymark.core import clock, rules
from waymark.core.audit import audit_record, audit_verify
from waymark.core.audit_partitions import (
    audit_partitions_ensure,
    audit_partitions_list,
    default_partition_entries,
)
from waymark.core.audit_sequencer import audit_seal_once
from waymark.core.audit_verification import audit_inclusion_proof, inclusion_proof_verify
from waymark.core.models import AuditAction, AuditEvent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
    pytest.mark.django_db,
]

NOVEMBER = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
NO_PARTITION = datetime(2040, 6, 15, 12, 0, tzinfo=UTC)  # far beyond the months made ahead


def _record(at: datetime, person_id: int = 7) -> AuditEvent:
    with clock.frozen(at):
        return audit_record(
            actor=None,
            action=AuditAction.DISCLOSURE,
            verb="test.exported",
            target_type="test",
            target_id=1,
            person_id=person_id,
        )


def _sql(statement: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def _partition_of(event: AuditEvent) -> str:
    return _sql(
        "SELECT tableoid::regclass::text FROM core_auditevent WHERE sequence = %s", [event.sequence]
    )[0][0]


def _month_partition(at: datetime) -> str:
    """The partition of ``at``'s month, made if the test database has none for it."""
    _sql("SELECT core_auditevent_partition_create(%s)", [at.date()])
    return f"core_auditevent_{at:%Y_%m}"


def test_this_month_and_the_months_ahead_have_partitions_and_there_is_a_default():
    names = {partition.name for partition in audit_partitions_list()}
    (today,) = _sql("SELECT (now() AT TIME ZONE 'UTC')::date")[0]
    month = today.replace(day=1)
    for _ in range(rules.AUDIT_PARTITION_MONTHS_AHEAD + 1):
        assert f"core_auditevent_{month:%Y_%m}" in names
        month = (month + timedelta(days=32)).replace(day=1)
    assert "core_auditevent_default" in names
    assert audit_partitions_list()[-1].bounds == "DEFAULT"
    assert _sql("SELECT relkind FROM pg_class WHERE relname = 'core_auditevent'")[0][0] == "p"


def test_an_entry_lands_in_its_month_s_partition():
    partition = _month_partition(NOVEMBER)
    event = _record(NOVEMBER)
    assert _partition_of(event) == partition == "core_auditevent_2026_11"
    # numbered by the trigger, with its transaction's id, as on a table of one piece
    assert event.sequence > 0 and AuditEvent.objects.get(sequence=event.sequence).xact_id


def test_an_entry_in_a_month_with_no_partition_lands_in_the_default_and_stays_there():
    event = _record(NO_PARTITION)
    assert _partition_of(event) == "core_auditevent_default"
    assert default_partition_entries() == 1
    # its month's partition is not made while the default holds its entries (no rows moved)
    assert _sql("SELECT core_auditevent_partition_create(%s)", [NO_PARTITION.date()]) == [
        ("held in default",)
    ]
    assert _partition_of(event) == "core_auditevent_default"


def test_the_sequencer_s_ensure_makes_a_missing_month_and_says_what_it_did(capsys):
    (today,) = _sql("SELECT (now() AT TIME ZONE 'UTC')::date")[0]
    later = (today.replace(day=1) + timedelta(days=40)).replace(day=1)
    name = f"core_auditevent_{later:%Y_%m}"
    _sql(f"DROP TABLE {name}")  # empty: as if the months ahead had run out
    outcome = dict(audit_partitions_ensure())
    assert outcome[name] == "created"
    assert list(outcome.values()).count("exists") == rules.AUDIT_PARTITION_MONTHS_AHEAD
    assert name in {partition.name for partition in audit_partitions_list()}
    call_command("audit_partitions")
    assert f"{name}: exists" in capsys.readouterr().out


def test_sealing_verification_proofs_and_access_history_work_across_partitions():
    _month_partition(NOVEMBER)
    _month_partition(NOVEMBER + timedelta(days=30))
    events = [
        _record(NOVEMBER),
        _record(NOVEMBER + timedelta(days=30)),
        _record(NO_PARTITION),
        _record(NOVEMBER, person_id=8),
        _record(NOVEMBER + timedelta(days=30)),
    ]
    assert len({_partition_of(event) for event in events}) == 3
    assert audit_seal_once().entries == 5
    result = audit_verify()
    assert result.ok and result.checked == 5, result
    for event in events:
        proof = audit_inclusion_proof(event.sequence)
        assert proof is not None and inclusion_proof_verify(proof, event)
    history = AuditEvent.objects.filter(person_id=7).order_by("-sequence")
    assert [e.sequence for e in history] == [
        e.sequence for e in reversed(events) if e.person_id == 7
    ]


@pytest.mark.parametrize("table", ["core_auditevent_2026_11", "core_auditevent_default"])
def test_truncating_one_partition_is_refused(table):
    _month_partition(NOVEMBER)
    _record(NOVEMBER)
    _record(NO_PARTITION)
    _sql("SET CONSTRAINTS ALL IMMEDIATE")  # this transaction's inserts checked, not pending
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic():
        _sql(f"TRUNCATE {table}")
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        _sql(f"DELETE FROM {table}")  # noqa: S608
    assert AuditEvent.objects.count() == 2


@pytest.mark.parametrize(
    "ddl",
    [
        "ALTER TABLE core_auditevent DETACH PARTITION core_auditevent_2026_11",
        "DROP TABLE core_auditevent_2026_11",
    ],
)
def test_a_partition_detached_or_dropped_by_its_owner_is_named_by_verification(ddl):
    """The owner can detach or drop a partition (the application's role cannot: test_audit_roles);
    verification then names the first sealed entry that went with it."""
    _month_partition(NOVEMBER)
    before = _record(NOVEMBER + timedelta(days=40))
    gone = [_record(NOVEMBER), _record(NOVEMBER)]
    audit_seal_once()
    assert audit_verify().ok
    _sql("SET CONSTRAINTS ALL IMMEDIATE")
    _sql(ddl)
    result = audit_verify()
    assert not result.ok
    assert result.first_broken_sequence == gone[0].sequence, result
    assert "removed" in result.problem
    assert before.sequence < gone[0].sequence
