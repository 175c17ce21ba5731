"""The linkage engine: Splink 5 (Fellegi-Sunter) on DuckDB, with one pipeline configuration.

Everything here is pure: records in (the dicts of ``standardise.engine_record``), scores out. No
Django models, so the benchmark, the services and the Spark check share exactly this code.

- ``pipeline_settings()`` is the configuration (comparisons and blocking rules) every backend runs;
  ``model_train`` estimates its m and u probabilities without labels (random sampling for u,
  expectation maximisation for m), as a real migration must.
- ``pairs_predict`` / ``pairs_between`` score the blocked pairs and keep each comparison's
  contribution (label, Bayes factor, weight, the two values), so a caseworker sees why.
- ``clusters`` joins records linked at or above a threshold (connected components).
- ``Matcher`` scores one new record against a held population (intake, encounters,
  correspondence) with the same model.
"""

from __future__ import annotations

import array
import bisect
import contextlib
import itertools
import logging
import random
import re
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import jellyfish
import pyarrow as pa

# Splink logs every step at INFO; the services record their own timings.
# Splink warns about levels a small training set never shows; the run's own report says more.
for _name in ("splink", "splink.internals"):
    logging.getLogger(_name).setLevel(logging.ERROR)

COLUMNS = [
    "unique_id",
    "source_kind",
    "given_std",
    "middle_std",
    "family_std",
    "given_phonetic",
    "family_phonetic",
    "dob",
    "birth_year",
    "sex",
    "nationality",
    "postcode_std",
    "postcode_district",
    "home_office_ref",
    "pnc_id",
    "address_number",
    "address_street",
    "address_locality",
    "name_initials",
    "dob_unordered",
    "name_rare",
    "given_rare",
    "family_rare",
    "surname_rare",
    "dob_given_rare",
    "dob_family_rare",
    "given_swap_rare",
    "family_swap_rare",
    "name_full",
    "phone",
]

# Which record fields each comparison shows side by side on the pair page.
COMPARISON_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("given_std", "family_std"),
    "dob": ("dob",),
    "home_office_ref": ("home_office_ref",),
    "pnc_id": ("pnc_id",),
    "nationality": ("nationality",),
    "address": ("postcode_std", "address_number", "address_street", "address_locality"),
    "phone": ("phone",),
    "sex": ("sex",),
}
COMPARISON_LABELS = {
    "name": "Name",
    "dob": "Date of birth",
    "home_office_ref": "Home Office reference",
    "pnc_id": "Police National Computer ID",
    "nationality": "Nationality",
    "address": "Address and postcode",
    "phone": "Phone number",
    "sex": "Sex",
}


# The columns whose term frequencies the comparisons adjust by.
TF_COLUMNS = (
    "name_full",
    "dob",
    "nationality",
    "address_street",
    "given_std",
    "family_std",
    "phone",
)
# The digits of a phone number that identify the line whatever prefix was typed: the last 9 of a
# UK number (07700 900123 and +44 7700 900123 share them) and of most other countries' numbers.
PHONE_SUFFIX_DIGITS = 9
# How much the same full name's weight follows the name's frequency (issue 18 item 2): the same
# MUHAMMAD KHAN says less than the same MAGDALENA KOWALCZYK. At 1.0 (Splink's default) the model
# ranks pairs best but its probabilities fall for every common name, so fewer pairs reach the
# shipped upper threshold; at 0.5, on generated files without identifiers (seeds other than the
# benchmark's), wrong links fell by two thirds for about 0.001 of F1 at the shipped thresholds.
NAME_TF_WEIGHT = 0.5


class EngineError(Exception):
    """The engine could not run (no records, an untrainable model)."""


def _tf(column: str, weight: float = 1.0) -> dict[str, Any]:
    """A level's term-frequency adjustment on ``column`` relative to the level's own u (not an
    exact-match level's: a name level is an exact match on two columns, which Splink's detection
    does not recognise)."""
    return {
        "tf_adjustment_column": column,
        "tf_adjustment_weight": weight,
        "disable_tf_exact_match_detection": True,
    }


