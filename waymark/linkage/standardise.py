"""Standardisation of source records before linking (brief linkage.md §2, "standardise first").

Pure functions, no Django models: the importer, the engine, the generator and the benchmark all
call them, on up to millions of rows, so lookups are cached and the patterns compiled once.

Every problem is reported as a ``StandardisationError`` whose message names the field and the value
as typed ("Date of birth '31/02/1985' is not a real date"); ``record_standardise`` collects every
problem of one row into one ``RowRejected`` so the validation report lists them all at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import jellyfish

from waymark.linkage import rules

# --- Errors -----------------------------------------------------------------------------------------


class StandardisationError(ValueError):
    """One value that cannot be standardised. ``field`` is the mapping target it was read for."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.detail = message


class RowRejected(ValueError):
    """A row with one or more problems: ``reasons`` is ``[{"field", "detail"}, ...]``, every one."""

    def __init__(self, reasons: list[dict[str, str]]) -> None:
        super().__init__("; ".join(r["detail"] for r in reasons))
        self.reasons = reasons


# --- Fields --------------------------------------------------------------------------------------------

PERSON_FIELDS = (
    "source_ref",
    "given_names",
    "family_name",
    "full_name",
    "date_of_birth",
    "sex",
    "nationality",
    "postcode",
    "address",
    "phone",
    "home_office_ref",
    "pnc_id",
)
EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "legacy_case": ("cid_person_id", "case_type", "owning_unit", "case_status", "notes"),
    "casework": (),
    "tracker": ("case_owner", "next_action", "notes"),
    "police": (
        "cro_number",
        "offence_count",
        "most_serious_offence",
        "last_conviction_date",
        "force",
    ),
}
ALL_EXTRA_FIELDS = tuple(dict.fromkeys(f for fields in EXTRA_FIELDS.values() for f in fields))
FIELDS = PERSON_FIELDS + ALL_EXTRA_FIELDS

# What each field is called in messages.
FIELD_LABELS = {
    "source_ref": "Reference",
    "given_names": "Given names",
    "family_name": "Family name",
    "full_name": "Name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "nationality": "Nationality",
    "postcode": "Postcode",
    "address": "Address",
    "phone": "Phone number",
    "home_office_ref": "Home Office reference",
    "pnc_id": "PNC ID",
    "cid_person_id": "CID person ID",
    "case_type": "Case type",
    "owning_unit": "Owning unit",
    "case_status": "Case status",
    "notes": "Notes",
    "case_owner": "Case owner",
    "next_action": "Next action",
    "cro_number": "CRO number",
    "offence_count": "Offence count",
    "most_serious_offence": "Most serious offence",
    "last_conviction_date": "Last conviction date",
    "force": "Police force",
}

# The importer's default column mapping: the headers the generator writes (and the real extracts
# use) -> mapping target. A file with exactly these headers needs no mapping step.
DEFAULT_MAPPINGS: dict[str, dict[str, str]] = {
    "legacy_case": {
        "CASE_ID": "source_ref",
        "CID_PERSON_ID": "cid_person_id",
        "HO_REF": "home_office_ref",
        "SURNAME": "family_name",
        "FORENAMES": "given_names",
        "DOB": "date_of_birth",
        "GENDER": "sex",
        "NATIONALITY": "nationality",
        "ADDRESS": "address",
        "POSTCODE": "postcode",
        "CASE_TYPE": "case_type",
        "OWNING_UNIT": "owning_unit",
        "CASE_STATUS": "case_status",
        "NOTES": "notes",
    },
    "casework": {
        "person_id": "source_ref",
        "ho_reference": "home_office_ref",
        "given_names": "given_names",
        "family_name": "family_name",
        "date_of_birth": "date_of_birth",
        "sex": "sex",
        "nationality": "nationality",
        "postcode": "postcode",
        "pnc_id": "pnc_id",
    },
    "tracker": {
        "Our ref": "source_ref",
        "Name": "full_name",
        "D.O.B": "date_of_birth",
        "Nat.": "nationality",
        "HO Ref": "home_office_ref",
        "Case owner": "case_owner",
        "Next action": "next_action",
        "Comments": "notes",
    },
    "police": {
        "PNC_ID": "source_ref",
        "CRO_NO": "cro_number",
        "SURNAME": "family_name",
        "FORENAMES": "given_names",
        "DOB": "date_of_birth",
        "SEX": "sex",
        "NATIONALITY": "nationality",
        "POSTCODE": "postcode",
        "OFFENCE_COUNT": "offence_count",
        "MOST_SERIOUS_OFFENCE": "most_serious_offence",
        "LAST_CONVICTION_DATE": "last_conviction_date",
        "FORCE": "force",
    },
}
# A source whose own reference is also a person identifier: the police file's PNC ID is both the
# row's reference and the PNC ID the engine compares.
SOURCE_REF_ALSO: dict[str, str] = {"police": "pnc_id"}


def mapped_from_row(row: Mapping[str, Any], mapping: Mapping[str, str], source_kind: str) -> dict:
    """The mapped values of one file row (file header -> value) under ``mapping`` (header ->
    field); unmapped headers are left out. Applies ``SOURCE_REF_ALSO``."""
    mapped = {field: row.get(header) for header, field in mapping.items() if field}
    also = SOURCE_REF_ALSO.get(source_kind)
    if also and not _text(mapped.get(also)):
        mapped[also] = mapped.get("source_ref")
    return mapped


# --- Names ----------------------------------------------------------------------------------------------

TITLES = frozenset(
    {
        "MR",
        "MRS",
        "MS",
        "MISS",
        "MX",
        "DR",
        "PROF",
        "PROFESSOR",
        "SIR",
        "DAME",
        "LADY",
        "LORD",
        "REV",
        "REVD",
        "MASTER",
        "SHEIKH",
        "HAJI",
        "HAJJI",
        "ALHAJI",
    }
)
# The titles that are never a name, so a name field holding only these holds no name. The others
# above are also family names (SHEIKH, HAJI, LORD): kept when they are the whole value.
COURTESY_TITLES = frozenset(
    {"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "PROFESSOR", "REV", "REVD", "SIR"}
)
# Letters NFKD does not decompose into a base letter and a mark.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "SS",
        "ẞ": "SS",
        "Æ": "AE",
        "æ": "AE",
        "Œ": "OE",
        "œ": "OE",
        "Ø": "O",
        "ø": "O",
        "Ł": "L",
        "ł": "L",
        "Đ": "D",
        "đ": "D",
        "Ð": "D",
        "ð": "D",
        "Þ": "TH",
        "þ": "TH",
        "\u0131": "I",
        "Ħ": "H",
        "ħ": "H",
        "ĸ": "K",
    }
)
_APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")  # straight, curly, grave, acute
_NOT_LETTER = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")


def _ascii_fold(text: str) -> str:
    text = text.translate(_SPECIAL_LETTERS)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        .encode("ascii", "ignore")
        .decode("ascii")
    )


