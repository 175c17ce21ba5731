"""Test data for record linkage: the four sources of brief linkage.md §1 with the truth kept aside.

``generate(scale)`` makes a true population of people and writes, for each, what each source would
hold: several legacy cases (one row per application, claim or criminal case, the person's details
retyped on each), usually a casework row, sometimes tracker rows, and for some a police record; the
police file also holds people who are in no other source. Every row is damaged the way hand-keyed
records are, each fault at the rate of a module constant below, and ``GeneratedSet.truth`` says which
true person each row belongs to so that linkage accuracy can be measured.

Everything random comes from one ``random.Random(seed)``: the same seed and scale give the same
rows. Pure Python and no Django models: the benchmark imports it on a million rows.

``figure3=True`` (the demo) makes the people whose legacy cases claim a unit that is not a current
team exactly the counts of seed 001 §6.16 Figure 3 (``FIGURE3_COUNTS``), each claiming one unit on
every case, and everyone else one current team on every case.
"""

from __future__ import annotations

import csv
import random
import re
from bisect import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from waymark.demo import names as demo_names
from waymark.linkage import standardise

DEFAULT_SEED = 2026
# The date the extracts were taken: every generated date is on or before it.
EXTRACT_DATE = date(2026, 6, 30)

# --- How the rows divide between sources (brief: legacy 55 %, casework 20 %, trackers 10 %,
# police 15 % of all rows) -------------------------------------------------------------------------
LEGACY_SHARE = 0.55
CASEWORK_SHARE = 0.20
TRACKER_SHARE = 0.10
POLICE_SHARE = 0.15
# Legacy cases per person: 1 to 6, skewed towards one or two.
CASES_PER_PERSON_WEIGHTS = (40, 25, 15, 10, 6, 4)
MEAN_CASES = sum((i + 1) * w for i, w in enumerate(CASES_PER_PERSON_WEIGHTS)) / sum(
    CASES_PER_PERSON_WEIGHTS
)
# Of people with tracker rows: how many rows (in one or two trackers; a repeat in the same
# tracker happens too).
TRACKER_ROWS_WEIGHTS = (80, 17, 3)
MEAN_TRACKER_ROWS = sum((i + 1) * w for i, w in enumerate(TRACKER_ROWS_WEIGHTS)) / sum(
    TRACKER_ROWS_WEIGHTS
)
# Share of the police file's people who are also in the legacy/casework population.
POLICE_KNOWN_SHARE = 0.40
# Of those, the share with no criminal case on the legacy side ("criminality not previously
# known", 001 §6.22).
POLICE_NOT_PREVIOUSLY_KNOWN_SHARE = 0.08
# Share of the population with a criminal case (they have a PNC ID).
CRIMINAL_SHARE = 0.55
# Casework rows carry the PNC ID of a person who has one at this rate.
CASEWORK_PNC_RATE = 0.60
FEMALE_SHARE = 0.06

# --- Faults (per row unless said "per person") ---------------------------------------------------------
TYPO_RATE = 0.03  # per name part (given, family): one letter inserted/deleted/...
DAY_MONTH_SWAP_RATE = 0.015  # day and month transposed, only where both readings are dates
NAME_SWAP_RATE = 0.02  # forename and surname swapped
ALIAS_PERSON_RATE = 0.05  # per person: has an alias (another family name or forename)
ALIAS_USE_RATE = 0.35  # rows of such a person that use the alias
MISSING_DOB_RATE = 0.02
MISSING_NATIONALITY_RATE = 0.04
MISSING_POSTCODE_RATE = 0.08
MISSING_HO_REF_RATE = 0.08  # legacy, casework and tracker rows
MOVED_PERSON_RATE = 0.25  # per person: has an earlier address
OLD_ADDRESS_USE_RATE = 0.40  # rows of such a person giving the earlier address
TRANSLITERATION_RATE = 0.30  # per name with known variants: another spelling typed
UNKNOWN_DOB_PERSON_RATE = 0.05  # per person: date of birth recorded as 01/01/YYYY
TWIN_RATE = 0.004  # per person: has a twin (a different person in the truth)
HO_REF_TYPO_RATE = 0.01  # one digit of the Home Office reference wrong
NATIONALITY_AS_NAME_RATE = 0.08  # legacy rows giving a country name instead of the code
MIDDLE_NAME_PERSON_RATE = 0.15  # per person: has a middle name
MIDDLE_NAME_DROPPED_RATE = 0.40  # rows of such a person leaving it out
ACCENT_RATE = 0.60  # casework and tracker rows typing a name's accents
CID_PERSON_SPLIT_RATE = 0.30  # per person: the legacy system holds them under two person IDs
UNIT_DRIFT_RATE = 0.03  # legacy rows (not figure3) naming a unit other than the owner's
UNCLEAR_OWNER_PERSON_RATE = 0.03  # per person (not figure3): every case claims a non-current unit
INVALID_ROWS = 6  # per source, only with faults_invalid=True

# 001 §6.16 Figure 3: cases whose ownership still needed to be decided, October 2016.
FIGURE3_COUNTS: dict[str, int] = {
    "lit": 25,
    "removals_fru": 92,
    "asylum": 24,
    "border_force": 2,
    "nrc_detained": 21,
    "unidentified": 38,
    "blank": 135,
}