def _comparisons():
    """The comparisons, built from Splink's level creators so each backend renders its own SQL
    (DuckDB's ``jaro_winkler_similarity`` is Spark's ``jaro_winkler`` UDF, and so on)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def custom(sql: str, label: str, **options):
        return cll.CustomLevel(sql).configure(label_for_charts=label, **options)

    def both(level_given, level_family):
        return cll.And(level_given, level_family)

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="Forename and surname",
        comparison_levels=[
            cll.And(cll.NullLevel("given_std"), cll.NullLevel("family_std")).configure(
                is_null_level=True, label_for_charts="Name missing"
            ),
            both(cll.ExactMatchLevel("given_std"), cll.ExactMatchLevel("family_std")).configure(
                label_for_charts="Forename and surname the same",
                **_tf("name_full", NAME_TF_WEIGHT),
            ),
            # One direction (Splink's default): it also fires when one record's forename is the
            # other's surname (ALI, AHMED), so its trained u is about 1 in 900 and its weight
            # modest. Both directions (symmetrical=True) was tried for issue 18: its u falls to
            # about 1 in a million and different people named ALI AHMED and AHMED ALI were then
            # linked (pairwise precision 0.99 -> 0.97 without identifiers).
            cll.ColumnsReversedLevel("given_std", "family_std").configure(
                label_for_charts="Forename and surname swapped"
            ),
            both(
                cll.JaroWinklerLevel("given_std", 0.92), cll.JaroWinklerLevel("family_std", 0.92)
            ).configure(label_for_charts="Both names spelled nearly the same (typing error)"),
            both(
                cll.ExactMatchLevel("family_std"), cll.ExactMatchLevel("given_phonetic")
            ).configure(label_for_charts="Surname the same, forename sounds the same"),
            both(
                cll.ExactMatchLevel("given_std"), cll.ExactMatchLevel("family_phonetic")
            ).configure(label_for_charts="Forename the same, surname sounds the same"),
            both(
                cll.JaroWinklerLevel("given_std", 0.85), cll.JaroWinklerLevel("family_std", 0.85)
            ).configure(label_for_charts="Both names similar"),
            both(cll.NullLevel("given_std"), cll.ExactMatchLevel("family_std")).configure(
                label_for_charts="Surname the same, forename missing", **_tf("family_std")
            ),
            both(cll.NullLevel("family_std"), cll.ExactMatchLevel("given_std")).configure(
                label_for_charts="Forename the same, surname missing", **_tf("given_std")
            ),
            both(cll.NullLevel("given_std"), cll.JaroWinklerLevel("family_std", 0.92)).configure(
                label_for_charts="Surname nearly the same, forename missing"
            ),
            cll.ExactMatchLevel("family_std").configure(
                label_for_charts="Surname the same, forename different (an alias or a relative)",
                **_tf("family_std"),
            ),
            cll.ExactMatchLevel("given_std").configure(
                label_for_charts="Forename the same, surname different (an alias)",
                **_tf("given_std"),
            ),
            cll.ElseLevel().configure(label_for_charts="Names different"),
        ],
    )
    swapped = (
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_description="Date of birth",
        comparison_levels=[
            cll.NullLevel("dob").configure(label_for_charts="Date of birth missing"),
            cll.ExactMatchLevel("dob").configure(
                label_for_charts="Same date of birth",
                tf_adjustment_column="dob",
                tf_adjustment_weight=1.0,
            ),
            custom(swapped, "Day and month transposed"),
            cll.DamerauLevenshteinLevel("dob", 1).configure(
                label_for_charts="One digit different (typing error)"
            ),
            # Partial dates (issue 18 item 2): a day guessed or lost keeps the year and month.
            custom("substr(dob_l, 1, 7) = substr(dob_r, 1, 7)", "Same year and month, another day"),
            cll.ExactMatchLevel("birth_year").configure(label_for_charts="Same year of birth"),
            cll.ElseLevel().configure(label_for_charts="Dates of birth different"),
        ],
    )

    def exact(column: str, description: str, same: str, *, tf: bool = False, typo: bool = False):
        levels = [
            cll.NullLevel(column).configure(label_for_charts=f"{description} missing"),
            cll.ExactMatchLevel(column).configure(
                label_for_charts=same,
                **({"tf_adjustment_column": column, "tf_adjustment_weight": 1.0} if tf else {}),
            ),
        ]
        if typo:
            levels.append(
                cll.DamerauLevenshteinLevel(column, 1).configure(
                    label_for_charts="One character different (typing error)"
                )
            )
        levels.append(cll.ElseLevel().configure(label_for_charts=f"{description} different"))
        return cl.CustomComparison(
            output_column_name=column, comparison_description=description, comparison_levels=levels
        )

    # The postcode and the address are one comparison: they move together, and two comparisons
    # would count a move twice (and let expectation maximisation mistake a move for another person).
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_description="Address and postcode",
        comparison_levels=[
            cll.And(cll.NullLevel("postcode_std"), cll.NullLevel("address_street")).configure(
                is_null_level=True, label_for_charts="Address and postcode missing"
            ),
            cll.And(
                cll.ExactMatchLevel("postcode_std"),
                cll.ExactMatchLevel("address_number"),
                cll.ExactMatchLevel("address_street"),
            ).configure(label_for_charts="Same postcode, house number and street"),
            both(
                cll.ExactMatchLevel("address_number"),
                cll.JaroWinklerLevel("address_street", 0.88),
            ).configure(label_for_charts="Same house number and street (typed differently)"),
            both(
                cll.ExactMatchLevel("postcode_std"), cll.ExactMatchLevel("address_number")
            ).configure(label_for_charts="Same postcode and house number"),
            cll.ExactMatchLevel("postcode_std").configure(label_for_charts="Same postcode"),
            cll.ExactMatchLevel("address_street").configure(
                label_for_charts="Same street, another house number",
                tf_adjustment_column="address_street",
                tf_adjustment_weight=0.5,
            ),
            cll.Or(
                cll.ExactMatchLevel("postcode_district"), cll.ExactMatchLevel("address_locality")
            ).configure(label_for_charts="Same postcode district or town"),
            cll.ElseLevel().configure(
                label_for_charts="Address different (a move or another person)"
            ),
        ],
    )
    # Phone numbers (issue 18 item 2), digits only (standardise.phone_clean: +44 and 0044 become
    # 0): the same number; the same last digits (a country code or trunk prefix typed one way
    # and not the other); one digit different; a missing number is the null level.
    n = PHONE_SUFFIX_DIGITS
    phone = cl.CustomComparison(
        output_column_name="phone",
        comparison_description="Phone number",
        comparison_levels=[
            cll.NullLevel("phone").configure(label_for_charts="Phone number missing"),
            cll.ExactMatchLevel("phone").configure(
                label_for_charts="Same phone number", **_tf("phone")
            ),
            custom(
                f"length(phone_l) >= {n} AND length(phone_r) >= {n} "
                f"AND right(phone_l, {n}) = right(phone_r, {n})",
                f"Same last {n} digits (prefix typed differently)",
            ),
            cll.DamerauLevenshteinLevel("phone", 1).configure(
                label_for_charts="One digit different (typing error)"
            ),
            cll.ElseLevel().configure(label_for_charts="Phone numbers different"),
        ],
    )
    return [
        name,
        dob,
        exact("home_office_ref", "Home Office reference", "Same Home Office reference", typo=True),
        exact(
            "pnc_id", "Police National Computer ID", "Same Police National Computer ID", typo=True
        ),
        exact("nationality", "Nationality", "Same nationality", tf=True),
        address,
        phone,
        exact("sex", "Sex", "Same sex"),
    ]


# Blocking: only pairs that agree on one of these are compared. Each is an index-friendly
# equality, so comparisons stay near-linear in the number of records (docs/modules/linkage.md).
# Names alone are not a block: common names (thousands of MUHAMMAD KHANs in a national extract)
# would make the pairs grow with the square of the records, so names block with the year of birth.
BLOCKING_RULES: list[str] = [
    "l.home_office_ref = r.home_office_ref",
    "l.pnc_id = r.pnc_id",
    "l.phone = r.phone",
    "l.family_phonetic = r.family_phonetic AND l.dob = r.dob",
    "l.given_phonetic = r.given_phonetic AND l.dob = r.dob",
    "l.family_std = r.family_std AND l.given_std = r.given_std AND l.birth_year = r.birth_year",
    "l.family_phonetic = r.given_phonetic AND l.given_phonetic = r.family_phonetic",
    "l.dob = r.dob AND l.postcode_std = r.postcode_std",
    # Rules that need no date of birth (issue 18 item 3): a missing or mistyped date of birth must
    # not keep a pair with the same name and address from ever being compared.
    "l.family_phonetic = r.family_phonetic AND l.postcode_std = r.postcode_std",
    "l.given_phonetic = r.given_phonetic AND l.postcode_std = r.postcode_std",
    "l.family_phonetic = r.family_phonetic AND l.address_street = r.address_street "
    "AND l.address_number = r.address_number",
    "l.given_phonetic = r.given_phonetic AND l.address_street = r.address_street "
    "AND l.address_number = r.address_number",
    "l.postcode_std = r.postcode_std AND l.address_number = r.address_number",
    "l.family_phonetic = r.family_phonetic AND l.given_phonetic = r.given_phonetic "
    "AND l.birth_year = r.birth_year",
    # A typing error in both names and a move: the date of birth (day and month in either order)
    # and the names' first letters (in either order, so a swapped name is found too).
    "l.dob_unordered = r.dob_unordered AND l.name_initials = r.name_initials",
    # Issue 18, blocking recall: an alias or swapped name with a typing error, or a name part
    # missing, and a move. The join is on the date of birth; the rest only filters its pairs.
    "l.dob = r.dob AND (l.given_std = r.family_std OR l.family_std = r.given_std "
    "OR l.given_std IS NULL OR r.given_std IS NULL OR l.family_std IS NULL OR r.family_std IS NULL)",
    # The same name (one part typed differently) where one date of birth is missing, after a move:
    # the name is then all there is to compare, and the pair must still reach a person.
    "l.name_rare = r.name_rare AND (l.dob IS NULL OR r.dob IS NULL)",
    # The same, when a typing error changes a name's sound (MENSAH / MLENSAH) or one name is an
    # alias: one name exactly and the other's first letter, where at most
    # ``rules.BLOCKING_RARE_NAME_MAX`` records share them (issue 18 item 3).
    "l.given_rare = r.given_rare AND (l.dob IS NULL OR r.dob IS NULL)",
    "l.family_rare = r.family_rare AND (l.dob IS NULL OR r.dob IS NULL)",
    # A forename and a date of birth missing: the surname is all there is (a rare one only).
    "l.surname_rare = r.surname_rare AND (l.dob IS NULL OR r.dob IS NULL) "
    "AND (l.given_std IS NULL OR r.given_std IS NULL)",
    # Day and month transposed and a typing error in a name's first letters, after a move (the
    # join is on the date; either name's sound only filters it).
    "l.dob_unordered = r.dob_unordered "
    "AND (l.family_phonetic = r.family_phonetic OR l.given_phonetic = r.given_phonetic)",
    # An alias in one name and a typing error in the other, after a move: the date of birth and one
    # name's first letter, only where at most ``rules.BLOCKING_RARE_NAME_MAX`` records share them
    # (a common date such as 01/01/YYYY never forms a block).
    "l.dob_given_rare = r.dob_given_rare",
    "l.dob_family_rare = r.dob_family_rare",
    # Names written in the other order (surname first, as on many Chinese, Hungarian or Somali
    # documents) with a typing error in one of them, one date of birth missing, after a move
    # (TOMAS KAZLAUSKAS / KAZLAUSKAS TOMKAS): one record's forename is the other's surname exactly
    # and the other name's first two letters agree, only where at most
    # ``rules.BLOCKING_RARE_NAME_MAX`` records share them (issue 18, blocking recall). Two letters,
    # not one as in ``given_rare``: AHMED, ALI or HASSAN are forenames and surnames alike, and with
    # one letter every AHMED A... met every A... AHMED (0.17 more comparisons a record with a tenth
    # of the dates of birth missing; 0.01 with two letters). A rule each way round: either record
    # of a pair may be its left one.
    "l.given_swap_rare = r.family_swap_rare AND (l.dob IS NULL OR r.dob IS NULL)",
    "l.family_swap_rare = r.given_swap_rare AND (l.dob IS NULL OR r.dob IS NULL)",
]
# Training: blocks for expectation maximisation, in order (each leaves the comparisons whose columns
# it does not use free to vary, and trains them). The first three are the generator-shaped file's;
# the rest run only while a comparison is still untrained, so a file without identifiers or
# nationality still trains every comparison it has values for (issue 18 item 1).
TRAINING_BLOCKS: list[str] = [
    "l.dob = r.dob AND l.nationality = r.nationality",
    "l.family_std = r.family_std AND l.given_std = r.given_std AND l.birth_year = r.birth_year",
    "l.home_office_ref = r.home_office_ref",
]
TRAINING_BLOCKS_FALLBACK: list[str] = [
    "l.dob = r.dob",
    "l.family_std = r.family_std AND l.given_std = r.given_std",
    "l.postcode_std = r.postcode_std",
    "l.address_street = r.address_street AND l.address_number = r.address_number",
    "l.pnc_id = r.pnc_id",
    "l.family_phonetic = r.family_phonetic AND l.postcode_std = r.postcode_std",
    "l.phone = r.phone",
]
# The deterministic rules that estimate the prior (the chance two random records match): they need
# no identifier, only a name with a date of birth or with a full address.
PRIOR_RULES = [
    "l.given_std = r.given_std AND l.family_std = r.family_std AND l.dob = r.dob",
    "l.given_std = r.given_std AND l.family_std = r.family_std "
    "AND l.address_number = r.address_number AND l.address_street = r.address_street "
    "AND l.postcode_std = r.postcode_std",
]
PRIOR_RECALL = 0.7
# The input columns of each comparison: a training block using any of them leaves it untrained.
COMPARISON_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("given_std", "family_std", "given_phonetic", "family_phonetic"),
    "dob": ("dob", "birth_year"),
    "home_office_ref": ("home_office_ref",),
    "pnc_id": ("pnc_id",),
    "nationality": ("nationality",),
    "address": (
        "postcode_std",
        "postcode_district",
        "address_number",
        "address_street",
        "address_locality",
    ),
    "phone": ("phone",),
    "sex": ("sex",),
}
# The comparisons that count as independent evidence about a pair (the postcode and the address are
# one comparison because they move together; sex is too weak to count). Expectation maximisation
# on a block needs at least two of them free with values: a block on names and birth year in a file
# with only an address besides leaves one, and EM then cannot tell a match from a move (it puts a
# move's m at zero). A block leaving one runs only for a comparison nothing else trains.
EVIDENCE_KINDS: dict[str, str] = {
    name: name
    for name in ("name", "dob", "home_office_ref", "pnc_id", "nationality", "address", "phone")
}
_COLUMN = re.compile(r"\b[lr]\.([a-z_]+)")


def rule_columns(rule: str) -> set[str]:
    """The record columns a blocking rule reads."""
    return set(_COLUMN.findall(rule))


def pipeline_settings(link_type: str = "dedupe_only", *, prior: float = 1e-5):
    """The one pipeline configuration (DuckDB here, Spark at national scale), as a Splink
    ``SettingsCreator``: ``.get_settings("spark")`` renders it for Spark."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source_kind"],
    )


def name_initials(record: dict[str, Any]) -> str | None:
    """The first letters of the forename and the surname in alphabetical order ("KM" for MUHAMMAD
    KHAN and for KHAN MUHAMMAD): a blocking key that survives a typing error after the first
    letter of either name and a swap of the two. Both names are needed."""
    given, family = record.get("given_std"), record.get("family_std")
    return "".join(sorted((given[0], family[0]))) if given and family else None


