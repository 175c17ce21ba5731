"""Standardisation of source values (brief linkage.md §2): pure functions, no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from waymark.linkage import generator, rules, standardise
from waymark.linkage.standardise import (
    RowRejected,
    StandardisationError,
    address_parts,
    date_parse,
    engine_record,
    full_name_split,
    name_canonical,
    name_clean,
    nationality_code,
    phonetic,
    postcode_clean,
    postcode_district,
    record_standardise,
    record_standardise_warned,
    reference_clean,
    sex_code,
)

# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("José", "JOSE"),
        ("  mr   john  smith ", "JOHN SMITH"),
        ("Dr. Łukasz Wójcik", "LUKASZ WOJCIK"),
        ("O'Brien", "OBRIEN"),
        ("Smith-Jones", "SMITH JONES"),
        ("Nguyễn Văn Minh", "NGUYEN VAN MINH"),
        ("Müller", "MULLER"),
        ("Straße", "STRASSE"),
        ("Y\u0131lmaz", "YILMAZ"),  # dotless i
        ("Mrs", "MRS"),  # a title alone is kept: it is all there is
        ("", ""),
    ],
)
def test_name_clean_folds_accents_and_removes_titles_and_punctuation(raw, clean):
    assert name_clean(raw) == clean


@pytest.mark.parametrize(
    ("canonical", "variants"),
    [
        ("MUHAMMAD", ["Mohammed", "Mohammad", "Mohamed", "Mohamad", "Muhammed", "MOHD"]),
        ("AHMED", ["Ahmad", "Ahmet"]),
        ("YUSUF", ["Yousuf", "Youssef", "Yousef", "Yusuf"]),
        ("ALI", ["Aly", "Ali"]),
        ("HUSSAIN", ["Hussein", "Husain", "Hossain", "Hüseyin"]),
        ("ABDUL", ["Abdoul", "Abdel"]),
        ("OLUWASEUN", ["Oluwaseun", "Oluwasheun"]),
        ("ALEXANDER", ["Aleksandr", "Alexander", "Oleksandr", "Alexandru"]),
        ("MICHAEL", ["Mikhail", "Michael", "Michał"]),
        ("EVGENY", ["Yevgeny", "Evgeny", "Yevgeniy"]),
        ("JOSE", ["José", "Jose"]),
        ("FATIMA", ["Fatimah", "Fatima", "Fatma"]),
        ("AISHA", ["Ayesha", "Aisha", "Aïcha"]),
        ("NGUYEN", ["Nguyễn", "Nguyen", "Nguen"]),
        ("MUSTAFA", ["Mustapha", "Mostafa"]),
        ("IBRAHIM", ["Ibraheem", "Ebrahim"]),
        ("OMAR", ["Umar", "Omer"]),
        ("OSMAN", ["Usman", "Othman"]),
        ("DMITRY", ["Dmitri", "Dmytro"]),
        ("SERGEY", ["Sergei", "Serhiy"]),
        ("CHAUDHRY", ["Chowdhury", "Choudhury"]),
    ],
)
def test_name_canonical_maps_a_transliteration_family_to_one_spelling(canonical, variants):
    assert {name_canonical(v) for v in variants} == {canonical}


def test_name_canonical_leaves_names_outside_every_family_cleaned():
    assert name_canonical("Kowalski") == "KOWALSKI"
    assert name_canonical("mr smith") == "SMITH"


def test_name_families_do_not_overlap():
    seen: dict[str, str] = {}
    for canonical, variants in standardise.NAME_FAMILIES.items():
        for member in (canonical, *variants):
            cleaned = name_clean(member)
            assert seen.setdefault(cleaned, canonical) == canonical, (member, canonical)


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("SMITH, John", ("John", "SMITH")),
        ("Smith , John Paul", ("John Paul", "Smith")),
        ("John SMITH", ("John", "SMITH")),
        ("Van Minh NGUYEN", ("Van Minh", "NGUYEN")),
        ("John van der MERWE", ("John", "van der MERWE")),
        ("SMITH John", ("John", "SMITH")),
        ("John Smith", ("John", "Smith")),
        ("JOHN SMITH", ("JOHN", "SMITH")),
        ("Madonna", ("", "Madonna")),
        ("", ("", "")),
    ],
)
def test_full_name_split_reads_surname_first_or_forenames_first(text, split):
    assert full_name_split(text) == split


def test_phonetic_is_the_metaphone_of_the_canonical_first_token():
    assert phonetic("Mohamed Ali") == phonetic("MUHAMMAD") == phonetic("Mohammed")
    assert phonetic("Smith") == "SM0"
    assert phonetic("") == ""


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "03/04/1985",
        "3/4/1985",
        "3/4/85",
        "03.04.1985",
        "1985-04-03",
        "19850403",
        "3 Apr 1985",
        "3 April 1985",
        "03-Apr-85",
        "1985-04-03 00:00:00",
        "1985/04/03",
        "1985.04.03",
        "Apr 3, 1985",
        "April 3rd 1985",
        datetime(1985, 4, 3, 0, 0),
        date(1985, 4, 3),
        31140,
        31140.0,
        "31140",
    ],
)
def test_date_parse_reads_every_documented_format(value):
    assert date_parse(value) == date(1985, 4, 3)


@pytest.mark.parametrize(
    "value",
    [
        "3 avril 1985",  # French
        "3 avr. 1985",
        "3. April 1985",  # German
        "03-abr-85",  # Spanish
        "3 de abril de 1985",  # and Portuguese
        "3 aprile 1985",  # Italian
        "3 april 1985",  # Dutch
        "3 aprilie 1985",  # Romanian
    ],
)
def test_date_parse_reads_month_names_other_countries_write(value):
    """A French or Spanish police extract writes its months in its own language: '3 avril 1985'
    was refused as not a date, so the date of birth was left out of every such record."""
    assert date_parse(value) == date(1985, 4, 3)


def test_month_names_abroad_keep_their_accents_and_months():
    assert date_parse("1er août 1990") == date(1990, 8, 1)
    assert date_parse("17. M\u00e4rz 1990") == date(1990, 3, 17)
    assert date_parse("17 de Septiembre de 1990") == date(1990, 9, 17)
    assert date_parse("17-okt-90") == date(1990, 10, 17)
    assert date_parse("17 mai 1990") == date(1990, 5, 17)  # not March
    with pytest.raises(StandardisationError, match="not a date in a format we read"):
        date_parse("17 Smarch 1990")


def test_date_parse_month_first_when_asked():
    assert date_parse("04/03/1985", day_first=False) == date(1985, 4, 3)


def test_date_parse_blank_is_none():
    assert date_parse("") is None
    assert date_parse("   ") is None
    assert date_parse(None) is None


def test_date_parse_two_digit_years_pivot_on_this_year():
    assert date_parse("01/02/50") == date(1950, 2, 1)
    assert date_parse("01/02/05") == date(2005, 2, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/1985", "Date of birth '31/02/1985' is not a real date"),
        ("1985-13-01", "Date of birth '1985-13-01' is not a real date"),
        ("31/12/2999", "Date of birth '31/12/2999' is in the future"),
        ("01/01/1850", "Date of birth '01/01/1850' is before 1900"),
        ("sometime in 1985", "Date of birth 'sometime in 1985' is not a date in a format we read"),
        # A year alone was read as an Excel serial number: 1990 -> 12 June 1905.
        ("1990", "Date of birth '1990' is a year only"),
        (1990, "Date of birth '1990' is a year only"),
        (1990.0, "Date of birth '1990' is a year only"),
        ("1985/04-03", "Date of birth '1985/04-03' is not a date in a format we read"),
    ],
)
def test_date_parse_refuses_with_a_message_naming_the_field_and_value(value, message):
    with pytest.raises(StandardisationError) as caught:
        date_parse(value)
    assert str(caught.value).startswith(message)
    assert caught.value.field == "date_of_birth"


def test_a_postcode_that_says_there_is_none_is_kept_out_with_a_warning():
    """'N/A', 'NFA' (no fixed abode) were kept as postcodes written so: two people with 'N/A'
    agreed on their postcode."""
    for written in ["N/A", " nfa ", "No fixed abode", "ZZ99 3ZZ", "unknown"]:
        std, warnings = record_standardise_warned(
            {"source_ref": "C1", "family_name": "Smith", "postcode": written}
        )
        assert std["postcode"] == std["postcode_std"] == ""
        assert warnings == [
            {
                "field": "postcode",
                "detail": f"Postcode '{written.strip()}' says there is none: kept without one",
            }
        ]
    std, _ = record_standardise_warned({"source_ref": "C2", "family_name": "Li", "postcode": "NA1"})
    assert std["postcode"] == "NA1"  # a real value that starts like one is kept


def test_a_name_that_says_it_is_not_known_is_not_a_name():
    """'UNKNOWN UNKNOWN' born the same day were compared as names (and linked); 'N/K' became the
    initial N."""
    std, warnings = record_standardise_warned(
        {"source_ref": "C1", "given_names": "N/K", "family_name": "Okafor"}
    )
    assert (std["given_names"], std["given_std"], std["family_std"]) == ("", "", "OKAFOR")
    assert warnings == [
        {
            "field": "given_names",
            "detail": "Given names 'N/K' says it is not known: kept without it",
        }
    ]
    std, warnings = record_standardise_warned(
        {"source_ref": "C2", "full_name": "Unknown Male", "pnc_id": "19/123456X"}
    )
    assert std["given_std"] == std["family_std"] == "" and std["pnc_id"]
    assert [w["detail"] for w in warnings] == [
        "Name 'Unknown Male' says it is not known: kept without it",
        "Name 'Unknown Male' is not a name: the row is kept for its identifier",
    ]
    with pytest.raises(RowRejected, match="'UNKNOWN' is not a name and the row has no identifier"):
        record_standardise_warned(
            {"source_ref": "C3", "given_names": "UNKNOWN", "family_name": "UNKNOWN"}
        )
    assert record_standardise_warned({"source_ref": "C4", "family_name": "Na"})[0]["family_std"]


def test_a_title_alone_is_not_a_forename():
    """'Mr' in the forename column agreed with every other 'Mr SMITH' and disagreed with the
    person's real forename (which the twins guard reads as two different people)."""
    std, warnings = record_standardise_warned(
        {"source_ref": "C1", "given_names": "Mr.", "family_name": "Smith"}
    )
    assert (std["given_names"], std["given_std"], std["family_std"]) == ("", "", "SMITH")
    assert warnings == [
        {
            "field": "given_names",
            "detail": "Given names 'Mr.' is a title, not a name: kept without it",
        }
    ]
    std, warnings = record_standardise_warned({"source_ref": "C2", "full_name": "Mrs Okafor"})
    assert (std["given_std"], std["family_std"]) == ("", "OKAFOR")
    assert [w["detail"] for w in warnings] == [
        "Name 'Mrs Okafor' has a title but no forename: kept without one"
    ]
    std, warnings = record_standardise_warned({"source_ref": "C3", "full_name": "Dr Jane DOE"})
    assert (std["given_std"], std["family_std"], warnings) == ("JANE", "DOE", [])
    with pytest.raises(RowRejected, match="'Mr' is not a name and the row has no identifier"):
        record_standardise_warned({"source_ref": "C4", "given_names": "Mrs", "family_name": "Mr"})
    # A surname that is also a title elsewhere in a name is kept: only a title alone is left out.
    assert (
        record_standardise_warned(
            {"source_ref": "C5", "given_names": "Ahmed", "family_name": "Sheikh"}
        )[0]["family_std"]
        == "SHEIKH"
    )


