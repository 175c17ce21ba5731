"""The seeded tracker: every recommendation of the five seeds, counted as each seed numbers them,
each with its text, and the Home Office's response where the seed gives one (002 and 004)."""

from __future__ import annotations

from collections import Counter

import pytest

from waymark.oversight import rules, services
from waymark.oversight.models import Recommendation, Response


def test_the_data_file_counts_match_each_seed_s_own_numbering():
    data = services.recommendations_data()
    counts = Counter(item["seed"] for item in data["recommendations"])
    assert dict(counts) == rules.SEED_RECOMMENDATION_COUNTS
    assert {s["seed"]: s["count"] for s in data["sources"]} == rules.SEED_RECOMMENDATION_COUNTS


def test_every_recommendation_has_text_and_a_unique_number():
    items = services.recommendations_data()["recommendations"]
    assert all(len(item["text"]) > 40 for item in items)
    assert len({(i["seed"], i["number"]) for i in items}) == len(items)


def test_numbers_follow_the_reports():
    items = services.recommendations_data()["recommendations"]
    numbers = {
        seed: [i["number"] for i in items if i["seed"] == seed]
        for seed in rules.SEED_RECOMMENDATION_COUNTS
    }
    assert numbers["000"] == ["1", "2", "3", "4", "5"]
    assert numbers["001"] == [str(n) for n in range(1, 9)]
    assert numbers["003"] == [str(n) for n in range(1, 7)]
    assert numbers["004"] == [str(n) for n in range(1, 8)]
    # 002: "25 recommendations covering 7 themes", 1a and 5e each in three parts.
    assert numbers["002"][:3] == ["1a(i)", "1a(ii)", "1a(iii)"]
    assert "5e(iii)" in numbers["002"] and numbers["002"][-1] == "7c"


def test_responses_are_the_ones_the_seeds_give():
    items = {
        (i["seed"], i["number"]): i for i in services.recommendations_data()["recommendations"]
    }
    # 000, 001 and 003 are inspection reports: no response in them.
    assert all(
        i["response"] == "not_given"
        for (seed, _), i in items.items()
        if seed in ("000", "001", "003")
    )
    # 004: "We accept 5 and partially accept 2 of the 7 recommendations" (3 and 4).
    partial = sorted(
        n
        for (seed, n), i in items.items()
        if seed == "004" and i["response"] == "partially_accepted"
    )
    assert partial == ["3", "4"]
    assert all(items[("004", n)]["response_text"] for n in "1234567")
    # 002: recommendations 5 and 6 partially accepted, the rest accepted; 5d rejected.
    assert items[("002", "5d")]["response"] == "rejected"
    assert items[("002", "6d")]["response"] == "partially_accepted"
    assert items[("002", "2a")]["response"] == "accepted"
    assert all(i["response_text"] for (seed, _), i in items.items() if seed == "002")


@pytest.mark.django_db
def test_seeding_loads_every_recommendation_once_and_is_idempotent():
    first = services.recommendations_seed(actor=None)
    assert first == {"created": 51, "updated": 0}
    assert services.recommendations_seed(actor=None) == {"created": 0, "updated": 0}
    per_seed = Counter(Recommendation.objects.values_list("seed", flat=True))
    assert dict(per_seed) == rules.SEED_RECOMMENDATION_COUNTS
    assert not Recommendation.objects.filter(text="").exists()
    assert Recommendation.objects.filter(response=Response.REJECTED).count() == 1


@pytest.mark.django_db
def test_the_management_command_loads_the_recommendations():
    from django.core.management import call_command

    call_command("oversight_load_recommendations")
    assert Recommendation.objects.count() == sum(rules.SEED_RECOMMENDATION_COUNTS.values())