def name_full(record: dict[str, Any]) -> str | None:
    """Forename and surname ("MUHAMMAD KHAN"): the value whose frequency the same-name level is
    adjusted by. Both names are needed."""
    given, family = record.get("given_std"), record.get("family_std")
    return f"{given} {family}" if given and family else None


def dob_unordered(record: dict[str, Any]) -> str | None:
    """The date of birth with its day and month in numeric order ("1980-03-04" and "1980-04-03"
    both give "1980-03-04"): a blocking key that survives the day and month transposed."""
    dob = record.get("dob")
    if not dob or len(dob) != 10:
        return None
    year, month, day = dob[:4], dob[5:7], dob[8:10]
    low, high = sorted((month, day))
    return f"{year}-{low}-{high}"


def name_key(record: dict[str, Any]) -> str | None:
    """Both names' sounds ("MHMT KN"): the key of a name typed differently."""
    given, family = record.get("given_phonetic"), record.get("family_phonetic")
    return f"{given} {family}" if given and family else None


def given_key(record: dict[str, Any]) -> str | None:
    """The forename and the surname's first letter ("KWAME M"): survives a typing error in the
    surname after its first letter."""
    given, family = record.get("given_std"), record.get("family_std")
    return f"{given} {family[0]}" if given and family else None


def family_key(record: dict[str, Any]) -> str | None:
    """The surname and the forename's first letter ("MENSAH K")."""
    given, family = record.get("given_std"), record.get("family_std")
    return f"{family} {given[0]}" if given and family else None


def dob_given_key(record: dict[str, Any]) -> str | None:
    """The date of birth and the forename's first letter ("1980-03-04 K")."""
    dob, given = record.get("dob"), record.get("given_std")
    return f"{dob} {given[0]}" if dob and given else None


def dob_family_key(record: dict[str, Any]) -> str | None:
    """The date of birth and the surname's first letter ("1980-03-04 M")."""
    dob, family = record.get("dob"), record.get("family_std")
    return f"{dob} {family[0]}" if dob and family else None


def given_swap_key(record: dict[str, Any]) -> str | None:
    """The forename and the surname's first two letters ("JUN ZH"): joined to another record's
    ``family_swap_key``, it finds the names swapped with a typing error after the second letter."""
    given, family = record.get("given_std"), record.get("family_std")
    return f"{given} {family[:2]}" if given and family else None


def family_swap_key(record: dict[str, Any]) -> str | None:
    """The surname and the forename's first two letters ("ZHANG JU")."""
    given, family = record.get("given_std"), record.get("family_std")
    return f"{family} {given[:2]}" if given and family else None


# The rare-name blocking columns and the key each is made of (kept only where at most
# ``rules.BLOCKING_RARE_NAME_MAX`` records share it).
RARE_KEYS = {
    "name_rare": name_key,
    "given_rare": given_key,
    "family_rare": family_key,
    "surname_rare": lambda record: record.get("family_std") or None,
    "dob_given_rare": dob_given_key,
    "dob_family_rare": dob_family_key,
    "given_swap_rare": given_swap_key,
    "family_swap_rare": family_swap_key,
}


def names_rare(
    records: Sequence[dict[str, Any]], *, most: int | None = None, key=name_key
) -> list[str | None]:
    """Each record's ``key`` (by default ``name_key``) where at most ``most`` records of the file
    share it, else None: a blocking key on the name alone that stays near-linear, because a common
    name (MUHAMMAD KHAN) never forms a block and a rare one cannot grow with the square of the
    records."""
    from waymark.linkage import rules

    most = rules.BLOCKING_RARE_NAME_MAX if most is None else most
    keys = [key(r) for r in records]
    counts: dict[str, int] = {}
    for key in keys:
        if key:
            counts[key] = counts.get(key, 0) + 1
    return [key if key and counts[key] <= most else None for key in keys]


def records_table(records: Sequence[dict[str, Any]] | pa.Table) -> pa.Table:
    """The records as the engine's Arrow table (the blocking keys computed): what every call taking
    records builds first, so a caller making several calls on the same records builds it once."""
    return _table(records)


def records_among(table: pa.Table, ids: Iterable[str]) -> pa.Table:
    """The rows of a ``records_table`` whose ``unique_id`` is one of ``ids`` (their blocking keys
    as computed over the whole table)."""
    import pyarrow.compute as pc

    wanted = pa.array(list(ids), pa.string())
    return table.filter(pc.is_in(table.column("unique_id"), value_set=wanted))


def _table(records: Sequence[dict[str, Any]] | pa.Table) -> pa.Table:
    if isinstance(records, pa.Table):
        return records
    columns = {c: [r.get(c) or None for r in records] for c in COLUMNS}
    columns["name_initials"] = [name_initials(r) for r in records]
    columns["dob_unordered"] = [dob_unordered(r) for r in records]
    columns["name_full"] = [name_full(r) for r in records]
    for column, key in RARE_KEYS.items():
        columns[column] = names_rare(records, key=key)
    return pa.table({c: pa.array(v, type=pa.string()) for c, v in columns.items()})


def _settings_from_model(model: dict[str, Any] | None, link_type: str) -> dict[str, Any]:
    if not model:
        model = pipeline_settings(link_type).get_settings("duckdb").as_dict()
    settings = dict(model)
    settings["link_type"] = link_type
    settings["retain_matching_columns"] = True
    settings["retain_intermediate_calculation_columns"] = True
    settings["additional_columns_to_retain"] = ["source_kind"]
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": r} for r in BLOCKING_RULES
    ]
    return settings


@dataclass
class Session:
    """One DuckDB connection with Splink on it. ``threads`` caps DuckDB's threads."""

    threads: int | None = None
    memory_limit: str | None = None
    con: Any = field(init=False)
    db_api: Any = field(init=False)

    def __post_init__(self) -> None:
        from splink import DuckDBAPI

        self.con = duckdb.connect()
        # DuckDB spills to ./.tmp by default: keep spill files out of the working directory.
        self.con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/waymark-duckdb'")
        if self.threads:
            self.con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            self.con.execute(f"SET memory_limit = '{self.memory_limit}'")
            # Under a cap, keeping rows in insertion order stops DuckDB from spilling the scored
            # pairs it materialises: a 1M run failed "Out of Memory (1.8/1.8 GiB used)" at the
            # 2 GB cap. Nothing here depends on the order DuckDB returns rows in (pairs become
            # links and clusters; explanations are keyed by pair).
            self.con.execute("SET preserve_insertion_order = false")
        self.db_api = DuckDBAPI(connection=self.con)

    def close(self) -> None:
        self.con.close()


def _linker(session: Session, tables: list[pa.Table], settings: dict[str, Any]):
    from splink import Linker

    frames = [session.db_api.register(t) for t in tables]
    return Linker(frames[0] if len(frames) == 1 else frames, settings, log_level=logging.WARNING)


def model_train(
    records: Sequence[dict[str, Any]] | pa.Table,
    *,
    seed: int = 2026,
    max_pairs: float = 2e6,
    max_records: int | None = None,
    session: Session | None = None,
) -> dict[str, Any]:
    """The trained Splink model as a dict (``model_fit`` without its report)."""
    return model_fit(
        records, seed=seed, max_pairs=max_pairs, max_records=max_records, session=session
    )[0]


def _populated(con, columns: Iterable[str]) -> dict[str, int]:
    sql = ", ".join(f"count({c})" for c in columns)
    row = con.execute(f"SELECT {sql} FROM training_records").fetchone()  # noqa: S608 - our columns
    return dict(zip(columns, row, strict=True))


def _pairs_count(con, rule: str) -> int:
    sql = (
        "SELECT count(*) FROM training_records l JOIN training_records r "  # noqa: S608 - our rules
        f"ON {rule} AND l.unique_id < r.unique_id"
    )
    return int(con.execute(sql).fetchone()[0])


