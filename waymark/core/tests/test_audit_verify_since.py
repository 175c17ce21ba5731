"""Verifying the audit log from a day on (``audit_verify --since``), on SQLite and PostgreSQL.

At national volume (about 10^8 entries a year) a verification from the first entry grows with
the log's age: some 30,000 entries a second here, an hour a year of log, and a checkpoint file
a sealing pass to read. ``--since`` starts from the newest signed checkpoint published before the
day: that batch's record must still hash to what was signed, and everything after is checked
as a full run would. What lies before the anchor is not read (a full run covers it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from waymark.core import audit_checkpoints, clock
from waymark.core.audit import audit_record, audit_verify, content_hash
from waymark.core.audit_sequencer import audit_seal_once
from waymark.core.models import AuditAction, AuditBatch, AuditEvent
from waymark.core.tests import audit_tampering

pytestmark = pytest.mark.django_db

DAY1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY3 = datetime(2026, 12, 3, tzinfo=UTC)


def _append(n: int) -> list[AuditEvent]:
    return [
        audit_record(
            actor=None, action=AuditAction.ALTERATION, verb="test.changed", target_type="test"
        )
        for _ in range(n)
    ]


def _three_days() -> dict[int, list[AuditEvent]]:
    """Three days of log, two sealing passes (two checkpoints) a day."""
    by_day: dict[int, list[AuditEvent]] = {}
    for day in range(3):
        for hour in (0, 6):
            events = _append(3)
            with clock.frozen(DAY1 + timedelta(days=day, hours=hour)):
                assert audit_seal_once(batch_size=2).published
            by_day.setdefault(day, []).extend(events)
    return by_day


def test_from_a_day_on_it_reads_only_what_was_sealed_after_the_anchor():
    by_day = _three_days()
    result = audit_verify(since=DAY3)
    assert result.ok, result.problem
    assert result.checked_from == by_day[1][-1].sequence + 1  # day 2's last checkpoint anchors
    assert result.checked == len(by_day[2]) == 6
    assert result.anchored_through == result.sealed_through == by_day[2][-1].sequence
    assert result.checkpoints == 4  # day 2's and day 3's, not day 1's
    whole = audit_verify()
    assert whole.ok and whole.checked == 18 and whole.checked_from == 1 and whole.checkpoints == 6


def test_tampering_after_the_anchor_is_caught_before_it_only_by_a_whole_run():
    by_day = _three_days()
    with audit_tampering.behind_the_back():
        AuditEvent.objects.filter(sequence=by_day[0][1].sequence).update(actor_label="x")
    assert audit_verify(since=DAY3).ok  # not read: the limit of starting from a day
    assert "altered" in audit_verify().problem
    with audit_tampering.behind_the_back():
        AuditEvent.objects.filter(sequence=by_day[2][4].sequence).update(actor_label="x")
    result = audit_verify(since=DAY3)
    assert not result.ok and result.first_broken_sequence == by_day[2][4].sequence


def test_an_earlier_edit_re_hashed_through_the_anchor_is_caught():
    """Someone with every database right edits a day-1 entry and re-hashes the chain onward:
    the anchor batch's record no longer hashes to what its checkpoint signed."""
    by_day = _three_days()
    victim = by_day[0][2]
    batch = AuditBatch.objects.get(
        first_sequence__lte=victim.sequence, last_sequence__gte=victim.sequence
    )
    with audit_tampering.behind_the_back():
        AuditEvent.objects.filter(sequence=victim.sequence).update(actor_label="x")
        victim.actor_label = "x"
        AuditEvent.objects.filter(sequence=victim.sequence).update(entry_hash=content_hash(victim))
        audit_tampering.rehash_from(batch.number)
    result = audit_verify(since=DAY3)
    assert not result.ok
    assert "differs from the signed checkpoint of batch" in result.problem
    first, last = result.first_bad_range
    assert first <= victim.sequence <= last


def test_a_cut_tail_and_a_removed_anchor_are_caught():
    by_day = _three_days()
    last = AuditBatch.objects.order_by("-number").first()
    with audit_tampering.behind_the_back():
        AuditEvent.objects.filter(sequence__gte=last.first_sequence).delete()
        AuditBatch.objects.filter(number=last.number).delete()
    assert "cut tail" in audit_verify(since=DAY3).problem
    with audit_tampering.behind_the_back():
        AuditEvent.objects.filter(sequence__lte=by_day[1][-1].sequence).delete()
        AuditBatch.objects.filter(last_sequence__lte=by_day[1][-1].sequence).delete()
    assert "is not in the database (removed)" in audit_verify(since=DAY3).problem


def test_with_no_checkpoint_before_the_day_it_verifies_from_the_start():
    _three_days()
    result = audit_verify(since=DAY1 - timedelta(days=5))
    assert result.ok and result.checked_from == 1 and result.checked == 18


def test_the_command_says_where_it_started_and_refuses_a_date_it_cannot_read(capsys):
    by_day = _three_days()
    call_command("audit_verify", "--since", "2026-12-03")
    out = capsys.readouterr().out
    assert f"From entry #{by_day[1][-1].sequence + 1}" in out
    assert "6 entries verified" in out and "intact" in out
    for wrong in ("yesterday", "2026-13-01", "2026-12-03T09:00:00"):
        with pytest.raises(CommandError, match="is not a date"):
            call_command("audit_verify", "--since", wrong)


def test_only_the_anchor_day_and_later_are_read(monkeypatch):
    _three_days()
    read: list[str] = []
    load = audit_checkpoints._checkpoint_load

    def counting(path, keys):
        read.append(path.parent.name)
        return load(path, keys)

    monkeypatch.setattr(audit_checkpoints, "_checkpoint_load", counting)
    audit_verify(since=DAY3)
    assert sorted(set(read)) == ["02", "03"]


def test_each_run_is_kept_and_the_sealing_page_shows_the_last(client):
    from waymark.core.models import AuditVerificationRun
    from waymark.core.tests.test_audit_sealing_page import _member

    _three_days()
    client.force_login(_member("system_admin"))
    assert "Never" in client.get("/audit/sealing/").content.decode()
    call_command("audit_verify")
    with audit_tampering.behind_the_back():
        AuditEvent.objects.filter(
            sequence=AuditEvent.objects.order_by("-sequence")[0].sequence
        ).update(actor_label="x")
    with pytest.raises(CommandError):
        call_command("audit_verify", "--since", "2026-12-03")
    whole, daily = AuditVerificationRun.objects.order_by("id")
    assert whole.ok and whole.whole and whole.checked == 18
    assert not daily.ok and not daily.whole and "altered" in daily.problem
    page = client.get("/audit/sealing/").content.decode()
    assert "Failed" in page and "altered" in page and "Whole log: passed" in page
