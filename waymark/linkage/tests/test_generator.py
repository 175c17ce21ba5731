"""The linkage test-data generator (brief linkage.md §1): realistic faults at their documented rates,
the truth kept aside, deterministic, Figure 3 exact in demo mode."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date

import jellyfish
import pycountry
import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from waymark.linkage import generator as g
from waymark.linkage import standardise as s

SCALE = 60_000


@pytest.fixture(scope="module")
def gen() -> g.GeneratedSet:
    return g.generate(SCALE, seed=11)


def legacy(gen):
    """(row, true person) for every legacy case row."""
    return [
        (row, gen.people[gen.truth[("legacy_case", row["CASE_ID"])]])
        for row in gen.rows["legacy_case"]
    ]


def near(observed: float, rate: float, tolerance: float = 0.25) -> bool:
    return abs(observed - rate) <= tolerance * rate + 0.002


def clean(text: str) -> str:
    return s.name_clean(text)


# --- shape ---------------------------------------------------------------------------------------


def test_sources_divide_roughly_as_the_brief_says(gen):
    counts = {kind: len(rows) for kind, rows in gen.rows.items()}
    total = sum(counts.values())
    assert abs(total - SCALE) <= 0.03 * SCALE
    for kind, share in (
        ("legacy_case", g.LEGACY_SHARE),
        ("casework", g.CASEWORK_SHARE),
        ("tracker", g.TRACKER_SHARE),
        ("police", g.POLICE_SHARE),
    ):
        assert abs(counts[kind] / total - share) < 0.02, kind


def test_people_have_one_to_six_legacy_cases_mostly_few(gen):
    per_person = Counter(person.key for _, person in legacy(gen))
    spread = Counter(per_person.values())
    assert set(spread) == {1, 2, 3, 4, 5, 6}
    assert spread[1] > spread[2] > spread[3] > spread[6]


def test_trackers_are_files_whose_rows_make_up_the_tracker_source(gen):
    assert set(gen.trackers) == {label for label, _, _ in g.TRACKERS}
    assert sum(len(rows) for rows in gen.trackers.values()) == len(gen.rows["tracker"])
    for label, prefix, _ in g.TRACKERS:
        assert all(row["Our ref"].startswith(f"{prefix}-") for row in gen.trackers[label])


def test_truth_names_a_person_for_every_row_and_references_are_unique(gen):
    assert len(gen.truth) == sum(len(rows) for rows in gen.rows.values())
    for kind, rows in gen.rows.items():
        refs = [row[g.SOURCE_REF_HEADER[kind]] for row in rows]
        assert len(set(refs)) == len(refs), kind
        assert all(gen.truth[(kind, ref)] in gen.people for ref in refs)


def test_generate_is_deterministic_for_a_seed():
    first, again, other = (
        g.generate(3000, seed=5),
        g.generate(3000, seed=5),
        g.generate(3000, seed=6),
    )
    assert first.rows == again.rows
    assert first.truth == again.truth
    assert first.rows != other.rows


def test_every_generated_row_standardises_without_rejection(gen):
    records, truth = g.engine_records(gen)
    assert len(records) == sum(len(rows) for rows in gen.rows.values())
    assert set(truth) == {r["unique_id"] for r in records}
    demo = g.generate(4000, seed=3, figure3=True)
    assert len(g.engine_records(demo)[0]) == sum(len(rows) for rows in demo.rows.values())


def test_engine_records_key_the_truth_by_unique_id(gen):
    records, truth = g.engine_records(gen)
    tracker_row = gen.rows["tracker"][0]
    unique_id = f"tracker:{tracker_row['Our ref']}"
    assert truth[unique_id] == gen.truth[("tracker", tracker_row["Our ref"])]
    by_id = {r["unique_id"]: r for r in records}
    police = by_id[f"police:{gen.rows['police'][0]['PNC_ID']}"]
    assert police["pnc_id"] == gen.rows["police"][0]["PNC_ID"]
    assert police["source_kind"] == "police"


def test_faults_invalid_adds_rows_whose_values_are_warnings_naming_value_and_field():
    """Unreadable dates and unknown nationalities: each row is kept, and each value left out is a
    warning naming the field and the value (issue 18 item 4: only rows that cannot identify anyone
    are rejected)."""
    gen = g.generate(3000, seed=2, faults_invalid=True)
    warned = []
    for kind, rows in gen.rows.items():
        for row in rows:
            mapped = s.mapped_from_row(row, s.DEFAULT_MAPPINGS[kind], kind)
            std, warnings = s.record_standardise_warned(mapped, source_kind=kind)
            if {w["field"] for w in warnings} & {"date_of_birth", "nationality"}:
                warned.append((kind, row, warnings, std))
    assert len(warned) == 4 * g.INVALID_ROWS
    header_of = {kind: {f: h for h, f in s.DEFAULT_MAPPINGS[kind].items()} for kind in gen.rows}
    for kind, row, warnings, std in warned:
        assert {w["field"] for w in warnings} == {"date_of_birth", "nationality"}
        assert std["date_of_birth"] is None and std["nationality"] == ""
        for warning in warnings:
            value = str(row[header_of[kind][warning["field"]]])
            assert f"'{value}'" in warning["detail"]
            assert s.FIELD_LABELS[warning["field"]].lower() in warning["detail"].lower()
    records, truth = g.engine_records(gen)
    assert len(records) == sum(len(rows) for rows in gen.rows.values())
    assert len(truth) == len(records)


# --- faults at their rates -------------------------------------------------------------------------


def test_missing_fields_at_their_rates(gen):
    rows = gen.rows["legacy_case"]
    n = len(rows)
    assert near(sum(not r["DOB"] for r in rows) / n, g.MISSING_DOB_RATE)
    assert near(sum(not r["NATIONALITY"] for r in rows) / n, g.MISSING_NATIONALITY_RATE)
    assert near(sum(not r["POSTCODE"] for r in rows) / n, g.MISSING_POSTCODE_RATE)
    assert near(sum(not r["HO_REF"] for r in rows) / n, g.MISSING_HO_REF_RATE)


def test_day_and_month_transposed_at_its_rate_and_only_where_valid(gen):
    eligible = swapped = 0
    for row, person in legacy(gen):
        if not row["DOB"]:
            continue
        seen = s.date_parse(row["DOB"])
        dob = person.dob
        if dob.day <= 12 and dob.day != dob.month:
            eligible += 1
            if seen == date(dob.year, dob.day, dob.month):
                swapped += 1
            else:
                assert seen == dob
        else:
            assert seen == dob
    assert near(swapped / eligible, g.DAY_MONTH_SWAP_RATE)


def test_forename_and_surname_swapped_at_its_rate(gen):
    rows = swapped = 0
    for row, person in legacy(gen):
        if person.alias_given or person.alias_family:
            continue
        true_given, true_family = (
            s.name_canonical(person.given.split()[0]),
            s.name_std(person.family),
        )
        if true_given == true_family.split()[0]:
            continue
        rows += 1
        if (
            s.name_std(row["FORENAMES"]).startswith(true_family)
            and s.name_std(row["SURNAME"]).split()[0] == true_given
        ):
            swapped += 1
    # A typo in either name hides a swap from this count, so allow for that.
    assert near(swapped / rows, g.NAME_SWAP_RATE * (1 - g.TYPO_RATE) ** 2, 0.2)


def test_one_letter_typos_in_names_at_their_rate(gen):
    rows = typos = other = 0
    for row, person in legacy(gen):
        if (
            person.alias_family
            or clean(person.family) in g.VARIANTS
            or any(w.upper() in g.VARIANTS for w in person.family.split())
        ):
            continue
        surname = clean(row["SURNAME"])
        if s.name_std(row["FORENAMES"]).startswith(s.name_std(person.family)):
            continue  # swapped
        rows += 1
        distance = jellyfish.damerau_levenshtein_distance(surname, clean(person.family))
        typos += distance == 1
        other += distance > 1
    assert near(typos / rows, g.TYPO_RATE * (1 - g.NAME_SWAP_RATE), 0.2)
    assert other / rows < 0.003  # only a swap with a typo in it


def test_transliteration_variants_at_their_rate(gen):
    expected = observed = 0.0
    for row, person in legacy(gen):
        first = person.given.split()[0].upper()
        if (
            person.alias_given
            or first not in g.VARIANTS
            or clean(row["SURNAME"]) != clean(person.family)
        ):
            continue
        spellings = [clean(v) for v in g.VARIANTS[first]]
        typed = clean(row["FORENAMES"]).split()[0]
        expected += g.TRANSLITERATION_RATE * (1 - spellings.count(first) / len(spellings))
        observed += typed != first and typed in spellings
    assert expected > 200
    assert near(observed / expected, 1.0, 0.2)
    # The standardiser folds most of them back into one spelling.
    unlisted = {clean(v) for vs in g.UNLISTED_VARIANTS.values() for v in vs}
    for spellings in g.VARIANTS.values():
        assert len({s.name_canonical(v) for v in spellings if clean(v) not in unlisted}) == 1


def test_aliases_used_on_some_rows_of_some_people(gen):
    people = [p for p in gen.people.values() if p.in_population]
    with_alias = [p for p in people if p.alias_given or p.alias_family]
    assert 0.6 * g.ALIAS_PERSON_RATE < len(with_alias) / len(people) <= 1.1 * g.ALIAS_PERSON_RATE
    rows = used = 0
    for row, person in legacy(gen):
        if not person.alias_family:
            continue
        rows += 1
        used += clean(row["SURNAME"]) == clean(person.alias_family)
    assert near(used / rows, g.ALIAS_USE_RATE * (1 - g.TYPO_RATE - g.NAME_SWAP_RATE), 0.2)


def test_changed_addresses_give_a_person_different_postcodes(gen):
    people = [p for p in gen.people.values() if p.in_population]
    assert near(sum(bool(p.old_postcode) for p in people) / len(people), g.MOVED_PERSON_RATE, 0.1)
    rows = old = 0
    for row, person in legacy(gen):
        if not row["POSTCODE"]:
            continue
        postcode = s.postcode_clean(row["POSTCODE"])
        if person.old_postcode:
            rows += 1
            old += postcode == person.old_postcode
            assert postcode in (person.postcode, person.old_postcode)
        else:
            assert postcode == person.postcode
    assert near(old / rows, g.OLD_ADDRESS_USE_RATE, 0.1)


def test_many_people_share_a_first_of_january_date_of_birth(gen):
    people = [p for p in gen.people.values() if p.in_population]
    unknown = [p for p in people if p.unknown_dob]
    assert near(len(unknown) / len(people), g.UNKNOWN_DOB_PERSON_RATE, 0.15)
    assert all((p.dob.day, p.dob.month) == (1, 1) for p in unknown)
    people_per_dob = Counter(p.dob for p in people)
    commonest, count = people_per_dob.most_common(1)[0]
    assert (commonest.day, commonest.month) == (1, 1)
    assert count >= 20


def test_twins_are_different_people_in_the_truth(gen):
    twins = [p for p in gen.people.values() if p.twin_of]
    people = [p for p in gen.people.values() if p.in_population]
    assert near(len(twins) / len(people), g.TWIN_RATE, 0.35)
    rows_of: dict[str, set[str]] = defaultdict(set)
    for (kind, ref), key in gen.truth.items():
        rows_of[key].add(f"{kind}:{ref}")
    for twin in twins:
        sibling = gen.people[twin.twin_of]
        assert twin.key != sibling.key
        assert (twin.family, twin.dob, twin.postcode, twin.nationality) == (
            sibling.family,
            sibling.dob,
            sibling.postcode,
            sibling.nationality,
        )
        assert twin.given != sibling.given
        assert rows_of[twin.key] and rows_of[sibling.key]
        assert not rows_of[twin.key] & rows_of[sibling.key]


def test_common_names_are_shared_by_many_people(gen):
    names = Counter((p.given, p.family) for p in gen.people.values() if p.in_population)
    assert names.most_common(1)[0][1] >= 10


def test_home_office_refs_one_per_person_and_occasionally_mistyped(gen):
    refs = [p.ho_ref for p in gen.people.values() if p.in_population]
    assert len(set(refs)) == len(refs)
    assert all(re.fullmatch(r"[HMBS]\d{7}", ref) for ref in refs)
    typed = mistyped = 0
    for row, person in legacy(gen):
        if row["HO_REF"]:
            typed += 1
            if row["HO_REF"] != person.ho_ref:
                mistyped += 1
                assert sum(a != b for a, b in zip(row["HO_REF"], person.ho_ref, strict=True)) == 1
    assert near(mistyped / typed, g.HO_REF_TYPO_RATE, 0.3)


def test_legacy_nationality_sometimes_a_country_name_and_always_read_back(gen):
    given = named = 0
    for row, person in legacy(gen):
        if row["NATIONALITY"]:
            given += 1
            named += len(row["NATIONALITY"]) > 3
            assert s.nationality_code(row["NATIONALITY"]) == person.nationality
    assert near(named / given, g.NATIONALITY_AS_NAME_RATE)


def test_nationalities_weighted_like_a_foreign_national_offender_population(gen):
    people = [p for p in gen.people.values() if p.in_population]
    shares = Counter(p.nationality for p in people)
    assert shares.most_common(1)[0][0] == "ALB"
    assert 0.24 < shares["ALB"] / len(people) < 0.32
    known = {c.alpha_3 for c in pycountry.countries}
    assert set(shares) <= known
    assert len(shares) > 50


def test_pnc_ids_on_police_rows_and_some_casework_rows(gen):
    pattern = re.compile(r"(\d{2})/(\d{6})([A-Z])")
    for row in gen.rows["police"]:
        match = pattern.fullmatch(row["PNC_ID"])
        assert match
        assert match[3] == g._PNC_CHECK[int(match[1] + match[2]) % 23]
    rows = carried = 0
    for row in gen.rows["casework"]:
        person = gen.people[gen.truth[("casework", row["person_id"])]]
        if person.criminal:
            rows += 1
            carried += bool(row["pnc_id"])
        if row["pnc_id"]:
            assert row["pnc_id"] == person.pnc_id
    assert near(carried / rows, g.CASEWORK_PNC_RATE, 0.1)


def test_police_file_holds_known_people_some_without_a_criminal_case_and_unrelated_people(gen):
    people = [gen.people[gen.truth[("police", row["PNC_ID"])]] for row in gen.rows["police"]]
    known = [p for p in people if p.in_population]
    assert near(len(known) / len(people), g.POLICE_KNOWN_SHARE, 0.05)
    assert near(
        len(gen.criminality_not_known) / len(known), g.POLICE_NOT_PREVIOUSLY_KNOWN_SHARE, 0.1
    )
    with_police = {p.key for p in people}
    case_types: dict[str, set[str]] = defaultdict(set)
    for row, person in legacy(gen):
        case_types[person.key].add(row["CASE_TYPE"])
    for key in gen.criminality_not_known:
        assert key in with_police
        assert case_types[key] and not case_types[key] & set(g.CRIMINAL_CASE_TYPES)
    criminal_known = [p for p in known if p.key not in set(gen.criminality_not_known)]
    assert all(case_types[p.key] & set(g.CRIMINAL_CASE_TYPES) for p in criminal_known)


# --- owning units and Figure 3 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "category"),
    [
        ("Criminal casework Liverpool", "current_unit"),
        ("criminal casework  liverpool", "current_unit"),
        ("Removals and detention gatekeeping", "current_unit"),
        ("Local Immigration Team North West", "lit"),
        ("LIT Croydon", "lit"),
        ("Removals Casework (FRU)", "removals_fru"),
        ("Asylum Casework", "asylum"),
        ("Border Force", "border_force"),
        ("NRC Detained Casework", "nrc_detained"),
        ("Detained Casework Duty Office", "nrc_detained"),
        ("GRP-44", "unidentified"),
        ("Some old team", "unidentified"),
        ("no unit", "blank"),
        ("NOT IN USE", "blank"),
        ("", "blank"),
        (None, "blank"),
        ("  ", "blank"),
    ],
)
def test_owning_unit_category_classifies_a_claimed_unit(value, category):
    assert g.owning_unit_category(value) == category


def test_owning_unit_category_takes_the_current_teams_it_is_given():
    assert g.owning_unit_category("Team X", current_teams=["Team X"]) == "current_unit"
    assert (
        g.owning_unit_category("Criminal casework Leeds", current_teams=["Team X"])
        == "unidentified"
    )


def test_categories_are_the_ownership_categories_of_the_model():
    from waymark.linkage.models import OwnershipCategory

    assert set(g.FIGURE3_COUNTS) | {"current_unit"} <= set(OwnershipCategory.values)
    for category, values in g.LEGACY_UNITS.items():
        assert {g.owning_unit_category(v) for v in values} == {category}


def test_current_teams_are_the_demo_teams():
    from waymark.demo.generator import TEAMS

    assert set(g.CURRENT_TEAMS) == {team.name for team in TEAMS}


def test_figure3_mode_gives_exactly_the_figure3_counts():
    gen = g.generate(6000, seed=9, figure3=True)
    claimed: dict[str, set[str]] = defaultdict(set)
    for row in gen.rows["legacy_case"]:
        claimed[gen.truth[("legacy_case", row["CASE_ID"])]].add(row["OWNING_UNIT"])
    assert all(len(units) == 1 for units in claimed.values())  # one unit on every case
    categories = Counter(g.owning_unit_category(next(iter(units))) for units in claimed.values())
    assert {c: n for c, n in categories.items() if c != "current_unit"} == g.FIGURE3_COUNTS
    assert sum(g.FIGURE3_COUNTS.values()) == 337


def test_figure3_mode_needs_enough_people():
    with pytest.raises(ValueError, match="figure3 needs a scale"):
        g.generate(500, figure3=True)


def test_without_figure3_a_few_people_claim_non_current_units(gen):
    claimed = Counter(g.owning_unit_category(row["OWNING_UNIT"]) for row in gen.rows["legacy_case"])
    non_current = 1 - claimed["current_unit"] / len(gen.rows["legacy_case"])
    assert near(non_current, g.UNCLEAR_OWNER_PERSON_RATE + g.UNIT_DRIFT_RATE, 0.3)


# --- files ---------------------------------------------------------------------------------------


def test_write_set_writes_files_that_read_back_without_rejection(tmp_path):
    gen = g.generate(2500, seed=4)
    written = g.write_set(gen, tmp_path)
    assert set(written) == {
        "legacy_cases.csv",
        "casework.csv",
        "police.csv",
        "truth.csv",
        *(f"tracker_{label}.xlsx" for label, _, _ in g.TRACKERS),
    }
    read = 0
    for name, kind in (
        ("legacy_cases.csv", "legacy_case"),
        ("casework.csv", "casework"),
        ("police.csv", "police"),
    ):
        with (tmp_path / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                s.record_standardise(
                    s.mapped_from_row(row, s.DEFAULT_MAPPINGS[kind], kind), source_kind=kind
                )
                read += 1
    for label, _, _ in g.TRACKERS:
        sheet = load_workbook(tmp_path / f"tracker_{label}.xlsx", read_only=True).active
        rows = sheet.iter_rows(values_only=True)
        headers = next(rows)
        assert tuple(headers) == g.HEADERS["tracker"]
        for values in rows:
            row = dict(zip(headers, values, strict=True))
            s.record_standardise(s.mapped_from_row(row, s.DEFAULT_MAPPINGS["tracker"], "tracker"))
            read += 1
    assert read == len(gen.truth)
    with (tmp_path / "truth.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    assert len(truth) == len(gen.truth)
    assert gen.truth[(truth[0]["source_kind"], truth[0]["source_ref"])] == truth[0]["person_key"]


def test_linkage_generate_command_writes_the_set_and_prints_counts(tmp_path, capsys):
    call_command(
        "linkage_generate",
        "--scale",
        "2000",
        "--out",
        str(tmp_path),
        "--seed",
        "3",
        "--csv-trackers",
    )
    out = capsys.readouterr().out
    assert "legacy_cases.csv" in out and "truth.csv" in out
    assert (tmp_path / "tracker_liverpool.csv").exists()
    gen = g.generate(2000, seed=3)
    assert f"{len(gen.rows['legacy_case']):,} rows" in out