@lru_cache(maxsize=200_000)
def name_clean(text: str) -> str:
    """Upper-case ASCII, accents folded, titles and punctuation removed, whitespace collapsed:
    "Dr. José  O'Brien-Núñez" -> "JOSE OBRIEN NUNEZ". Apostrophes join (O'Brien -> OBRIEN);
    hyphens, dots and other marks separate."""
    if not text:
        return ""
    folded = _ascii_fold(text).upper()
    folded = _APOSTROPHES.sub("", folded)
    folded = _NOT_LETTER.sub(" ", folded)
    tokens = folded.split()
    if len(tokens) > 1:
        kept = [t for t in tokens if t not in TITLES]
        tokens = kept or tokens[-1:]
    return " ".join(tokens)


# One spelling for each transliteration family: canonical -> the variants typed for it. The
# canonical spelling is the one a reader of the code would recognise, not a claim about which is
# "right". Compared after name_clean (so accents are already folded: JOSÉ is JOSE).
NAME_FAMILIES: dict[str, tuple[str, ...]] = {
    "MUHAMMAD": (
        "MOHAMMED",
        "MOHAMMAD",
        "MOHAMED",
        "MOHAMAD",
        "MUHAMMED",
        "MUHAMED",
        "MUHAMAD",
        "MOHAMMOD",
        "MOHD",
        "MOUHAMED",
        "MOHAMMADH",
        "MAHOMED",
        "MOHAMMEDE",
        "MOHAMEED",
        "MUHAMMET",
        "MOHAMMET",
        "MUHAMMADU",
    ),
    "AHMED": ("AHMAD", "AHMET", "AHMMED", "AHAMED", "AHMEED", "AHMADU", "AHMEDU"),
    "YUSUF": (
        "YOUSUF",
        "YOUSSEF",
        "YOUSEF",
        "YUSEF",
        "YOUSIF",
        "YUSIF",
        "YUSSUF",
        "YOUSOUF",
        "YOUSSOUF",
        "YUSUPH",
    ),
    "ALI": ("ALY", "ALEE", "ALIE"),
    "HUSSAIN": (
        "HUSSEIN",
        "HUSAIN",
        "HOSSAIN",
        "HUSEIN",
        "HOSSEIN",
        "HUSSIEN",
        "HUSAYN",
        "HUSSAYN",
        "HUSEYIN",
        "HOSEIN",
        "HUSSEN",
    ),
    "HASSAN": ("HASAN", "HASSANE", "HASSEN", "HASAAN"),
    "ABDUL": ("ABDOUL", "ABDEL", "ABDOL", "ABDULL", "ABDUUL"),
    "ABDULLAH": ("ABDALLAH", "ABDULAH", "ABDULLA", "ABDALLA", "ABDULLAHI", "ABDOULLAH"),
    "ABDIRAHMAN": ("ABDURAHMAN", "ABDULRAHMAN", "ABDURRAHMAN", "ABDIRAHMAAN", "ABDELRAHMAN"),
    "OLUWASEUN": ("OLUWASHEUN", "OLUSEUN", "OLUWASEUNI"),
    "ALEXANDER": (
        "ALEKSANDR",
        "ALEKSANDER",
        "ALEXANDR",
        "ALEXANDRE",
        "OLEKSANDR",
        "ALEKSANDAR",
        "ALEKSANDRE",
        "ALEXANDRU",
        "ALEKSANDRS",
        "ALEKSANDRAS",
        "ALEJANDRO",
        "ALESSANDRO",
    ),
    "MICHAEL": (
        "MIKHAIL",
        "MICHAIL",
        "MYKHAILO",
        "MIHAIL",
        "MIKAEL",
        "MICHAL",
        "MIKHAEL",
        "MICHEAL",
        "MIHAI",
        "MICHEL",
        "MIGUEL",
        "MICHELE",
        "MIKHAYIL",
    ),
    "EVGENY": (
        "YEVGENY",
        "YEVGENIY",
        "EVGENIY",
        "EVGENII",
        "YEVHEN",
        "EVGENI",
        "YEVGENI",
        "IEVGEN",
        "JEVGENIJ",
        "EUGENE",
        "EUGEN",
    ),
    "DMITRY": ("DMITRI", "DMITRIY", "DMYTRO", "DMITRII", "DIMITRI", "DIMITRY", "DMITRIJ"),
    "SERGEY": ("SERGEI", "SERGIY", "SERHIY", "SERGII", "SERGEJ", "SERHII", "SERGHEI"),
    "ANDREY": ("ANDREI", "ANDRIY", "ANDRII", "ANDREJ", "ANDRIJ"),
    "YURI": ("YURIY", "IURII", "YURIJ", "JURIJ", "YURII", "IURIE"),
    "JOSE": ("JOSEH", "JOZE", "JOSÉ"),
    "JOAO": ("JOAOO", "JOHAO"),
    "FATIMA": (
        "FATIMAH",
        "FATMA",
        "FATUMA",
        "FATEMA",
        "FATIMATA",
        "FATEMEH",
        "FATUMATA",
        "FADUMO",
        "FAADUMO",
    ),
    "AISHA": ("AYESHA", "AICHA", "AISHAH", "AYSHA", "AYSHE", "AYSE", "AISSA", "AISSATA", "AYISHA"),
    "MARYAM": ("MARIAM", "MERYEM", "MERIAM", "MARYAN"),
    "KHADIJA": ("KHADIJAH", "KADIJA", "KHADIDJA", "KHADIJE", "HADIJA", "KHADEEJA"),
    "ZAINAB": ("ZEINAB", "ZAYNAB", "ZAINABU", "ZENAB"),
    "NGUYEN": ("NGUEN", "NGUYN", "NGYUEN", "NGUYEEN"),
    "MUSTAFA": ("MUSTAPHA", "MOSTAFA", "MUSTAFFA", "MOUSTAFA", "MOUSTAPHA", "MUSTAFAH"),
    "IBRAHIM": ("IBRAHEEM", "EBRAHIM", "IBROHIM", "IBRAHEM", "EBRAHEEM", "IBRAHIME"),
    "OMAR": ("UMAR", "OMER", "OUMAR", "OMAAR", "UMER"),
    "OSMAN": ("USMAN", "OTHMAN", "UTHMAN", "OSMANE", "USMAAN", "OUSMANE", "OUSMAN"),
    "SULEIMAN": ("SULAIMAN", "SULEYMAN", "SOLIMAN", "SULAYMAN", "SOULEYMANE", "SULEMAN"),
    "KHALID": ("KHALED", "KHALEED", "KALID", "HALID"),
    "RAHMAN": ("REHMAN", "RAHMAAN", "REHMAAN", "RAHMANE"),
    "HAMID": ("HAMEED", "HAMED", "HAMEID"),
    "MAHMOUD": ("MAHMUD", "MEHMOOD", "MAHMOOD", "MAHMOD", "MEHMUD"),
    "ABUBAKAR": ("ABUBAKR", "ABOUBACAR", "ABUBAKER", "ABOUBAKAR", "ABUBAKARR", "ABUBACARR"),
    "CHAUDHRY": (
        "CHOUDHURY",
        "CHOWDHURY",
        "CHAUDHARY",
        "CHOUDHARY",
        "CHOUDHRY",
        "CHAUDHURY",
        "CHAUDRY",
        "CHOUDRY",
    ),
    "TATIANA": ("TATYANA", "TETIANA", "TATJANA", "TATIANNA"),
    "NATALIA": ("NATALYA", "NATALIYA", "NATALJA", "NATALIE", "NATALIJA"),
    "OLGA": ("OLHA", "OLGHA"),
    "VLADIMIR": ("VOLODYMYR", "WLADIMIR", "VLADIMER", "VLADIMIRS"),
    "NIKOLAI": ("NIKOLAY", "MYKOLA", "NICOLAI", "NIKOLAJ", "NIKOLAOS"),
    "SAID": ("SAEED", "SAYED", "SAYID", "SAEID", "SAIID", "SAYYID"),
    "MAHAMED": ("MAXAMED",),
    "JAMAL": ("JAMAAL", "DJAMAL", "GAMAL"),
    "YAHYA": ("YAHIA", "YEHIA", "YAHAYA"),
    "ISMAIL": ("ISMAEL", "ISMAAIL", "ESMAIL", "ISMAILA"),
    "ABDI": ("ABDY", "CABDI"),
    "HOSSEINI": ("HUSSEINI", "HOSSAINI", "HUSAINI", "HUSSAINI"),
}
_CANONICAL: dict[str, str] = {}
for _canonical, _variants in NAME_FAMILIES.items():
    _CANONICAL[_canonical] = _canonical
    for _variant in _variants:
        _CANONICAL[name_clean(_variant)] = _canonical
