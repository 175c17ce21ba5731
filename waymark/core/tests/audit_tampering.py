"""The six ways of tampering with the audit log that verification must catch (issue 17), done
behind the application's back as someone with database rights would: on PostgreSQL with the
triggers switched off for the session (``session_replication_role = replica``, as a superuser or
the table's owner could), on SQLite directly. Each returns the sequence numbers verification must
name: the bad entry, or a range it must fall in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

from waymark.core import audit_merkle
from waymark.core.audit import canonical, content_hash
from waymark.core.models import AuditBatch, AuditEvent


@contextmanager
def behind_the_back() -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


@dataclass(frozen=True)
class Expect:
    sequence: int | None = None  # the entry verification must name
    within: tuple[int, int] | None = None  # or a sequence its first bad range must hold
    words: str = ""


def _middle_sealed() -> AuditEvent:
    batch = AuditBatch.objects.order_by("number")[AuditBatch.objects.count() // 2]
    return AuditEvent.objects.filter(
        sequence__gte=batch.first_sequence, sequence__lte=batch.last_sequence
    ).order_by("sequence")[batch.entry_count // 2]


def edit() -> Expect:
    victim = _middle_sealed()
    with behind_the_back():
        AuditEvent.objects.filter(sequence=victim.sequence).update(actor_label="someone-else")
    return Expect(sequence=victim.sequence, words="altered")


def delete() -> Expect:
    victim = _middle_sealed()
    with behind_the_back():
        AuditEvent.objects.filter(sequence=victim.sequence).delete()
    return Expect(sequence=victim.sequence, words="removed")


def insert() -> Expect:
    """A forged entry, correctly hashed, slipped into a sealed range (a rolled-back transaction's
    number if there is one, else just before the first entry)."""
    gap = next(
        (batch.gaps[0][0] for batch in AuditBatch.objects.order_by("number") if batch.gaps), 0
    )
    template = _middle_sealed()
    forged = AuditEvent(
        sequence=gap,
        occurred_at=template.occurred_at,
        actor_label="forger",
        channel="web",
        action=template.action,
        verb=template.verb,
        payload={"forged": True},
    )
    forged.entry_hash = content_hash(forged)
    with behind_the_back():
        forged.save(force_insert=True)
    return Expect(sequence=gap, words="inserted")


def truncate() -> Expect:
    last = AuditBatch.objects.order_by("-number").first()
    assert last is not None
    with behind_the_back(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # inserts of this transaction's still to check
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in ("core_auditevent", "core_auditbatch"):
            cursor.execute(
                f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}"  # noqa: S608
            )
    return Expect(within=(1, last.last_sequence), words="truncated")


def cut_tail() -> Expect:
    """The newest sealed batch and everything after it removed."""
    last = AuditBatch.objects.order_by("-number").first()
    assert last is not None and last.number > 1
    with behind_the_back():
        AuditEvent.objects.filter(sequence__gte=last.first_sequence).delete()
        AuditBatch.objects.filter(number=last.number).delete()
    return Expect(within=(last.first_sequence, last.last_sequence), words="cut tail")


def rehash_from(number: int) -> None:
    """Re-seal batch ``number`` and every later one from the entries as they now read, with the
    project's own functions: what someone with full database rights (but no signing key) can do."""
    previous = (
        AuditBatch.objects.filter(number=number - 1).values_list("batch_hash", flat=True).first()
        or audit_merkle.GENESIS_HASH
    )
    for batch in AuditBatch.objects.filter(number__gte=number).order_by("number"):
        events = AuditEvent.objects.filter(
            sequence__gte=batch.first_sequence, sequence__lte=batch.last_sequence
        ).order_by("sequence")
        root = audit_merkle.tree_root(
            [audit_merkle.leaf_hash(event.sequence, canonical(event)) for event in events]
        ).hex()
        rehashed = audit_merkle.batch_hash(
            number=batch.number,
            first_sequence=batch.first_sequence,
            last_sequence=batch.last_sequence,
            entry_count=batch.entry_count,
            gaps=batch.gaps,
            tree_root=root,
            previous_hash=previous,
            sealed_at=batch.sealed_at,
        )
        AuditBatch.objects.filter(number=batch.number).update(
            tree_root=root, previous_hash=previous, batch_hash=rehashed
        )
        previous = rehashed


def edit_and_rehash() -> Expect:
    victim = _middle_sealed()
    batch = AuditBatch.objects.get(
        first_sequence__lte=victim.sequence, last_sequence__gte=victim.sequence
    )
    with behind_the_back():
        victim.actor_label = "someone-else"
        AuditEvent.objects.filter(sequence=victim.sequence).update(
            actor_label=victim.actor_label, entry_hash=content_hash(victim)
        )
        rehash_from(batch.number)
    return Expect(within=(victim.sequence, victim.sequence), words="re-hashed")


CASES: dict[str, Callable[[], Expect]] = {
    "edit": edit,
    "delete": delete,
    "insert": insert,
    "truncate": truncate,
    "cut tail": cut_tail,
    "edit and re-hash": edit_and_rehash,
}


def assert_detected(expect: Expect, result) -> None:
    assert not result.ok, "tampering not detected"
    assert expect.words in result.problem, result.problem
    if expect.sequence is not None:
        assert result.first_broken_sequence == expect.sequence, result
    if expect.within is not None:
        first, last = result.first_bad_range
        assert first <= expect.within[0] and expect.within[1] <= last, result
