"""Verifying the audit log (``manage.py audit_verify``), and inclusion proofs for one entry
(decision 0015).

Verification walks the sealed batches in order. For each it checks that the batch follows the one
before (its range and ``previous_hash``) and that its record hashes to its ``batch_hash``; that
exactly the entries it sealed are there (its range less its gaps: an entry missing was removed,
one more was inserted), each matching its ``entry_hash`` (else altered), and that their Merkle
root is the batch's ``tree_root`` (else altered and re-hashed, or reordered); and, where a signed
checkpoint names the batch, that the checkpoint's ``batch_hash`` is the batch's (else the log was
re-written by someone with full database rights, somewhere since the last checkpoint that held).
Checkpoints naming batches the database no longer has mean a cut tail (or a truncation). A
checkpoint file that is not to be trusted (a key not in the keyring, signed after its key's
retirement) and two checkpoints of one batch that disagree are named too.
A rolled-back transaction's sequence number is a gap the batch recorded, not a fault.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Max

from waymark.core import audit_merkle, clock, rules
from waymark.core.audit import _APPEND_COLUMNS, VerifyResult, canonical
from waymark.core.audit_checkpoints import checkpoints_read, store_dir
from waymark.core.models import AuditBatch, AuditEvent, AuditVerificationRun


class _Found(Exception):
    def __init__(self, problem: str, *, sequence: int | None = None, span=None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.sequence = sequence
        self.span = span


# What verification reads of an entry: its number and every column an append writes (what
# ``canonical`` covers, and the entry's hash).
_ENTRY_FIELDS = ("sequence", *_APPEND_COLUMNS)


def _entries(first: int, last: int, page: int) -> Iterator[Any]:
    """The entries numbered ``first`` to ``last`` in order, as named rows (not model instances:
    building those was a fifth of a verification's time)."""
    after = first - 1
    while True:
        rows = list(
            AuditEvent.objects.filter(sequence__gt=after, sequence__lte=last)
            .order_by("sequence")
            .values_list(*_ENTRY_FIELDS, named=True)[:page]
        )
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].sequence


def _batch_check(batch: AuditBatch, page: int) -> int:
    """Check one batch's entries; return how many there are. Raises ``_Found``."""
    expected = audit_merkle.expected_sequences(
        batch.first_sequence, batch.last_sequence, batch.gaps
    )
    leaves: list[bytes] = []
    pending = next(expected, None)
    for event in _entries(batch.first_sequence, batch.last_sequence, page):
        if pending is not None and pending < event.sequence:
            raise _Found(
                f"entry #{pending}, sealed in batch {batch.number}, is missing (removed)",
                sequence=pending,
            )
        if pending is None or event.sequence < pending:
            raise _Found(
                f"entry #{event.sequence} is not among the entries sealed in batch "
                f"{batch.number} (inserted)",
                sequence=event.sequence,
            )
        content = canonical(event)  # once: the entry's hash and its leaf both cover it
        if hashlib.sha256(content.encode()).hexdigest() != event.entry_hash:  # content_hash
            raise _Found(
                f"entry #{event.sequence}'s content does not match its hash (altered)",
                sequence=event.sequence,
            )
        leaves.append(audit_merkle.leaf_hash(event.sequence, content))
        pending = next(expected, None)
    if pending is not None:
        raise _Found(
            f"entry #{pending}, sealed in batch {batch.number}, is missing (removed)",
            sequence=pending,
        )
    if audit_merkle.tree_root(leaves).hex() != batch.tree_root:
        raise _Found(
            f"the entries of batch {batch.number} (#{batch.first_sequence}-#{batch.last_sequence}) "
            "do not match its Merkle root (altered and re-hashed, or reordered)",
            span=(batch.first_sequence, batch.last_sequence),
        )
    return len(leaves)


def _record_hash(batch: AuditBatch) -> str:
    """What the batch's record hashes to now."""
    return audit_merkle.batch_hash(
        number=batch.number,
        first_sequence=batch.first_sequence,
        last_sequence=batch.last_sequence,
        entry_count=batch.entry_count,
        gaps=batch.gaps,
        tree_root=batch.tree_root,
        previous_hash=batch.previous_hash,
        sealed_at=batch.sealed_at,
    )


def _span(found: _Found | None) -> tuple[int, int] | None:
    if found is None:
        return None
    if found.span is not None:
        return found.span
    return (found.sequence, found.sequence) if found.sequence is not None else None