del _canonical, _variants, _variant


@lru_cache(maxsize=200_000)
def name_canonical(token: str) -> str:
    """One spelling for a transliteration family: MOHAMMED, MOHAMED, MUHAMMED -> MUHAMMAD. Takes a
    token as typed or cleaned; a name outside every family comes back cleaned."""
    cleaned = name_clean(token)
    return _CANONICAL.get(cleaned, cleaned)


def name_std(text: str) -> str:
    """Every token of ``text`` cleaned and canonicalised, joined by single spaces."""
    cleaned = name_clean(text)
    if not cleaned:
        return ""
    return " ".join(_CANONICAL.get(t, t) for t in cleaned.split())


@lru_cache(maxsize=200_000)
def _given_split(text: str) -> tuple[str, str]:
    tokens = [_CANONICAL.get(t, t) for t in name_clean(text).split()]
    if not tokens:
        return "", ""
    return tokens[0], " ".join(tokens[1:])


@lru_cache(maxsize=200_000)
def _family_std(text: str) -> str:
    return name_std(text)


@lru_cache(maxsize=200_000)
def phonetic(name: str) -> str:
    """Metaphone code of the canonical first token of ``name`` ('' for no name)."""
    cleaned = name_clean(name)
    if not cleaned:
        return ""
    first = cleaned.split(" ", 1)[0]
    return jellyfish.metaphone(_CANONICAL.get(first, first))


# Lower-case words that belong to the surname that follows ("John van der MERWE").
SURNAME_PARTICLES = frozenset(
    {
        "van",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "dos",
        "das",
        "do",
        "du",
        "le",
        "la",
        "von",
        "al",
        "el",
        "ben",
        "bin",
        "ter",
    }
)