# --- Owning units ---------------------------------------------------------------------------------
# The current teams: the names of waymark.demo.generator.TEAMS (copied, not imported, because the
# demo generator imports Django models; a test keeps the two lists equal).
CURRENT_TEAMS: tuple[str, ...] = (
    "Criminal casework Croydon",
    "Criminal casework Liverpool",
    "Criminal casework Leeds",
    "Electronic monitoring hub",
    "Reporting centre Croydon",
    "Reporting centre Liverpool",
    "ICE Scotland",
    "ICE Northern Ireland",
    "ICE North West",
    "ICE Wales and West of England",
    "ICE East Midlands",
    "ICE North East, Yorkshire and Humber",
    "ICE West Midlands",
    "ICE South Central",
    "ICE East of England",
    "ICE South London",
    "ICE South East",
    "ICE West London",
    "ICE Central London",
    "ICE North East London",
    "ICE Rapid Response Team",
    "Competent authority (modern slavery)",
    "Removals and detention gatekeeping",
    "Assurance",
    "Management information",
    "Information rights",
    "Records and linkage",
    "Digital and systems",
)
# Who owns a person's cases, by weight: criminal cases mostly criminal casework (000 Figure 3).
CRIMINAL_OWNERS = (
    ("Criminal casework Croydon", 9415),
    ("Criminal casework Liverpool", 2787),
    ("Criminal casework Leeds", 1218),
)
OTHER_OWNERS = (
    ("ICE North West", 3),
    ("ICE South London", 3),
    ("ICE West Midlands", 2),
    ("ICE Central London", 2),
    ("Removals and detention gatekeeping", 2),
    ("Reporting centre Croydon", 2),
    ("Reporting centre Liverpool", 1),
    ("Competent authority (modern slavery)", 1),
    ("ICE Scotland", 1),
)
# Values legacy records hold for units that are not current teams, by Figure 3 category.
LEGACY_UNITS: dict[str, tuple[str, ...]] = {
    "lit": (
        "Local Immigration Team North West",
        "Local Immigration Team London South",
        "Local Immigration Team Midlands",
        "LIT Croydon",
        "LIT Wales",
        "Local Immigration Team Yorkshire",
    ),
    "removals_fru": (
        "Removals Casework (FRU)",
        "Removals Casework - Family Returns Unit",
        "FRU Removals",
    ),
    "asylum": ("Asylum Casework", "Asylum Cases", "Asylum Casework Team Leeds"),
    "border_force": ("Border Force", "Border Force Heathrow"),
    "nrc_detained": (
        "NRC Detained Casework",
        "National Removals Command",
        "Detained Casework Duty Office",
        "NRC Duty Office",
    ),
    "unidentified": ("GRP-44", "GRP-107", "GRP-213", "GRP-9", "CCT-17", "UNIT 6B"),
    "blank": ("", "no unit", "not in use", "NO UNIT", "Not in use"),
}
BLANK_UNIT_VALUES = frozenset({"", "NO UNIT", "NOT IN USE", "NONE", "N/A", "NA", "-", "UNKNOWN"})
_UNIT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("lit", re.compile(r"\bLIT\b|LOCAL IMMIGRATION TEAM")),
    ("removals_fru", re.compile(r"\bFRU\b|FAMILY RETURNS|REMOVALS CASEWORK")),
    ("asylum", re.compile(r"ASYLUM")),
    ("border_force", re.compile(r"BORDER FORCE|\bUKBF\b")),
    (
        "nrc_detained",
        re.compile(r"\bNRC\b|NATIONAL REMOVALS COMMAND|DETAINED CASEWORK|DUTY OFFICE"),
    ),
)
_CURRENT_UPPER = frozenset(" ".join(t.upper().split()) for t in CURRENT_TEAMS)


def owning_unit_category(value: Any, current_teams: Iterable[str] | None = None) -> str:
    """The ``models.OwnershipCategory`` value (a plain string) of one claimed owning unit: a current
    team's name -> 'current_unit'; 'no unit', 'not in use' or blank -> 'blank'; a legacy unit ->
    'lit', 'removals_fru', 'asylum', 'border_force' or 'nrc_detained'; anything else (an unknown
    group code) -> 'unidentified'. ``current_teams`` overrides the built-in list of current teams."""
    text = " ".join(str(value or "").upper().split())
    if text in BLANK_UNIT_VALUES:
        return "blank"
    current = (
        _CURRENT_UPPER
        if current_teams is None
        else {" ".join(t.upper().split()) for t in current_teams}
    )
    if text in current:
        return "current_unit"
    for category, pattern in _UNIT_PATTERNS:
        if pattern.search(text):
            return category
    return "unidentified"


# --- Names, places, offences ---------------------------------------------------------------------------

# Accented spellings typed in the newer systems (the legacy system and the PNC store plain ASCII).
ACCENTED: dict[str, str] = {
    "Jose": "José",
    "Joao": "João",
    "Antonio": "António",
    "Goncalves": "Gonçalves",
    "Ines": "Inês",
    "Michal": "Michał",
    "Lukasz": "Łukasz",
    "Pawel": "Paweł",
    "Wojcik": "Wójcik",
    "Wisniewski": "Wiśniewski",
    "Kaminski": "Kamiński",
    "Zielinski": "Zieliński",
    "Szymanski": "Szymański",
    "Wozniak": "Woźniak",
    "Dabrowski": "Dąbrowski",
    "Kozlowski": "Kozłowski",
    "Muller": "Müller",
    "Nguyen": "Nguyễn",
    "Tran": "Trần",
    "Pham": "Phạm",
    "Dang": "Đặng",
    "Huseyin": "Hüseyin",
    "Ozturk": "Öztürk",
    "Yilmaz": "Yılmaz",
    "Sahin": "Şahin",
    "Celik": "Çelik",
    "Dogan": "Doğan",
    "Kilic": "Kılıç",
    "Ayse": "Ayşe",
    "Sebastien": "Sébastien",
    "Ionut": "Ionuț",
    "Serban": "Șerban",
    "Catalin": "Cătălin",
    "Laszlo": "László",
    "Istvan": "István",
    "Balazs": "Balázs",
    "Sandor": "Sándor",
    "Toth": "Tóth",
    "Kovacs": "Kovács",
    "Szabo": "Szabó",
    "Nemeth": "Németh",
    "Berzins": "Bērziņš",
    "Kalnins": "Kalniņš",
    "Liepins": "Liepiņš",
    "Janis": "Jānis",
    "Stankevicius": "Stankevičius",
    "Zukauskas": "Žukauskas",
    "Dvorak": "Dvořák",
    "Jovanovic": "Jovanović",
    "Petrovic": "Petrović",
    "Nikolic": "Nikolić",
    "Garcia": "García",
    "Rodriguez": "Rodríguez",
    "Martinez": "Martínez",
    "Lopez": "López",
    "Gonzalez": "González",
    "Hernandez": "Hernández",
    "Perez": "Pérez",
    "Sanchez": "Sánchez",
    "Ramirez": "Ramírez",
    "Gomez": "Gómez",
    "Diaz": "Díaz",
    "Andres": "Andrés",
    "Dusan": "Dušan",
}
# Spellings the standardiser does not know (so linkage still meets unexplained variation).
UNLISTED_VARIANTS: dict[str, tuple[str, ...]] = {
    "MUHAMMAD": ("Mohamud", "Mahamat"),
    "AHMED": ("Ahmmad",),
    "HASSAN": ("Hasson",),
    "ALEXANDER": ("Oleksandar",),
    "HUSSAIN": ("Hossien",),
}