def audit_verify(
    *, page: int = rules.AUDIT_VERIFY_PAGE, since: datetime | None = None
) -> VerifyResult:
    """Verify every sealed entry, batch and checkpoint (see the module's docstring).

    With ``since``, verify only what was sealed after the newest signed checkpoint published
    before it (the anchor): that batch's record must still hash to what the checkpoint signed,
    and the chain is checked onward from it, so a day's verification reads a day's entries, not
    the log since it began (about 10^8 entries a year, some 30,000 verified a second here).
    Entries before the anchor are not read: a full verification, from time to time, covers them.
    Without a checkpoint before ``since`` it verifies from the start."""
    store = checkpoints_read(since)
    checked = 0
    previous_hash = audit_merkle.GENESIS_HASH
    sealed_through = 0
    anchored_through = 0
    number = 0
    anchor = None
    if since is not None:
        before = [
            cp for cp in store.by_batch.values() if datetime.fromisoformat(cp.published_at) < since
        ]
        anchor = max(before, key=lambda cp: cp.batch) if before else None

    def result(found: _Found | None = None, **more) -> VerifyResult:
        unsealed = AuditEvent.objects.filter(sequence__gt=sealed_through).count()
        unanchored: tuple[tuple[int, int], ...] = ()
        if found is None and sealed_through > anchored_through:
            unanchored = ((anchored_through + 1, sealed_through),)
        return VerifyResult(
            checked=checked,
            first_broken_sequence=found.sequence if found else None,
            problem=found.problem if found else "",
            first_bad_range=_span(found),
            sealed_through=sealed_through,
            anchored_through=anchored_through,
            unanchored=unanchored,
            unsealed=unsealed,
            batches=max(0, number - (anchor.batch if anchor else 0)),
            checkpoints=len(store.by_batch),
            checkpoint_store=str(store_dir()) if store.present else "",
            checked_from=anchor.last_sequence + 1 if anchor else 1,
        )

    try:
        if store.bad:
            raise _Found(f"checkpoint file {store.bad[0].path} {store.bad[0].reason}")
        if store.conflicts:
            earlier, later = store.conflicts[0]
            raise _Found(
                f"two signed checkpoints of batch {earlier.batch} disagree ({earlier.path}: "
                f"entries through #{earlier.last_sequence}, batch hash {earlier.batch_hash[:16]}; "
                f"{later.path}: #{later.last_sequence}, {later.batch_hash[:16]}): the signing key "
                f"{later.key_id} was used outside the sequencer, so treat it as compromised"
            )
        stray = AuditEvent.objects.filter(sequence__lt=1).order_by("sequence").first()
        if stray is not None:
            raise _Found(
                f"entry #{stray.sequence} is outside every sealed range (inserted)",
                sequence=stray.sequence,
            )
        if anchor is not None:
            start = AuditBatch.objects.filter(number=anchor.batch).first()
            if start is None:
                raise _Found(
                    f"batch {anchor.batch}, which the signed checkpoint {anchor.path} covers "
                    f"(entries through #{anchor.last_sequence}), is not in the database (removed)",
                    span=(1, anchor.last_sequence),
                )
            if start.batch_hash != anchor.batch_hash or start.batch_hash != _record_hash(start):
                raise _Found(
                    f"the log differs from the signed checkpoint of batch {anchor.batch}: "
                    f"entries up to #{anchor.last_sequence} were changed and the log re-hashed "
                    "after they were published",
                    span=(1, anchor.last_sequence),
                )
            previous_hash, sealed_through, number = (
                start.batch_hash,
                start.last_sequence,
                start.number,
            )
            anchored_through = start.last_sequence
        for batch in (
            AuditBatch.objects.filter(number__gt=number).order_by("number").iterator(chunk_size=500)
        ):
            span = (batch.first_sequence, batch.last_sequence)
            if batch.number != number + 1 or batch.first_sequence != sealed_through + 1:
                raise _Found(
                    f"batch {batch.number} does not follow batch {number} (a batch record was "
                    "removed or inserted)",
                    span=(sealed_through + 1, batch.last_sequence),
                )
            if batch.previous_hash != previous_hash or batch.batch_hash != _record_hash(batch):
                raise _Found(
                    f"batch {batch.number}'s record does not match its hash or the batch before "
                    "(altered)",
                    span=span,
                )
            count = _batch_check(batch, page)
            if count != batch.entry_count:
                raise _Found(
                    f"batch {batch.number} holds {count} entries, sealed with {batch.entry_count}",
                    span=span,
                )
            checkpoint = store.by_batch.get(batch.number)
            if checkpoint is not None:
                if (
                    checkpoint.batch_hash != batch.batch_hash
                    or checkpoint.last_sequence != batch.last_sequence
                ):
                    raise _Found(
                        f"the log differs from the signed checkpoint of batch {batch.number}: "
                        f"entries #{anchored_through + 1}-#{checkpoint.last_sequence} were "
                        "changed and the log re-hashed after they were published",
                        span=(anchored_through + 1, checkpoint.last_sequence),
                    )
                anchored_through = batch.last_sequence
            checked += count
            previous_hash, sealed_through, number = (
                batch.batch_hash,
                batch.last_sequence,
                batch.number,
            )
        beyond = [cp for n, cp in store.by_batch.items() if n > number]
        if beyond:
            latest = max(beyond, key=lambda cp: cp.batch)
            what = (
                "the audit log is empty (truncated)"
                if number == 0 and not AuditEvent.objects.exists()
                else f"the sealed batches end at batch {number} (#{sealed_through}) (cut tail)"
            )
            raise _Found(
                f"{what}, but the signed checkpoint of batch {latest.batch} covers entries up to "
                f"#{latest.last_sequence}: #{sealed_through + 1}-#{latest.last_sequence} are gone",
                span=(sealed_through + 1, latest.last_sequence),
            )
    except _Found as found:
        return result(found)
    return result()


