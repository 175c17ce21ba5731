"""The linkage engine on its own: the one pipeline configuration, rendered for DuckDB and for
Spark, clustering, accuracy arithmetic and incremental matching (brief linkage.md §2)."""

from __future__ import annotations

import json

import pytest
import sqlglot

from waymark.linkage import engine, generator


@pytest.fixture(scope="module")
def generated():
    gen = generator.generate(3_000, seed=7)
    records, truth = generator.engine_records(gen)
    records = [r for r in records if r["source_kind"] != "police"]
    return records, truth


@pytest.fixture(scope="module")
def model(generated):
    return engine.model_train(generated[0], max_pairs=2e5)


def _sql_of(settings: dict) -> list[str]:
    sqls = [
        level["sql_condition"]
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
        if level["sql_condition"] != "ELSE"
    ]
    sqls += [rule["blocking_rule"] for rule in settings["blocking_rules_to_generate_predictions"]]
    return sqls


def test_the_same_configuration_renders_valid_spark_sql_with_splinks_spark_functions():
    spark = engine.pipeline_settings().get_settings("spark").as_dict()
    duck = engine.pipeline_settings().get_settings("duckdb").as_dict()
    assert len(_sql_of(spark)) == len(_sql_of(duck))
    for sql in _sql_of(spark):
        sqlglot.parse_one(
            f"SELECT * FROM l JOIN r ON {sql}" if sql.startswith("l.") else f"SELECT {sql}",  # noqa: S608
            read="spark",
        )
    text = " ".join(_sql_of(spark))
    # Spark runs Splink's similarity UDFs (its jar), DuckDB its built-in functions.
    assert "jaro_winkler(" in text and "jaro_winkler_similarity" not in text
    assert "jaro_winkler_similarity" in " ".join(_sql_of(duck))
    assert [c["output_column_name"] for c in spark["comparisons"]] == list(engine.COMPARISON_FIELDS)


def test_the_trained_model_has_m_and_u_where_the_data_shows_them(model):
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] not in ("name", "dob", "home_office_ref", "postcode"):
            continue  # PNC IDs and sex are too sparse among the matches of 3,000 rows to train here
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        # Agreeing and disagreeing levels are seen in any sample; rarer levels (a swap, a one-digit
        # typo) may not be in a small one, and Splink then keeps them neutral until data shows them.
        assert 0 < levels[-1]["u_probability"] <= 1, comparison["output_column_name"]
        exact = levels[0]
        assert 0 < exact["m_probability"] <= 1
        assert exact["m_probability"] > exact["u_probability"], comparison["output_column_name"]


def test_pairs_carry_per_field_reasons_that_sum_to_the_weight(generated, model):
    records, _ = generated
    pairs = engine.pairs_predict(records, model, threshold=0.5)
    assert pairs
    top = pairs[0]
    assert {c["field"] for c in top.contributions} == set(engine.COMPARISON_FIELDS)
    prior = model["probability_two_random_records_match"]
    import math

    prior_weight = math.log2(prior / (1 - prior))
    assert top.match_weight == pytest.approx(
        prior_weight + sum(c["weight"] for c in top.contributions), abs=1e-6
    )
    assert pairs == sorted(pairs, key=lambda p: -p.match_probability)


def test_our_clusters_agree_with_splinks_connected_components(generated, model):
    records, _ = generated
    threshold = 0.99
    pairs = engine.pairs_predict(records, model, threshold=threshold, with_contributions=False)
    ours = engine.clusters([r["unique_id"] for r in records], [(p.id_l, p.id_r) for p in pairs])
    theirs = engine.splink_clusters(records, model, threshold=threshold)

    def partition(mapping):
        groups: dict = {}
        for uid, cluster in mapping.items():
            groups.setdefault(cluster, set()).add(uid)
        return {frozenset(g) for g in groups.values()}

    assert partition(ours) == partition(theirs)


def test_accuracy_counts_pairs_against_the_truth():
    truth = {"a": 1, "b": 1, "c": 1, "d": 2}
    # a-b found, c missed, d wrongly joined to a: 1 of 3 true pairs, 1 of 3 predicted pairs.
    result = engine.pairwise_accuracy(
        [("a", "b", 0.99), ("a", "d", 0.99), ("b", "c", 0.2)], truth, threshold=0.9, ids=list(truth)
    )
    assert result["precision"] == pytest.approx(0.5) and result["recall"] == pytest.approx(1 / 3)
    clustered = engine.accuracy([("a", "b"), ("a", "d")], truth)
    assert clustered["precision"] == pytest.approx(1 / 3) and clustered["recall"] == pytest.approx(
        1 / 3
    )


def test_the_model_separates_twins(generated, model):
    records, truth = generated
    pairs = engine.pairs_predict(records, model, threshold=0.99, with_contributions=False)
    wrong = [p for p in pairs if truth[p.id_l] != truth[p.id_r]]
    assert len(wrong) / max(1, len(pairs)) < 0.02


def test_incremental_match_finds_the_same_person_with_the_same_model(generated, model):
    records, truth = generated
    matcher = engine.Matcher(model, records)
    try:
        probe = dict(records[10], unique_id="probe")
        found = matcher.match(probe, limit=3)
        assert found and truth[found[0].id_r] == truth[records[10]["unique_id"]]
        assert found[0].contributions
        assert matcher.match({"unique_id": "nobody"}) == []
    finally:
        matcher.close()


def test_training_needs_two_records():
    with pytest.raises(engine.EngineError):
        engine.model_train([{"unique_id": "1"}])


def test_contributions_read_in_chunks_are_the_pairs_own_and_are_not_kept(
    generated, model, monkeypatch
):
    records, _ = generated
    pairs = engine.pairs_predict(records, model, threshold=0.5)
    assert len(pairs) > 10
    monkeypatch.setattr(engine, "CONTRIBUTIONS_CHUNK", 3)
    read = engine.contributions_read(pairs)
    assert all(p._contributions is None for p in pairs)  # nothing kept on the pairs
    brief = engine.contributions_brief(pairs)
    assert all(p._contributions is None for p in pairs)
    engine.contributions_fill(pairs)
    assert read == [p.contributions for p in pairs]
    assert any(c["field"] == "twins_guard" for r in read for c in r) == any(p.guard for p in pairs)
    # The brief reasons a run keeps on its links: the same, from the pairs' table or once read,
    # and the JSON text made from them is what dumping them gives.
    from waymark.linkage.services.review import _compact, _compact_text

    compact = [_compact(r) for r in read]
    assert brief == engine.contributions_brief(pairs)
    assert [[dict(zip(_BRIEF, c, strict=True)) for c in b] for b in brief] == compact
    heads: dict = {}
    assert [_compact_text(b, heads) for b in brief] == [json.dumps(c) for c in compact]
    odd = [("name", "Name", 'a "quoted" \\ label', w) for w in (-0.0, 1e-300, 3, 2.5e16)]
    assert _compact_text(odd, heads) == json.dumps([dict(zip(_BRIEF, c, strict=True)) for c in odd])


_BRIEF = ("field", "description", "label", "weight")