def _variants_table() -> dict[str, tuple[str, ...]]:
    """Cleaned name -> every spelling of its transliteration family (title case)."""
    table: dict[str, tuple[str, ...]] = {}
    for canonical, variants in standardise.NAME_FAMILIES.items():
        members = {canonical, *(standardise.name_clean(v) for v in variants)}
        spellings = tuple(sorted(m.title() for m in members)) + UNLISTED_VARIANTS.get(canonical, ())
        for member in members:
            table[member] = spellings
    return table


VARIANTS = _variants_table()

# Outward codes: (area, first district, last district, town, weight).
POSTCODE_AREAS: tuple[tuple[str, int, int, str, int], ...] = (
    ("E", 1, 18, "London", 6),
    ("N", 1, 22, "London", 5),
    ("SE", 1, 28, "London", 6),
    ("SW", 1, 20, "London", 5),
    ("NW", 1, 11, "London", 4),
    ("W", 2, 14, "London", 4),
    ("CR", 0, 8, "Croydon", 5),
    ("HA", 0, 9, "Harrow", 2),
    ("IG", 1, 11, "Ilford", 2),
    ("UB", 1, 10, "Southall", 2),
    ("L", 1, 36, "Liverpool", 5),
    ("M", 1, 40, "Manchester", 5),
    ("B", 1, 76, "Birmingham", 5),
    ("LS", 1, 29, "Leeds", 4),
    ("BD", 1, 24, "Bradford", 2),
    ("S", 1, 36, "Sheffield", 2),
    ("NG", 1, 22, "Nottingham", 2),
    ("LE", 1, 19, "Leicester", 2),
    ("CV", 1, 6, "Coventry", 1),
    ("WV", 1, 14, "Wolverhampton", 1),
    ("G", 1, 53, "Glasgow", 2),
    ("CF", 3, 24, "Cardiff", 2),
    ("BS", 1, 16, "Bristol", 2),
    ("SL", 1, 6, "Slough", 1),
    ("LU", 1, 7, "Luton", 1),
    ("NE", 1, 15, "Newcastle upon Tyne", 1),
    ("BT", 1, 17, "Belfast", 1),
    ("PE", 1, 9, "Peterborough", 1),
)
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREETS = (
    "High",
    "Church",
    "Station",
    "Victoria",
    "Park",
    "Green",
    "Manor",
    "Queens",
    "Kings",
    "Grange",
    "Mill",
    "Albert",
    "Windsor",
    "Springfield",
    "Oxford",
    "Stanley",
    "Derby",
    "Clarence",
    "Alexandra",
    "Brook",
    "Cedar",
    "Elm",
    "Beech",
    "Harrow",
    "Dale",
)
STREET_KINDS = ("Road", "Street", "Avenue", "Lane", "Close", "Gardens", "Way", "Crescent")
LEGACY_CASE_TYPES = (
    "Asylum claim",
    "Further submissions",
    "Leave to remain (family)",
    "Leave to remain (private life)",
    "EEA residence application",
    "Visit visa",
    "Indefinite leave to remain",
    "Appeal",
    "Judicial review",
)
CRIMINAL_CASE_TYPES = (
    "Deportation (criminal casework)",
    "FNO conviction referral",
    "Deportation order revocation",
)
CASE_STATUSES = (
    "Open",
    "Closed",
    "Pending",
    "Concluded",
    "Appeal lodged",
    "Awaiting documents",
    "Refused",
    "Granted",
)
LEGACY_NOTES = (
    "",
    "",
    "",
    "",
    "Reporting weekly",
    "TD application sent",
    "Check address",
    "Case transferred",
    "Awaiting HOPO",
    "Dup record?",
    "Bail conditions apply",
)
TRACKERS: tuple[tuple[str, str, str], ...] = (
    # (file label, reference prefix, owning team)
    ("croydon", "CRO", "Criminal casework Croydon"),
    ("liverpool", "LIV", "Criminal casework Liverpool"),
    ("leeds", "LDS", "Criminal casework Leeds"),
    ("em-hub", "EMH", "Electronic monitoring hub"),
)
TRACKER_WEIGHTS = (50, 25, 12, 13)
CASE_OWNERS = (
    "J. Smith",
    "A. Patel",
    "K. Brown",
    "S. Ahmed",
    "L. Jones",
    "M. Taylor",
    "R. Evans",
    "T. Okafor",
    "P. Walsh",
    "D. Wright",
    "H. Khan",
    "C. Green",
)
NEXT_ACTIONS = (
    "Chase travel document",
    "Review reporting",
    "Refer to removals",
    "Check bail conditions",
    "Await appeal outcome",
    "Request ETD",
    "Update address",
    "Consider detention",
    "Send decision letter",
    "",
)
TRACKER_COMMENTS = (
    "",
    "",
    "",
    "see CID",
    "address unconfirmed",
    "aka on PNC",
    "absconded?",
    "EM tag fitted",
    "reports Tues",
    "chased 2x",
    "dup?",
)
OFFENCES = (
    "Theft",
    "Burglary",
    "Assault occasioning actual bodily harm",
    "Possession with intent to supply",
    "Fraud by false representation",
    "Driving while disqualified",
    "Robbery",
    "Common assault",
    "Possession of an offensive weapon",
    "Grievous bodily harm",
    "Sexual assault",
    "Handling stolen goods",
    "Breach of a restraining order",
    "Supply of Class A drugs",
)
FORCES = (
    "Metropolitan Police Service",
    "Merseyside Police",
    "West Yorkshire Police",
    "Greater Manchester Police",
    "West Midlands Police",
    "Thames Valley Police",
    "Kent Police",
    "Police Scotland",
    "South Wales Police",
    "Avon and Somerset Constabulary",
    "Nottinghamshire Police",
    "Leicestershire Police",
    "Northumbria Police",
    "Police Service of Northern Ireland",
    "Bedfordshire Police",
)
FORCE_WEIGHTS = (30, 8, 8, 9, 9, 5, 5, 4, 3, 3, 3, 3, 3, 2, 3)
_PNC_CHECK = "ZABCDEFGHJKLMNPQRTUVWXY"
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# File headers, in column order.
HEADERS: dict[str, tuple[str, ...]] = {
    "legacy_case": (
        "CASE_ID",
        "CID_PERSON_ID",
        "HO_REF",
        "SURNAME",
        "FORENAMES",
        "DOB",
        "GENDER",
        "NATIONALITY",
        "ADDRESS",
        "POSTCODE",
        "CASE_TYPE",
        "OWNING_UNIT",
        "CASE_STATUS",
        "NOTES",
    ),
    "casework": (
        "person_id",
        "ho_reference",
        "given_names",
        "family_name",
        "date_of_birth",
        "sex",
        "nationality",
        "postcode",
        "pnc_id",
    ),
    "tracker": (
        "Our ref",
        "Name",
        "D.O.B",
        "Nat.",
        "HO Ref",
        "Case owner",
        "Next action",
        "Comments",
    ),
    "police": (
        "PNC_ID",
        "CRO_NO",
        "SURNAME",
        "FORENAMES",
        "DOB",
        "SEX",
        "NATIONALITY",
        "POSTCODE",
        "OFFENCE_COUNT",
        "MOST_SERIOUS_OFFENCE",
        "LAST_CONVICTION_DATE",
        "FORCE",
    ),
}
SOURCE_REF_HEADER = {
    "legacy_case": "CASE_ID",
    "casework": "person_id",
    "tracker": "Our ref",
    "police": "PNC_ID",
}