@dataclass(frozen=True)
class InclusionProof:
    """That entry ``sequence`` is leaf ``leaf_index`` of batch ``batch``'s Merkle tree of
    ``tree_size`` leaves (RFC 9162 audit path, hex), whose root the batch hash covers."""

    sequence: int
    batch: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    path: tuple[str, ...]
    tree_root: str
    batch_hash: str


def audit_inclusion_proof(sequence: int) -> InclusionProof | None:
    """The inclusion proof of one entry, or None if it is not sealed (yet)."""
    batch = AuditBatch.objects.filter(
        first_sequence__lte=sequence, last_sequence__gte=sequence
    ).first()
    if batch is None:
        return None
    events = list(_entries(batch.first_sequence, batch.last_sequence, rules.AUDIT_VERIFY_PAGE))
    index = next((i for i, event in enumerate(events) if event.sequence == sequence), None)
    if index is None:
        return None
    leaves = [audit_merkle.leaf_hash(event.sequence, canonical(event)) for event in events]
    return InclusionProof(
        sequence=sequence,
        batch=batch.number,
        leaf_index=index,
        tree_size=len(leaves),
        leaf_hash=leaves[index].hex(),
        path=tuple(node.hex() for node in audit_merkle.inclusion_path(index, leaves)),
        tree_root=batch.tree_root,
        batch_hash=batch.batch_hash,
    )


def inclusion_proof_verify(proof: InclusionProof, event: AuditEvent) -> bool:
    """Whether ``proof`` shows this entry, as it reads now, is in its sealed batch."""
    return audit_merkle.inclusion_verify(
        leaf=audit_merkle.leaf_hash(event.sequence, canonical(event)),
        index=proof.leaf_index,
        size=proof.tree_size,
        path=[bytes.fromhex(node) for node in proof.path],
        root=bytes.fromhex(proof.tree_root),
    )


def sealed_through() -> int:
    return AuditBatch.objects.aggregate(top=Max("last_sequence"))["top"] or 0


def audit_verification_record(
    result: VerifyResult | None, *, since: datetime | None, started_at: datetime, problem: str = ""
) -> AuditVerificationRun:
    """Keep what one ``audit_verify`` run found (``result`` None: it could not run, ``problem``
    says why)."""
    unanchored = result.unanchored[0] if result is not None and result.unanchored else None
    return AuditVerificationRun.objects.create(
        started_at=started_at,
        finished_at=clock.now(),
        since=since,
        ok=result is not None and result.ok,
        problem=(result.problem if result is not None else problem)[:2000],
        checked=result.checked if result is not None else 0,
        checked_from=result.checked_from if result is not None else 1,
        sealed_through=result.sealed_through if result is not None else 0,
        anchored_through=result.anchored_through if result is not None else 0,
        unanchored_from=unanchored[0] if unanchored else None,
        unanchored_to=unanchored[1] if unanchored else None,
    )


def audit_verification_latest() -> tuple[AuditVerificationRun | None, AuditVerificationRun | None]:
    """The newest verification run, and the newest of the whole log."""
    runs = AuditVerificationRun.objects.order_by("-finished_at", "-id")
    return runs.first(), runs.filter(since__isnull=True).first()
