"""The engine on files the generator did not shape (issue 18): training never depends on one field,
a missing value is never a disagreement, blocking does not need a date of birth, and the shipped
thresholds link an outside extract (names, dates of birth, addresses, foreign postcodes, typing
errors, no identifiers) at a pairwise F1 of at least 0.95."""

from __future__ import annotations

import random

import pytest

from waymark.linkage import engine, generator, rules
from waymark.linkage.tests import outside_fixtures

IDENTIFIERS = ("home_office_ref", "nationality", "pnc_id")


@pytest.fixture(scope="module")
def generated():
    gen = generator.generate(600, seed=11)
    records, truth = generator.engine_records(gen)
    return [r for r in records if r["source_kind"] != "police"], truth


@pytest.fixture(scope="module")
def outside():
    rows, truth = outside_fixtures.outside_rows(150, seed=18)
    return rows, truth


def _without(records, *columns):
    return [{**r, **dict.fromkeys(columns)} for r in records]


def _foreign_postcodes(records):
    rng = random.Random(3)
    codes: dict[str, str] = {}
    out = []
    for r in records:
        if r["postcode_std"]:
            codes.setdefault(r["postcode_std"], f"{rng.randint(10000, 99999)}")
        out.append(
            {**r, "postcode_std": codes.get(r["postcode_std"] or ""), "postcode_district": None}
        )
    return out


def _dob_missing(records, share=0.10):
    rng = random.Random(5)
    return [{**r, "dob": None, "birth_year": None} if rng.random() < share else r for r in records]


def _assert_trained_or_reported(report):
    trained = set(report["trained"])
    reported = {u["comparison"]: u["reason"] for u in report["untrained"]}
    assert trained | set(reported) == set(engine.COMPARISON_FIELDS)
    assert not trained & set(reported)
    assert all(reason for reason in reported.values())
    assert all(b["pairs"] > 0 for b in report["blocks"] if b["ran"])
    assert all(b.get("skipped") for b in report["blocks"] if not b["ran"])


def _links(records, model):
    scores = engine.pairs_predict(
        records, model, threshold=rules.UPPER_THRESHOLD_DEFAULT, with_contributions=False
    )
    return [s for s in scores if engine.linked(s, rules.UPPER_THRESHOLD_DEFAULT)]


@pytest.mark.parametrize(
    "shape",
    ["no_identifiers", "foreign_postcodes", "dob_missing_10pc", "identifiers_and_postcode_gone"],
)
def test_training_succeeds_on_reduced_generated_files(generated, shape):
    records, truth = generated
    reduced = {
        "no_identifiers": lambda r: _without(r, *IDENTIFIERS),
        "foreign_postcodes": _foreign_postcodes,
        "dob_missing_10pc": _dob_missing,
        "identifiers_and_postcode_gone": lambda r: _foreign_postcodes(_without(r, *IDENTIFIERS)),
    }[shape](records)
    model, report = engine.model_fit(reduced, max_pairs=1e5)
    _assert_trained_or_reported(report)
    assert {"name", "dob"} <= set(report["trained"])
    links = _links(reduced, model)
    assert links
    assert sum(truth[s.id_l] == truth[s.id_r] for s in links) / len(links) > 0.95
    if shape in ("no_identifiers", "identifiers_and_postcode_gone"):
        reported = {u["comparison"] for u in report["untrained"]}
        assert set(IDENTIFIERS) <= reported


@pytest.mark.parametrize(
    ("drop", "trained"),
    [
        ((), {"name", "dob", "address"}),
        (("address", "postcode"), {"name", "dob"}),  # only names and dates of birth
        (("date_of_birth",), {"name", "address"}),  # a field empty in every row
        (("address",), {"name", "dob", "address"}),  # the postcode alone is the address
    ],
)
def test_an_outside_file_trains_whatever_fields_it_has(outside, drop, trained):
    rows, truth = outside
    records, _by_id = outside_fixtures.engine_records_of(rows, truth, drop=drop)
    model, report = engine.model_fit(records, max_pairs=1e5)
    _assert_trained_or_reported(report)
    assert trained <= set(report["trained"])
    untrained = {u["comparison"] for u in report["untrained"]}
    assert set(IDENTIFIERS) | {"sex"} <= untrained
    assert _links(records, model)