@dataclass(slots=True)
class TruePerson:
    """One real person as the generator knows them (what every source row was copied from)."""

    key: str
    given: str
    middle: str
    family: str
    sex: str
    dob: date
    nationality: str
    pool: str
    postcode: str
    address: str
    ho_ref: str
    old_postcode: str = ""
    old_address: str = ""
    pnc_id: str = ""
    cro_number: str = ""
    alias_given: str = ""
    alias_family: str = ""
    twin_of: str = ""
    unknown_dob: bool = False
    criminal: bool = False
    cid_ids: tuple[str, ...] = ()
    unit: str = ""
    # One of the Figure 3 people (figure3=True): the legacy extract always carries their Home Office
    # reference, as the Gold Group's case list did, so the demo's Figure 3 counts people, not splits.
    figure3: bool = False
    in_population: bool = True  # False: only in the police file


@dataclass
class GeneratedSet:
    """The rows of the four sources, by file header, and the truth: (source_kind, source_ref) ->
    person key. ``rows['tracker']`` is every tracker's rows; ``trackers`` has them per file."""

    seed: int
    scale: int
    figure3: bool
    rows: dict[str, list[dict[str, Any]]]
    trackers: dict[str, list[dict[str, Any]]]
    truth: dict[tuple[str, str], str]
    people: dict[str, TruePerson]
    # People with a police record and no criminal case on the legacy side (001 §6.22).
    criminality_not_known: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {kind: len(rows) for kind, rows in self.rows.items()}
        counts["people"] = len(self.people)
        return counts


# --- Generation ----------------------------------------------------------------------------------------


