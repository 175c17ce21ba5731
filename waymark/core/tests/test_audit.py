from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from waymark.core import clock
from waymark.core.audit import audit_record, audit_verify, content_hash
from waymark.core.audit_merkle import GENESIS_HASH
from waymark.core.audit_sequencer import audit_seal_once
from waymark.core.models import AuditAction, AuditBatch, AuditEvent

pytestmark = pytest.mark.django_db


def _write(n: int, *, seal: bool = True) -> list[AuditEvent]:
    events = [
        audit_record(
            actor=None,
            action=AuditAction.ALTERATION,
            verb="test.changed",
            target_type="test",
            target_id=i,
            person_id=i,
            payload={"old": {"n": i}, "new": {"n": i + 1}},
        )
        for i in range(n)
    ]
    if seal:
        audit_seal_once()
    return events


def _tamper(sql: str, params: list) -> None:
    """Change a row behind the application's back (as an attacker with database access would)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SET session_replication_role = replica"
            )  # bypass the append-only trigger
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_entries_hash_their_content_and_are_sealed_into_chained_batches():
    events = _write(3, seal=False)
    assert all(event.entry_hash == content_hash(event) for event in events)
    assert audit_verify().checked == 0  # nothing sealed yet: nothing to check, nothing wrong
    assert audit_verify().unsealed == 3
    audit_seal_once()
    events += _write(2)
    first, second = AuditBatch.objects.order_by("number")
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.batch_hash
    assert first.first_sequence == 1  # from the start of the numbering (numbers never used: gaps)
    assert first.last_sequence == events[2].sequence
    assert (second.first_sequence, second.last_sequence) == (
        events[2].sequence + 1,
        events[4].sequence,
    )
    result = audit_verify()
    assert result.ok and result.anchored
    assert result.checked == 5
    assert result.anchored_through == events[4].sequence


def test_audit_verify_finds_a_tampered_row():
    events = _write(5)
    _tamper(
        "UPDATE core_auditevent SET payload = %s WHERE sequence = %s",
        ['{"old": {}, "new": {"n": 999}}', events[2].sequence],
    )
    result = audit_verify()
    assert not result.ok
    assert result.first_broken_sequence == events[2].sequence
    assert "altered" in result.problem


def test_audit_verify_finds_a_removed_row():
    events = _write(4)
    _tamper("DELETE FROM core_auditevent WHERE sequence = %s", [events[1].sequence])
    result = audit_verify()
    assert result.first_broken_sequence == events[1].sequence  # the removed entry itself
    assert "removed" in result.problem


def test_audit_verify_command_reports_first_broken_link():
    events = _write(3)
    call_command("audit_verify")  # intact: no error
    _tamper(
        "UPDATE core_auditevent SET actor_label = %s WHERE sequence = %s",
        ["someone-else", events[1].sequence],
    )
    with pytest.raises(CommandError, match=f"#{events[1].sequence}"):
        call_command("audit_verify")


def test_unknown_action_is_refused_and_nothing_written():
    with pytest.raises(ValueError):
        audit_record(actor=None, action="gossip", verb="x")
    assert AuditEvent.objects.count() == 0


def test_entries_use_the_clock():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    at = datetime(2026, 3, 3, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    with clock.frozen(at):
        event = audit_record(
            actor=None, action=AuditAction.CONSULTATION, verb="person.viewed", person_id=7
        )
    assert event.occurred_at == at


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)
def test_postgresql_refuses_update_and_delete_of_audit_rows():
    event = _write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditBatch.objects.update(entry_count=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditBatch.objects.all().delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the TRUNCATE trigger is PostgreSQL's"
)
@pytest.mark.parametrize("table", ["core_auditevent", "core_auditbatch"])
def test_postgresql_refuses_truncate_of_the_audit_tables(table):
    _write(2)
    with (
        pytest.raises(DatabaseError, match="TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 2


def test_a_payload_with_a_nul_or_a_lone_surrogate_is_stored_and_verifies():
    """A fuzzed query string reached the audit with a NUL character, which PostgreSQL's jsonb
    refuses: the request became a 500 and its transaction was lost. The entry is stored with the
    NUL as U+FFFD and a lone surrogate as "?", and the log still verifies."""
    event = audit_record(
        actor=None,
        action=AuditAction.CONSULTATION,
        verb="personal_data.consulted",
        payload={"query\x00": ["a\x00b", "\ud800x"], "plain": "ok"},
    )
    stored = AuditEvent.objects.get(sequence=event.sequence)
    assert stored.payload == {"query\ufffd": ["a\ufffdb", "?x"], "plain": "ok"}
    assert stored.entry_hash == content_hash(stored)
    audit_seal_once()
    assert audit_verify().ok
