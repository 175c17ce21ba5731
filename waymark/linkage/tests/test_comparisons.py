"""The comparisons for data that arrives from outside (issue 18 item 2) and blocking that does not
need a date of birth (item 3): each level a pair lands on, a missing value always the null level
(weight 0), term frequencies on names, and blocking recall on a small reduced file.

Scored with the untrained configuration (Splink's starting m and u): the level a pair lands on
does not depend on training, and no model is fitted, so these tests stay fast."""

from __future__ import annotations

import random

import pytest

from waymark.linkage import engine, generator, importers, standardise


def _person(uid: str, **extra):
    base = {
        "unique_id": uid,
        "given_std": "MAGDALENA",
        "family_std": "KOWALCZYK",
        "given_phonetic": "MKTLN",
        "family_phonetic": "KLXK",
        "dob": "1980-03-04",
        "birth_year": "1980",
        "postcode_std": "00-950",
        "address_number": "12",
        "address_street": "ULICA DLUGA",
        "address_locality": "WARSZAWA",
    }
    return {**base, **extra}


def _contribution(left: dict, right: dict, field: str, *, others=()) -> dict:
    scores = engine.pairs_predict([left, right, *others], None, threshold=0.0)
    [score] = [s for s in scores if {s.id_l, s.id_r} == {left["unique_id"], right["unique_id"]}]
    [contribution] = [c for c in score.contributions if c["field"] == field]
    return contribution


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        (None, "07700900123", "Phone number missing"),
        ("07700900123", None, "Phone number missing"),
        ("07700900123", "07700900123", "Same phone number"),
        # The trunk 0 typed on one side only (a number copied from an international format).
        ("07700900123", "7700900123", "Same last 9 digits (prefix typed differently)"),
        ("07700900123", "07700900132", "One digit different (typing error)"),
        ("07700900123", "02079460000", "Phone numbers different"),
    ],
)
def test_each_phone_level_and_a_missing_number_is_the_null_level(left, right, label):
    contribution = _contribution(_person("a", phone=left), _person("b", phone=right), "phone")
    assert contribution["label"] == label
    if label == "Phone number missing":
        assert contribution["weight"] == 0.0
    else:
        assert contribution["weight"] != 0.0


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        ("1980-03-04", "1980-04-03", "Day and month transposed"),
        ("1980-03-04", "1980-03-21", "Same year and month, another day"),
        ("1980-03-04", "1980-11-21", "Same year of birth"),
        ("1980-03-04", "1980-03-05", "One digit different (typing error)"),
        ("1980-03-04", "1975-11-21", "Dates of birth different"),
        ("1980-03-04", None, "Date of birth missing"),
    ],
)
def test_each_date_of_birth_level_and_a_missing_date_is_the_null_level(left, right, label):
    def dated(uid, dob):
        return _person(uid, dob=dob, birth_year=dob[:4] if dob else None)

    contribution = _contribution(dated("a", left), dated("b", right), "dob")
    assert contribution["label"] == label
    assert (contribution["weight"] == 0.0) == (label == "Date of birth missing")


def test_a_shared_rare_surname_says_more_than_a_shared_common_one():
    # Twenty KHANs and two KOWALCZYKs, each pair with the same surname and different forenames:
    # the surname level is adjusted by how often the surname occurs.
    forenames = [
        "ALI",
        "OMAR",
        "TARIQ",
        "ZAIN",
        "BILAL",
        "FAISAL",
        "HAMZA",
        "IMRAN",
        "JAVED",
        "KASHIF",
        "NADEEM",
        "OSAMA",
        "QASIM",
        "RASHID",
        "SAJID",
        "UMAR",
        "WAQAS",
        "YASIR",
        "ZUBAIR",
        "EHSAN",
    ]
    khans = [
        _person(f"k{i}", given_std=given, given_phonetic=given[:3], family_std="KHAN")
        for i, given in enumerate(forenames)
    ]
    common = _contribution(khans[0], khans[1], "name", others=khans[2:])
    rare = _contribution(
        _person("r1", given_std="ANNA", given_phonetic="AN"),
        _person("r2", given_std="EWA", given_phonetic="EW"),
        "name",
        others=khans,
    )
    assert common["label"] == rare["label"]
    assert common["label"].startswith("Surname the same, forename different")
    assert rare["weight"] > common["weight"] + 2  # 20 KHANs to 2 KOWALCZYKs: log2(10) bits