def test_the_year_only_bounds_are_the_rules():
    """A whole number from rules.YEAR_ONLY_FROM to YEAR_ONLY_TO is a year of birth alone; one
    outside is read as an Excel serial number; a date before rules.EARLIEST_YEAR is refused."""
    for year in (rules.YEAR_ONLY_FROM, rules.YEAR_ONLY_TO, str(rules.YEAR_ONLY_TO)):
        with pytest.raises(StandardisationError, match="is a year only"):
            date_parse(year)
    assert date_parse(rules.YEAR_ONLY_FROM - 1) == date(1899, 12, 30) + timedelta(
        days=rules.YEAR_ONLY_FROM - 1
    )
    assert date_parse(f"01/01/{rules.EARLIEST_YEAR}") == date(rules.EARLIEST_YEAR, 1, 1)
    with pytest.raises(StandardisationError, match=f"is before {rules.EARLIEST_YEAR}"):
        date_parse(f"31/12/{rules.EARLIEST_YEAR - 1}")


def test_date_parse_names_the_field_it_reads():
    with pytest.raises(StandardisationError, match="Last conviction date '2019-02-30'"):
        date_parse("2019-02-30", field="last_conviction_date")


# --- nationality ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("NGA", "NGA"),
        ("nga", "NGA"),
        ("NG", "NGA"),
        ("Nigeria", "NGA"),
        ("Nigerian", "NGA"),
        ("NIGERIAN", "NGA"),
        ("Albania", "ALB"),
        ("ALBANIAN", "ALB"),
        ("Viet Nam", "VNM"),
        ("Vietnam", "VNM"),
        ("Vietnamese", "VNM"),
        ("Iran, Islamic Republic of", "IRN"),
        ("Iran", "IRN"),
        ("Republic of Korea", "KOR"),
        ("Côte d'Ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("UK", "GBR"),
        ("British", "GBR"),
        ("GBD", "GBR"),
        ("D", "DEU"),
        ("ZAR", "COD"),
        ("ROM", "ROU"),
        ("Kosovo", "XKX"),
        ("KOS", "XKX"),
        ("Stateless", "XXA"),
        ("XXA", "XXA"),
        ("Sri Lankan", "LKA"),
        ("Somali", "SOM"),
        ("Türkiye", "TUR"),
        ("Turkish", "TUR"),
        ("", ""),
        ("Not known", ""),
    ],
)
def test_nationality_code_reads_codes_names_demonyms_and_legacy_codes(value, code):
    assert nationality_code(value) == code