def test_a_file_with_no_pair_for_the_prior_falls_back_with_a_warning():
    records = [
        {"unique_id": str(i), "given_std": f"NAME{i}", "family_std": f"FAMILY{i % 7}"}
        for i in range(60)
    ]
    model, report = engine.model_fit(records, max_pairs=1e4)
    assert report["prior_source"] == "configured"
    assert model["probability_two_random_records_match"] == rules.TRAINING_PRIOR_FALLBACK
    assert any("configured" in w for w in report["warnings"])
    _assert_trained_or_reported(report)


def test_pairwise_f1_on_an_outside_file_at_the_shipped_thresholds(outside):
    rows, truth = outside
    records, by_id = outside_fixtures.engine_records_of(rows, truth)
    model, _report = engine.model_fit(records, max_pairs=2e5)
    scores = engine.pairs_predict(
        records, model, threshold=rules.LOWER_THRESHOLD_DEFAULT, with_contributions=False
    )
    result = engine.pairwise_accuracy(
        [(s.id_l, s.id_r, 0.0 if s.guarded else s.match_probability) for s in scores],
        by_id,
        threshold=rules.UPPER_THRESHOLD_DEFAULT,
        ids=list(by_id),
    )
    assert result["f1"] >= 0.95, result
    assert result["precision"] >= 0.99, result


# --- a missing value is never a disagreement; the twins guard ---------------------------------------


def _person(uid, given, **extra):
    base = {
        "unique_id": uid,
        "given_std": given,
        "family_std": "KOWALCZYK",
        "given_phonetic": None,
        "family_phonetic": "KALSK",
        "dob": "1980-03-04",
        "birth_year": "1980",
        "postcode_std": "00-950",
        "address_number": "12",
        "address_street": "ULICA DLUGA",
        "address_locality": "WARSZAWA",
    }
    return {**base, **extra}


@pytest.fixture(scope="module")
def outside_model(outside):
    rows, truth = outside
    records, _ = outside_fixtures.engine_records_of(rows, truth)
    return engine.model_fit(records, max_pairs=1e5)[0]


def _score(model, left, right):
    [score] = [
        s
        for s in engine.pairs_predict([left, right], model, threshold=0.0)
        if {s.id_l, s.id_r} == {left["unique_id"], right["unique_id"]}
    ]
    return score


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("MAGDALENA", None),  # one forename missing
        (None, "MAGDALENA"),
        ("MAGDALENA", "MAGDALEAN"),  # one edit away (a transposition)
        ("MAGDALENA", "MAGDALENAS"),
        ("M", "MAGDALENA"),  # an initial
    ],
)
def test_a_missing_or_mistyped_forename_never_triggers_the_twins_guard(outside_model, left, right):
    score = _score(outside_model, _person("a", left), _person("b", right))
    assert not score.guarded
    assert not any(c["field"] == "twins_guard" for c in score.contributions)


def test_clearly_different_forenames_are_guarded_and_the_pair_says_why(outside_model):
    score = _score(outside_model, _person("a", "MAGDALENA"), _person("b", "KATARZYNA"))
    assert score.guarded and not engine.linked(score, 0.0)
    [reason] = [c for c in score.contributions if c["field"] == "twins_guard"]
    assert "MAGDALENA" in reason["label"] and "KATARZYNA" in reason["label"]
    assert "clearly different" in reason["label"]


def test_missing_values_are_null_levels_not_disagreements(outside_model):
    full = _person("a", "MAGDALENA")
    no_dob = _person("b", "MAGDALENA", dob=None, birth_year=None)
    no_address = _person(
        "c",
        "MAGDALENA",
        postcode_std=None,
        address_number=None,
        address_street=None,
        address_locality=None,
    )
    for other, missing in ((no_dob, "dob"), (no_address, "address")):
        score = _score(outside_model, full, other)
        weights = {c["field"]: c["weight"] for c in score.contributions}
        labels = {c["field"]: c["label"] for c in score.contributions}
        assert weights[missing] == 0 and "missing" in labels[missing]
        assert all(weights[f] == 0 for f in (*IDENTIFIERS, "sex"))


@pytest.mark.parametrize(
    ("change"),
    [
        {"dob": None, "birth_year": None},  # same name and postcode, no date of birth
        {"dob": None, "birth_year": None, "postcode_std": None},  # name and address
        {"dob": "1980-04-03", "postcode_std": None, "address_street": None},  # name and year
    ],
)
def test_blocking_compares_pairs_without_a_date_of_birth(outside_model, change):
    left = _person("a", "MAGDALENA", given_phonetic="MAGDALAN")
    right = {**_person("b", "MAGDALENA", given_phonetic="MAGDALAN"), **change}
    pairs = engine.pairs_predict([left, right], outside_model, threshold=0.0)
    assert pairs, change