def test_phone_numbers_are_cleaned_to_digits_with_the_uk_prefix_as_0():
    assert standardise.phone_clean("+44 (0)7700 900-123") == "07700900123"
    assert standardise.phone_clean("0044 7700 900123") == "07700900123"
    assert standardise.phone_clean("07700 900123 ext. 12") == "07700900123"
    assert standardise.phone_clean("+33 1 23 45 67 89") == "33123456789"
    assert standardise.phone_clean("12 34") == ""


def test_a_phone_column_maps_and_a_short_number_is_a_warning_not_a_rejection():
    assert importers.mapping_suggest("tracker", ["Surname", "Telephone"])["Telephone"] == "phone"
    record, warnings = standardise.record_standardise_warned(
        {"source_ref": "T1", "family_name": "Kowalczyk", "phone": "12 34"}, source_kind="tracker"
    )
    assert record["phone"] == ""
    assert [w["field"] for w in warnings] == ["phone"]
    record, warnings = standardise.record_standardise_warned(
        {"source_ref": "T2", "family_name": "Kowalczyk", "phone": "+44 7700 900123"},
        source_kind="tracker",
    )
    assert record["phone"] == "07700900123" and not warnings
    assert engine.COMPARISON_FIELDS["phone"] == ("phone",)
    assert standardise.engine_record("t:2", "tracker", record)["phone"] == "07700900123"


def test_blocking_recall_is_at_least_0_995_on_a_reduced_file():
    """No identifiers, no nationality, a tenth of the dates of birth gone: the rules that need no
    date of birth still compare at least 99.5 % of the true pairs, at under three comparisons a
    record."""
    gen = generator.generate(600, seed=11)
    records, truth = generator.engine_records(gen)
    rng = random.Random(5)
    reduced = [
        {
            **r,
            "home_office_ref": None,
            "pnc_id": None,
            "nationality": None,
            **({"dob": None, "birth_year": None} if rng.random() < 0.1 else {}),
        }
        for r in records
        if r["source_kind"] != "police"
    ]
    assert sum(r["dob"] is None for r in reduced) > 40
    result = engine.blocking_recall(reduced, truth)
    assert result["recall"] >= 0.995, result
    assert result["comparisons_per_record"] < 3, result


def test_no_partial_agreement_counts_for_more_than_full_agreement():
    """Taking the matches out of u can leave a rare partial level at the u floor: both names one
    typing error apart then outweighed the same name. Training caps it at the full agreement."""
    model = {
        "comparisons": [
            {
                "output_column_name": "name",
                "comparison_levels": [
                    {"is_null_level": True, "label_for_charts": "Name missing"},
                    {"label_for_charts": "Same", "m_probability": 0.8, "u_probability": 2e-4},
                    {
                        "label_for_charts": "Typing error",
                        "m_probability": 0.09,
                        "u_probability": 1e-6,
                    },
                    {"label_for_charts": "Different", "m_probability": 0.11, "u_probability": 0.9},
                ],
            }
        ]
    }
    assert engine._partial_levels_capped(model) == ["name: Typing error"]
    same, typo, different = model["comparisons"][0]["comparison_levels"][1:]
    assert typo["m_probability"] / typo["u_probability"] == pytest.approx(4000)
    assert different["u_probability"] == 0.9 and same["u_probability"] == 2e-4


def test_the_same_full_name_counts_for_less_when_the_name_is_common():
    forenames = ["ALI", "OMAR", "TARIQ", "ZAIN", "BILAL", "FAISAL", "HAMZA", "IMRAN"]
    # Eight MUHAMMAD KHANs (different dates of birth and addresses) and two ANNA NOWAKs.
    khans = [
        _person(
            f"k{i}",
            given_std="MUHAMMAD",
            given_phonetic="MHMT",
            family_std="KHAN",
            family_phonetic="KN",
            postcode_std=f"0{i}-000",
            address_street=f"{street} STREET",
        )
        for i, street in enumerate(forenames)
    ]
    common = _contribution(khans[0], khans[1], "name", others=khans[2:])
    rare = _contribution(
        _person("r1", given_std="ANNA", given_phonetic="AN", family_std="NOWAK"),
        _person("r2", given_std="ANNA", given_phonetic="AN", family_std="NOWAK"),
        "name",
        others=khans,
    )
    assert common["label"] == rare["label"] == "Forename and surname the same"
    assert rare["weight"] > common["weight"] + 1  # 8 to 2: 2 bits at weight 0.5