@pytest.mark.parametrize("value", ["XYZ", "Atlantis", "Martian national"])
def test_nationality_code_refuses_an_unknown_value_naming_it(value):
    with pytest.raises(StandardisationError) as caught:
        nationality_code(value)
    assert str(caught.value) == f"Unknown nationality code '{value}'"
    assert caught.value.field == "nationality"


# --- postcodes, sex, references ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "clean"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        (" l1  8jq ", "L1 8JQ"),
        ("CR0 2RH", "CR0 2RH"),
        ("m11ae", "M1 1AE"),
        ("GIR 0AA", "GIR 0AA"),
        ("", ""),
    ],
)
def test_postcode_clean_writes_the_standard_form(value, clean):
    assert postcode_clean(value) == clean


@pytest.mark.parametrize("value", ["12345", "SW1A", "SW1A 1CA", "not known", "ABC 123"])
def test_postcode_clean_refuses_what_is_not_a_uk_postcode(value):
    with pytest.raises(StandardisationError) as caught:
        postcode_clean(value)
    assert str(caught.value) == f"Postcode '{value}' is not a UK postcode"


def test_postcode_district_is_the_outward_code():
    assert postcode_district("SW1A 1AA") == "SW1A"
    assert postcode_district("") == ""


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("M", "M"),
        ("m", "M"),
        ("Male", "M"),
        ("MALE", "M"),
        ("F", "F"),
        ("female", "F"),
        ("U", ""),
        ("Unknown", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_sex_code_reads_the_usual_spellings(value, code):
    assert sex_code(value) == code


def test_sex_code_refuses_anything_else_naming_it():
    with pytest.raises(StandardisationError, match="Sex 'Q' is not one of"):
        sex_code("Q")


def test_reference_clean_upper_cases_and_removes_spaces():
    assert reference_clean(" h123 4567 ") == "H1234567"
    assert reference_clean(None) == ""


# --- records -------------------------------------------------------------------------------------

LEGACY_ROW = {
    "source_ref": "20000001",
    "given_names": "Mohamed  Imran",
    "family_name": "AL-TAMIMI",
    "date_of_birth": "03/04/1985",
    "sex": "M",
    "nationality": "Iraqi",
    "postcode": "l1 8jq",
    "address": "1  High Street, Liverpool",
    "home_office_ref": "h1234567",
    "cid_person_id": "7001",
    "owning_unit": "",
    "case_type": "Asylum claim",
}


def test_record_standardise_gives_every_sourcerecord_field():
    std = record_standardise(LEGACY_ROW)
    assert std["given_names"] == "Mohamed Imran"
    assert std["family_name"] == "AL-TAMIMI"
    assert std["date_of_birth"] == date(1985, 4, 3)
    assert (std["sex"], std["nationality"], std["postcode"]) == ("M", "IRQ", "L1 8JQ")
    assert std["address"] == "1 High Street, Liverpool"
    assert std["home_office_ref"] == "H1234567"
    assert (std["given_std"], std["middle_std"], std["family_std"]) == (
        "MUHAMMAD",
        "IMRAN",
        "AL TAMIMI",
    )
    assert std["given_phonetic"] == phonetic("MUHAMMAD")
    assert std["family_phonetic"] == phonetic("AL TAMIMI")
    assert std["postcode_std"] == "L1 8JQ"
    assert std["extra"] == {"cid_person_id": "7001", "owning_unit": "", "case_type": "Asylum claim"}


def test_record_standardise_splits_a_full_name():
    std = record_standardise({"source_ref": "LIV-1", "full_name": "HUSSEIN, Ali"})
    assert (std["given_names"], std["family_name"]) == ("Ali", "HUSSEIN")
    assert (std["given_std"], std["family_std"]) == ("ALI", "HUSSAIN")


def test_record_standardise_copies_the_police_reference_to_the_pnc_id():
    std = record_standardise({"source_ref": "12/345678a", "family_name": "X"}, source_kind="police")
    assert std["pnc_id"] == "12/345678A"
    mapped = standardise.mapped_from_row(
        {"PNC_ID": "12/345678A", "SURNAME": "X"}, standardise.DEFAULT_MAPPINGS["police"], "police"
    )
    assert mapped["pnc_id"] == "12/345678A"


def test_record_standardise_reads_police_extras():
    std = record_standardise(
        {
            "source_ref": "1",
            "family_name": "X",
            "offence_count": "3",
            "last_conviction_date": "2019-05-01",
            "force": " Kent  Police",
        }
    )
    assert std["extra"] == {
        "offence_count": 3,
        "last_conviction_date": "2019-05-01",
        "force": "Kent Police",
    }


BAD_VALUES = {
    "date_of_birth": "31/02/1985",
    "sex": "Q",
    "nationality": "XYZ",
    "postcode": "12345",
    "offence_count": "many",
    "last_conviction_date": "yesterday",
}


def test_a_row_that_cannot_identify_anyone_is_rejected_with_every_reason():
    row = {"source_ref": "", "family_name": "", "given_names": "", **BAD_VALUES}
    with pytest.raises(RowRejected) as caught:
        record_standardise(row)
    assert [r["field"] for r in caught.value.reasons] == ["source_ref", "family_name"]
    assert "no identifier" in caught.value.reasons[1]["detail"]


def test_record_standardise_warns_of_every_unusable_value_at_once_and_keeps_the_row():
    std, warnings = record_standardise_warned(
        {"source_ref": "1", "family_name": "Smith", **BAD_VALUES}
    )
    assert sorted(w["field"] for w in warnings) == sorted(BAD_VALUES)
    assert std["family_std"] == "SMITH" and std["date_of_birth"] is None
    assert (std["sex"], std["nationality"]) == ("", "")
    assert std["postcode"] == std["postcode_std"] == "12345"  # another country's, as written
    assert std["extra"] == {"offence_count": None, "last_conviction_date": ""}
    assert record_standardise({"source_ref": "1", "family_name": "Smith", **BAD_VALUES}) == std


def test_a_row_without_a_name_is_kept_for_its_identifier_with_a_warning():
    std, warnings = record_standardise_warned(
        {"source_ref": "1", "full_name": "--", "home_office_ref": "h123 4567"}
    )
    assert std["home_office_ref"] == "H1234567" and std["family_std"] == ""
    assert [w["field"] for w in warnings] == ["full_name"]


def test_a_foreign_postcode_is_kept_as_written_normalised_for_case_and_spaces():
    std, [warning] = record_standardise_warned(
        {"source_ref": "1", "family_name": "Dubois", "postcode": "  75001   paris "}
    )
    assert std["postcode_std"] == "75001 PARIS"
    assert warning == {
        "field": "postcode",
        "detail": "Postcode '75001   paris' is not a UK postcode: kept as written",
    }
    assert postcode_district("75001 PARIS") == ""
    too_long, [long_warning] = record_standardise_warned(
        {"source_ref": "1", "family_name": "Dubois", "postcode": "X" * 30}
    )
    assert too_long["postcode_std"] == "" and "longer than 20" in long_warning["detail"]


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("date_of_birth", "31/02/1985", "Date of birth"),
        ("date_of_birth", "sometime", "Date of birth"),
        ("sex", "Q", "Sex"),
        ("nationality", "XYZ", "nationality"),
        ("postcode", "12345", "Postcode"),
        ("offence_count", "many", "Offence count"),
        ("last_conviction_date", "2019-02-30", "Last conviction date"),
    ],
)
def test_every_warning_names_the_field_and_the_value(field, value, label):
    row = {"source_ref": "1", "family_name": "Smith", field: value}
    _std, [warning] = record_standardise_warned(row)
    assert warning["field"] == field
    assert label.lower() in warning["detail"].lower()
    assert f"'{value}'" in warning["detail"]