# --- blocking recall (issue 18 item 3) --------------------------------------------------------------


def test_blocking_recall_counts_the_true_pairs_a_rule_compares():
    records = [
        {"unique_id": "a", "given_std": "ANA", "family_std": "SILVA", "dob": "1990-01-02"},
        {"unique_id": "b", "given_std": "ANA", "family_std": "SILVA", "dob": "1990-01-02"},
        {"unique_id": "c", "given_std": "ZOE", "family_std": "BROWN", "dob": "1970-05-06"},
    ]
    truth = {"a": "p1", "b": "p1", "c": "p1"}
    rule = "l.dob = r.dob"
    result = engine.blocking_recall(records, truth, rules=[rule], missed_sample=5)
    assert (result["true_pairs"], result["compared"]) == (3, 1)
    assert result["recall"] == 1 / 3
    assert result["comparisons"] == 1 and result["comparisons_per_record"] == 1 / 3
    assert len(result["missed"]) == 2
    assert all("c" in {left["unique_id"], right["unique_id"]} for left, right in result["missed"])


def test_the_scores_count_every_pair_the_blocking_rules_compare(generated, outside_model):
    """``pairs_predict`` keeps the pairs above its threshold but counts every pair its rules
    compared (Splink's blocked pairs): the same number ``blocking_recall`` enumerates, which a
    run's report now takes from the scores instead of enumerating again."""
    records, truth = generated
    table = engine.records_table(records)
    scores = engine.pairs_predict(table, outside_model, threshold=0.99, with_contributions=False)
    enumerated = engine.blocking_recall(table, truth)["comparisons"]
    assert scores.compared == enumerated > len(scores) > 0


def test_records_among_keeps_the_rows_asked_for_with_the_whole_files_keys(generated):
    records, _truth = generated
    table = engine.records_table(records)
    wanted = [r["unique_id"] for r in records[::3]]
    among = engine.records_among(table, wanted)
    assert among.column("unique_id").to_pylist() == wanted
    whole = {r["unique_id"]: r for r in table.to_pylist()}
    assert all(whole[row["unique_id"]] == row for row in among.to_pylist())


def _phonetic(record):
    from waymark.linkage import standardise

    out = dict(record)
    for part in ("given", "family"):
        value = record.get(f"{part}_std")
        out[f"{part}_phonetic"] = standardise.phonetic(value) if value else None
    return out


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # the same rare name, one date of birth missing, a move
        (
            {"given_std": "MAGDALENA", "family_std": "KOWALCZYK", "dob": "1980-03-04"},
            {"given_std": "MAGDALENA", "family_std": "KOWALCZYK", "postcode_std": "75001"},
        ),
        # day and month transposed, a typing error in the surname, a move
        (
            {"given_std": "ESRA", "family_std": "SANTOS", "dob": "1973-08-03"},
            {"given_std": "ESQA", "family_std": "SANTOS", "dob": "1973-03-08"},
        ),
        # names swapped with a typing error, the same date of birth
        (
            {"given_std": "WALID", "family_std": "HARSAN", "dob": "1985-04-28"},
            {"given_std": "HASSAN", "family_std": "WALID", "dob": "1985-04-28"},
        ),
        # forename missing, a typing error in the surname, the same date of birth
        (
            {"given_std": "IVAN", "family_std": "OHRVAT", "dob": "1953-12-21"},
            {"given_std": None, "family_std": "HORVAT", "dob": "1953-12-21"},
        ),
        # an alias surname and a typing error in the forename, a move, the same date of birth
        (
            {"given_std": "GEORGI", "family_std": "IVANOV", "dob": "1981-07-23"},
            {"given_std": "GEORI", "family_std": "SMIRNOV", "dob": "1981-07-23"},
        ),
        # names swapped with a typing error in one, one date of birth missing, a move (each
        # record the left one in turn: a rule each way round)
        (
            {"given_std": "TOMAS", "family_std": "KAZLAUSKAS", "dob": "1997-12-29"},
            {"given_std": "KAZLAUSKAS", "family_std": "TOMKAS", "postcode_std": "L12 4JY"},
        ),
        (
            {"given_std": "KAZLAUSKAS", "family_std": "TOMKAS", "postcode_std": "L12 4JY"},
            {"given_std": "TOMAS", "family_std": "KAZLAUSKAS", "dob": "1997-12-29"},
        ),
    ],
)
def test_pairs_that_agree_on_no_address_are_still_compared(left, right):
    records = [_phonetic({"unique_id": "a", **left}), _phonetic({"unique_id": "b", **right})]
    result = engine.blocking_recall(records, {"a": "p", "b": "p"})
    assert result["compared"] == 1, (left, right)