def _is_upper_word(token: str) -> bool:
    letters = [ch for ch in token if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def full_name_split(text: str) -> tuple[str, str]:
    """(given_names, family_name) from one cell: "SURNAME, Forenames" (the comma decides), or
    "Forenames SURNAME" (the run of upper-case words at the end is the surname), or else the last
    word is the surname. Values come back as typed, whitespace collapsed."""
    text = _SPACES.sub(" ", _text(text)).strip()
    if not text:
        return "", ""
    if "," in text:
        family, given = text.split(",", 1)
        return given.strip(" ,"), family.strip(" ,")
    tokens = text.split(" ")
    if len(tokens) == 1:
        return "", tokens[0]
    upper = [_is_upper_word(t) for t in tokens]
    if not all(upper) and upper[-1]:
        start = len(tokens) - 1
        while start > 0 and upper[start - 1]:
            start -= 1
        while start > 1 and tokens[start - 1].lower() in SURNAME_PARTICLES:
            start -= 1
        if start > 0:
            return " ".join(tokens[:start]), " ".join(tokens[start:])
    if not all(upper) and upper[0] and not any(upper[1:]):
        # "SMITH John": surname first in capitals.
        return " ".join(tokens[1:]), tokens[0]
    return " ".join(tokens[:-1]), tokens[-1]


# --- Dates --------------------------------------------------------------------------------------------

_MONTHS = {
    "JAN": 1,
    "FEB": 2,
    "MAR": 3,
    "APR": 4,
    "MAY": 5,
    "JUN": 6,
    "JUL": 7,
    "AUG": 8,
    "SEP": 9,
    "SEPT": 9,
    "OCT": 10,
    "NOV": 11,
    "DEC": 12,
    "JANUARY": 1,
    "FEBRUARY": 2,
    "MARCH": 3,
    "APRIL": 4,
    "JUNE": 6,
    "JULY": 7,
    "AUGUST": 8,
    "SEPTEMBER": 9,
    "OCTOBER": 10,
    "NOVEMBER": 11,
    "DECEMBER": 12,
}
# Month names as other countries' records write them (accents folded: MÄRZ is MARZ, AOÛT AOUT):
# French, German, Spanish, Italian, Portuguese, Dutch and Romanian. None is another month's
# English name or abbreviation.
_MONTHS_ABROAD = {
    1: "JANV JANVIER JANUAR JANNER ENE ENERO GEN GENNAIO JANEIRO JANUARI IAN IANUARIE",
    2: "FEV FEVR FEVRIER FEBRUAR FEBRERO FEBBRAIO FEVEREIRO FEBRUARI FEBRUARIE",
    3: "MARS MARZ MAERZ MARZO MARCO MAART MRT MARTIE",
    4: "AVR AVRIL ABR ABRIL APRILE APRILIE",
    5: "MAI MAYO MAG MAGGIO MAIO MEI",
    6: "JUIN JUNI JUNIO GIU GIUGNO JUNHO IUN IUNIE",
    7: "JUIL JUILLET JULI JULIO LUG LUGLIO JULHO IUL IULIE",
    8: "AOUT AGO AGOSTO AUGUSTUS",
    9: "SEPTEMBRE SETIEMBRE SEPTIEMBRE SET SETT SETTEMBRE SETEMBRO SEPTEMBRIE",
    10: "OKT OKTOBER OCTOBRE OCTUBRE OTT OTTOBRE OUT OUTUBRO OCTOMBRIE",
    11: "NOVEMBRE NOVIEMBRE NOVEMBRO NOIEMBRIE",
    12: "DEZ DEZEMBER DECEMBRE DIC DICIEMBRE DICEMBRE DEZEMBRO DECEMBRIE",
}
for _month, _names in _MONTHS_ABROAD.items():
    for _name in _names.split():
        assert _MONTHS.setdefault(_name, _month) == _month, _name
del _month, _names, _name
_DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$")
# Year first with any separator (1990-05-17, 1990/05/17 as Chinese and Japanese records write it,
# 1990.05.17): a four-digit first part is never a day, so this is not ambiguous.
_DATE_ISO = re.compile(
    r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
# "May 17, 1990" (the American long form): a month in words first is not ambiguous either.
_DATE_WORDS_MONTH_FIRST = re.compile(r"^([A-Z]{3,10})\.? (\d{1,2})(?:ST|ND|RD|TH)?,? (\d{4})$")
# A year alone ("1990"): only the year of birth is known (rules.YEAR_ONLY_FROM/TO).
_YEAR_ONLY = range(rules.YEAR_ONLY_FROM, rules.YEAR_ONLY_TO + 1)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_WORDS = re.compile(
    r"^(\d{1,2})(?:ST|ND|RD|TH|ER)?\.?[ \-/]+([A-Z]{3,10})\.?[ \-/,]+(\d{4}|\d{2})$"
)
# "17 de mayo de 1990", "17 de maio de 1990": the joining word is left out before matching.
_DATE_JOINING_WORDS = re.compile(r" (?:DE|DEL|DI) ")
_EXCEL_EPOCH = date(1899, 12, 30)
_EARLIEST = date(rules.EARLIEST_YEAR, 1, 1)
# A date before this year cannot be in the future of any plausible (even frozen) clock, so the
# clock is only asked about later dates: it keeps a million-row import fast.
_CLOCK_CHECK_FROM = date(1990, 1, 1)
DATE_FORMATS_READ = (
    "dd/mm/yyyy, d/m/yy, yyyy-mm-dd, yyyy/mm/dd, yyyymmdd, '3 Mar 1985' or 'Mar 3, 1985'; "
    "months in words also in French, German, Spanish, Italian, Portuguese, Dutch or Romanian"
)


def _today() -> date:
    """Today from the Waymark clock when Django is set up, else the machine's date."""
    try:
        from django.conf import settings

        if settings.configured:
            from waymark.core import clock

            return clock.today()
    except ImportError:  # pragma: no cover - standardise used without Django
        pass
    return date.today()


def _two_digit_year(yy: int) -> int:
    pivot = _today().year % 100
    return 2000 + yy if yy <= pivot else 1900 + yy


def date_parse(value: Any, *, day_first: bool = True, field: str = "date_of_birth") -> date | None:
    """A date from a cell: '' or None -> None; ``date``/``datetime`` (openpyxl cells); Excel serial
    numbers; strings in dd/mm/yyyy, d/m/yy, yyyy-mm-dd, yyyymmdd or '3 Mar 1985'. A date that is
    not real, unreadable, in the future or before ``rules.EARLIEST_YEAR`` raises ``StandardisationError``."""
    label = FIELD_LABELS.get(field, field)
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if value == int(value) and int(value) in _YEAR_ONLY:
            raise StandardisationError(f"{label} '{int(value)}' is a year only", field=field)
        parsed = _excel_serial(value, label, field)
    else:
        text = str(value).strip()
        if not text:
            return None
        parsed = _date_text(text, day_first=day_first, label=label, field=field)
    if parsed < _EARLIEST:
        raise StandardisationError(
            f"{label} '{_shown(value)}' is before {_EARLIEST.year}", field=field
        )
    if parsed >= _CLOCK_CHECK_FROM and parsed > _today():
        raise StandardisationError(f"{label} '{_shown(value)}' is in the future", field=field)
    return parsed


def date_order_evidence(value: Any) -> str:
    """Which order a written date can only be read in: "day" for 31/12/1990 (no 31st month),
    "month" for 12/31/1990 (as a spreadsheet saved on a machine set to US English writes it), ""
    when either order reads it (03/04/1990) or it is not a day/month/year date at all."""
    if not isinstance(value, str):
        return ""
    match = _DATE_DMY.match(value.strip())
    if not match:
        return ""
    first, second = int(match[1]), int(match[2])
    if 12 < first <= 31 and 1 <= second <= 12:
        return "day"
    if 12 < second <= 31 and 1 <= first <= 12:
        return "month"
    return ""


def _shown(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()


def _excel_serial(value: float, label: str, field: str) -> date:
    if not 1 <= value < 2_958_466:
        raise StandardisationError(f"{label} '{value}' is not a date", field=field)
    return _EXCEL_EPOCH + timedelta(days=int(value))


def _real_date(year: int, month: int, day: int, text: str, label: str, field: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise StandardisationError(f"{label} '{text}' is not a real date", field=field) from None


def _date_text(text: str, *, day_first: bool, label: str, field: str) -> date:
    match = _DATE_ISO.match(text)
    if match:
        return _real_date(int(match[1]), int(match[3]), int(match[4]), text, label, field)
    match = _DATE_DMY.match(text)
    if match:
        first, second, year = int(match[1]), int(match[2]), match[3]
        day, month = (first, second) if day_first else (second, first)
        full_year = int(year) if len(year) == 4 else _two_digit_year(int(year))
        return _real_date(full_year, month, day, text, label, field)
    match = _DATE_COMPACT.match(text)
    if match:
        return _real_date(int(match[1]), int(match[2]), int(match[3]), text, label, field)
    upper = _DATE_JOINING_WORDS.sub(" ", _ascii_fold(text).upper())
    match = _DATE_WORDS.match(upper)
    if match and match[2] in _MONTHS:
        year = match[3]
        full_year = int(year) if len(year) == 4 else _two_digit_year(int(year))
        return _real_date(full_year, _MONTHS[match[2]], int(match[1]), text, label, field)
    match = _DATE_WORDS_MONTH_FIRST.match(upper)
    if match and match[1] in _MONTHS:
        return _real_date(int(match[3]), _MONTHS[match[1]], int(match[2]), text, label, field)
    if text.isdigit() and int(text) in _YEAR_ONLY:
        raise StandardisationError(f"{label} '{text}' is a year only", field=field)
    if text.isdigit() and len(text) <= 5:
        return _excel_serial(int(text), label, field)
    raise StandardisationError(
        f"{label} '{text}' is not a date in a format we read ({DATE_FORMATS_READ})", field=field
    )


# --- Nationality ------------------------------------------------------------------------------------

# Codes outside ISO 3166-1 that UK immigration records use (ICAO Doc 9303 and legacy systems).
EXTRA_CODES = {
    "XKX": "Kosovo",
    "XXA": "Stateless person",
    "XXB": "Refugee (1951 Convention)",
    "XXC": "Refugee (other)",
    "XXX": "Unspecified nationality",
}
# Legacy and document codes -> the code we keep ('' means "not known").
LEGACY_CODES = {
    "UK": "GBR",
    "GBD": "GBR",
    "GBN": "GBR",
    "GBO": "GBR",
    "GBP": "GBR",
    "GBS": "GBR",
    "D": "DEU",
    "KOS": "XKX",
    "RKS": "XKX",
    "ZAR": "COD",
    "ROM": "ROU",
    "TMP": "TLS",
    "BUR": "MMR",
    "SCG": "SRB",
    "YUG": "SRB",
    "SUN": "RUS",
    "EL": "GRC",
    "UNK": "XKX",
    "STA": "XXA",
    "STATELESS": "XXA",
    "NK": "",
    "N K": "",
    "NOT KNOWN": "",
    "UNKNOWN": "",
    "NONE": "",
    "NOT STATED": "",
    "TBC": "",
    "NULL": "",
}
# English names the ISO list words differently, and places people give as a nationality.
COUNTRY_ALIASES = {
    "UNITED KINGDOM": "GBR",
    "GREAT BRITAIN": "GBR",
    "BRITAIN": "GBR",
    "ENGLAND": "GBR",
    "SCOTLAND": "GBR",
    "WALES": "GBR",
    "NORTHERN IRELAND": "GBR",
    "USA": "USA",
    "US": "USA",
    "UNITED STATES": "USA",
    "AMERICA": "USA",
    "VIETNAM": "VNM",
    "IRAN": "IRN",
    "SYRIA": "SYR",
    "RUSSIA": "RUS",
    "TURKEY": "TUR",
    "TURKIYE": "TUR",
    "SOUTH KOREA": "KOR",
    "KOREA": "KOR",
    "NORTH KOREA": "PRK",
    "DR CONGO": "COD",
    "DRC": "COD",
    "DEMOCRATIC REPUBLIC OF CONGO": "COD",
    "DEMOCRATIC REPUBLIC OF THE CONGO": "COD",
    "CONGO KINSHASA": "COD",
    "CONGO BRAZZAVILLE": "COG",
    "ZAIRE": "COD",
    "IVORY COAST": "CIV",
    "COTE D IVOIRE": "CIV",
    "CZECH REPUBLIC": "CZE",
    "CZECHIA": "CZE",
    "TANZANIA": "TZA",
    "MOLDOVA": "MDA",
    "BOLIVIA": "BOL",
    "VENEZUELA": "VEN",
    "LAOS": "LAO",
    "MACEDONIA": "MKD",
    "NORTH MACEDONIA": "MKD",
    "BURMA": "MMR",
    "MYANMAR": "MMR",
    "KOSOVO": "XKX",
    "PALESTINE": "PSE",
    "PALESTINIAN TERRITORIES": "PSE",
    "HOLLAND": "NLD",
    "THE NETHERLANDS": "NLD",
    "CAPE VERDE": "CPV",
    "SWAZILAND": "SWZ",
    "EAST TIMOR": "TLS",
    "THE GAMBIA": "GMB",
    "GAMBIA": "GMB",
    "BRUNEI": "BRN",
    "TAIWAN": "TWN",
    "HONG KONG": "HKG",
    "MACAU": "MAC",
    "SAINT LUCIA": "LCA",
    "ST LUCIA": "LCA",
    "ST VINCENT": "VCT",
    "SAINT VINCENT": "VCT",
    "ST KITTS": "KNA",
    "TRINIDAD": "TTO",
    "TRINIDAD AND TOBAGO": "TTO",
    "BOSNIA": "BIH",
    "BOSNIA AND HERZEGOVINA": "BIH",
    "UAE": "ARE",
    "EMIRATES": "ARE",
    "SOUTH SUDAN": "SSD",
    "VATICAN": "VAT",
    "MICRONESIA": "FSM",
    "REPUBLIC OF IRELAND": "IRL",
    "EIRE": "IRL",
    "SLOVAK REPUBLIC": "SVK",
}
# Adjectives people and systems write for a nationality.
DEMONYMS = {
    "ALBANIAN": "ALB",
    "JAMAICAN": "JAM",
    "POLISH": "POL",
    "ZIMBABWEAN": "ZWE",
    "NIGERIAN": "NGA",
    "VIETNAMESE": "VNM",
    "PAKISTANI": "PAK",
    "IRAQI": "IRQ",
    "SOMALI": "SOM",
    "SOMALIAN": "SOM",
    "PORTUGUESE": "PRT",
    "ROMANIAN": "ROU",
    "LITHUANIAN": "LTU",
    "INDIAN": "IND",
    "AFGHAN": "AFG",
    "AFGHANI": "AFG",
    "IRANIAN": "IRN",
    "ERITREAN": "ERI",
    "SUDANESE": "SDN",
    "GHANAIAN": "GHA",
    "BANGLADESHI": "BGD",
    "CHINESE": "CHN",
    "TURKISH": "TUR",
    "LATVIAN": "LVA",
    "SYRIAN": "SYR",
    "ETHIOPIAN": "ETH",
    "SRI LANKAN": "LKA",
    "KENYAN": "KEN",
    "UGANDAN": "UGA",
    "TRINIDADIAN": "TTO",
    "SIERRA LEONEAN": "SLE",
    "GAMBIAN": "GMB",
    "BULGARIAN": "BGR",
    "SLOVAK": "SVK",
    "SLOVAKIAN": "SVK",
    "CZECH": "CZE",
    "UKRAINIAN": "UKR",
    "RUSSIAN": "RUS",
    "HUNGARIAN": "HUN",
    "EGYPTIAN": "EGY",
    "LIBYAN": "LBY",
    "ALGERIAN": "DZA",
    "MOROCCAN": "MAR",
    "TUNISIAN": "TUN",
    "YEMENI": "YEM",
    "KUWAITI": "KWT",
    "JORDANIAN": "JOR",
    "LEBANESE": "LBN",
    "PALESTINIAN": "PSE",
    "CONGOLESE": "COD",
    "CAMEROONIAN": "CMR",
    "ANGOLAN": "AGO",
    "BRAZILIAN": "BRA",
    "CAPE VERDEAN": "CPV",
    "MOZAMBICAN": "MOZ",
    "SPANISH": "ESP",
    "COLOMBIAN": "COL",
    "ECUADORIAN": "ECU",
    "BOLIVIAN": "BOL",
    "VENEZUELAN": "VEN",
    "DOMINICAN": "DOM",
    "ITALIAN": "ITA",
    "FRENCH": "FRA",
    "GERMAN": "DEU",
    "DUTCH": "NLD",
    "IRISH": "IRL",
    "AMERICAN": "USA",
    "CANADIAN": "CAN",
    "AUSTRALIAN": "AUS",
    "SOUTH AFRICAN": "ZAF",
    "GUYANESE": "GUY",
    "BARBADIAN": "BRB",
    "BAJAN": "BRB",
    "ST LUCIAN": "LCA",
    "GRENADIAN": "GRD",
    "VINCENTIAN": "VCT",
    "MALAWIAN": "MWI",
    "TANZANIAN": "TZA",
    "RWANDAN": "RWA",
    "BURUNDIAN": "BDI",
    "ZAMBIAN": "ZMB",
    "IVORIAN": "CIV",
    "SENEGALESE": "SEN",
    "GUINEAN": "GIN",
    "LIBERIAN": "LBR",
    "TOGOLESE": "TGO",
    "MALAYSIAN": "MYS",
    "FILIPINO": "PHL",
    "PHILIPPINE": "PHL",
    "THAI": "THA",
    "NEPALESE": "NPL",
    "NEPALI": "NPL",
    "MAURITIAN": "MUS",
    "GEORGIAN": "GEO",
    "ARMENIAN": "ARM",
    "AZERBAIJANI": "AZE",
    "KAZAKH": "KAZ",
    "KAZAKHSTANI": "KAZ",
    "MOLDOVAN": "MDA",
    "ESTONIAN": "EST",
    "CROATIAN": "HRV",
    "SERBIAN": "SRB",
    "MACEDONIAN": "MKD",
    "BOSNIAN": "BIH",
    "KOSOVAN": "XKX",
    "KOSOVAR": "XKX",
    "GREEK": "GRC",
    "CYPRIOT": "CYP",
    "BRITISH": "GBR",
    "SAUDI": "SAU",
    "SAUDI ARABIAN": "SAU",
    "EMIRATI": "ARE",
    "OMANI": "OMN",
    "QATARI": "QAT",
    "BAHRAINI": "BHR",
    "MALIAN": "MLI",
    "BENINESE": "BEN",
    "BURKINABE": "BFA",
    "CHADIAN": "TCD",
    "NIGERIEN": "NER",
    "MAURITANIAN": "MRT",
    "DJIBOUTIAN": "DJI",
    "NAMIBIAN": "NAM",
    "BOTSWANAN": "BWA",
    "MOTSWANA": "BWA",
    "BELARUSIAN": "BLR",
    "UZBEK": "UZB",
    "TAJIK": "TJK",
    "KYRGYZ": "KGZ",
    "TURKMEN": "TKM",
    "MONGOLIAN": "MNG",
    "KOREAN": "KOR",
    "JAPANESE": "JPN",
    "INDONESIAN": "IDN",
    "BURMESE": "MMR",
    "CAMBODIAN": "KHM",
    "LAOTIAN": "LAO",
    "SINGAPOREAN": "SGP",
    "MEXICAN": "MEX",
    "ARGENTINIAN": "ARG",
    "ARGENTINE": "ARG",
    "CHILEAN": "CHL",
    "PERUVIAN": "PER",
    "CUBAN": "CUB",
    "HAITIAN": "HTI",
    "BELGIAN": "BEL",
    "SWISS": "CHE",
    "AUSTRIAN": "AUT",
    "SWEDISH": "SWE",
    "NORWEGIAN": "NOR",
    "DANISH": "DNK",
    "FINNISH": "FIN",
    "SLOVENIAN": "SVN",
    "MONTENEGRIN": "MNE",
    "MALTESE": "MLT",
    "ICELANDIC": "ISL",
    "LUXEMBOURGISH": "LUX",
    "NEW ZEALANDER": "NZL",
    "ISRAELI": "ISR",
    "STATELESS": "XXA",
}


def _nationality_key(value: str) -> str:
    return " ".join(_NOT_LETTER.sub(" ", _APOSTROPHES.sub("", _ascii_fold(value).upper())).split())


@lru_cache(maxsize=1)
def nationality_table() -> dict[str, str]:
    """Every spelling we read -> alpha-3 ('' for "not known"). Built once, on first use."""
    import pycountry

    table: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_3
        table[code] = code
        table[country.alpha_2] = code
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                table[_nationality_key(name)] = code
                if "," in name:  # "Korea, Republic of" -> "REPUBLIC OF KOREA"
                    head, tail = name.split(",", 1)
                    table[_nationality_key(f"{tail} {head}")] = code
    for code in EXTRA_CODES:
        table[code] = code
    table.update({_nationality_key(k): v for k, v in COUNTRY_ALIASES.items()})
    table.update({_nationality_key(k): v for k, v in DEMONYMS.items()})
    table.update({_nationality_key(k): v for k, v in LEGACY_CODES.items()})
    return table


@lru_cache(maxsize=50_000)
def nationality_code(value: str) -> str:
    """ISO 3166-1 alpha-3 (plus the ICAO codes in ``EXTRA_CODES``) from alpha-3, alpha-2,
    English country names, demonyms ("Nigerian") and legacy codes; '' -> ''."""
    text = _text(value).strip()
    if not text:
        return ""
    key = _nationality_key(text)
    code = nationality_table().get(key)
    if code is None and key.endswith(" NATIONAL"):
        code = nationality_table().get(key[: -len(" NATIONAL")])
    if code is None:
        raise StandardisationError(f"Unknown nationality code '{text}'", field="nationality")
    return code


# --- Postcodes, sex, references -----------------------------------------------------------------

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")


@lru_cache(maxsize=200_000)
def postcode_clean(value: str) -> str:
    """A UK postcode in its written form ("sw1a1aa" -> "SW1A 1AA"); '' -> ''."""
    text = _text(value)
    compact = "".join(text.split()).upper()
    if not compact:
        return ""
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE.match(compact)
    if not match:
        raise StandardisationError(
            f"Postcode '{text.strip()}' is not a UK postcode", field="postcode"
        )
    return f"{match[1]} {match[2]}"


def postcode_district(std: str) -> str:
    """The outward code of a clean UK postcode: "SW1A 1AA" -> "SW1A"; '' for a postcode of
    another country (its parts mean nothing to us)."""
    if not std or not postcode_is_uk(std):
        return ""
    return std.split(" ", 1)[0]


def postcode_is_uk(std: str) -> bool:
    compact = "".join(std.split()).upper()
    return compact == "GIR0AA" or bool(_POSTCODE.match(compact))


# The longest postcode kept as written (the record's column; a postcode of any country fits).
POSTCODE_MAX_LENGTH = 20


# What extracts write where there is no postcode: never compared as one (two records with "N/A"
# would agree on it). NFA: no fixed abode.
POSTCODE_NOT_GIVEN = frozenset(
    {
        "N/A",
        "NA",
        "N A",
        "NONE",
        "NIL",
        "NFA",
        "N F A",
        "NO FIXED ABODE",
        "UNKNOWN",
        "NOT KNOWN",
        "NK",
        "N/K",
        "TBC",
        "TBA",
        "-",
        "--",
        "?",
        "0",
        "XXX",
        "ZZ99 3ZZ",
        "ZZ993ZZ",
    }
)


def postcode_as_written(value: Any) -> str:
    """A postcode of another country, kept as written but compared without case or extra spaces:
    " 75001  paris " -> "75001 PARIS"."""
    return " ".join(_text(value).upper().split())


# --- Addresses ------------------------------------------------------------------------------------

_ADDRESS_WORDS = {
    "ST": "STREET",
    "RD": "ROAD",
    "AVE": "AVENUE",
    "AV": "AVENUE",
    "LN": "LANE",
    "DR": "DRIVE",
    "CT": "COURT",
    "CL": "CLOSE",
    "PL": "PLACE",
    "SQ": "SQUARE",
    "GDNS": "GARDENS",
    "CRES": "CRESCENT",
    "TER": "TERRACE",
    "TERR": "TERRACE",
    "STR": "STRASSE",
}
_ADDRESS_NUMBER = re.compile(r"^\d+[A-Z]?$")
_FLAT_WORDS = {"FLAT", "APARTMENT", "APT", "UNIT", "NO", "NUMBER"}


@lru_cache(maxsize=200_000)
def address_parts(value: str) -> tuple[str, str, str]:
    """(house number, street tokens, locality) of a free-text address, each '' when absent:
    "12 High St., Leeds" -> ("12", "HIGH STREET", "LEEDS"). The street tokens are the words of the
    first part without numbers; the locality is the last part after a comma."""
    text = _ascii_fold(_text(value)).upper()
    if not text.strip():
        return "", "", ""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) > 2 and parts[0].split()[0] in _FLAT_WORDS:
        parts = parts[1:]  # "Flat 3, 40 Rue Lepic, Paris": the building's number and street
    if not parts:
        return "", "", ""
    first = re.sub(r"[^A-Z0-9 ]", " ", parts[0]).split()
    number = next((t for t in first if _ADDRESS_NUMBER.match(t)), "")
    street = [
        _ADDRESS_WORDS.get(t, t)
        for t in first
        if not any(c.isdigit() for c in t) and t not in _FLAT_WORDS
    ]
    locality = ""
    if len(parts) > 1:
        words = [t for t in re.sub(r"[^A-Z ]", " ", parts[-1]).split() if not _POSTCODE.match(t)]
        locality = " ".join(words)
    return number, " ".join(street), locality


_SEX = {
    "M": "M",
    "MALE": "M",
    "MAN": "M",
    "F": "F",
    "FEMALE": "F",
    "WOMAN": "F",
    "U": "",
    "UNKNOWN": "",
    "NOT KNOWN": "",
    "NK": "",
    "N/K": "",
    "NOT STATED": "",
    "": "",
}


def sex_code(value: Any) -> str:
    """'M', 'F' or '' from M/F/Male/Female/U/Unknown/blank (any case)."""
    text = _text(value).strip()
    code = _SEX.get(text.upper())
    if code is None:
        raise StandardisationError(
            f"Sex '{text}' is not one of M, F, Male, Female, U, Unknown or blank", field="sex"
        )
    return code


def reference_clean(value: Any) -> str:
    """A reference as compared: upper case, no spaces."""
    text = _text(value)
    return "".join(text.split()).upper() if text else ""


# --- Records -----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: None -> ''; whole floats without '.0'; dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if not (value.hour or value.minute) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _collapse(value: Any) -> str:
    text = _text(value)
    return " ".join(text.split()) if text else ""


# What extracts write where a name is not known (police and enforcement records of people not yet
# identified): never compared as a name, or "UNKNOWN UNKNOWN" born on the same day would link.
# "NA" is left out of the list: it is a Korean family name.
NAME_NOT_GIVEN = frozenset(
    {
        "UNKNOWN",
        "NOT KNOWN",
        "NK",
        "N/K",
        "UNK",
        "NFN",
        "FNU",
        "LNU",
        "NO FORENAME",
        "NO FORENAMES",
        "NO SURNAME",
        "NONE",
        "N/A",
        "PERSON UNKNOWN",
        "UNKNOWN MALE",
        "UNKNOWN FEMALE",
        "UNKNOWN PERSON",
    }
)


def _name_known(value: str, field: str, warnings: list[dict[str, str]]) -> str:
    """``value``, or '' with a warning when it says the name is not known."""
    if value and value.upper() in NAME_NOT_GIVEN:
        warnings.append(
            {
                "field": field,
                "detail": f"{FIELD_LABELS[field]} '{value}' says it is not known: kept without it",
            }
        )
        return ""
    return value


def _title_only(value: str, field: str, warnings: list[dict[str, str]]) -> str:
    """``value``, or '' with a warning when it is only a title ("Mr", "Mrs."): a forename written
    as "Mr" agreed with every other "Mr" and disagreed with the person's real forename, which the
    twins guard reads as two different people."""
    if _is_title(value):
        warnings.append(
            {
                "field": field,
                "detail": f"{FIELD_LABELS[field]} '{value}' is a title, not a name: "
                "kept without it",
            }
        )
        return ""
    return value


def _is_title(value: str) -> bool:
    if not value or len(value) > 24:  # the longest run of titles ("Professor Sir") is shorter
        return False
    tokens = _NOT_LETTER.sub(" ", _ascii_fold(value).upper()).split()
    return bool(tokens) and all(token in COURTESY_TITLES for token in tokens)


def record_standardise(mapped: Mapping[str, Any], *, source_kind: str = "") -> dict[str, Any]:
    """The SourceRecord fields for one row of mapped values (field -> value as read). Raises
    ``RowRejected`` with every problem of the row. ``source_kind``, when given, applies
    ``SOURCE_REF_ALSO`` (the police PNC ID). Warnings (``record_standardise_warned``) are dropped."""
    return record_standardise_warned(mapped, source_kind=source_kind)[0]


def record_standardise_warned(
    mapped: Mapping[str, Any], *, source_kind: str = "", day_first: bool = True
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """``record_standardise`` with the row's warnings: a value that cannot be used (an impossible
    date of birth) is kept out of the record and named in a warning, and a postcode that is not a
    UK postcode is kept as written (issue 18 item 4). A row is rejected only when it cannot
    identify anyone: no name and no identifier (or no source reference, which keys the row).
    ``day_first=False`` reads 03/04/1990 as 4 March (the file's order, ``importers.date_order``)."""
    reasons: list[dict[str, str]] = []
    warnings: list[dict[str, str]] = []
    get = mapped.get

    source_ref = _collapse(get("source_ref"))
    if not source_ref:
        reasons.append(
            {
                "field": "source_ref",
                "detail": "Reference '' is blank: every row needs its own reference",
            }
        )

    given = _title_only(
        _name_known(_collapse(get("given_names")), "given_names", warnings), "given_names", warnings
    )
    family = _title_only(
        _name_known(_collapse(get("family_name")), "family_name", warnings), "family_name", warnings
    )
    if not given and not family:
        full = _name_known(_collapse(get("full_name")), "full_name", warnings)
        if full:
            given, family = full_name_split(full)
            if _is_title(family):
                given, family = "", _title_only(full, "full_name", warnings)
            elif _is_title(given):
                warnings.append(
                    {
                        "field": "full_name",
                        "detail": f"Name '{full}' has a title but no forename: kept without one",
                    }
                )
                given = ""
    given_std, middle_std = _given_split(given) if given else ("", "")
    family_std = _family_std(family) if family else ""
    pnc_raw = get("pnc_id")
    if not pnc_raw and SOURCE_REF_ALSO.get(source_kind) == "pnc_id":
        pnc_raw = source_ref
    home_office_ref, pnc_id = reference_clean(get("home_office_ref")), reference_clean(pnc_raw)
    if not given_std and not family_std:
        field = "full_name" if "full_name" in mapped else "family_name"
        shown = _collapse(get(field)) or family or given
        not_a_name = shown.upper() in NAME_NOT_GIVEN or _is_title(shown)
        lacks = "is not a name" if not_a_name else "has no letters"
        if home_office_ref or pnc_id:
            warnings.append(
                {
                    "field": field,
                    "detail": f"{FIELD_LABELS[field]} '{shown}' {lacks}: the row is kept "
                    "for its identifier",
                }
            )
        else:
            reasons.append(
                {
                    "field": field,
                    "detail": f"{FIELD_LABELS[field]} '{shown}' {lacks} and the row has no "
                    "identifier: every row needs a name or an identifier",
                }
            )

    dob = None
    raw_dob = get("date_of_birth")
    if raw_dob is not None and raw_dob != "":
        try:
            dob = date_parse(raw_dob, day_first=day_first, field="date_of_birth")
        except StandardisationError as error:
            warnings.append(
                {"field": "date_of_birth", "detail": f"{error.detail}: kept without a date"}
            )

    sex = ""
    raw_sex = get("sex")
    if raw_sex:
        try:
            sex = sex_code(raw_sex)
        except StandardisationError as error:
            warnings.append({"field": "sex", "detail": f"{error.detail}: kept without it"})

    nationality = ""
    raw_nat = get("nationality")
    if raw_nat:
        try:
            nationality = nationality_code(_text(raw_nat))
        except StandardisationError as error:
            warnings.append({"field": "nationality", "detail": f"{error.detail}: kept without it"})

    postcode = ""
    raw_postcode = get("postcode")
    if raw_postcode and postcode_as_written(raw_postcode) in POSTCODE_NOT_GIVEN:
        warnings.append(
            {
                "field": "postcode",
                "detail": f"Postcode '{_text(raw_postcode).strip()}' says there is none: kept without one",
            }
        )
    elif raw_postcode:
        try:
            postcode = postcode_clean(_text(raw_postcode))
        except StandardisationError as error:
            postcode = postcode_as_written(raw_postcode)
            if len(postcode) > POSTCODE_MAX_LENGTH:
                postcode = ""
                warnings.append(
                    {
                        "field": "postcode",
                        "detail": f"{error.detail} and is longer than {POSTCODE_MAX_LENGTH} "
                        "characters: kept without a postcode",
                    }
                )
            else:
                warnings.append({"field": "postcode", "detail": f"{error.detail}: kept as written"})

    phone = ""
    raw_phone = get("phone")
    if raw_phone is not None and _collapse(raw_phone):
        phone = phone_clean(raw_phone)
        if not phone:
            warnings.append(
                {
                    "field": "phone",
                    "detail": f"Phone number '{_collapse(raw_phone)}' has fewer than "
                    f"{PHONE_MIN_DIGITS} digits: kept without it",
                }
            )

    extra: dict[str, Any] = {}
    for key in ALL_EXTRA_FIELDS:
        if key not in mapped:
            continue
        raw = get(key)
        if key == "last_conviction_date":
            if raw is None or raw == "":
                extra[key] = ""
                continue
            try:
                parsed = date_parse(raw, day_first=day_first, field=key)
                extra[key] = parsed.isoformat() if parsed else ""
            except StandardisationError as error:
                extra[key] = ""
                warnings.append({"field": key, "detail": f"{error.detail}: kept without it"})
        elif key == "offence_count":
            text = _collapse(raw)
            if not text:
                extra[key] = None
            elif text.isdigit():
                extra[key] = int(text)
            else:
                extra[key] = None
                warnings.append(
                    {
                        "field": key,
                        "detail": f"Offence count '{text}' is not a whole number: kept without it",
                    }
                )
        else:
            extra[key] = _collapse(raw)

    if reasons:
        raise RowRejected(reasons)
    return {
        "source_ref": source_ref,
        "given_names": given,
        "family_name": family,
        "date_of_birth": dob,
        "sex": sex,
        "nationality": nationality,
        "postcode": postcode,
        "address": _collapse(get("address")),
        "phone": phone,
        "home_office_ref": home_office_ref,
        "pnc_id": pnc_id,
        "given_std": given_std,
        "middle_std": middle_std,
        "family_std": family_std,
        "given_phonetic": phonetic(given_std) if given_std else "",
        "family_phonetic": phonetic(family_std) if family_std else "",
        "postcode_std": postcode,
        "extra": extra,
    }, warnings


PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15  # ITU-T E.164


def phone_clean(value: Any) -> str:
    """A phone number as its digits, the way a UK file writes it: "+44 (0)7700 900-123",
    "0044 7700 900123" and "07700 900123" all give "07700900123"; another country's number keeps
    its country code ("+33 1 23 45 67 89" gives "33123456789"). An extension ("x 12", "ext. 12")
    is dropped. '' for fewer than ``PHONE_MIN_DIGITS`` digits (not a number); at most
    ``PHONE_MAX_DIGITS`` kept."""
    text = _collapse(value).lower()
    text = re.split(r"\s*(?:ext\.?|extension|x)\s*\d+\s*$", text)[0]
    text = text.replace("(0)", "")
    international = text.lstrip().startswith("+")
    digits = re.sub(r"\D", "", text)
    if not international and digits.startswith("00"):
        digits, international = digits[2:], True
    if international and digits.startswith("44"):
        digits = "0" + digits[2:]
    if len(digits) < PHONE_MIN_DIGITS:
        return ""
    return digits[:PHONE_MAX_DIGITS]


def engine_record(unique_id: str, source_kind: str, std: Mapping[str, Any]) -> dict[str, Any]:
    """The dict the Splink engine consumes for one standardised record (empty strings -> None)."""
    dob = std.get("date_of_birth")
    postcode_std = std.get("postcode_std") or ""
    number, street, locality = address_parts(std.get("address") or "")
    return {
        "unique_id": unique_id,
        "source_kind": source_kind,
        "given_std": std.get("given_std") or None,
        "middle_std": std.get("middle_std") or None,
        "family_std": std.get("family_std") or None,
        "given_phonetic": std.get("given_phonetic") or None,
        "family_phonetic": std.get("family_phonetic") or None,
        "dob": dob.isoformat() if dob else None,
        "birth_year": str(dob.year) if dob else None,
        "sex": std.get("sex") or None,
        "nationality": std.get("nationality") or None,
        "postcode_std": postcode_std or None,
        "postcode_district": postcode_district(postcode_std) or None,
        "home_office_ref": std.get("home_office_ref") or None,
        "pnc_id": std.get("pnc_id") or None,
        "address_number": number or None,
        "address_street": street or None,
        "address_locality": locality or None,
        "phone": std.get("phone") or None,
    }
