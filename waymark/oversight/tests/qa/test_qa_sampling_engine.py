"""What quality assurance added to the platform's seeded draw (``waymark.core.sampling``), kept
compatible with NRM's dip sample: the seed's ranking, a limit (a cap) that keeps the ranking's
first ids, and the population hash recorded with a draw."""

from __future__ import annotations

from waymark.core import sampling


def test_a_draw_without_a_limit_is_unchanged_and_a_limit_keeps_the_ranking_head():
    population = list(range(1, 201))
    full = sampling.draw(population, 0.25, seed=99)
    assert len(full) == 50
    ranking = sampling.ranked(population, 99)
    assert full == sorted(ranking[:50])
    capped = sampling.draw(population, 0.25, seed=99, limit=7)
    assert capped == sorted(ranking[:7]) and set(capped) <= set(full)
    assert sampling.draw(population, 0.25, seed=99, limit=0) == []
    assert sampling.draw(population, 0.25, seed=99, limit=500) == full


def test_the_population_hash_ignores_order_and_duplicates():
    assert sampling.population_hash([3, 1, 2, 2]) == sampling.population_hash([1, 2, 3])
    assert sampling.population_hash([1, 2, 3]) != sampling.population_hash([1, 2, 4])
    assert len(sampling.population_hash([])) == 64