def model_fit(
    records: Sequence[dict[str, Any]] | pa.Table,
    *,
    seed: int = 2026,
    max_pairs: float = 2e6,
    max_records: int | None = None,
    session: Session | None = None,
    fallback_prior: float | None = None,
    max_block_pairs: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train m and u without labels, whatever fields the file has (issue 18 item 1).

    - the prior from ``PRIOR_RULES`` (name with date of birth, or name with full address) on the
      columns that have values; with no pair found, the configured ``fallback_prior`` and a warning;
    - u from random pairs;
    - m by expectation maximisation on ``TRAINING_BLOCKS`` then, while a comparison is untrained,
      ``TRAINING_BLOCKS_FALLBACK``: a block runs only when its columns have values and its pairs
      (counted first) are more than none and at most ``max_block_pairs``.

    Returns the model and the training report: the prior and where it came from, each block with its
    pairs and whether it ran, and every comparison left untrained with the reason.
    ``max_records`` trains on a seeded random sample of that many records."""
    from waymark.linkage import rules

    fallback_prior = rules.TRAINING_PRIOR_FALLBACK if fallback_prior is None else fallback_prior
    max_block_pairs = max_block_pairs or rules.TRAINING_MAX_BLOCK_PAIRS
    if max_records and not isinstance(records, pa.Table) and len(records) > max_records:
        records = random.Random(seed).sample(list(records), max_records)
    table = _table(records)
    if table.num_rows < 2:
        raise EngineError("At least two records are needed to train the linkage model")
    own = session is None
    session = session or Session()
    report: dict[str, Any] = {"warnings": [], "blocks": [], "untrained": []}
    report["records"] = table.num_rows
    try:
        con = session.con
        con.register("training_records", table)
        populated = _populated(con, COLUMNS[2:])
        empty = {c for c, n in populated.items() if n == 0}

        def usable(rule: str) -> bool:
            return not (rule_columns(rule) & empty)

        prior_rules = [r for r in PRIOR_RULES if usable(r)]
        observed_each = {r: _pairs_count(con, r) for r in prior_rules}
        observed = sum(observed_each.values())
        linker = _linker(session, [table], pipeline_settings(prior=fallback_prior))
        prior = None
        if observed:
            try:
                linker.training.estimate_probability_two_random_records_match(
                    prior_rules, recall=PRIOR_RECALL
                )
                prior = linker.misc.save_model_to_json()["probability_two_random_records_match"]
            except ValueError as error:  # more matches than the recall allows
                report["warnings"].append(f"The prior could not be estimated: {error}")
        if prior is None or not 0 < prior < 1:
            prior = fallback_prior
            linker = _linker(session, [table], pipeline_settings(prior=fallback_prior))
            report["warnings"].append(
                "No pair of records agrees on a full name with a date of birth or a full address: "
                f"the prior is the configured {prior:g}, not estimated from this file"
            )
            report["prior_source"] = "configured"
        else:
            report["prior_source"] = "rules"
        report["prior"] = prior
        report["prior_rules"] = prior_rules

        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        trainable = {
            name: columns
            for name, columns in COMPARISON_COLUMNS.items()
            if any(populated.get(c) for c in columns)
        }
        trained: set[str] = set()
        entries: dict[str, dict[str, Any]] = {}
        # First pass: blocks leaving at least two independent kinds of evidence free. Second pass,
        # only for comparisons still untrained (a file of names and dates of birth alone): blocks
        # leaving one, a weaker estimate the report marks.
        for least_kinds in (2, 1):
            for block in [*TRAINING_BLOCKS, *TRAINING_BLOCKS_FALLBACK]:
                entry = entries.setdefault(block, {"rule": block, "pairs": None, "ran": False})
                if entry["ran"]:
                    continue
                frees = {
                    name
                    for name, columns in trainable.items()
                    if not set(columns) & rule_columns(block)
                }
                kinds = {EVIDENCE_KINDS[name] for name in frees if name in EVIDENCE_KINDS}
                if (least_kinds == 1 or block in TRAINING_BLOCKS_FALLBACK) and not frees - trained:
                    entry["skipped"] = "every comparison it would train is trained"
                    continue
                if not usable(block):
                    entry["skipped"] = "a field it needs is empty in every record"
                    continue
                if len(kinds) < least_kinds:
                    entry["skipped"] = (
                        "it leaves fewer than two independent fields with values free to vary "
                        "(expectation maximisation would confuse a match with a move)"
                        if least_kinds == 2
                        else "it leaves no field with values free to vary"
                    )
                    continue
                if entry["pairs"] is None:
                    entry["pairs"] = _pairs_count(con, block)
                if not entry["pairs"]:
                    entry["skipped"] = "no pair of records agrees on it"
                    continue
                if entry["pairs"] > max_block_pairs:
                    entry["skipped"] = f"more than {max_block_pairs:,} pairs"
                    continue
                linker.training.estimate_parameters_using_expectation_maximisation(block)
                entry.pop("skipped", None)
                entry["ran"] = True
                if len(kinds) < 2:
                    entry["weak"] = "only one field free to vary: a weaker estimate"
                trained |= frees
        report["blocks"] = [{**e, "pairs": e["pairs"] or 0} for e in entries.values()]
        for name in COMPARISON_COLUMNS:
            if name not in trainable:
                report["untrained"].append(
                    {"comparison": name, "reason": "empty in every record: it never counts"}
                )
            elif name not in trained:
                report["untrained"].append(
                    {
                        "comparison": name,
                        "reason": "no training block left it free to vary: its m probabilities "
                        "are Splink's defaults",
                    }
                )
        report["trained"] = sorted(trained)
        model = linker.misc.save_model_to_json()
        report["m_floored"] = _m_floor(model, rules.TRAINING_M_FLOOR)
        if report["prior_source"] == "rules" and observed_each.get(PRIOR_RULES[0]):
            _prior_from_trained_recall(con, model, observed_each[PRIOR_RULES[0]], report)
        _u_without_matches(model, rules.TRAINING_U_FLOOR)
        report["capped"] = _partial_levels_capped(model)
        return model, report
    finally:
        with contextlib.suppress(Exception):
            session.con.unregister("training_records")
        if own:
            session.close()


def _m_floor(model: dict[str, Any], floor: float) -> list[str]:
    """Raise every trained m probability below ``floor`` to it (the level's share renormalised):
    expectation maximisation on a small or one-sided block can put a level's m at zero, and one
    disagreement (a move, a typing error) then outweighs every agreement. Returns the levels
    raised, as "comparison: level"."""
    raised = []
    for comparison in model["comparisons"]:
        levels = [
            lv
            for lv in comparison["comparison_levels"]
            if not lv.get("is_null_level") and lv.get("m_probability") is not None
        ]
        if not levels:
            continue
        for level in levels:
            if level["m_probability"] < floor:
                raised.append(f"{comparison['output_column_name']}: {level['label_for_charts']}")
                level["m_probability"] = floor
        total = sum(lv["m_probability"] for lv in levels)
        for level in levels:
            level["m_probability"] /= total
    return raised


def _level_m(model: dict[str, Any], comparison: str, label: str) -> float | None:
    for c in model["comparisons"]:
        if c["output_column_name"] == comparison:
            for level in c["comparison_levels"]:
                if level.get("label_for_charts") == label:
                    return level.get("m_probability")
    return None


def _prior_from_trained_recall(con, model: dict[str, Any], observed: int, report: dict) -> None:
    """Re-estimate the prior from the first prior rule (full name and date of birth the same) with
    its recall measured by the trained model instead of assumed: the share of matches with both
    names and the date of birth present on both records (m_name_same x m_dob_same). A file with
    many typing errors or missing dates finds fewer of its matches by the rule than
    ``PRIOR_RECALL`` assumes, and an underestimated prior makes every probability too low."""
    m_name = _level_m(model, "name", "Forename and surname the same")
    m_dob = _level_m(model, "dob", "Same date of birth")
    if not m_name or not m_dob:
        return
    n, complete = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE given_std IS NOT NULL AND family_std IS NOT NULL "
        "AND dob IS NOT NULL) FROM training_records"
    ).fetchone()
    recall = m_name * m_dob * (complete / n) ** 2
    if not 0.05 <= recall <= 1:
        return
    prior = observed / recall / (n * (n - 1) / 2)
    if 0 < prior < 1:
        model["probability_two_random_records_match"] = prior
        report["prior"], report["prior_recall"] = prior, recall


def _u_without_matches(model: dict[str, Any], floor: float) -> None:
    """Take the matches out of the u probabilities: random pairs include true matches in the share
    of the prior, which in a small file with several records a person (a prior of 1 in 300) makes
    agreeing on a date of birth look a hundred times more common among non-matches than it is.
    u = (u_sampled - prior * m) / (1 - prior), at least ``floor``, renormalised."""
    prior = float(model["probability_two_random_records_match"])
    for comparison in model["comparisons"]:
        levels = [
            lv
            for lv in comparison["comparison_levels"]
            if not lv.get("is_null_level") and lv.get("u_probability") is not None
        ]
        if not levels:
            continue
        for level in levels:
            m = level.get("m_probability") or 0.0  # a level EM never saw among the matches
            u = (level["u_probability"] - prior * m) / (1 - prior)
            level["u_probability"] = max(u, floor)
        total = sum(lv["u_probability"] for lv in levels)
        for level in levels:
            level["u_probability"] /= total


def _partial_levels_capped(model: dict[str, Any]) -> list[str]:
    """No partial agreement counts for more than full agreement: in each comparison, a level's
    Bayes factor (m / u) is at most that of its first level (the full agreement: the same name,
    the same date of birth, the same address). Taking the matches out of u
    (``_u_without_matches``) can leave a rare partial level (both names one typing error apart)
    at the u floor, and it then counted for 16 bits where the same name counted for 12: two
    different MUHAMMAD KHANs, one typed KHAUN, were linked on that alone. Raises such a level's
    u; returns the levels capped, as "comparison: level"."""
    capped = []
    for comparison in model["comparisons"]:
        levels = [
            lv
            for lv in comparison["comparison_levels"]
            if not lv.get("is_null_level") and lv.get("u_probability") and lv.get("m_probability")
        ]
        if len(levels) < 2:
            continue
        full = levels[0]["m_probability"] / levels[0]["u_probability"]
        for level in levels[1:]:
            if level["m_probability"] / level["u_probability"] > full:
                level["u_probability"] = level["m_probability"] / full
                capped.append(f"{comparison['output_column_name']}: {level['label_for_charts']}")
    return capped


class PairScore:
    """One scored pair. ``contributions`` (per comparison: label, weight, Bayes factor, the two
    values) is read from the prediction table only when asked for: a national run scores millions
    of pairs and shows reasons for few."""

    __slots__ = (
        "_contributions",
        "_source",
        "guard",
        "guarded",
        "id_l",
        "id_r",
        "match_probability",
        "match_weight",
    )

    def __init__(
        self,
        id_l: str,
        id_r: str,
        match_probability: float,
        match_weight: float,
        contributions: list[dict[str, Any]] | None = None,
        source: tuple | None = None,
        guarded: bool = False,
        guard: str = "",
    ) -> None:
        self.id_l, self.id_r = id_l, id_r
        self.match_probability, self.match_weight = match_probability, match_weight
        self.guarded = guarded
        self.guard = guard  # why the twins guard holds the pair for a person ('' when it does not)
        self._contributions = contributions
        self._source = source

    @property
    def contributions(self) -> list[dict[str, Any]]:
        if self._contributions is None:
            if self._source is None:
                return []
            table, index, labels = self._source
            self._explain(table.slice(index, 1).to_pylist()[0], labels)
        return self._contributions or []

    def _explain(self, row: dict[str, Any], labels: dict[str, dict[int, str]]) -> None:
        self._contributions = _explained(row, labels, self.guard)
        self._source = None

    def swapped(self) -> PairScore:
        return PairScore(
            self.id_r,
            self.id_l,
            self.match_probability,
            self.match_weight,
            [{**c, "left": c["right"], "right": c["left"]} for c in self.contributions],
            guarded=self.guarded,
            guard=self.guard,
        )

    def __repr__(self) -> str:
        return f"PairScore({self.id_l!r}, {self.id_r!r}, {self.match_probability:.4f})"


# Rows of a scored table read into Python at a time when explaining many pairs: a national run
# explains hundreds of thousands of links, and every row at once (each a dict of every column)
# took gigabytes.
CONTRIBUTIONS_CHUNK = 5_000


def contributions_fill(scores: Iterable[PairScore]) -> None:
    """Work out the contributions of many pairs with one Arrow read per scored table (in chunks
    of ``CONTRIBUTIONS_CHUNK`` rows): reading them one pair at a time (a slice each) took about a
    millisecond a pair, most of a linkage run's writing of its links and review pairs (issue 18
    item 8)."""
    pending: dict[int, list[PairScore]] = defaultdict(list)
    for score in scores:
        if score._contributions is None and score._source is not None:
            pending[id(score._source[0])].append(score)
    for group in pending.values():
        table, _index, labels = group[0]._source  # type: ignore[misc]
        for start in range(0, len(group), CONTRIBUTIONS_CHUNK):
            chunk = group[start : start + CONTRIBUTIONS_CHUNK]
            rows = table.take([score._source[1] for score in chunk]).to_pylist()  # type: ignore[index]
            for score, row in zip(chunk, rows, strict=True):
                score._explain(row, labels)


def contributions_read(scores: Sequence[PairScore]) -> list[list[dict[str, Any]]]:
    """Each pair's contributions (as ``PairScore.contributions``) without keeping them on the
    pair: a run writing its links reads them a chunk at a time and lets each chunk go."""
    out: list[list[dict[str, Any]] | None] = [None] * len(scores)
    pending: dict[int, list[int]] = defaultdict(list)
    for i, score in enumerate(scores):
        if score._contributions is None and score._source is not None:
            pending[id(score._source[0])].append(i)
        else:
            out[i] = score.contributions
    for indexes in pending.values():
        table, _index, labels = scores[indexes[0]]._source  # type: ignore[misc]
        for start in range(0, len(indexes), CONTRIBUTIONS_CHUNK):
            chunk = indexes[start : start + CONTRIBUTIONS_CHUNK]
            rows = table.take([scores[i]._source[1] for i in chunk]).to_pylist()  # type: ignore[index]
            for i, row in zip(chunk, rows, strict=True):
                out[i] = _explained(row, labels, scores[i].guard)
    return out  # type: ignore[return-value]


def contributions_brief(scores: Sequence[PairScore]) -> list[list[tuple[str, str, str, float]]]:
    """Each pair's contributions as (field, description, label, weight), the twins guard's last
    when it holds: what a run keeps on its links. Read a column at a time from the level and
    weight columns only (``contributions_read`` also reads and joins every compared value, and
    makes a dict of each row and each contribution: a quarter of writing a run's links)."""
    out: list[list[tuple[str, str, str, float]] | None] = [None] * len(scores)
    pending: dict[int, list[int]] = defaultdict(list)
    for i, score in enumerate(scores):
        if score._contributions is None and score._source is not None:
            pending[id(score._source[0])].append(i)
        else:
            out[i] = [
                (c["field"], c["description"], c["label"], c["weight"]) for c in score.contributions
            ]
    for indexes in pending.values():
        table, _index, labels = scores[indexes[0]]._source  # type: ignore[misc]
        wanted = [
            f"{prefix}_{name}"
            for name in COMPARISON_FIELDS
            for prefix in ("gamma", "mw", "mw_tf_adj")
        ]
        table = table.select([c for c in wanted if c in table.column_names])
        for start in range(0, len(indexes), CONTRIBUTIONS_CHUNK):
            chunk = indexes[start : start + CONTRIBUTIONS_CHUNK]
            taken = table.take([scores[i]._source[1] for i in chunk])  # type: ignore[index]
            columns = {c: taken.column(c).to_pylist() for c in taken.column_names}
            absent = [None] * len(chunk)
            per_field = [
                (
                    name,
                    COMPARISON_LABELS[name],
                    labels.get(name, {}),
                    columns.get(f"gamma_{name}", absent),
                    columns.get(f"mw_{name}", absent),
                    columns.get(f"mw_tf_adj_{name}", absent),
                )
                for name in COMPARISON_FIELDS
            ]
            for j, i in enumerate(chunk):
                items = [
                    (
                        name,
                        description,
                        levels.get(int(gammas[j]) if gammas[j] is not None else -1, ""),
                        float(weights[j]) + float(adjustments[j] or 0.0),
                    )
                    for name, description, levels, gammas, weights, adjustments in per_field
                    if weights[j] is not None
                ]
                if scores[i].guard:
                    items.append(("twins_guard", "Twins guard", scores[i].guard, 0.0))
                out[i] = items
    return out  # type: ignore[return-value]


def _explained(
    row: dict[str, Any], labels: dict[str, dict[int, str]], guard: str
) -> list[dict[str, Any]]:
    """A pair's contributions from its scored row, with the twins guard's reason when it holds."""
    out = _contributions(row, labels)
    if guard:
        out.append(
            {
                "field": "twins_guard",
                "description": "Twins guard",
                "label": guard,
                "bayes_factor": 1.0,
                "weight": 0.0,
                "left": "",
                "right": "",
            }
        )
    return out


def _contributions(
    row: dict[str, Any], level_labels: dict[str, dict[int, str]]
) -> list[dict[str, Any]]:
    out = []
    for name, fields in COMPARISON_FIELDS.items():
        gamma = row.get(f"gamma_{name}")
        weight = row.get(f"mw_{name}")
        if weight is None:
            continue
        weight = float(weight) + float(row.get(f"mw_tf_adj_{name}") or 0.0)
        out.append(
            {
                "field": name,
                "description": COMPARISON_LABELS[name],
                "label": level_labels.get(name, {}).get(
                    int(gamma) if gamma is not None else -1, ""
                ),
                "bayes_factor": 2.0**weight,
                "weight": weight,
                "left": " ".join(str(row.get(f"{f}_l") or "") for f in fields).strip(),
                "right": " ".join(str(row.get(f"{f}_r") or "") for f in fields).strip(),
            }
        )
    return out


_CONTRIBUTION_COLUMNS = frozenset(
    column
    for name, fields in COMPARISON_FIELDS.items()
    for column in (
        f"gamma_{name}",
        f"mw_{name}",
        f"mw_tf_adj_{name}",
        *(f"{f}_{side}" for f in fields for side in "lr"),
    )
)


def _scored_table(session: Session, frame) -> pa.Table:
    """Splink's predictions with only the columns the scores read (the pair, its probability and
    weight, the contributions and the twins guard's): about half of Splink's output, and a
    national run's predictions taken into Arrow whole peaked at gigabytes above DuckDB's own."""
    wanted = {"unique_id_l", "unique_id_r", "match_probability", "match_weight"}
    wanted |= _CONTRIBUTION_COLUMNS
    relation = session.con.sql(f"SELECT * FROM {frame.physical_name}")  # noqa: S608 - Splink's
    columns = ", ".join(f'"{c}"' for c in relation.columns if c in wanted)
    return session.con.sql(f"SELECT {columns} FROM {frame.physical_name}").to_arrow_table()  # noqa: S608


def _level_labels(settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """gamma value -> label per comparison (Splink numbers levels from the top, null = -1)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        mapping = {
            -1: next(
                (lv["label_for_charts"] for lv in levels if lv.get("is_null_level")), "missing"
            )
        }
        for i, level in enumerate(non_null):
            mapping[len(non_null) - 1 - i] = level["label_for_charts"]
        labels[comparison["output_column_name"]] = mapping
    return labels


def _scores(frame, settings: dict[str, Any], *, with_contributions: bool = True) -> list[PairScore]:
    table = frame if isinstance(frame, pa.Table) else frame.as_pyarrow_table()
    labels = _level_labels(settings)
    ids_l = [str(v) for v in table.column("unique_id_l").to_pylist()]
    ids_r = [str(v) for v in table.column("unique_id_r").to_pylist()]
    probabilities = [float(v) for v in table.column("match_probability").to_pylist()]
    weights = [float(v) for v in table.column("match_weight").to_pylist()]
    guarded = _guarded(table)
    # DuckDB returns rows in no set order (threads): sort, so that a run is repeatable.
    order = sorted(range(len(ids_l)), key=lambda i: (-probabilities[i], ids_l[i], ids_r[i]))
    # The pairs keep only the columns their contributions are read from (about half of Splink's
    # output), so the rest of the scored table is freed once read.
    table = table.select([c for c in table.column_names if c in _CONTRIBUTION_COLUMNS])
    return [
        PairScore(
            ids_l[i],
            ids_r[i],
            probabilities[i],
            weights[i],
            source=(table, i, labels) if with_contributions else None,
            guarded=bool(guarded[i]),
            guard=guarded[i],
        )
        for i in order
    ]


# Levels (gamma values, counted from the bottom non-null level at 0) that the twins guard reads.
_NAME_FORENAMES_DIFFER = {2, 0}  # "Surname the same, forename different" and "Names different"
_IDENTIFIER_SAME = 2  # "Same Home Office reference" / "Same Police National Computer ID"


def forenames_clearly_different(given_l: str | None, given_r: str | None) -> bool:
    """Both forenames present and not the same name written differently: not one edit apart (a
    typing error) and neither the other's initial."""
    if not given_l or not given_r:
        return False
    a, b = given_l.strip().upper(), given_r.strip().upper()
    if not a or not b:
        return False
    if (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
        return False
    return jellyfish.damerau_levenshtein_distance(a, b) > 1


def guard_reason(given_l: str | None, given_r: str | None) -> str:
    return (
        f"Forenames {given_l} and {given_r} are clearly different (not a typing error or an "
        "initial) and no identifier agrees: they may be twins or siblings, so a person decides"
    )


def _guarded(table) -> list[str]:
    """Pairs the model scores high that must still go to a person, with the reason ('' for none):
    both forenames present and clearly different, and no identifier agrees. Twins and siblings
    share a surname, a date of birth, an address and a nationality, which the model (assuming the
    fields independent) adds up to near certainty; only the forename and their own references tell
    them apart (brief linkage.md §1). A missing forename or a typing error never guards a pair."""
    names = table.column("gamma_name").to_pylist()
    home_office = table.column("gamma_home_office_ref").to_pylist()
    pnc = table.column("gamma_pnc_id").to_pylist()
    given_l = table.column("given_std_l").to_pylist()
    given_r = table.column("given_std_r").to_pylist()
    return [
        guard_reason(gl, gr)
        if n in _NAME_FORENAMES_DIFFER
        and h != _IDENTIFIER_SAME
        and p != _IDENTIFIER_SAME
        and forenames_clearly_different(gl, gr)
        else ""
        for n, h, p, gl, gr in zip(names, home_office, pnc, given_l, given_r, strict=True)
    ]


def linked(score: PairScore, threshold: float) -> bool:
    """Whether a pair is linked automatically: at or above the threshold and not guarded."""
    return score.match_probability >= threshold and not score.guarded


class Scores(list):
    """The pairs ``pairs_predict`` kept, and ``compared``: how many pairs the blocking rules
    compared (every pair scored, kept or not)."""

    def __init__(self, scores: Iterable[PairScore] = (), *, compared: int = 0) -> None:
        super().__init__(scores)
        self.compared = compared


def pairs_predict(
    records: Sequence[dict[str, Any]] | pa.Table,
    model: dict[str, Any],
    *,
    threshold: float,
    session: Session | None = None,
    with_contributions: bool = True,
) -> Scores:
    """Score every blocked pair within ``records`` at or above ``threshold`` (dedupe). ``records``
    may be ``records_table(records)``, built once for several calls."""
    own = session is None
    session = session or Session()
    try:
        settings = _settings_from_model(model, "dedupe_only")
        linker = _linker(session, [_table(records)], settings)
        # The blocked pairs first (predict then scores the same table from Splink's cache), so
        # the run knows how many pairs its rules compared without enumerating them again.
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        compared = session.con.execute(
            f"SELECT count(*) FROM {blocked.physical_name}"  # noqa: S608 - Splink's own table
        ).fetchone()[0]
        frame = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        blocked.drop_table_from_database_and_remove_from_cache()
        return Scores(
            _scores(_scored_table(session, frame), settings, with_contributions=with_contributions),
            compared=int(compared),
        )
    finally:
        if own:
            session.close()


def pairs_between(
    left: Sequence[dict[str, Any]] | pa.Table,
    right: Sequence[dict[str, Any]] | pa.Table,
    model: dict[str, Any],
    *,
    threshold: float,
    session: Session | None = None,
) -> list[PairScore]:
    """Score blocked pairs between ``left`` and ``right`` only (e.g. people against police records).
    ``id_l`` is always a left record, ``id_r`` a right one."""
    own = session is None
    session = session or Session()
    try:
        settings = _settings_from_model(model, "link_only")
        left_t, right_t = _table(left), _table(right)
        if not left_t.num_rows or not right_t.num_rows:
            return []
        linker = _linker(session, [left_t, right_t], settings)
        frame = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        left_ids = set(left_t.column("unique_id").to_pylist())
        out = []
        for score in _scores(frame, settings):
            out.append(score if score.id_l in left_ids else score.swapped())
        return out
    finally:
        if own:
            session.close()


def clusters(ids: Iterable[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected components over the given links: unique_id -> cluster id (the smallest member id).
    Union-find in Python: linear, and the same answer as Splink's connected components."""
    parent: dict[str, str] = {i: i for i in ids}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {i: find(i) for i in parent}


def splink_clusters(
    records: Sequence[dict[str, Any]] | pa.Table,
    model: dict[str, Any],
    *,
    threshold: float,
    session: Session | None = None,
) -> dict[str, str]:
    """Bare Splink: predict + Splink's own connected-components clustering (the benchmark's
    baseline, and a check that ``clusters`` agrees)."""
    own = session is None
    session = session or Session()
    try:
        settings = _settings_from_model(model, "dedupe_only")
        linker = _linker(session, [_table(records)], settings)
        frame = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            frame, threshold_match_probability=threshold
        )
        table = clustered.as_pyarrow_table()
        return dict(
            zip(
                table.column("unique_id").to_pylist(),
                table.column("cluster_id").to_pylist(),
                strict=True,
            )
        )
    finally:
        if own:
            session.close()


_TERM = re.compile(r"^l\.([a-z_]+) = r\.([a-z_]+)$")
_SEPARATOR = "\x1f"


def _top_level_terms(rule: str) -> list[str]:
    """A rule's conjuncts: split on AND outside parentheses."""
    terms, depth, current = [], 0, []
    for piece in re.split(r"(\(|\)|\s+AND\s+)", rule):
        depth += {"(": 1, ")": -1}.get(piece, 0)
        if depth == 0 and re.fullmatch(r"\s+AND\s+", piece or ""):
            terms.append("".join(current).strip())
            current = []
        else:
            current.append(piece)
    terms.append("".join(current).strip())
    return [t for t in terms if t]


@dataclass(frozen=True)
class _LookupRule:
    """A blocking rule as an index lookup: the probe's values of ``left`` joined make the key of
    ``column`` (the population's ``right`` values joined); ``residual`` filters what it finds,
    with the probe's values bound for its ``l.`` columns."""

    index: int
    column: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    residual: str
    residual_columns: tuple[str, ...]


def _lookup_rules(rules: Sequence[str]) -> list[_LookupRule]:
    out = []
    for i, rule in enumerate(rules):
        left, right, rest = [], [], []
        for term in _top_level_terms(rule):
            found = _TERM.match(term)
            if found:
                left.append(found.group(1))
                right.append(found.group(2))
            else:
                rest.append(term)
        residual = " AND ".join(rest)
        residual_columns = tuple(re.findall(r"\bl\.([a-z_]+)", residual))
        residual = re.sub(r"\br\.([a-z_]+)", r"p.\1", residual)
        out.append(
            _LookupRule(i, f"block_key_{i}", tuple(left), tuple(right), residual, residual_columns)
        )
    return out


def _tf_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Records with their term-frequency columns as one Arrow table (strings, frequencies)."""
    names = list(rows[0])
    return pa.table(
        {
            n: pa.array(
                [r[n] for r in rows], type=pa.float64() if n.startswith("tf_") else pa.string()
            )
            for n in names
        }
    )


def _packed(typecode: str, column: pa.ChunkedArray) -> array.array:
    """A 64-bit Arrow column without nulls as a compact ``array.array`` (no Python object a
    value; ``bisect`` searches it)."""
    out = array.array(typecode)
    for chunk in column.chunks:
        width = out.itemsize
        data = chunk.buffers()[1]
        out.frombytes(data[chunk.offset * width : (chunk.offset + len(chunk)) * width])
    return out


_RESIDUAL_TOKENS = re.compile(r"\s+|\(|\)|AND|OR|IS NOT NULL|IS NULL|=|[lp]\.[a-z_]+")


def _residual_test(residual: str) -> Any:
    """A blocking rule's condition beyond its equalities (``l.`` the probe, ``p.`` the
    population's row) as a Python test ``(probe, row) -> bool`` with SQL's NULL rules (``=`` is
    false when either side is NULL; the caller passes the probe's empty values as NULL, as the
    query writes them). Only the forms our rules use are understood; anything else is refused."""
    if not residual:
        return None
    if _RESIDUAL_TOKENS.sub("", residual):
        raise ValueError(f"blocking rule condition not understood: {residual}")
    expr = re.sub(
        r"([lp])\.([a-z_]+)\s*=\s*([lp])\.([a-z_]+)",
        r"_eq(\1.get('\2'), \3.get('\4'))",
        residual,
    )
    expr = re.sub(r"([lp])\.([a-z_]+) IS NOT NULL", r"(\1.get('\2') is not None)", expr)
    expr = re.sub(r"([lp])\.([a-z_]+) IS NULL", r"(\1.get('\2') is None)", expr)
    expr = expr.replace(" AND ", " and ").replace(" OR ", " or ")
    code = compile(f"lambda l, p: bool({expr})", "<blocking rule>", "eval")
    return eval(code, {"_eq": _sql_eq, "__builtins__": {"bool": bool}})  # noqa: S307 - our rules


def _sql_eq(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a == b


def _literal(value: str) -> str:
    """A string as a SQL literal: quotes doubled, the only escape standard SQL (and DuckDB) has."""
    return "'" + str(value).replace("\x00", "").replace("'", "''") + "'"


def _key(values: Iterable[Any]) -> str | None:
    parts = list(values)
    if any(v is None or v == "" for v in parts):
        return None
    return _SEPARATOR.join(str(v) for v in parts)


class Matcher:
    """One new record against a population, with the trained model (incremental linking, issue 18
    item 7).

    The population sits in DuckDB once, with one key column per blocking rule (the values the rule
    joins on, precomputed), for Splink's term frequencies and scoring. The candidate lookup does not
    scan it: DuckDB 1.5 plans an equality filter as a filtered scan, not an ART index lookup (1.6
    ms a rule at a million rows, 20-odd rules a probe). Instead each rule has an in-process index:
    the 64-bit DuckDB ``hash`` of every record's key, sorted, beside the row ids (16 bytes a record
    a rule, in ``array`` arrays), so a lookup is a binary search per rule (``bisect``); the rows found are
    taken from an Arrow copy of the population by row id, their keys checked exactly (no hash
    collision gets through) and the rule's remaining condition evaluated in Python. The
    candidates are capped and ordered: most blocking rules agreeing first, then the rarest block
    (a pair found in a block of 3 records says more than one found in a block of 900, the common
    01/01/YYYY), and only the first ``rules.INCREMENTAL_MAX_SCORED`` are scored, by Splink, with
    the same model. Thread-safe: one lock around the connection."""

    def __init__(
        self,
        model: dict[str, Any],
        population: Sequence[dict[str, Any]] | pa.Table,
        *,
        threads: int | None = None,
    ) -> None:
        from splink import Linker

        self._lock = threading.Lock()
        self._score_sql: str | None = None
        self.session = Session(threads=threads)
        self.settings = _settings_from_model(model, "dedupe_only")
        table = _table(population)
        self.size = table.num_rows
        self._rules = _lookup_rules(BLOCKING_RULES)
        # How many records share each name: a probe's name is rare (a block on its own) when the
        # population holds fewer than the cap of it.
        names = table.select(
            ["given_phonetic", "family_phonetic", "given_std", "family_std"]
        ).to_pylist()
        self._name_counts: dict[str, dict[str, int]] = {column: {} for column in RARE_KEYS}
        for row in names:
            for column, make in RARE_KEYS.items():
                key = make(row)
                if key:
                    counts = self._name_counts[column]
                    counts[key] = counts.get(key, 0) + 1
        con = self.session.con
        con.register("population_arrow", table)
        key_columns = ", ".join(
            f"CASE WHEN {' OR '.join(f'{c} IS NULL' for c in rule.right)} THEN NULL "
            f"ELSE concat_ws(chr(31), {', '.join(rule.right)}) END AS {rule.column}"
            for rule in self._rules
        )
        con.execute(
            f"CREATE TABLE population AS SELECT *, {key_columns} FROM population_arrow"  # noqa: S608
        )
        con.unregister("population_arrow")
        # The in-process index: per rule, the sorted key hashes and their row ids (row ids are the
        # positions in ``self._rows``, read back in row-id order).
        self._rows = con.execute(
            f"SELECT {', '.join(COLUMNS)} FROM population ORDER BY rowid"  # noqa: S608 - ours
        ).to_arrow_table()
        self._index: list[tuple[array.array, array.array]] = []
        for rule in self._rules:
            found = con.execute(
                f"SELECT hash({rule.column}) AS h, rowid AS rid FROM population "  # noqa: S608
                f"WHERE {rule.column} IS NOT NULL ORDER BY h, rid"
            ).to_arrow_table()
            self._index.append((_packed("Q", found.column("h")), _packed("q", found.column("rid"))))
        self._residuals = [_residual_test(rule.residual) for rule in self._rules]
        # A linker over the population supplies the term frequencies the model adjusts by.
        self._linker = Linker(
            self.session.db_api.register("population"), self.settings, log_level=logging.WARNING
        )
        for column in TF_COLUMNS:
            self._linker.table_management.compute_tf_table(column)
        # The term-frequency columns the model adjusts by (fixed names, not input).
        self._tf = {
            column: dict(
                con.execute(
                    f"SELECT {column}, count(*) / (SELECT count(*) FROM population "  # noqa: S608
                    f"WHERE {column} IS NOT NULL) FROM population WHERE {column} IS NOT NULL "
                    "GROUP BY 1"
                ).fetchall()
            )
            for column in TF_COLUMNS
        }

    def _probe(self, record: dict[str, Any]) -> dict[str, Any]:
        from waymark.linkage import rules

        probe = {c: (record.get(c) or None) for c in COLUMNS}
        probe["name_initials"] = name_initials(probe)
        probe["dob_unordered"] = dob_unordered(probe)
        probe["name_full"] = name_full(probe)
        for column, make in RARE_KEYS.items():
            key = make(probe)
            counts = self._name_counts[column]
            rare = key and counts.get(key, 0) + 1 <= rules.BLOCKING_RARE_NAME_MAX
            probe[column] = key if rare else None
        return probe

    def candidate_ids(self, record: dict[str, Any]) -> list[tuple[int, int, int]]:
        """(row id, blocking rules agreeing, smallest block) of the best candidates, best first,
        at most ``rules.INCREMENTAL_MAX_SCORED``."""
        return [(rid, agreeing, smallest) for rid, agreeing, smallest, _row in self._ranked(record)]

    def _ranked(self, record: dict[str, Any]) -> list[tuple[int, int, int, dict[str, Any]]]:
        """The indexed lookup (see the class): the same candidates, in the same order, as
        ``_ranked_scan``, the DuckDB scan it replaces (a test compares them)."""
        from waymark.linkage import rules

        probe = self._probe(record)
        keyed = [
            (i, rule, key)
            for i, rule in enumerate(self._rules)
            if (key := _key(probe[c] for c in rule.left)) is not None
        ]
        if not keyed:
            return []
        hashes = self.session.con.execute(
            "SELECT " + ", ".join("hash(CAST(? AS VARCHAR))" for _ in keyed),
            [key for _i, _rule, key in keyed],
        ).fetchone()
        assert hashes is not None
        blocks: list[tuple[int, _LookupRule, str, list[int]]] = []
        wanted: set[int] = set()
        for (i, rule, key), digest in zip(keyed, hashes, strict=True):
            sorted_hashes, rowids = self._index[i]
            start = bisect.bisect_left(sorted_hashes, digest)
            end = bisect.bisect_right(sorted_hashes, digest, lo=start)
            if start == end:
                continue
            ids = sorted(rowids[start:end])
            if not rule.residual:
                # Without a further condition the first rows are the block's hits (the scan's
                # LIMIT): only a 64-bit hash collision could drop one of them.
                ids = ids[: rules.INCREMENTAL_MAX_BLOCK]
            blocks.append((i, rule, key, ids))
            wanted.update(ids)
        if not blocks:
            return []
        values = {k: (v or None) for k, v in probe.items()}  # the probe's side: empty is NULL
        order = sorted(wanted)
        # Only the columns the keys and conditions read, for every row found; whole rows only for
        # the few ranked.
        needed = sorted(
            {c for _i, rule, _k, _ids in blocks for c in rule.right}
            | {
                c
                for _i, rule, _k, _ids in blocks
                for c in re.findall(r"\bp\.([a-z_]+)", rule.residual)
            }
        )
        taken = self._rows.select(needed).take(pa.array(order, type=pa.int64())).to_pylist()
        rows = dict(zip(order, taken, strict=True))
        agreeing: dict[int, int] = {}
        smallest: dict[int, int] = {}
        for i, rule, key, ids in blocks:
            test = self._residuals[i]
            hits = []
            for rid in ids:
                row = rows[rid]
                if _key(row[c] for c in rule.right) != key:
                    continue  # a hash collision, or an empty part the SQL key kept
                if test is not None and not test(values, row):
                    continue
                hits.append(rid)
                if len(hits) >= rules.INCREMENTAL_MAX_BLOCK:
                    break
            for rid in hits:
                agreeing[rid] = agreeing.get(rid, 0) + 1
                smallest[rid] = min(smallest.get(rid, len(hits)), len(hits))
        ranked = sorted(agreeing, key=lambda rid: (-agreeing[rid], smallest[rid], rid))[
            : rules.INCREMENTAL_MAX_SCORED
        ]
        whole = self._rows.take(pa.array(ranked, type=pa.int64())).to_pylist()
        return [
            (rid, agreeing[rid], smallest[rid], row) for rid, row in zip(ranked, whole, strict=True)
        ]

    def _ranked_scan(self, record: dict[str, Any]) -> list[tuple[int, int, int, dict[str, Any]]]:
        """The lookup as one DuckDB query over the population (before the index; kept as the
        reference the index is tested against, and as the bench's bare-lookup baseline)."""
        from waymark.linkage import rules

        probe = self._probe(record)
        branches = []
        for rule in self._rules:
            key = _key(probe[c] for c in rule.left)
            if key is None:
                continue
            # The key is written into the SQL as a quoted literal, not bound as a parameter: DuckDB
            # pushes a literal into the scan of the column's compressed segments (measured: 1.6 ms
            # against 22 ms for a parameter over a million rows).
            where = f"{rule.column} = {_literal(key)}"
            if rule.residual:
                # The probe's values as literals too, for the same reason.
                residual = re.sub(
                    r"\bl\.([a-z_]+)",
                    lambda m: (
                        _literal(probe[m.group(1)])
                        if probe.get(m.group(1))
                        else "CAST(NULL AS VARCHAR)"
                    ),
                    rule.residual,
                )
                where += f" AND ({residual})"
            branches.append(
                f"(SELECT rowid AS rid FROM population p WHERE {where} "  # noqa: S608
                f"LIMIT {rules.INCREMENTAL_MAX_BLOCK})"
            )
        if not branches:
            return []
        hits = " UNION ALL ".join(
            f"SELECT rid, {i} AS rule FROM {branch}"  # noqa: S608 - our rules
            for i, branch in enumerate(branches)
        )
        sql = (
            f"WITH hits AS ({hits}), "  # noqa: S608 - our rules
            "sized AS (SELECT rid, rule, count(*) OVER (PARTITION BY rule) AS block FROM hits) "
            "SELECT rid, count(*) AS agreeing, min(block) AS smallest FROM sized GROUP BY rid "
            f"ORDER BY agreeing DESC, smallest, rid LIMIT {rules.INCREMENTAL_MAX_SCORED}"
        )
        ranked = self.session.con.execute(sql).fetchall()
        if not ranked:
            return []
        # The rows of the ranked few, by row id (integer literals, for the same reason as keys).
        rowids = ", ".join(str(int(rid)) for rid, _a, _s in ranked)
        rows = {
            row[0]: dict(zip(COLUMNS, row[1:], strict=True))
            for row in self.session.con.execute(
                f"SELECT rowid, {', '.join(COLUMNS)} FROM population "  # noqa: S608 - ours
                f"WHERE rowid IN ({rowids})"
            ).fetchall()
        }
        return [(rid, agreeing, smallest, rows[rid]) for rid, agreeing, smallest in ranked]

    def _candidates(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        return [row for _rid, _agreeing, _smallest, row in self._ranked(record)]

    def _with_tf(self, record: dict[str, Any]) -> dict[str, Any]:
        row = {c: (record.get(c) or None) for c in COLUMNS}
        for column, freqs in self._tf.items():
            row[f"tf_{column}"] = freqs.get(row[column]) if row[column] else None
        return row

    def match(
        self, record: dict[str, Any], *, limit: int = 5, threshold: float = 0.0
    ) -> list[PairScore]:
        probe = {**record, **self._probe(record)}
        with self._lock:
            candidates = [
                c for c in self._candidates(probe) if c["unique_id"] != record.get("unique_id")
            ]
            if not candidates:
                return []
            left = _tf_table([self._with_tf(probe)])
            right = _tf_table([self._with_tf(c) for c in candidates])
            table = self._score(left, right)
            scores = [s for s in _scores(table, self.settings) if s.match_probability >= threshold]
        scores.sort(key=lambda s: -s.match_weight)
        return scores[:limit]

    def _score(self, left: pa.Table, right: pa.Table) -> pa.Table:
        """Splink's own scoring of every left record against every right one (``score_pairs``),
        its SQL generated once and then run directly: generating it is most of the time of a
        call, and it only depends on the model."""
        con = self.session.con
        con.register("matcher_left", left)
        con.register("matcher_right", right)
        if self._score_sql is None:
            db_api = self.session.db_api
            captured: list[str] = []
            execute = db_api._execute_sql

            def capture(sql, output_tablename_templated):
                captured.append(sql)
                return execute(sql, output_tablename_templated)

            db_api._execute_sql = capture
            try:
                frame = self._linker.inference.score_pairs(
                    db_api.register("matcher_left", table_name="matcher_left_input"),
                    db_api.register("matcher_right", table_name="matcher_right_input"),
                )
                result = frame.as_pyarrow_table()
            finally:
                db_api._execute_sql = execute
            self._score_sql = captured[-1]
            return result
        return con.execute(self._score_sql).to_arrow_table()

    def close(self) -> None:
        self.session.close()


def accuracy(
    predicted_links: Iterable[tuple[str, str]],
    truth: dict[str, Any],
    ids: Iterable[str] | None = None,
) -> dict[str, float]:
    """Pairwise precision, recall and F1 of links (after transitive closure, i.e. of the final
    clusters) against a truth of unique_id -> person key. Counts pairs without listing them."""
    ids = list(ids) if ids is not None else list(truth)
    found = clusters(ids, predicted_links)
    return clusters_accuracy(found, truth)


def blocking_recall(
    records: Sequence[dict[str, Any]] | pa.Table,
    truth: dict[str, Any],
    *,
    rules: Sequence[str] | None = None,
    missed_sample: int = 0,
    count_comparisons: bool = True,
    left_ids: set[str] | None = None,
) -> dict[str, Any]:
    """Blocking recall: of the true pairs (two records of one person in ``truth``), the share that
    at least one blocking rule compares; a pair no rule compares can never be linked, whatever the
    model. Also the comparisons the rules generate per record, so a new rule's cost shows
    (``count_comparisons``; a run knows its own count). ``left_ids``: linking two files, only
    pairs with one record from each (the ids of the left file) count.
    ``missed_sample`` returns up to that many missed pairs (both records) to see why."""
    rules = list(BLOCKING_RULES if rules is None else rules)
    table = _table(records)
    ids = table.column("unique_id").to_pylist()
    keys = pa.array([None if truth.get(i) is None else str(truth[i]) for i in ids], pa.string())
    table = table.append_column("truth_key", keys)
    sides = [bool(left_ids and i in left_ids) for i in ids]
    table = table.append_column("left_file", pa.array(sides, pa.bool_()))
    # Two files: a pair is one record of each; one file: any two records.
    pair = "l.left_file <> r.left_file" if left_ids is not None else "true"
    con = duckdb.connect()
    try:
        con.register("blocking_records", table)
        any_rule = " OR ".join(f"({r})" for r in rules)
        true_pairs, compared = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {any_rule}) "  # noqa: S608 - our rules
            "FROM blocking_records l JOIN blocking_records r "
            f"ON l.truth_key = r.truth_key AND l.unique_id < r.unique_id AND {pair}"
        ).fetchone()
        # Comparisons: pairs each rule adds that no earlier rule generated (Splink's own count).
        comparisons = 0
        for i, rule in enumerate(rules if count_comparisons else ()):
            earlier = " OR ".join(f"coalesce({r}, false)" for r in rules[:i]) or "false"
            comparisons += con.execute(
                "SELECT count(*) FROM blocking_records l JOIN blocking_records r "  # noqa: S608
                f"ON {rule} AND l.unique_id < r.unique_id AND {pair} WHERE NOT ({earlier})"
            ).fetchone()[0]
        missed = []
        if missed_sample:
            cursor = con.execute(
                "SELECT l.*, r.* FROM blocking_records l JOIN blocking_records r "  # noqa: S608
                f"ON l.truth_key = r.truth_key AND l.unique_id < r.unique_id AND {pair} "
                f"WHERE NOT coalesce({' OR '.join(f'coalesce({r}, false)' for r in rules)}, false) "
                f"LIMIT {int(missed_sample)}"
            )
            width = len(table.column_names)
            for row in cursor.fetchall():
                missed.append(
                    (
                        dict(zip(table.column_names, row[:width], strict=True)),
                        dict(zip(table.column_names, row[width:], strict=True)),
                    )
                )
    finally:
        con.close()
    n = table.num_rows
    return {
        "true_pairs": int(true_pairs),
        "compared": int(compared),
        "recall": compared / true_pairs if true_pairs else 1.0,
        "comparisons": int(comparisons),
        "comparisons_per_record": comparisons / n if n else 0.0,
        "missed": missed,
    }


def calibration(
    scores: Sequence[PairScore],
    *,
    upper: float,
    lower: float,
    bands: Sequence[float],
    truth: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """How far the model's probabilities can be trusted, and what the thresholds should give.

    For each band of match probability (from each value of ``bands`` up to the next): the pairs
    scored in it, their mean probability (the share of true matches the model expects) and, where
    ``truth`` knows both records, the measured share. Then the expected precision of the automatic
    links (their mean probability), the expected share of the scored matches that are linked
    automatically, and with a perfect review of the band between the thresholds (the sums of
    probabilities: the model's own count of matches), beside the measured figures when a truth
    is known. A model whose expected and measured shares agree can have its thresholds chosen from
    the expected figures alone (docs/modules/linkage.md)."""
    edges = [*sorted(bands), 1.0000001]
    rows = []
    for low, high in itertools.pairwise(edges):
        inside = [s for s in scores if low <= s.match_probability < high]
        known = [s for s in inside if truth and s.id_l in truth and s.id_r in truth]
        rows.append(
            {
                "from": low,
                "to": min(high, 1.0),
                "pairs": len(inside),
                "expected_share": sum(s.match_probability for s in inside) / len(inside)
                if inside
                else None,
                "with_truth": len(known),
                "measured_share": sum(truth[s.id_l] == truth[s.id_r] for s in known) / len(known)
                if known and truth
                else None,
            }
        )
    auto = [s for s in scores if linked(s, upper)]
    review = [s for s in scores if s.match_probability >= lower and not linked(s, upper)]
    expected_matches = sum(s.match_probability for s in scores if s.match_probability >= lower)
    expected_auto = sum(s.match_probability for s in auto)
    expected_review = sum(s.match_probability for s in review)
    out: dict[str, Any] = {
        "bands": rows,
        "upper": upper,
        "lower": lower,
        "auto_pairs": len(auto),
        "review_pairs": len(review),
        "expected_precision": expected_auto / len(auto) if auto else None,
        "expected_recall": min(1.0, expected_auto / expected_matches) if expected_matches else None,
        # (the sums differ from the total only by rounding: capped at 1)
        "expected_recall_reviewed": min(1.0, (expected_auto + expected_review) / expected_matches)
        if expected_matches
        else None,
        "expected_review_share": expected_review / len(review) if review else None,
    }
    if truth:
        known_auto = [s for s in auto if s.id_l in truth and s.id_r in truth]
        if known_auto:
            out["measured_precision"] = sum(
                truth[s.id_l] == truth[s.id_r] for s in known_auto
            ) / len(known_auto)
    return out


def _pairs_in(groups: dict[Any, int]) -> int:
    return sum(n * (n - 1) // 2 for n in groups.values())


def clusters_accuracy(found: dict[str, str], truth: dict[str, Any]) -> dict[str, float]:
    """Precision/recall/F1 over all record pairs implied by two clusterings."""
    from collections import Counter

    predicted = Counter(found.values())
    actual = Counter(truth[i] for i in found)
    both = Counter((found[i], truth[i]) for i in found)
    tp, pp, ap = _pairs_in(both), _pairs_in(predicted), _pairs_in(actual)
    precision = tp / pp if pp else 1.0
    recall = tp / ap if ap else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    exact = Counter()
    members: dict[str, set] = {}
    for i, c in found.items():
        members.setdefault(c, set()).add(truth[i])
    truth_sizes = Counter(truth[i] for i in found)
    for c, keys in members.items():
        if len(keys) == 1:
            key = next(iter(keys))
            if predicted[c] == truth_sizes[key]:
                exact["exact"] += 1
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": ap,
        "predicted_pairs": pp,
        "clusters": len(predicted),
        "true_people": len(actual),
        "clusters_exact": exact["exact"] / len(actual) if actual else 1.0,
    }


def pairwise_accuracy(
    scores: Iterable[tuple[str, str, float]],
    truth: dict[str, Any],
    *,
    threshold: float,
    ids: Iterable[str],
) -> dict[str, float]:
    """Precision/recall/F1 of the scored pairs at ``threshold`` themselves (before clustering):
    a true pair never scored (not blocked) counts as missed."""
    from collections import Counter

    tp = fp = 0
    for a, b, p in scores:
        if p >= threshold:
            if truth[a] == truth[b]:
                tp += 1
            else:
                fp += 1
    actual = _pairs_in(Counter(truth[i] for i in ids))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": actual,
        "predicted_pairs": tp + fp,
    }
