"""The audit log under real concurrency on PostgreSQL (issue 17, "must show"): 16 threads append
while the sequencer runs and long transactions hold low sequence numbers; every committed entry is
sealed exactly once, in order, never past an entry whose transaction is still open, and
verification passes; then each of the six ways of tampering is detected and named. Two sequencers
at once: one waits."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.models import Max

from waymark.core import audit_merkle, rules
from waymark.core.audit import audit_record, audit_verify
from waymark.core.audit_sequencer import (
    AuditSequencer,
    audit_seal_once,
    audit_sealing_lag,
    sequencer_lock_wait,
)
from waymark.core.models import AuditAction, AuditBatch, AuditEvent
from waymark.core.tests import audit_tampering

WRITERS = 16
ROUNDS = 40
HOLD_SECONDS = 1.5

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


class Abandoned(Exception):
    pass


def _record(n: int) -> AuditEvent:
    return audit_record(
        actor=None,
        action=AuditAction.ALTERATION,
        verb="test.changed",
        target_type="test",
        target_id=n,
        payload={"old": {"n": n}, "new": {"n": n + 1}},
    )


def _sealed_sequences() -> list[int]:
    return [
        n
        for batch in AuditBatch.objects.order_by("number")
        for n in audit_merkle.expected_sequences(
            batch.first_sequence, batch.last_sequence, batch.gaps
        )
    ]


def test_16_writers_and_long_transactions_while_the_sequencer_runs_then_tampering_is_caught():
    committed: list[int] = []
    errors: list[str] = []
    held: list[tuple[int, int]] = []  # (an open transaction's entry, sealed through meanwhile)
    stop = threading.Event()
    barrier = threading.Barrier(WRITERS)

    def sequencer() -> None:
        try:
            running = AuditSequencer(batch_size=50)
            while not stop.is_set():
                running.seal_pass()
                time.sleep(0.02)
        except Exception as error:
            errors.append(f"sequencer: {error!r}")
        finally:
            connections.close_all()

    def long_transaction(holding: threading.Event, commit: bool) -> None:
        try:
            with transaction.atomic():
                event = _record(-1)  # a low number, taken before the writers start
                holding.set()
                time.sleep(HOLD_SECONDS)  # the writers commit around it; the sequencer runs
                sealed = AuditBatch.objects.aggregate(top=Max("last_sequence"))["top"] or 0
                held.append((event.sequence, sealed))
                if not commit:
                    raise Abandoned
            committed.append(event.sequence)
        except Abandoned:
            pass
        except Exception as error:
            errors.append(f"long: {error!r}")
        finally:
            connections.close_all()

    def writer(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for round_ in range(ROUNDS):
                try:
                    with transaction.atomic():
                        events = [_record(index * 1000 + round_) for _ in range(1 + round_ % 3)]
                        if round_ % 10 == 7:
                            raise Abandoned  # a rolled-back transaction: numbers taken, no entry
                    committed.extend(event.sequence for event in events)
                except Abandoned:
                    pass
        except Exception as error:
            errors.append(f"writer {index}: {error!r}")
        finally:
            connections.close_all()

    connections.close_all()
    sealer = threading.Thread(target=sequencer)
    sealer.start()
    holders = []
    for commit in (True, False, True):
        holding = threading.Event()
        holder = threading.Thread(target=long_transaction, args=(holding, commit))
        holder.start()
        assert holding.wait(timeout=10)
        holders.append(holder)
    writers = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in writers:
        thread.start()
    for thread in [*writers, *holders]:
        thread.join(timeout=120)
        assert not thread.is_alive()
    finished = time.monotonic()
    while (AuditBatch.objects.aggregate(top=Max("last_sequence"))["top"] or 0) < max(
        committed
    ) and time.monotonic() - finished < 30:
        time.sleep(0.05)
    caught_up = time.monotonic() - finished
    stop.set()
    sealer.join(timeout=30)

    assert errors == []
    assert len(held) == 3
    assert all(sealed < sequence for sequence, sealed in held), (
        held,
        list(AuditBatch.objects.values_list("first_sequence", "last_sequence", "gaps")),
    )
    assert caught_up <= rules.AUDIT_SEALING_LAG_TARGET.total_seconds()
    assert audit_sealing_lag().total_seconds() == 0
    assert len(committed) == len(set(committed))
    assert _sealed_sequences() == sorted(committed)  # every committed entry, once, in order
    assert sorted(AuditEvent.objects.values_list("sequence", flat=True)) == sorted(committed)
    assert AuditBatch.objects.count() > 3

    result = audit_verify()
    assert result.ok and result.anchored, result
    assert result.checked == len(committed)

    for case, tamper in audit_tampering.CASES.items():
        with transaction.atomic():
            expect = tamper()
            audit_tampering.assert_detected(expect, audit_verify())
            transaction.set_rollback(True)  # undo it for the next case
        assert audit_verify().ok, case


def test_two_sequencers_at_once_one_waits_and_nothing_is_sealed_twice():
    events = [_record(n) for n in range(5)]
    first_holds, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            sequencer_lock_wait()  # a running sequencer holds the lock for its life
            first_holds.set()
            release.wait(timeout=30)
            outcome["first"] = AuditSequencer().seal_pass()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock_all()")
        finally:
            connections.close_all()

    def second() -> None:
        try:
            outcome["second"] = audit_seal_once()
            outcome["second_done"] = time.monotonic()
        finally:
            connections.close_all()

    one, two = threading.Thread(target=first), threading.Thread(target=second)
    one.start()
    assert first_holds.wait(timeout=10)
    two.start()
    two.join(timeout=1.0)
    assert two.is_alive()  # the second sequencer waits...
    assert not AuditBatch.objects.exists()  # ...and has sealed nothing
    released = time.monotonic()
    release.set()
    one.join(timeout=30)
    two.join(timeout=30)
    assert not one.is_alive() and not two.is_alive()
    assert outcome["second_done"] >= released
    sealed = outcome["first"].entries + outcome["second"].entries  # type: ignore[attr-defined]
    assert sealed == len(events)
    assert _sealed_sequences() == [event.sequence for event in events]
    assert audit_verify().ok