class _Picker:
    """Weighted choice by bisection on precomputed cumulative weights (faster than rng.choices)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, random_: Any) -> Any:
        return self.items[bisect(self.cum, random_() * self.total)]


def _zipf(n: int, s: float = 0.9) -> list[float]:
    return [1 / (i + 1) ** s for i in range(n)]


class _Builder:
    def __init__(self, seed: int, figure3: bool, faults_invalid: bool) -> None:
        self.rng = random.Random(seed)
        self.figure3 = figure3
        self.faults_invalid = faults_invalid
        import pycountry

        known = {c.alpha_3 for c in pycountry.countries}
        weights = [(c, w) for c, w in demo_names.nationality_weights() if c in known]
        self.nationality = _Picker([c for c, _ in weights], [w for _, w in weights])
        self.pools: dict[str, tuple[_Picker, _Picker, _Picker, list[str], list[str]]] = {}
        for pool, (male, female, family) in demo_names.NAMES.items():
            self.pools[pool] = (
                _Picker(male, _zipf(len(male))),
                _Picker(female, _zipf(len(female))),
                _Picker(family, _zipf(len(family))),
                male,
                female,
            )
        self.nat_names = self._nationality_forms()
        self.area = _Picker(POSTCODE_AREAS, [a[4] for a in POSTCODE_AREAS])
        self.criminal_owner = _Picker(
            [t for t, _ in CRIMINAL_OWNERS], [w for _, w in CRIMINAL_OWNERS]
        )
        self.other_owner = _Picker([t for t, _ in OTHER_OWNERS], [w for _, w in OTHER_OWNERS])
        self.figure3_category = _Picker(list(FIGURE3_COUNTS), list(FIGURE3_COUNTS.values()))
        self.cases_per_person = _Picker(range(1, 7), CASES_PER_PERSON_WEIGHTS)
        self.tracker_rows = _Picker(range(1, 4), TRACKER_ROWS_WEIGHTS)
        self.tracker = _Picker(range(len(TRACKERS)), TRACKER_WEIGHTS)
        self.force = _Picker(FORCES, FORCE_WEIGHTS)
        self.offence = _Picker(OFFENCES, _zipf(len(OFFENCES), 0.6))
        self.used_refs: set[str] = set()
        self.used_pnc: set[str] = set()
        self.used_cid: set[str] = set()
        self.people: dict[str, TruePerson] = {}
        self.seq = 0

    @staticmethod
    def _nationality_forms() -> dict[str, tuple[str, str, str]]:
        """alpha-3 -> (code, country name, demonym or name), each read back by the standardiser."""
        import pycountry

        demonym_of: dict[str, str] = {}
        for word, code in standardise.DEMONYMS.items():
            demonym_of.setdefault(code, word.title())
        alias_of: dict[str, str] = {}
        for name, code in standardise.COUNTRY_ALIASES.items():
            alias_of.setdefault(code, name.title())
        forms = {}
        for country in pycountry.countries:
            code = country.alpha_3
            name = getattr(country, "common_name", None) or country.name
            if "," in name and code in alias_of:
                name = alias_of[code]
            demonym = demonym_of.get(code, name)
            for form in (name, demonym):
                assert standardise.nationality_code(form) == code, (form, code)
            forms[code] = (code, name, demonym)
        return forms

    # -- people ---------------------------------------------------------------------------------

    def _name(self, pool: str, sex: str) -> tuple[str, str]:
        male, female, family, _, _ = self.pools[pool]
        given = (female if sex == "F" else male).pick(self.rng.random)
        return given, family.pick(self.rng.random)

    def _postcode(self) -> tuple[str, str]:
        rng = self.rng
        area, first, last, town, _ = self.area.pick(rng.random)
        district = rng.randint(first, last)
        inward = f"{rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
        address = f"{rng.randint(1, 240)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}, {town}"
        return f"{area}{district} {inward}", address

    def _unique(self, used: set[str], make) -> str:
        while True:
            value = make()
            if value not in used:
                used.add(value)
                return value

    # No 'B' prefix: the platform demo's people hold B-numbers, and generated legacy records must not
    # claim a demo person's Home Office reference.
    def _ho_ref(self) -> str:
        rng = self.rng
        return self._unique(
            self.used_refs, lambda: f"{rng.choice('HHHMMS')}{rng.randint(1000000, 9999999)}"
        )

    def _pnc(self, dob: date) -> str:
        rng = self.rng

        def make() -> str:
            year = rng.randint(max(dob.year + 16, 1990), EXTRACT_DATE.year) % 100
            serial = rng.randint(1, 999999)
            check = _PNC_CHECK[int(f"{year:02d}{serial:06d}") % 23]
            return f"{year:02d}/{serial:06d}{check}"

        return self._unique(self.used_pnc, make)

    def _cro(self, pnc_id: str) -> str:
        """A CRO number ('123456/85A' style) issued the year of the PNC record."""
        rng = self.rng
        serial, year = rng.randint(1, 999999), int(pnc_id[:2])
        return f"{serial:06d}/{year:02d}{_PNC_CHECK[(serial * 100 + year) % 23]}"

    def _cid(self) -> str:
        rng = self.rng
        return self._unique(self.used_cid, lambda: str(rng.randint(1_000_000, 9_999_999)))

    def person(self, *, in_population: bool = True) -> TruePerson:
        rng = self.rng
        random_ = rng.random
        self.seq += 1
        key = f"P{self.seq:07d}"
        nationality = self.nationality.pick(random_)
        pool = demo_names.POOL_OF.get(nationality, "anglo")
        sex = "F" if random_() < FEMALE_SHARE else "M"
        given, family = self._name(pool, sex)
        middle = ""
        if random_() < MIDDLE_NAME_PERSON_RATE:
            middle = self._name(pool, sex)[0]
            if middle == given:
                middle = ""
        unknown_dob = random_() < UNKNOWN_DOB_PERSON_RATE
        year = int(rng.triangular(1952, 2007, 1990))
        dob = (
            date(year, 1, 1)
            if unknown_dob
            else date(year, 1, 1) + timedelta(days=rng.randrange(365))
        )
        postcode, address = self._postcode()
        person = TruePerson(
            key=key,
            given=given,
            middle=middle,
            family=family,
            sex=sex,
            dob=dob,
            nationality=nationality,
            pool=pool,
            postcode=postcode,
            address=address,
            ho_ref=self._ho_ref() if in_population else "",
            unknown_dob=unknown_dob,
            in_population=in_population,
        )
        if random_() < MOVED_PERSON_RATE:
            person.old_postcode, person.old_address = self._postcode()
        if random_() < ALIAS_PERSON_RATE:
            alias_given, alias_family = self._name(pool, sex)
            if random_() < 0.6 and alias_family != family:
                person.alias_family = alias_family
            elif alias_given != given:
                person.alias_given = alias_given
        person.criminal = in_population and random_() < CRIMINAL_SHARE
        if person.criminal or not in_population:
            person.pnc_id = self._pnc(dob)
            person.cro_number = self._cro(person.pnc_id) if random_() < 0.7 else ""
        if in_population:
            person.cid_ids = (
                (self._cid(), self._cid()) if random_() < CID_PERSON_SPLIT_RATE else (self._cid(),)
            )
        self.people[key] = person
        return person

    def twin(self, of: TruePerson) -> TruePerson:
        twin = self.person()
        twin.family, twin.dob, twin.unknown_dob = of.family, of.dob, of.unknown_dob
        twin.nationality, twin.pool = of.nationality, of.pool
        twin.postcode, twin.address = of.postcode, of.address
        twin.old_postcode, twin.old_address = of.old_postcode, of.old_address
        twin.alias_family = ""
        _, _, _, male, female = self.pools[of.pool]
        choices = [n for n in (female if twin.sex == "F" else male) if n != of.given]
        twin.given = self.rng.choice(choices)
        twin.middle = "" if twin.middle == twin.given else twin.middle
        twin.twin_of = of.key
        return twin

    # -- faults ---------------------------------------------------------------------------------

    def typo(self, text: str) -> str:
        rng = self.rng
        letters = [i for i, ch in enumerate(text) if ch.isalpha()]
        if len(letters) < 3:
            return text
        op = rng.randrange(4)
        i = rng.choice(letters[1:])
        upper = text[i].isupper()
        letter = rng.choice("abcdefghijklmnoprstuvwy")
        letter = letter.upper() if upper else letter
        if op == 0:  # insert
            return text[:i] + letter + text[i:]
        if op == 1:  # delete
            return text[:i] + text[i + 1 :]
        if op == 2:  # substitute
            if text[i].lower() == letter.lower():
                letter = "e" if letter.lower() != "e" else "a"
                letter = letter.upper() if upper else letter
            return text[:i] + letter + text[i + 1 :]
        j = i - 1 if i - 1 in letters and text[i - 1].lower() != text[i].lower() else None
        if j is None:
            return text[:i] + letter + text[i + 1 :]
        return text[:j] + text[i] + text[j] + text[i + 1 :]

    def spelling(self, name: str, *, accents: bool) -> str:
        """One caseworker's spelling of a (single- or multi-word) name."""
        random_ = self.rng.random
        words = name.split(" ")
        out = []
        for word in words:
            variants = VARIANTS.get(word.upper())
            if variants and random_() < TRANSLITERATION_RATE:
                word = variants[int(random_() * len(variants))]
            if accents and word in ACCENTED and random_() < ACCENT_RATE:
                word = ACCENTED[word]
            out.append(word)
        return " ".join(out)

    def names_for_row(self, p: TruePerson, *, accents: bool) -> tuple[str, str]:
        random_ = self.rng.random
        given, family = p.given, p.family
        if (p.alias_given or p.alias_family) and random_() < ALIAS_USE_RATE:
            given = p.alias_given or given
            family = p.alias_family or family
        given = self.spelling(given, accents=accents)
        family = self.spelling(family, accents=accents)
        if random_() < TYPO_RATE:
            given = self.typo(given)
        if random_() < TYPO_RATE:
            family = self.typo(family)
        if p.middle and random_() >= MIDDLE_NAME_DROPPED_RATE:
            given = f"{given} {self.spelling(p.middle, accents=accents)}"
        if random_() < NAME_SWAP_RATE:
            given, family = family, given
        return given, family

    def dob_for_row(self, p: TruePerson) -> date | None:
        random_ = self.rng.random
        if random_() < MISSING_DOB_RATE:
            return None
        dob = p.dob
        if dob.day <= 12 and dob.day != dob.month and random_() < DAY_MONTH_SWAP_RATE:
            return date(dob.year, dob.day, dob.month)
        return dob

    def address_for_row(self, p: TruePerson) -> tuple[str, str]:
        random_ = self.rng.random
        postcode, address = p.postcode, p.address
        if p.old_postcode and random_() < OLD_ADDRESS_USE_RATE:
            postcode, address = p.old_postcode, p.old_address
        if random_() < MISSING_POSTCODE_RATE:
            return "", address
        roll = random_()
        if roll < 0.08:
            postcode = postcode.replace(" ", "")
        elif roll < 0.12:
            postcode = postcode.lower()
        return postcode, address

    def ho_ref_for_row(self, p: TruePerson) -> str:
        random_ = self.rng.random
        if not p.ho_ref or (not p.figure3 and random_() < MISSING_HO_REF_RATE):
            return ""
        ref = p.ho_ref
        if not p.figure3 and random_() < HO_REF_TYPO_RATE:
            i = self.rng.randrange(1, len(ref))
            digit = str((int(ref[i]) + self.rng.randint(1, 9)) % 10)
            ref = ref[:i] + digit + ref[i + 1 :]
        return ref

    def nationality_for_row(self, p: TruePerson) -> str:
        return "" if self.rng.random() < MISSING_NATIONALITY_RATE else p.nationality


