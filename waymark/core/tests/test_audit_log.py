"""The audit trail as a verifiable log (issue 17, decision 0015), on SQLite and PostgreSQL: the
sequencer seals in order, and verification names the first bad entry or range for each of the six
ways of tampering, a missing checkpoint store, and not a rolled-back transaction's number."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from waymark.core import audit_merkle, clock, rules
from waymark.core.audit import audit_record, audit_verify
from waymark.core.audit_sequencer import AuditSequencer, audit_seal_once, audit_sealing_lag
from waymark.core.audit_verification import audit_inclusion_proof, inclusion_proof_verify
from waymark.core.models import AuditAction, AuditBatch, AuditEvent
from waymark.core.tests import audit_tampering

pytestmark = pytest.mark.django_db


def _append(n: int, start: int = 0) -> list[AuditEvent]:
    return [
        audit_record(
            actor=None,
            action=AuditAction.ALTERATION,
            verb="test.changed",
            target_type="test",
            target_id=start + i,
            person_id=start + i,
            payload={"old": {"n": i}, "new": {"n": i + 1}},
        )
        for i in range(n)
    ]


def _rolled_back_append() -> None:
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        _append(2, start=900)
        raise Abandoned


def _sealed_log() -> list[AuditEvent]:
    """Four passes of the sequencer, batches of four, a rolled-back transaction in the middle."""
    events: list[AuditEvent] = []
    for round_ in range(4):
        events += _append(5, start=10 * round_)
        if round_ == 1:
            _rolled_back_append()
            events += _append(2, start=50)
        audit_seal_once(batch_size=4)
    return events


def test_every_entry_is_sealed_once_in_order_in_chained_batches():
    events = _sealed_log()
    batches = list(AuditBatch.objects.order_by("number"))
    sealed = [
        n
        for batch in batches
        for n in audit_merkle.expected_sequences(
            batch.first_sequence, batch.last_sequence, batch.gaps
        )
    ]
    assert sealed == [event.sequence for event in events]  # each once, in order
    assert all(batch.entry_count <= 4 for batch in batches)
    assert batches[0].previous_hash == audit_merkle.GENESIS_HASH
    assert all(b.previous_hash == a.batch_hash for a, b in itertools.pairwise(batches))
    result = audit_verify()
    assert result.ok and result.anchored, result
    assert result.checked == len(events)
    assert result.anchored_through == events[-1].sequence


def test_a_rolled_back_transaction_leaves_no_entry_and_no_fault():
    events = _append(3)
    _rolled_back_append()
    events += _append(3, start=3)
    audit_seal_once()
    assert AuditEvent.objects.count() == 6
    result = audit_verify()
    assert result.ok, result.problem
    assert result.checked == 6
    batch = AuditBatch.objects.get()
    rolled_back = list(range(events[2].sequence + 1, events[3].sequence))
    if connection.vendor == "postgresql":  # SQLite gives a rolled-back number out again
        assert rolled_back  # the rolled-back transaction's numbers were taken, then abandoned
        assert any(start <= rolled_back[0] and rolled_back[-1] <= end for start, end in batch.gaps)


@pytest.mark.parametrize("case", list(audit_tampering.CASES))
def test_each_way_of_tampering_is_detected_and_named(case):
    _sealed_log()
    assert audit_verify().ok
    expect = audit_tampering.CASES[case]()
    audit_tampering.assert_detected(expect, audit_verify())
    with pytest.raises(CommandError, match="Audit log broken"):
        call_command("audit_verify")


def test_a_missing_checkpoint_store_leaves_appends_and_sealing_going_and_is_named(
    settings, tmp_path
):
    events = _append(3)
    audit_seal_once()
    settings.WAYMARK_AUDIT_CHECKPOINT_DIR = str(tmp_path / "lost")
    events += _append(3, start=3)
    result = audit_seal_once()
    assert result.entries == 3 and not result.published  # sealed; not published
    verified = audit_verify()
    assert verified.ok  # nothing wrong with the log itself
    ((first, last),) = verified.unanchored  # from the start: no checkpoint can be read
    assert first <= events[0].sequence and last == events[-1].sequence
    with pytest.raises(CommandError, match=rf"#{first}-#{last}.*unanchored"):
        call_command("audit_verify")


def test_entries_sealed_after_the_last_checkpoint_are_named_unanchored(settings, tmp_path):
    first = _append(2)
    audit_seal_once()
    store = settings.WAYMARK_AUDIT_CHECKPOINT_DIR
    settings.WAYMARK_AUDIT_CHECKPOINT_DIR = str(tmp_path / "lost")
    later = _append(2, start=2)
    audit_seal_once()
    settings.WAYMARK_AUDIT_CHECKPOINT_DIR = store
    result = audit_verify()
    assert result.ok
    assert result.anchored_through == first[-1].sequence
    assert result.unanchored == ((first[-1].sequence + 1, later[-1].sequence),)


def test_a_stopped_sequencer_lets_the_lag_grow_and_catches_up_in_order(frozen):
    _append(2)
    audit_seal_once()
    assert audit_sealing_lag() == timedelta(0)
    backlog = _append(7, start=2)  # the sequencer is stopped: appends go on
    with clock.frozen(frozen + timedelta(seconds=45)):
        assert audit_sealing_lag() == timedelta(seconds=45)
        assert audit_sealing_lag() > rules.AUDIT_SEALING_LAG_ALARM
    restarted = AuditSequencer(batch_size=3, max_batches=2)
    assert restarted.seal_pass().entries == 6  # a pass is bounded; the next goes on
    assert restarted.seal_pass().entries == 1
    sealed = [
        n
        for batch in AuditBatch.objects.order_by("number")[1:]
        for n in audit_merkle.expected_sequences(
            batch.first_sequence, batch.last_sequence, batch.gaps
        )
    ]
    assert sealed == [event.sequence for event in backlog]
    assert audit_sealing_lag() == timedelta(0)
    assert audit_verify().ok


def test_an_entry_has_an_inclusion_proof_that_fails_once_it_is_altered():
    events = _append(11)
    assert audit_inclusion_proof(events[0].sequence) is None  # not sealed yet
    audit_seal_once()
    for event in events:
        proof = audit_inclusion_proof(event.sequence)
        assert proof is not None and proof.tree_size == 11
        assert inclusion_proof_verify(proof, event)
    proof = audit_inclusion_proof(events[4].sequence)
    events[4].actor_label = "someone-else"
    assert not inclusion_proof_verify(proof, events[4])


def test_the_audit_seal_command_seals_and_audit_verify_says_intact(capsys):
    _append(3)
    call_command("audit_seal", "--once")
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "Sealed 3 entries" in out
    assert "3 entries verified" in out and "intact" in out


def test_a_checkpoint_is_a_signed_file_written_once(settings):
    _append(2)
    audit_seal_once()
    files = list(Path(settings.WAYMARK_AUDIT_CHECKPOINT_DIR).rglob("*.json"))
    assert len(files) == 1
    assert not files[0].stat().st_mode & 0o222  # read-only once written
    files[0].chmod(0o644)
    files[0].write_text(files[0].read_text().replace('"batch": 1', '"batch": 2'))
    result = audit_verify()
    assert not result.ok and "not a checkpoint signed by the audit key" in result.problem


@pytest.mark.django_db(transaction=True)  # the check reads from a thread of its own
def test_the_health_check_shows_the_sealing_lag(client):
    _append(1)
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "AuditSealing(lag_seconds=" in response.content.decode()
    audit_seal_once()
    with clock.frozen(clock.now() - rules.AUDIT_SEALING_LAG_ALARM - timedelta(seconds=5)):
        _append(1)  # an entry that has waited past the alarm (the sequencer is not running)
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    assert "is audit_seal running" in response.content.decode()
    audit_seal_once()
    assert client.get("/health/", HTTP_ACCEPT="application/json").status_code == 200


@pytest.mark.parametrize("size", range(1, 18))
def test_merkle_trees_and_inclusion_proofs_follow_rfc_9162(size):
    def mth(leaves):  # RFC 9162 2.1.1, literally
        if len(leaves) == 1:
            return leaves[0]
        k = 1
        while k * 2 < len(leaves):
            k *= 2
        return audit_merkle._node(mth(leaves[:k]), mth(leaves[k:]))

    leaves = [audit_merkle.leaf_hash(i, f"entry {i}") for i in range(size)]
    root = audit_merkle.tree_root(leaves)
    assert root == mth(leaves)
    for index in range(size):
        path = audit_merkle.inclusion_path(index, leaves)
        assert audit_merkle.inclusion_verify(
            leaf=leaves[index], index=index, size=size, path=path, root=root
        )
        assert not audit_merkle.inclusion_verify(
            leaf=leaves[(index + 1) % size] if size > 1 else b"x" * 32,
            index=index,
            size=size,
            path=path,
            root=root,
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the numbering sequence is PostgreSQL's"
)
def test_entries_numbered_before_the_sequence_was_set_are_sealed():
    """Migration 0004 sets the numbering sequence past the entries already there without drawing
    from it (``setval(..., false)``); the high-water mark still covers them."""
    events = _append(2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval('core_auditevent_order_seq', %s, false)", [events[-1].sequence + 1]
        )
    assert audit_seal_once().entries == 2
    assert audit_verify().checked == 2