@pytest.mark.parametrize(
    ("address", "parts"),
    [
        ("12 High St., Leeds", ("12", "HIGH STREET", "LEEDS")),
        ("Flat 3, 40b Rue Lepic, Paris", ("40B", "RUE LEPIC", "PARIS")),
        ("Hauptstrasse 7, 10115 Berlin", ("7", "HAUPTSTRASSE", "BERLIN")),
        ("", ("", "", "")),
    ],
)
def test_address_parts_are_house_number_street_tokens_and_locality(address, parts):
    assert address_parts(address) == parts


def test_a_row_without_a_name_or_reference_is_rejected_naming_both():
    with pytest.raises(RowRejected) as caught:
        record_standardise({"source_ref": " ", "full_name": "--"})
    assert [r["field"] for r in caught.value.reasons] == ["source_ref", "full_name"]
    assert "'--'" in caught.value.reasons[1]["detail"]


def test_engine_record_has_the_engine_keys_with_blanks_as_none():
    std = record_standardise(LEGACY_ROW)
    record = engine_record("legacy_case:20000001", "legacy_case", std)
    assert set(record) == {
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
        "phone",
    }
    assert record["dob"] == "1985-04-03"
    assert record["birth_year"] == "1985"
    assert record["postcode_district"] == "L1"
    assert (record["address_number"], record["address_street"], record["address_locality"]) == (
        "1",
        "HIGH STREET",
        "LIVERPOOL",
    )
    assert record["pnc_id"] is None
    blank = engine_record(
        "x:1", "tracker", record_standardise({"source_ref": "1", "family_name": "X"})
    )
    assert blank["dob"] is None and blank["birth_year"] is None and blank["given_std"] is None
    assert blank["phone"] is None


def test_default_mappings_cover_every_header_the_generator_writes():
    for kind, headers in generator.HEADERS.items():
        assert set(standardise.DEFAULT_MAPPINGS[kind]) == set(headers)
        fields = set(standardise.DEFAULT_MAPPINGS[kind].values())
        assert "source_ref" in fields
        assert fields <= set(standardise.FIELDS)
