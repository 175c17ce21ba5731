"""An append on PostgreSQL binds its values on a cursor kept for the connection
(``core.kept_cursors.fetch_one``) unless Django is logging statements (the tests that count a page's
statements). Both paths must store the same entry, follow a new connection, and fail as any Django
statement fails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import DataError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from waymark.core import clock
from waymark.core.audit import _APPEND_COLUMNS, audit_record, audit_verify, content_hash
from waymark.core.audit_sequencer import audit_seal_once
from waymark.core.models import AuditAction, AuditEvent

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite appends through the ORM's save"
    ),
]

# Every column an append writes, but the two that differ between the entries compared.
COLUMNS = [c for c in _APPEND_COLUMNS if c not in ("target_id", "entry_hash")]


def _append(target_id: str = "1", **extra) -> AuditEvent:
    return audit_record(
        actor=None,
        action=AuditAction.ALTERATION,
        verb="test.changed",
        target_type="test",
        target_id=target_id,
        person_id=7,
        payload={"when": "2026-12-06", "n": 3, "text": "Ünïcode ✓", "nested": {"a": [1, None]}},
        recipient="Police Scotland",
        purpose="Safeguarding referral",
        **extra,
    )


@pytest.mark.django_db
def test_the_kept_cursor_stores_what_the_logged_path_stores():
    with clock.frozen(datetime(2026, 12, 6, 9, 30, tzinfo=UTC)):
        kept = _append("kept")
        assert getattr(connection, "_waymark_kept_cursors", None) is not None
        with CaptureQueriesContext(connection) as logged_statements:
            logged = _append("logged")
    assert any("INSERT INTO" in q["sql"] for q in logged_statements.captured_queries)
    stored = {e.target_id: e for e in AuditEvent.objects.filter(target_id__in=["kept", "logged"])}
    assert stored["kept"].sequence == kept.sequence
    assert stored["logged"].sequence == logged.sequence
    for column in COLUMNS:
        assert getattr(stored["kept"], column) == getattr(stored["logged"], column), column
    for event in stored.values():
        assert event.entry_hash == content_hash(event)  # the row as read back, as hashed
    audit_seal_once()
    assert audit_verify().ok


@pytest.mark.django_db
def test_the_kept_cursor_follows_a_new_connection():
    """Kept cursors belong to one psycopg connection: after a reconnection (the old one closed)
    new ones are made. (Simulated: closing the connection inside the test's transaction would end
    it, and a transactional test empties the tables other tests rely on.)"""
    first = _append("before")
    stale = connection._waymark_kept_cursors
    connection._waymark_kept_cursors = (object(), *stale[1:])  # as if made on another connection
    second = _append("after")
    assert connection._waymark_kept_cursors[0] is connection.connection
    assert connection._waymark_kept_cursors[1] is not stale[1]
    assert second.sequence > first.sequence
    assert AuditEvent.objects.filter(target_id__in=["before", "after"]).count() == 2


@pytest.mark.django_db
def test_a_refused_append_raises_djangos_error_and_leaves_nothing():
    before = AuditEvent.objects.count()
    with pytest.raises(DataError), transaction.atomic():  # django.db's error, not psycopg's
        _append("x" * 65)  # target_id is 64 characters at most
    assert AuditEvent.objects.count() == before
    with transaction.atomic():
        with pytest.raises(DataError), transaction.atomic():
            _append("y" * 65)
        _append("fine")  # the savepoint rolled back: the outer transaction goes on
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.django_db
def test_an_append_in_a_broken_transaction_is_refused_as_any_statement_is():
    with transaction.atomic():
        # No savepoint: the error loses the whole block.
        with pytest.raises(DataError), transaction.atomic(savepoint=False):
            _append("z" * 65)
        with pytest.raises(TransactionManagementError):
            _append("after the error")
        with pytest.raises(TransactionManagementError):
            AuditEvent.objects.count()  # the ORM's statements are refused the same way
        transaction.set_rollback(True)


def _append_for_rows(rows: list[tuple[int, int | None]], payload: dict) -> list[int]:
    """Run ``audit_append_for_row`` over a CTE of (id, person_id) rows, as a change would."""
    from waymark.core.audit import audit_append_for_row

    entry = audit_append_for_row(
        actor=None,
        action=AuditAction.ALTERATION,
        verb="test.changed",
        target_type="test.row",
        source="changed",
        payload=payload,
    )
    values = ", ".join("(%s::bigint, %s::bigint)" for _ in rows)
    sql = f"WITH changed (id, person_id) AS (VALUES {values}), entry AS ({entry.sql}) SELECT sequence FROM entry"  # noqa: S608
    params = [value for row in rows for value in row] + entry.params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [sequence for (sequence,) in cursor.fetchall()]


@pytest.mark.django_db
def test_an_entry_appended_from_a_row_is_the_entry_audit_record_would_append():
    """Get next claims a task and records it in one statement: the database completes the entry's
    canonical text from the row. The stored entry must hash as ``content_hash`` hashes it, for a
    row with a person and one without, with text outside ASCII in the payload, and verify once
    sealed; and it must hold what ``audit_record`` would have stored for that row."""
    payload = {"old": {"status": "open"}, "new": {"status": "in_progress"}, "note": 'Zoë ✓ "q"'}
    with clock.frozen(datetime(2026, 12, 6, 9, 30, 0, 0, tzinfo=UTC)):  # no microseconds
        sequences = _append_for_rows([(41, 7), (42, None), (1234567890123, 9)], payload)
        direct = audit_record(
            actor=None,
            action=AuditAction.ALTERATION,
            verb="test.changed",
            target_type="test.row",
            target_id=41,
            person_id=7,
            payload=payload,
        )
    stored = {e.target_id: e for e in AuditEvent.objects.filter(sequence__in=sequences)}
    assert sorted(stored) == ["1234567890123", "41", "42"]
    assert (stored["41"].person_id, stored["42"].person_id) == (7, None)
    for event in stored.values():
        assert event.entry_hash == content_hash(event)
    for column in _APPEND_COLUMNS:
        assert getattr(stored["41"], column) == getattr(direct, column), column
    audit_seal_once()
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_row_append_refuses_a_payload_holding_its_stand_ins():
    from waymark.core.audit import _PERSON_STANDIN, audit_append_for_row

    with pytest.raises(ValueError, match="stand-ins"):
        audit_append_for_row(
            actor=None,
            action=AuditAction.ALTERATION,
            verb="test.changed",
            target_type="test.row",
            source="changed",
            payload={"n": _PERSON_STANDIN},
        )
