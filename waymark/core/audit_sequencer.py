"""The audit log's sequencer: seals committed entries, in sequence order, into batches (decision
0015). ``manage.py audit_seal`` runs it in a loop (``make run`` and the production worker start
it); ``audit_seal_once`` is one pass, for tests and for catching up by hand.

Appends are plain INSERTs that commit in any order, so the sequencer must not seal past an entry
whose transaction may still commit: a long transaction holding entry #10 while #11..#500 commit
around it must hold sealing at #9 until it ends, or #10 would land inside a sealed batch. On
PostgreSQL each entry's transaction has an id before the entry is numbered (the
``audit_sequence_after_xact`` trigger), so a watermark is safe: read the numbering sequence's high
water mark H, then take a transaction id Y; once no transaction older than Y is still running
(``pg_snapshot_xip`` of a later snapshot), every transaction that numbered an entry up to H has
committed or rolled back, and H may be sealed. SQLite has one writer at a time, so every
committed entry may be sealed.

Two sequencers at once: the second waits on an advisory lock that only sequencers take (appends
never do).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Max

from waymark.core import audit_merkle, clock, rules
from waymark.core.audit import canonical
from waymark.core.audit_checkpoints import CheckpointStoreError, checkpoint_publish
from waymark.core.models import AUDIT_ORDER_SEQUENCE, AuditBatch, AuditEvent

logger = logging.getLogger(__name__)

SEQUENCER_LOCK_KEY = 0x57A7_A0D2  # taken by sequencers only, never by appends
_CANDIDATES_KEPT = 1000


@dataclass(frozen=True)
class SealResult:
    batches: int
    entries: int
    sealed_through: int
    published: bool
    horizon: int


class AuditSequencer:
    """One sequencer. It remembers watermark candidates between passes, so that entries below a
    long transaction's are sealed as soon as they are safe, while that transaction runs."""

    def __init__(
        self,
        *,
        batch_size: int = rules.AUDIT_SEAL_BATCH_SIZE,
        max_batches: int = rules.AUDIT_SEAL_MAX_BATCHES_PER_PASS,
    ) -> None:
        self.batch_size = batch_size
        self.max_batches = max_batches
        self._candidates: list[tuple[int, int]] = []  # (high-water sequence, an id taken after)
        self._safe = 0
        self._unpublished: AuditBatch | None = None

    # -- the watermark --------------------------------------------------------------------------

    def horizon(self) -> int:
        """The highest sequence number up to which every entry's transaction has ended."""
        if connection.vendor != "postgresql":
            return AuditEvent.objects.aggregate(top=Max("sequence"))["top"] or 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT last_value, is_called FROM {AUDIT_ORDER_SEQUENCE}")  # noqa: S608
            last_value, is_called = cursor.fetchone()
            high = last_value if is_called else last_value - 1  # not called: the next one
            # A transaction id taken after reading H (its own statement, so it commits at once):
            # every transaction that numbered an entry up to H had its id before, so a smaller
            # one. A snapshot's xmax would not do: it is the newest *completed* id plus one, and
            # a running transaction above it is in no snapshot's list.
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            after = cursor.fetchone()[0]
            if not self._candidates or self._candidates[-1][0] < high:
                self._candidates.append((high, after))
            # The oldest transaction still running, other than this one (a pass run inside a
            # transaction, as the tests do, seals its own entries with it, all or nothing), and
            # other than those seen running in another database of the cluster (ids are
            # cluster-wide; a transaction whose database cannot be seen counts).
            cursor.execute(
                "SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x "
                "WHERE x IS DISTINCT FROM pg_current_xact_id_if_assigned() "
                "AND xid(x) NOT IN (SELECT backend_xid FROM pg_stat_activity "
                "WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())"
            )
            oldest = cursor.fetchone()[0]
        ready = [h for h, x in self._candidates if oldest is None or x <= oldest]
        if ready:
            self._safe = max(self._safe, *ready)
        self._candidates = [
            (h, x) for h, x in self._candidates if oldest is not None and x > oldest
        ]
        if len(self._candidates) > _CANDIDATES_KEPT:  # a very long transaction: keep a spread
            self._candidates = self._candidates[::2]
        return self._safe

    def wait_for_horizon(self, at_least: int, timeout: timedelta) -> int:
        """Poll the watermark until it reaches ``at_least`` or ``timeout`` passes."""
        deadline = time.monotonic() + timeout.total_seconds()
        while (found := self.horizon()) < at_least and time.monotonic() < deadline:
            time.sleep(0.02)
        return found

    # -- sealing --------------------------------------------------------------------------------

    def seal_pass(self, horizon: int | None = None) -> SealResult:
        """Seal every entry up to the watermark not sealed yet (at most ``max_batches`` batches),
        then publish a signed checkpoint of the newest batch."""
        if horizon is None:
            horizon = self.horizon()
            if self._candidates:
                # Entries numbered since the last look: their transactions are most likely
                # committing this instant. A second look a moment later seals them in this pass
                # rather than the next one (the sealing lag's floor was two intervals, not one).
                time.sleep(rules.AUDIT_SEAL_SETTLE.total_seconds())
                horizon = self.horizon()
        sealed = 0
        made: list[AuditBatch] = []
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCER_LOCK_KEY])
            last = AuditBatch.objects.order_by("-number").first()
            after = last.last_sequence if last else 0
            previous_hash = last.batch_hash if last else audit_merkle.GENESIS_HASH
            number = last.number + 1 if last else 1
            for _ in range(self.max_batches):
                rows = list(
                    AuditEvent.objects.filter(sequence__gt=after, sequence__lte=horizon).order_by(
                        "sequence"
                    )[: self.batch_size]
                )
                if not rows:
                    break
                batch = _batch_make(number, after + 1, rows, previous_hash)
                made.append(batch)
                sealed += len(rows)
                after, previous_hash, number = batch.last_sequence, batch.batch_hash, number + 1
        published = False
        newest = made[-1] if made else self._unpublished
        if newest is not None:
            try:
                checkpoint_publish(
                    batch=newest.number,
                    last_sequence=newest.last_sequence,
                    batch_hash=newest.batch_hash,
                )
                published, self._unpublished = True, None
            except CheckpointStoreError as error:
                self._unpublished = newest
                logger.error("audit checkpoint not published: %s", error)
        return SealResult(len(made), sealed, after, published, horizon)


