"""The audit log's hashes: RFC 9162 (Certificate Transparency 2.0) Merkle trees over the entries
of a batch, the chain of batches, and inclusion proofs for one entry (decision 0015).

- leaf hash: ``SHA-256(0x00 || leaf)``, the leaf being the entry's sequence number, a newline and
  its canonical content (``core.audit.canonical``);
- interior node: ``SHA-256(0x01 || left || right)``; the tree of no leaves: ``SHA-256("")``;
- batch hash: ``SHA-256`` of the batch record's canonical JSON, which holds the batch's tree root
  and the previous batch's hash (``GENESIS_HASH`` for the first).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(sequence: int, canonical_content: str) -> bytes:
    return hashlib.sha256(_LEAF + f"{sequence}\n{canonical_content}".encode()).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash (RFC 9162 2.1.1) of the leaf hashes, in order. Pairing level by level
    and carrying an odd last node up unchanged gives the RFC's left-balanced tree."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    while len(level) > 1:
        paired = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``leaves`` (RFC 9162 2.1.3.1)."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_path(index, leaves[:k]), tree_root(leaves[k:])]
    return [*inclusion_path(index - k, leaves[k:]), tree_root(leaves[:k])]


def inclusion_verify(
    *, leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``path`` proves ``leaf`` is leaf ``index`` of the tree of ``size`` leaves whose root
    is ``root`` (RFC 9162 2.1.3.2)."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def batch_hash(
    *,
    number: int,
    first_sequence: int,
    last_sequence: int,
    entry_count: int,
    gaps: list[Any],
    tree_root: str,
    previous_hash: str,
    sealed_at: datetime,
) -> str:
    record = {
        "log": "waymark-audit-batch/1",
        "number": number,
        "first_sequence": first_sequence,
        "last_sequence": last_sequence,
        "entry_count": entry_count,
        "gaps": [list(gap) for gap in gaps],
        "tree_root": tree_root,
        "previous_hash": previous_hash,
        "sealed_at": sealed_at.astimezone(UTC).isoformat(),
    }
    return hashlib.sha256(
        json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def gaps_between(first: int, last: int, present: Sequence[int]) -> list[list[int]]:
    """The numbers in ``first``..``last`` missing from ``present`` (sorted), as [from, to] ranges."""
    gaps: list[list[int]] = []
    expected = first
    for number in present:
        if number > expected:
            gaps.append([expected, number - 1])
        expected = number + 1
    if expected <= last:
        gaps.append([expected, last])
    return gaps


def expected_sequences(first: int, last: int, gaps: Sequence[Sequence[int]]):
    """The sequence numbers a batch sealed: its range without its gaps, in order."""
    number = first
    for start, end in sorted((int(g[0]), int(g[1])) for g in gaps):
        yield from range(number, start)
        number = end + 1
    yield from range(number, last + 1)