def _dmy(d: date | None) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}" if d else ""


def generate(
    scale: int, *, seed: int = DEFAULT_SEED, figure3: bool = False, faults_invalid: bool = False
) -> GeneratedSet:
    """About ``scale`` rows over the four sources, with the truth. Deterministic for a seed."""
    if scale < 20:
        raise ValueError("scale must be at least 20 rows")
    b = _Builder(seed, figure3, faults_invalid)
    rng = b.rng
    random_ = rng.random
    n_population = max(4, round(scale * LEGACY_SHARE / MEAN_CASES))
    if figure3 and n_population < sum(FIGURE3_COUNTS.values()) * 1.2:
        raise ValueError(
            f"figure3 needs a scale of at least "
            f"{int(sum(FIGURE3_COUNTS.values()) * 1.2 * MEAN_CASES / LEGACY_SHARE) + 1}"
        )

    population: list[TruePerson] = []
    while len(population) < n_population:
        person = b.person()
        population.append(person)
        if random_() < TWIN_RATE and len(population) < n_population:
            population.append(b.twin(person))

    # Owning units.
    for person in population:
        person.unit = (b.criminal_owner if person.criminal else b.other_owner).pick(random_)
    if figure3:
        # Twins are kept out of the Figure 3 people: telling twins apart is the review queue's
        # work, and the demo's Figure 3 is a count of people, not of the model's hardest pairs.
        twinned = {p.twin_of for p in population if p.twin_of}
        eligible = [i for i, p in enumerate(population) if not p.twin_of and p.key not in twinned]
        chosen = rng.sample(eligible, sum(FIGURE3_COUNTS.values()))
        cursor = 0
        for category, count in FIGURE3_COUNTS.items():
            for index in chosen[cursor : cursor + count]:
                population[index].unit = rng.choice(LEGACY_UNITS[category])
                population[index].figure3 = True
            cursor += count
    else:
        for person in population:
            if random_() < UNCLEAR_OWNER_PERSON_RATE:
                person.unit = rng.choice(LEGACY_UNITS[b.figure3_category.pick(random_)])

    # Police: known people (mostly with a criminal case) and unrelated people.
    n_police = round(scale * POLICE_SHARE)
    n_known = round(n_police * POLICE_KNOWN_SHARE)
    n_not_known = round(n_known * POLICE_NOT_PREVIOUSLY_KNOWN_SHARE)
    criminals = [p for p in population if p.criminal]
    others = [p for p in population if not p.criminal]
    known = rng.sample(criminals, min(len(criminals), n_known - n_not_known))
    not_known = rng.sample(others, min(len(others), n_not_known))
    for person in not_known:
        person.pnc_id = b._pnc(person.dob)
        person.cro_number = b._cro(person.pnc_id) if random_() < 0.7 else ""
    police_people = known + not_known
    police_people += [b.person(in_population=False) for _ in range(n_police - len(police_people))]

    legacy = _legacy_rows(b, population)
    casework = _casework_rows(b, population, scale)
    trackers = _tracker_rows(b, population, scale)
    police = _police_rows(b, police_people)
    if faults_invalid:
        _add_invalid_rows(b, legacy, casework, trackers, police, population)

    truth: dict[tuple[str, str], str] = {}
    rows: dict[str, list[dict[str, Any]]] = {
        "legacy_case": [],
        "casework": [],
        "tracker": [],
        "police": [],
    }
    for kind, keyed in (("legacy_case", legacy), ("casework", casework), ("police", police)):
        header = SOURCE_REF_HEADER[kind]
        for person_key, row in keyed:
            truth[(kind, row[header])] = person_key
            rows[kind].append(row)
    tracker_files: dict[str, list[dict[str, Any]]] = {}
    for label, keyed in trackers.items():
        tracker_files[label] = []
        for person_key, row in keyed:
            truth[("tracker", row["Our ref"])] = person_key
            tracker_files[label].append(row)
            rows["tracker"].append(row)
    return GeneratedSet(
        seed=seed,
        scale=scale,
        figure3=figure3,
        rows=rows,
        trackers=tracker_files,
        truth=truth,
        people=b.people,
        criminality_not_known=[p.key for p in not_known],
    )


