"""A general seeded sampling engine: draw a share of a population so that anyone holding the
recorded seed, rate and population can re-derive exactly the same draw (dip sampling in the
competent authority; oversight will reuse it).

The draw does not depend on the order the population is given in: ids are sorted first, then each
id is given a key from a keyed hash (BLAKE2b keyed by the seed) and the ``round(rate * n)`` ids
with the smallest keys are drawn (at least one when the population is not empty and the rate is
above nothing). The result is sorted. ``new_seed`` gives a fresh seed from ``secrets``, so a
draw cannot be predicted before it is made, only checked after.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

SEED_BITS = 63  # fits a signed 64-bit database column


def new_seed() -> int:
    """A fresh, unpredictable seed (a positive 63-bit integer) to record with the draw."""
    return secrets.randbits(SEED_BITS) or 1


def sample_size(n: int, rate: float) -> int:
    """How many to draw from ``n`` at ``rate``: round(rate * n), at least 1 when n > 0 and rate > 0,
    never more than n."""
    if rate < 0 or rate > 1:
        raise ValueError("A sampling rate is a share between 0 and 1")
    if n <= 0 or rate == 0:
        return 0
    return min(n, max(1, round(rate * n)))


def _key(seed: int, item: int) -> bytes:
    digest = hashlib.blake2b(
        str(item).encode(), key=seed.to_bytes(8, "big", signed=True), digest_size=16
    )
    return digest.digest()


def ranked(population_ids: Iterable[int], seed: int) -> list[int]:
    """The ids in the order ``seed`` ranks them (smallest keyed hash first); duplicates once."""
    return sorted(set(population_ids), key=lambda item: (_key(seed, item), item))


def draw(
    population_ids: Iterable[int], rate: float, seed: int, limit: int | None = None
) -> list[int]:
    """The ids drawn from ``population_ids`` at ``rate`` with ``seed``, sorted. Duplicates count
    once; the same population, rate and seed always give the same ids, whatever their order.
    ``limit`` (a cap, e.g. what is left of a monthly cap) keeps only the first ``limit`` ids of
    the seed's ranking, so a capped draw is re-derived the same way."""
    order = ranked(population_ids, seed)
    size = sample_size(len(order), rate)
    if limit is not None:
        size = max(0, min(size, limit))
    return sorted(order[:size])


def population_hash(population_ids: Iterable[int]) -> str:
    """A SHA-256 of the sorted, de-duplicated ids: recorded with a draw so an auditor can check
    the population they rebuild is the one that was drawn from."""
    text = ",".join(str(i) for i in sorted(set(population_ids)))
    return hashlib.sha256(text.encode()).hexdigest()
