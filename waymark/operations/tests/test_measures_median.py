"""The closure median on the measures page is ``statistics.median`` of every closure's hours,
made from (hours, count) pairs without repeating each value its count of times."""

from __future__ import annotations

import random
import statistics

from waymark.operations.selectors.measures_read_model import _weighted_median


def test_the_weighted_median_is_the_median_of_the_values_repeated():
    rng = random.Random(2026)
    for size in [1, 2, 3, 4, 5, 10, 50]:
        for _ in range(200):
            pairs = [
                (round(rng.uniform(0, 200), 2), rng.randint(1, 4))
                for _ in range(rng.randint(1, size))
            ]
            values = [value for value, count in pairs for _ in range(count)]
            assert _weighted_median(list(pairs)) == statistics.median(values), pairs


def test_no_closures_have_no_median():
    assert _weighted_median([]) is None