def _legacy_rows(b: _Builder, population: list[TruePerson]) -> list[tuple[str, dict[str, Any]]]:
    rng = b.rng
    random_ = rng.random
    out: list[tuple[str, dict[str, Any]]] = []
    for p in population:
        n = b.cases_per_person.pick(random_)
        types = [LEGACY_CASE_TYPES[int(random_() * len(LEGACY_CASE_TYPES))] for _ in range(n)]
        if p.criminal:
            types[int(random_() * n)] = CRIMINAL_CASE_TYPES[
                int(random_() ** 2 * len(CRIMINAL_CASE_TYPES))
            ]
        for case_type in types:
            given, family = b.names_for_row(p, accents=False)
            if random_() < 0.7:
                given, family = given.upper(), family.upper()
            nationality = b.nationality_for_row(p)
            if nationality and random_() < NATIONALITY_AS_NAME_RATE:
                nationality = b.nat_names[nationality][1]
            postcode, address = b.address_for_row(p)
            unit = p.unit
            if not b.figure3 and random_() < UNIT_DRIFT_RATE:
                unit = rng.choice(LEGACY_UNITS[b.figure3_category.pick(random_)])
            sex = p.sex if random_() >= 0.01 else "U"
            cid = p.cid_ids[0] if len(p.cid_ids) == 1 or random_() < 0.5 else p.cid_ids[1]
            out.append(
                (
                    p.key,
                    {
                        "CASE_ID": "",
                        "CID_PERSON_ID": cid,
                        "HO_REF": b.ho_ref_for_row(p),
                        "SURNAME": family,
                        "FORENAMES": given,
                        "DOB": _dmy(b.dob_for_row(p)),
                        "GENDER": sex,
                        "NATIONALITY": nationality,
                        "ADDRESS": address,
                        "POSTCODE": postcode,
                        "CASE_TYPE": case_type,
                        "OWNING_UNIT": unit,
                        "CASE_STATUS": CASE_STATUSES[int(random_() * len(CASE_STATUSES))],
                        "NOTES": LEGACY_NOTES[int(random_() * len(LEGACY_NOTES))],
                    },
                )
            )
    rng.shuffle(out)
    for i, (_, row) in enumerate(out):
        row["CASE_ID"] = f"{20_000_000 + i * 7 + (i % 5)}"
    return out


def _casework_rows(
    b: _Builder, population: list[TruePerson], scale: int
) -> list[tuple[str, dict[str, Any]]]:
    rng = b.rng
    random_ = rng.random
    rate = min(1.0, scale * CASEWORK_SHARE / len(population))
    sexes = {"M": "male", "F": "female"}
    out: list[tuple[str, dict[str, Any]]] = []
    for p in population:
        if random_() >= rate:
            continue
        given, family = b.names_for_row(p, accents=True)
        dob = b.dob_for_row(p)
        postcode, _ = b.address_for_row(p)
        out.append(
            (
                p.key,
                {
                    "person_id": "",
                    "ho_reference": b.ho_ref_for_row(p),
                    "given_names": given,
                    "family_name": family,
                    "date_of_birth": dob.isoformat() if dob else "",
                    "sex": sexes[p.sex] if random_() >= 0.01 else "unknown",
                    "nationality": b.nationality_for_row(p),
                    "postcode": postcode,
                    "pnc_id": p.pnc_id
                    if p.pnc_id and p.criminal and random_() < CASEWORK_PNC_RATE
                    else "",
                },
            )
        )
    rng.shuffle(out)
    for i, (_, row) in enumerate(out):
        row["person_id"] = f"CW{1_000_000 + i:07d}"
    return out


def _tracker_dob(b: _Builder, dob: date | None) -> Any:
    if dob is None:
        return ""
    roll = b.rng.random()
    if roll < 0.5:
        return datetime(dob.year, dob.month, dob.day)
    if roll < 0.8:
        return _dmy(dob)
    if roll < 0.95:
        return f"{dob.day} {MONTH_ABBR[dob.month - 1]} {dob.year}"
    if dob.year >= 1940:  # two-digit years read back with the pivot of standardise.date_parse
        return f"{dob.day:02d}.{dob.month:02d}.{dob.year % 100:02d}"
    return _dmy(dob)