def _batch_make(number: int, first: int, rows: list[AuditEvent], previous_hash: str) -> AuditBatch:
    leaves = []
    for event in rows:
        content = canonical(event)
        if hashlib.sha256(content.encode()).hexdigest() != event.entry_hash:  # content_hash
            logger.error("audit entry #%s does not match its entry_hash at sealing", event.sequence)
        leaves.append(audit_merkle.leaf_hash(event.sequence, content))
    last = rows[-1].sequence
    gaps = audit_merkle.gaps_between(first, last, [event.sequence for event in rows])
    root = audit_merkle.tree_root(leaves).hex()
    sealed_at = clock.now()
    return AuditBatch.objects.create(
        number=number,
        first_sequence=first,
        last_sequence=last,
        entry_count=len(rows),
        gaps=gaps,
        tree_root=root,
        previous_hash=previous_hash,
        batch_hash=audit_merkle.batch_hash(
            number=number,
            first_sequence=first,
            last_sequence=last,
            entry_count=len(rows),
            gaps=gaps,
            tree_root=root,
            previous_hash=previous_hash,
            sealed_at=sealed_at,
        ),
        sealed_at=sealed_at,
    )


def audit_seal_once(
    *,
    wait: timedelta = rules.AUDIT_SEALING_LAG_TARGET,
    batch_size: int = rules.AUDIT_SEAL_BATCH_SIZE,
) -> SealResult:
    """One sequencer pass: wait (up to ``wait``) until every entry numbered so far is safe to seal,
    then seal up to there. Passes until nothing is left (a backlog bigger than one pass)."""
    sequencer = AuditSequencer(batch_size=batch_size)
    target = _high_water()
    horizon = sequencer.wait_for_horizon(target, wait)
    total = SealResult(0, 0, 0, False, horizon)
    while True:
        result = sequencer.seal_pass(horizon)
        total = SealResult(
            total.batches + result.batches,
            total.entries + result.entries,
            result.sealed_through,
            total.published or result.published,
            horizon,
        )
        if result.batches < sequencer.max_batches:
            return total


def _high_water() -> int:
    if connection.vendor != "postgresql":
        return AuditEvent.objects.aggregate(top=Max("sequence"))["top"] or 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value, is_called FROM {AUDIT_ORDER_SEQUENCE}")  # noqa: S608
        last_value, is_called = cursor.fetchone()
    return last_value if is_called else last_value - 1


def audit_sealing_lag() -> timedelta:
    """How long the oldest committed entry not yet sealed has waited (zero if none): what the
    health check shows against ``rules.AUDIT_SEALING_LAG_TARGET``."""
    last = AuditBatch.objects.aggregate(top=Max("last_sequence"))["top"] or 0
    oldest = (
        AuditEvent.objects.filter(sequence__gt=last)
        .order_by("sequence")
        .values_list("occurred_at", flat=True)
        .first()
    )
    if oldest is None:
        return timedelta(0)
    return max(timedelta(0), clock.now() - oldest)


def sequencer_lock_wait() -> None:
    """Hold the sequencers' lock for the rest of this session (the looping command): a second
    sequencer started meanwhile waits here until the first stops."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [SEQUENCER_LOCK_KEY])