def test_names_swapped_with_a_typing_error_and_no_date_of_birth_reach_splink_and_the_matcher(
    outside_model,
):
    """The swapped-name rules (one record's forename the other's surname, the other name's first
    two letters the same, one date of birth missing) generate the pair in Splink's own blocking,
    either record first, and the incremental matcher's lookup finds it."""
    tomas = _phonetic(
        _person("a", "TOMAS", family_std="KAZLAUSKAS", dob="1997-12-29", birth_year="1997")
    )
    swapped = _phonetic(
        _person(
            "b",
            "KAZLAUSKAS",
            family_std="TOMKAS",
            dob=None,
            birth_year=None,
            postcode_std="L12 4JY",
            address_number="210",
            address_street="STATION STREET",
            address_locality="LIVERPOOL",
        )
    )
    for left, right in (
        (tomas, swapped),
        ({**swapped, "unique_id": "a"}, {**tomas, "unique_id": "b"}),
    ):
        assert engine.pairs_predict([left, right], outside_model, threshold=0.0), left
    matcher = engine.Matcher(outside_model, [tomas, _phonetic(_person("other", "KATARZYNA"))])
    try:
        found = matcher.match({**swapped, "unique_id": "probe"}, limit=5)
        assert [s.id_r for s in found] == ["a"]
    finally:
        matcher.close()


def test_a_common_name_alone_is_never_a_block():
    common = {"given_std": "MUHAMMAD", "family_std": "KHAN"}
    most = rules.BLOCKING_RARE_NAME_MAX
    records = [_phonetic({"unique_id": str(i), **common}) for i in range(most + 1)]
    records[0]["dob"] = "1980-01-01"
    result = engine.blocking_recall(records, dict.fromkeys((r["unique_id"] for r in records), "p"))
    assert result["compared"] == 0 and result["comparisons"] == 0


@pytest.mark.parametrize("rule", ["dob_given_rare", "dob_family_rare"])
def test_a_common_date_of_birth_and_initial_is_never_a_block(rule):
    """The date of birth with one name's first letter blocks only while at most
    ``rules.BLOCKING_RARE_NAME_MAX`` records share them: 01/01/YYYY, common where a date is not
    known, must not grow with the square of the records."""
    most = rules.BLOCKING_RARE_NAME_MAX

    def crowd(n):
        return [
            {"unique_id": str(i), "given_std": f"A{i}", "family_std": f"K{i}", "dob": "1980-01-01"}
            for i in range(n)
        ]

    only = [f"l.{rule} = r.{rule}"]
    few, many = crowd(most), crowd(most + 1)
    assert (
        engine.blocking_recall(few, dict.fromkeys((r["unique_id"] for r in few), "p"), rules=only)[
            "compared"
        ]
        == most * (most - 1) // 2
    )
    result = engine.blocking_recall(
        many, dict.fromkeys((r["unique_id"] for r in many), "p"), rules=only
    )
    assert result["compared"] == 0 and result["comparisons"] == 0


@pytest.mark.parametrize(
    ("shape", "least"),
    # A tenth of the dates of birth gone leaves some pairs with only a common name and two
    # addresses (a move): they are never compared, by design (a common name is no block).
    [("no_identifiers", 0.99), ("dob_missing_10pc", 0.98), ("foreign_postcodes", 0.99)],
)
def test_blocking_recall_on_reduced_generated_files(generated, shape, least):
    records, truth = generated
    reduced = {
        "no_identifiers": lambda r: _without(r, *IDENTIFIERS),
        "foreign_postcodes": _foreign_postcodes,
        "dob_missing_10pc": lambda r: _dob_missing(_without(r, *IDENTIFIERS)),
    }[shape](records)
    result = engine.blocking_recall(reduced, truth)
    assert result["recall"] >= least, result
    assert result["comparisons_per_record"] < 10, result


