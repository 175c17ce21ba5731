"""The seeded sampling engine: size, reproducibility from the seed, independence of input order."""

from __future__ import annotations

import random

import pytest

from waymark.core import sampling


@pytest.mark.parametrize(
    ("n", "rate", "size"),
    [
        (0, 0.2, 0),
        (1, 0.2, 1),
        (4, 0.2, 1),
        (10, 0.2, 2),
        (12, 0.2, 2),
        (13, 0.2, 3),
        (100, 0.2, 20),
        (100, 0.1, 10),
        (5, 0.0, 0),
        (5, 1.0, 5),
    ],
)
def test_sample_size_is_round_rate_times_n_with_at_least_one(n, rate, size):
    assert sampling.sample_size(n, rate) == size
    assert len(sampling.draw(range(1, n + 1), rate, seed=7)) == size


def test_rate_outside_0_to_1_is_refused():
    with pytest.raises(ValueError):
        sampling.sample_size(10, 1.5)


def test_same_seed_same_draw_and_sorted():
    ids = list(range(1000, 1500))
    first = sampling.draw(ids, 0.2, seed=123456789)
    assert first == sampling.draw(ids, 0.2, seed=123456789)
    assert first == sorted(first)
    assert set(first) <= set(ids)
    assert len(first) == 100


def test_order_of_input_does_not_matter():
    ids = list(range(1, 301))
    shuffled = ids[:]
    random.Random(4).shuffle(shuffled)
    assert sampling.draw(ids, 0.2, seed=99) == sampling.draw(shuffled, 0.2, seed=99)
    assert sampling.draw(ids + ids[:10], 0.2, seed=99) == sampling.draw(ids, 0.2, seed=99)


def test_different_seeds_draw_differently():
    ids = list(range(1, 301))
    assert sampling.draw(ids, 0.2, seed=1) != sampling.draw(ids, 0.2, seed=2)


def test_new_seed_is_a_positive_63_bit_integer_and_varies():
    seeds = {sampling.new_seed() for _ in range(20)}
    assert len(seeds) > 1
    assert all(0 < s < 2**63 for s in seeds)
    ids = list(range(50))
    for seed in seeds:
        assert sampling.draw(ids, 0.2, seed) == sampling.draw(list(reversed(ids)), 0.2, seed)