def _tracker_rows(
    b: _Builder, population: list[TruePerson], scale: int
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    rng = b.rng
    random_ = rng.random
    rate = min(1.0, scale * TRACKER_SHARE / (len(population) * MEAN_TRACKER_ROWS))
    files: dict[str, list[tuple[str, dict[str, Any]]]] = {label: [] for label, _, _ in TRACKERS}
    for p in population:
        if random_() >= rate:
            continue
        home = b.tracker.pick(random_)
        for k in range(b.tracker_rows.pick(random_)):
            index = home if k != 1 else b.tracker.pick(random_)
            given, family = b.names_for_row(p, accents=True)
            roll = random_()
            if roll < 0.7:
                name = f"{family.upper()}, {given}"
            elif roll < 0.9:
                name = f"{given} {family.upper()}"
            else:
                name = f"{given} {family}"
            nationality = b.nationality_for_row(p)
            if nationality:
                roll = random_()
                forms = b.nat_names[nationality]
                nationality = forms[0] if roll < 0.5 else forms[2] if roll < 0.8 else forms[1]
            ho_ref = b.ho_ref_for_row(p)
            if ho_ref and random_() < 0.1:
                ho_ref = f"{ho_ref[0].lower()}{ho_ref[1:4]} {ho_ref[4:]}"
            files[TRACKERS[index][0]].append(
                (
                    p.key,
                    {
                        "Our ref": "",
                        "Name": name,
                        "D.O.B": _tracker_dob(b, b.dob_for_row(p)),
                        "Nat.": nationality,
                        "HO Ref": ho_ref,
                        "Case owner": CASE_OWNERS[int(random_() * len(CASE_OWNERS))],
                        "Next action": NEXT_ACTIONS[int(random_() * len(NEXT_ACTIONS))],
                        "Comments": TRACKER_COMMENTS[int(random_() * len(TRACKER_COMMENTS))],
                    },
                )
            )
    for (label, prefix, _), (_, keyed) in zip(TRACKERS, files.items(), strict=True):
        rng.shuffle(keyed)
        for i, (_, row) in enumerate(keyed):
            row["Our ref"] = f"{prefix}-{i + 1:06d}"
        assert label in files
    return files


def _police_rows(b: _Builder, people: list[TruePerson]) -> list[tuple[str, dict[str, Any]]]:
    rng = b.rng
    random_ = rng.random
    out: list[tuple[str, dict[str, Any]]] = []
    for p in people:
        given, family = b.names_for_row(p, accents=False)
        dob = b.dob_for_row(p)
        postcode, _ = b.address_for_row(p)
        nationality = b.nationality_for_row(p)
        if nationality and random_() < 0.4:
            nationality = b.nat_names[nationality][1].upper()
        earliest = max(p.dob + timedelta(days=365 * 17), date(1995, 1, 1))
        span = max(1, (EXTRACT_DATE - earliest).days)
        last = earliest + timedelta(days=int(random_() * span))
        out.append(
            (
                p.key,
                {
                    "PNC_ID": p.pnc_id,
                    "CRO_NO": p.cro_number,
                    "SURNAME": family.upper(),
                    "FORENAMES": given.upper(),
                    "DOB": dob.isoformat() if dob else "",
                    "SEX": p.sex,
                    "NATIONALITY": nationality,
                    "POSTCODE": postcode,
                    "OFFENCE_COUNT": str(1 + int(random_() ** 3 * 30)),
                    "MOST_SERIOUS_OFFENCE": b.offence.pick(random_),
                    "LAST_CONVICTION_DATE": last.isoformat(),
                    "FORCE": b.force.pick(random_),
                },
            )
        )
    rng.shuffle(out)
    return out


def _add_invalid_rows(b: _Builder, legacy, casework, trackers, police, population) -> None:
    """A few rows with values the standardiser cannot use (for tests): unreadable dates, unknown
    nationalities, each kept with a warning. Each belongs to a real person so the truth stays
    complete."""
    rng = b.rng
    for i in range(INVALID_ROWS):
        p = population[rng.randrange(len(population))]
        bad_date, bad_nat = ("31/02/1985", "XYZ") if i % 2 else ("sometime in 1985", "Atlantis")
        legacy.append(
            (
                p.key,
                {
                    "CASE_ID": f"9{i:08d}",
                    "CID_PERSON_ID": p.cid_ids[0],
                    "HO_REF": p.ho_ref,
                    "SURNAME": p.family.upper(),
                    "FORENAMES": p.given.upper(),
                    "DOB": bad_date,
                    "GENDER": p.sex,
                    "NATIONALITY": bad_nat,
                    "ADDRESS": p.address,
                    "POSTCODE": p.postcode,
                    "CASE_TYPE": LEGACY_CASE_TYPES[0],
                    "OWNING_UNIT": p.unit,
                    "CASE_STATUS": "Open",
                    "NOTES": "",
                },
            )
        )
        casework.append(
            (
                p.key,
                {
                    "person_id": f"CW9{i:06d}",
                    "ho_reference": p.ho_ref,
                    "given_names": p.given,
                    "family_name": p.family,
                    "date_of_birth": "1985-13-01",
                    "sex": "male",
                    "nationality": bad_nat,
                    "postcode": p.postcode,
                    "pnc_id": "",
                },
            )
        )
        label = TRACKERS[i % len(TRACKERS)][0]
        prefix = TRACKERS[i % len(TRACKERS)][1]
        trackers[label].append(
            (
                p.key,
                {
                    "Our ref": f"{prefix}-9{i:05d}",
                    "Name": f"{p.family.upper()}, {p.given}",
                    "D.O.B": bad_date,
                    "Nat.": bad_nat,
                    "HO Ref": p.ho_ref,
                    "Case owner": "",
                    "Next action": "",
                    "Comments": "",
                },
            )
        )
        police.append(
            (
                p.key,
                {
                    "PNC_ID": f"99/{i:06d}Z",
                    "CRO_NO": "",
                    "SURNAME": p.family.upper(),
                    "FORENAMES": p.given.upper(),
                    "DOB": "1985-02-30",
                    "SEX": p.sex,
                    "NATIONALITY": bad_nat,
                    "POSTCODE": p.postcode,
                    "OFFENCE_COUNT": "2",
                    "MOST_SERIOUS_OFFENCE": OFFENCES[0],
                    "LAST_CONVICTION_DATE": "2019-05-01",
                    "FORCE": FORCES[0],
                },
            )
        )


# --- Files -------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if isinstance(value, datetime):
        return _dmy(value.date())
    if isinstance(value, date):
        return _dmy(value)
    return "" if value is None else str(value)


def write_csv(
    rows: list[dict[str, Any]], path: str | Path, headers: Sequence[str] | None = None
) -> Path:
    """The rows as a UTF-8 CSV with a header row (dates written dd/mm/yyyy)."""
    path = Path(path)
    headers = list(headers or (rows[0].keys() if rows else []))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_cell_text(row.get(h)) for h in headers])
    return path


def write_xlsx(
    rows: list[dict[str, Any]], path: str | Path, headers: Sequence[str] | None = None
) -> Path:
    """The rows as a one-sheet workbook (openpyxl write-only mode); dates stay date cells."""
    from openpyxl import Workbook

    path = Path(path)
    headers = list(headers or (rows[0].keys() if rows else []))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tracker")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    workbook.save(path)
    return path


def write_set(
    gen: GeneratedSet, out_dir: str | Path, *, xlsx_trackers: bool = True
) -> dict[str, Path]:
    """Every file of the set (and ``truth.csv``) into ``out_dir``: name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {
        "legacy_cases.csv": write_csv(
            gen.rows["legacy_case"], out / "legacy_cases.csv", HEADERS["legacy_case"]
        ),
        "casework.csv": write_csv(gen.rows["casework"], out / "casework.csv", HEADERS["casework"]),
    }
    for label, rows in gen.trackers.items():
        name = f"tracker_{label}.{'xlsx' if xlsx_trackers else 'csv'}"
        writer = write_xlsx if xlsx_trackers else write_csv
        written[name] = writer(rows, out / name, HEADERS["tracker"])
    written["police.csv"] = write_csv(gen.rows["police"], out / "police.csv", HEADERS["police"])
    truth_path = out / "truth.csv"
    with truth_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_kind", "source_ref", "person_key"])
        for (kind, ref), key in gen.truth.items():
            writer.writerow([kind, ref, key])
    written["truth.csv"] = truth_path
    return written


def engine_records(gen: GeneratedSet) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The standardised engine records of every row (mapped with ``DEFAULT_MAPPINGS``, as the
    importer does) and the truth by unique_id ``"<source_kind>:<source_ref>"``. Rows the
    standardiser rejects (only with ``faults_invalid``) are left out of both."""
    records: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    for kind, rows in gen.rows.items():
        mapping = standardise.DEFAULT_MAPPINGS[kind]
        ref_header = SOURCE_REF_HEADER[kind]
        for row in rows:
            mapped = standardise.mapped_from_row(row, mapping, kind)
            try:
                std = standardise.record_standardise(mapped, source_kind=kind)
            except standardise.RowRejected:
                continue
            ref = row[ref_header]
            unique_id = f"{kind}:{ref}"
            records.append(standardise.engine_record(unique_id, kind, std))
            truth[unique_id] = gen.truth[(kind, ref)]
    return records, truth