# --- incremental matching: candidates capped and ordered (issue 18 item 7) ------------------------


def test_incremental_candidates_are_capped_and_the_most_agreeing_come_first(outside_model):
    same = _phonetic(_person("same", "MAGDALENA", given_phonetic=None))
    # Many records sharing only the date of birth and the initials (one blocking rule each), one
    # agreeing on the name, the date of birth and the address (several rules).
    crowd = [
        _phonetic(
            {
                "unique_id": f"crowd{i}",
                "given_std": f"M{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}X",
                "family_std": f"K{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}Y",
                "dob": "1980-03-04",
            }
        )
        for i in range(rules.INCREMENTAL_MAX_SCORED * 2)
    ]
    matcher = engine.Matcher(outside_model, [*crowd, same])
    try:
        probe = _phonetic({**_person("probe", "MAGDALENA"), "given_phonetic": None})
        ranked = matcher.candidate_ids(probe)
        assert len(ranked) == rules.INCREMENTAL_MAX_SCORED
        agreeing = [a for _rid, a, _smallest in ranked]
        assert agreeing == sorted(agreeing, reverse=True) and agreeing[0] > agreeing[-1]
        found = matcher.match(probe, limit=3)
        assert found[0].id_r == "same"
    finally:
        matcher.close()


def test_incremental_scores_are_splinks_own(outside, outside_model):
    rows, truth = outside
    records, _ = outside_fixtures.engine_records_of(rows, truth)
    matcher = engine.Matcher(outside_model, records)
    try:
        for record in records[:12]:
            probe = {**record, "unique_id": "probe"}
            found = matcher.match(probe, limit=50)
            candidates = matcher._candidates({**probe, **matcher._probe(probe)})
            frame = matcher._linker.inference.score_pairs(
                [matcher._with_tf({**probe, **matcher._probe(probe)})] * len(candidates),
                [matcher._with_tf(c) for c in candidates],
            )
            splink = {s.id_r: s.match_weight for s in engine._scores(frame, matcher.settings)}
            assert found
            for score in found:
                assert score.match_weight == pytest.approx(splink[score.id_r], abs=1e-9)
    finally:
        matcher.close()


def test_incremental_lookup_quotes_what_it_writes_into_the_sql(outside_model):
    odd = _phonetic(_person("odd", "MAGDALENA", family_std="O'BRIEN'); DROP TABLE population; --"))
    matcher = engine.Matcher(outside_model, [odd, _phonetic(_person("other", "KATARZYNA"))])
    try:
        found = matcher.match({**odd, "unique_id": "probe"}, limit=5)
        assert found and found[0].id_r == "odd"
        assert matcher.session.con.execute("SELECT count(*) FROM population").fetchone() == (2,)
    finally:
        matcher.close()


def test_incremental_index_finds_what_the_scan_finds_in_the_same_order(outside, outside_model):
    """The in-process index (sorted key hashes) answers exactly as the DuckDB scan it replaced:
    the same candidates, rules agreeing and block sizes, in the same order; so the top candidate
    Splink scores is the same as before."""
    rows, truth = outside
    records, _ = outside_fixtures.engine_records_of(rows, truth)
    matcher = engine.Matcher(outside_model, records)
    try:
        compared = 0
        for record in records[::7][:60]:
            probe = {**record, "unique_id": "probe"}
            indexed = [(rid, a, s) for rid, a, s, _row in matcher._ranked(probe)]
            scanned = [(rid, a, s) for rid, a, s, _row in matcher._ranked_scan(probe)]
            assert indexed == scanned, record["unique_id"]
            compared += bool(indexed)
        assert compared > 50
    finally:
        matcher.close()


def test_residual_conditions_follow_sql_null_rules():
    test = engine._residual_test(
        "(l.given_std = p.family_std OR l.given_std IS NULL) AND p.dob IS NOT NULL"
    )
    assert test({"given_std": "ANA"}, {"family_std": "ANA", "dob": "1990-01-01"})
    assert test({"given_std": None}, {"family_std": None, "dob": "1990-01-01"})
    assert not test({"given_std": "ANA"}, {"family_std": None, "dob": "1990-01-01"})
    assert not test({"given_std": "ANA"}, {"family_std": "ANA", "dob": None})
    assert engine._residual_test("") is None
    with pytest.raises(ValueError, match="not understood"):
        engine._residual_test("l.dob > p.dob")
