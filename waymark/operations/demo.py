"""Enforcement-operations demo data at the seeds' volumes (003; figures.md), written in bulk and
deterministic for a seed, scale and anchor.

At x1, a year of illegal-working visits up to the anchor across the 15 ICE teams:

- 3,796 visits (003 §5.27) with Figure 3's ratings exactly: green 3,312, amber 35 and 449 with no
  rating. The 449 are ``VisitSource.LEGACY`` records imported from the old pocket notebook, since
  Waymark cannot authorise a visit without a rating. Rated visits carry their enforcement planning
  assessment with risks and mitigations, the PLAN assessment, the authorisation at the right grade
  and the police notification form.
- Figure 6's intended powers of entry (informed consent 59.0%, s179 22.6%, warrant 16.9%, AD letter
  0.1%, other 1.4%); s179 only ever at licensed premises.
- Figure 4's sectors: the report gives no numbers in its text, so the mix is a plausible one led by
  restaurants and takeaways, then nail bars, car washes, convenience stores and construction
  (``SECTOR_MIX``).
- 15% joint operations (§5.62); 6 to 12 officers a visit (§6.16); about 2.5 people encountered a
  visit with a plausible Figure 5 mix, British citizens the most encountered (footnote 15: 1,656);
  each offender linked to one of the platform demo's person records (no new people are made), chosen
  by what criminal casework records about them, so the measures of effect show removals, returns,
  detentions and releases from casework's own records; a removed or returned person is only ever
  encountered before the day they left.
- 24 NRM referrals (§6.52), 6 critical incidents per 4,000 visits (§1.9), employer sanctions,
  seizures (some legacy ones never signed off), debriefs (thin ones among the legacy records), closures mostly
  within 48 hours and a couple overdue now.
- A handful of visits in each earlier state (planning, authorised, deployed now) on ICE Central
  London for the demo users (field-officer, officer-in-charge, authorising-officer), and a set of
  objectives with targets.
"""

from __future__ import annotations

import bisect
import importlib
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from waymark.accounts.models import Team, User
from waymark.accounts.rules import DEMO_PASSWORD
from waymark.core import clock
from waymark.core.published import published
from waymark.demo import names
from waymark.operations import models as m
from waymark.operations import rules
from waymark.people import models as pm

BATCH = 2000
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"  # letters a UK inward code may end in

# Relative size of each ICE team's year (London and the big conurbations busiest).
TEAM_WEIGHTS = {
    "ice-central-london": 10,
    "ice-west-london": 9,
    "ice-north-east-london": 9,
    "ice-south-london": 8,
    "ice-west-midlands": 8,
    "ice-north-west": 8,
    "ice-north-east-yorkshire-and-humber": 7,
    "ice-south-east": 7,
    "ice-east-of-england": 6,
    "ice-south-central": 6,
    "ice-east-midlands": 6,
    "ice-wales-and-west-of-england": 6,
    "ice-scotland": 4,
    "ice-rapid-response-team": 4,
    "ice-northern-ireland": 2,
}
# (town, postcode area, latitude, longitude, police force code)
TEAM_PLACES = {
    "ice-central-london": [
        ("London", "WC2", 51.513, -0.124, "met"),
        ("London", "EC1", 51.524, -0.099, "city-of-london"),
        ("London", "W1", 51.515, -0.142, "met"),
    ],
    "ice-west-london": [
        ("Southall", "UB1", 51.511, -0.376, "met"),
        ("Hounslow", "TW3", 51.468, -0.361, "met"),
        ("Ealing", "W5", 51.513, -0.304, "met"),
    ],
    "ice-north-east-london": [
        ("Ilford", "IG1", 51.558, 0.074, "met"),
        ("Stratford", "E15", 51.541, -0.003, "met"),
        ("Walthamstow", "E17", 51.583, -0.020, "met"),
    ],
    "ice-south-london": [
        ("Croydon", "CR0", 51.372, -0.099, "met"),
        ("Brixton", "SW9", 51.462, -0.115, "met"),
        ("Lewisham", "SE13", 51.462, -0.010, "met"),
    ],
    "ice-west-midlands": [
        ("Birmingham", "B11", 51.456, -1.862, "west-midlands"),
        ("Wolverhampton", "WV1", 52.586, -2.129, "west-midlands"),
        ("Coventry", "CV1", 52.408, -1.510, "west-midlands"),
    ],
    "ice-north-west": [
        ("Manchester", "M14", 53.447, -2.227, "greater-manchester"),
        ("Liverpool", "L7", 53.405, -2.960, "merseyside"),
        ("Preston", "PR1", 53.759, -2.699, "lancashire"),
    ],
    "ice-north-east-yorkshire-and-humber": [
        ("Leeds", "LS8", 53.820, -1.510, "west-yorkshire"),
        ("Sheffield", "S2", 53.370, -1.460, "south-yorkshire"),
        ("Newcastle upon Tyne", "NE4", 54.970, -1.640, "northumbria"),
    ],
    "ice-south-east": [
        ("Maidstone", "ME14", 51.275, 0.525, "kent"),
        ("Brighton", "BN2", 50.828, -0.125, "sussex"),
        ("Guildford", "GU1", 51.236, -0.570, "surrey"),
    ],
    "ice-east-of-england": [
        ("Luton", "LU1", 51.879, -0.417, "bedfordshire"),
        ("Peterborough", "PE1", 52.573, -0.241, "cambridgeshire"),
        ("Chelmsford", "CM1", 51.736, 0.469, "essex"),
    ],
    "ice-south-central": [
        ("Reading", "RG1", 51.455, -0.969, "thames-valley"),
        ("Southampton", "SO14", 50.904, -1.404, "hampshire"),
        ("Oxford", "OX4", 51.740, -1.220, "thames-valley"),
    ],
    "ice-east-midlands": [
        ("Leicester", "LE5", 52.636, -1.100, "leicestershire"),
        ("Nottingham", "NG7", 52.953, -1.170, "nottinghamshire"),
        ("Derby", "DE23", 52.905, -1.490, "derbyshire"),
    ],
    "ice-wales-and-west-of-england": [
        ("Cardiff", "CF24", 51.486, -3.160, "south-wales"),
        ("Bristol", "BS5", 51.462, -2.560, "avon-and-somerset"),
        ("Newport", "NP20", 51.588, -2.997, "gwent"),
    ],
    "ice-scotland": [
        ("Glasgow", "G42", 55.836, -4.260, "police-scotland"),
        ("Edinburgh", "EH6", 55.970, -3.170, "police-scotland"),
    ],
    "ice-northern-ireland": [("Belfast", "BT7", 54.580, -5.930, "psni")],
    "ice-rapid-response-team": [
        ("London", "E1", 51.515, -0.065, "met"),
        ("Birmingham", "B6", 52.500, -1.890, "west-midlands"),
    ],
}
# Figure 4 (no numbers in the report's text): a plausible top ten led by restaurants and takeaways.
SECTOR_MIX = {
    "restaurants": 0.38,
    "nail-bars": 0.09,
    "car-washes": 0.08,
    "convenience-stores": 0.08,
    "construction": 0.07,
    "barbers": 0.06,
    "care": 0.04,
    "warehousing": 0.04,
    "hotels": 0.03,
    "agriculture": 0.03,
    "manufacturing": 0.03,
    "cleaning": 0.025,
    "retail": 0.025,
    "security": 0.01,
    "other": 0.01,
}
# Share of each sector's premises licensed for alcohol or late-night refreshment (s179 applies).
LICENSED_SHARE = {"restaurants": 0.8, "convenience-stores": 0.9, "hotels": 0.95}
BUSINESS_WORDS = [
    "Golden",
    "Royal",
    "Star",
    "Crown",
    "Lucky",
    "New",
    "City",
    "Park",
    "Sunrise",
    "Orchid",
    "Diamond",
    "Eagle",
    "Phoenix",
    "Silver",
    "Bridge",
    "Central",
    "Premier",
    "Bombay",
    "Istanbul",
    "Lotus",
    "Jade",
    "Tiger",
    "Victoria",
    "Kings",
    "Queens",
    "Riverside",
    "Station",
    "Market",
    "Corner",
    "Village",
]
BUSINESS_SUFFIX = {
    "restaurants": [
        "Kitchen",
        "Grill",
        "Takeaway",
        "Curry House",
        "Pizza",
        "Noodle Bar",
        "Kebab House",
    ],
    "nail-bars": ["Nails", "Nail Studio", "Nails and Beauty"],
    "car-washes": ["Hand Car Wash", "Car Valeting"],
    "convenience-stores": ["Food and Wine", "Express", "Mini Market", "Off Licence"],
    "construction": ["Builders Ltd", "Construction Ltd", "Developments Ltd"],
    "barbers": ["Barbers", "Hair Studio"],
    "care": ["Care Home", "Home Care Ltd"],
    "warehousing": ["Logistics Ltd", "Distribution Ltd"],
    "hotels": ["Hotel", "Guest House"],
    "agriculture": ["Farm", "Packhouse"],
    "manufacturing": ["Textiles Ltd", "Manufacturing Ltd"],
    "cleaning": ["Cleaning Services Ltd"],
    "security": ["Security Ltd"],
    "retail": ["Phones", "Fashion"],
    "other": ["Services Ltd"],
}
STREETS = [
    "High Street",
    "Station Road",
    "Church Street",
    "Market Street",
    "London Road",
    "Victoria Road",
    "Green Lane",
    "Park Road",
    "King Street",
    "Broadway",
    "Mill Lane",
    "The Parade",
]
# Figure 5 (no numbers in the text): a plausible mix of the non-British people encountered.
NATIONALITY_MIX = {
    "IND": 0.19,
    "BGD": 0.13,
    "PAK": 0.09,
    "CHN": 0.08,
    "ALB": 0.08,
    "BRA": 0.07,
    "VNM": 0.05,
    "NGA": 0.04,
    "EGY": 0.03,
    "TUR": 0.03,
    "ROU": 0.025,
    "AFG": 0.02,
    "IRQ": 0.02,
    "LKA": 0.02,
    "GHA": 0.02,
    "NPL": 0.015,
    "MYS": 0.015,
    "PHL": 0.015,
    "UKR": 0.01,
    "SDN": 0.01,
    "IRL": 0.01,
    "POL": 0.01,
}
BRITISH_ENCOUNTERED_AT_X1 = 1_656  # 003 footnote 15
ENCOUNTERS_PER_VISIT = [(0, 10), (1, 20), (2, 25), (3, 20), (4, 12), (5, 8), (6, 5)]
OFFENDER_SHARE = 0.40  # of the non-British, non-Irish people encountered
OFFENDER_ACTION_MIX = [
    ("arrest", 75),
    ("papers_served", 12),
    ("detention_requested", 8),
    ("referral", 5),
]
# Offenders are linked to demo people by what casework later recorded about them (removed and
# returned people only on visits before the day they left).
LINKED_OUTCOME_WEIGHTS = {
    "removed": 25,
    "returned": 5,
    "detained": 10,
    "released": 20,
    "case_open": 30,
    "not_known": 10,
}
DATED_OUTCOMES = ("removed", "returned")
ENTRY_NOT_ACHIEVED = 0.04
COMPLIANCE_SHARE = 0.10
SEIZURE_SHARE = 0.12
UNSIGNED_SEIZURE_SHARE = 0.25  # of legacy seizures: the unsealed exhibit (003 §1.11)
VULNERABILITY_ONLY_PER_YEAR = 40
SOCIAL_SERVICES_PER_YEAR = 45
S55_PER_YEAR = 30
CIVIL_PENALTY_SHARE = 0.60  # of visits with an offender
NO_ACTION_NOTICE_SHARE = 0.30  # of visits with no offender
LICENSING_REVIEW_SHARE = 0.10  # of licensed premises with an offender
CLOSURE_NOTICE_SHARE = 0.03
ENGAGEMENT_SHARE = 0.30
LATE_CLOSURE_SHARE = 0.06
ONF_NOT_RETURNED_SHARE = 0.02
LEGACY_THIN_DEBRIEF_SHARE = 0.30
WAYMARK_THIN_DEBRIEF_SHARE = 0.01
LEGACY_UNACCEPTED_BRIEFING = 0.10  # officers on legacy records with no acceptance recorded
REVISIT_SHARE = 0.20
ACCURACY_MIX = [("accurate", 62), ("partly", 28), ("inaccurate", 10)]
OFFICERS_PER_TEAM = {"HEO": 2, "SEO": 1, "EO": 11}
DEPLOYED_NOW = 2
OVERDUE_NOW = 2

OBJECTIVES = [
    (
        "Every visit risk-assessed before it goes ahead",
        "The inspection found 449 of 3,796 operations with no risk rating.",
        [("visits_risk_rated_pct", 100, True, 0.05)],
    ),
    (
        "Every officer accepts the briefing",
        "Officers must read and accept the briefing before the visit.",
        [("briefing_acceptance_pct", 100, True, 0.05)],
    ),
    (
        "Visits closed within 48 hours",
        "The visit is closed within 48 hours of its start.",
        [("closed_within_due_pct", 95, True, 0.05)],
    ),
    (
        "Protect the vulnerable",
        "A National Referral Mechanism referral wherever indicators are found.",
        [("nrm_where_indicators_pct", 100, True, 0.2)],
    ),
    (
        "Remove people with no right to work from the labour market",
        "Every offender linked to their record and its outcome.",
        [
            ("offenders_linked_pct", 100, True, 0.05),
            ("offenders_removed_or_returned_pct", 25, True, 0.2),
        ],
    ),
    (
        "Act on accurate intelligence",
        "Debriefs record whether the intelligence was accurate.",
        [("intelligence_accurate_pct", 70, True, 0.1)],
    ),
    (
        "Safe operations",
        "The inspection found six critical incidents in almost 4,000 operations.",
        [("critical_incidents_per_1000", 2, False, 0.5)],
    ),
]

DEBRIEF_TEXT = {
    "resources_deployed": "{n} officers in two vehicles; officer in charge {oic}; police in support on request.",
    "activity_undertaken": "Entry by {power}; premises searched front and back; {people} people checked on site.",
    "people_and_outcomes": "{people} encountered, {offenders} immigration offenders; actions recorded on each "
    "encounter and linked to the person record.",
    "intelligence_accuracy_notes": "The intelligence on the numbers working and the rear entrance was {accuracy}.",
    "premises_information": "Rear door opens onto the service alley; staff room above the shop; CCTV at the front.",
    "onward_referrals": "Civil penalty referral where workers had no right to work; safeguarding referrals as "
    "recorded.",
    "went_well": "Quick entry and containment; the interpreter on the phone worked well; clear roles at briefing.",
    "to_improve": "Arrive before the morning delivery; bring a second interpreter for the kitchen staff.",
    "employer_records": "The manager could show some right-to-work checks but not for the kitchen staff.",
}
THIN_DEBRIEF = {
    "resources_deployed": "Team",
    "activity_undertaken": "Visit done",
    "people_and_outcomes": "As above",
    "intelligence_accuracy_notes": "OK",
    "premises_information": "None",
    "onward_referrals": "None",
    "went_well": "All",
    "to_improve": "Nothing",
    "employer_records": "N/A",
}


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _weighted(rng: random.Random, pairs) -> Any:
    pairs = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    total = sum(w for _k, w in pairs)
    roll = rng.random() * total
    for key, weight in pairs:
        roll -= weight
        if roll < 0:
            return key
    return pairs[-1][0]


def _exact(rng: random.Random, shares: dict[Any, float], n: int) -> list[Any]:
    """``n`` values in ``shares``' proportions, each count rounded to the nearest (largest remainder
    so the counts add up to ``n``), shuffled."""
    raw = {k: share * n for k, share in shares.items()}
    counts = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[
        : n - sum(counts.values())
    ]:
        counts[k] += 1
    values = [k for k, c in counts.items() for _ in range(c)]
    rng.shuffle(values)
    return values


def rating_plan(scale: float) -> dict[str | None, int]:
    """How many visits of each rating the demo makes at ``scale`` (Figure 3 exactly at x1)."""
    return {rating: round(n * scale) for rating, n in rules.DEMO_RATING_COUNTS.items()}


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _reset_sequences(*models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _next_pk(model) -> int:
    return (model.objects.aggregate(n=Max("pk"))["n"] or 0) + 1


# ------------------------------------------------------------------------------------------------
# Reference data, teams and officers


def reference_data_ensure() -> None:
    """Sectors and police forces come from the planning migration; a flushed test database has none."""
    if not m.Sector.objects.exists() or not m.PoliceForce.objects.exists():
        importlib.import_module("waymark.operations.migrations.0002_h1_reference_data").seed(
            django_apps, None
        )


def ice_teams_ensure() -> list[Team]:
    from waymark.demo.generator import ICE_TEAMS

    teams = []
    for slug, name, nation in ICE_TEAMS:
        team, _ = Team.objects.get_or_create(
            slug=f"ice-{slug}",
            defaults={
                "name": f"ICE {name}",
                "unit": "Immigration Compliance and Enforcement",
                "nation": nation or "england-and-wales",
            },
        )
        teams.append(team)
    return teams


def officers_ensure(teams: list[Team]) -> dict[str, dict[str, list[User]]]:
    """Per team: CIOs (HEO, officer in charge), an HMI (SEO, authorising) and IOs (EO). The demo
    users field-officer, officer-in-charge and authorising-officer join ICE Central London's pool."""
    password = make_password(DEMO_PASSWORD)
    groups = {
        g.name: g
        for g in Group.objects.filter(
            name__in=["field_officer", "officer_in_charge", "authorising_officer"]
        )
    }
    role_of = {"HEO": "officer_in_charge", "SEO": "authorising_officer", "EO": "field_officer"}
    pools: dict[str, dict[str, list[User]]] = {}
    rng = random.Random(11)
    for team in teams:
        short = team.slug.removeprefix("ice-")
        pool: dict[str, list[User]] = {"HEO": [], "SEO": [], "EO": []}
        for grade, count in OFFICERS_PER_TEAM.items():
            for n in range(1, count + 1):
                name_pool = names.NAMES[
                    rng.choice(["anglo", "anglo", "south_asian", "caribbean", "polish"])
                ]
                user, created = User.objects.get_or_create(
                    username=f"ice-{short}-{grade.lower()}-{n}",
                    defaults={
                        "first_name": rng.choice(name_pool[0] + name_pool[1]),
                        "last_name": rng.choice(name_pool[2]),
                        "grade": grade,
                        "password": password,
                        "job_title": {
                            "HEO": "Chief immigration officer",
                            "SEO": "HM inspector",
                            "EO": "Immigration officer",
                        }[grade],
                        "email": f"ice-{short}-{grade.lower()}-{n}@waymark.example",
                    },
                )
                if created:
                    user.teams.add(team)
                    if role_of[grade] in groups:
                        user.groups.add(groups[role_of[grade]])
                pool[grade].append(user)
        pools[team.slug] = pool
    central = pools.get("ice-central-london")
    if central is not None:
        for username, grade in (
            ("officer-in-charge", "HEO"),
            ("authorising-officer", "SEO"),
            ("field-officer", "EO"),
        ):
            user = User.objects.filter(username=username).first()
            if user is not None:
                central[grade].insert(0, user)
    everyone = [u for pool in pools.values() for group in pool.values() for u in group]
    have = set(m.OfficerProfile.objects.filter(user__in=everyone).values_list("user_id", flat=True))
    m.OfficerProfile.objects.bulk_create(
        [
            m.OfficerProfile(
                user=u,
                arrest_trained=True,
                arrest_training_on=date(2024, 3, 1),
                collar_number=f"IO{u.pk:05d}",
            )
            for u in {u.pk: u for u in everyone}.values()
            if u.pk not in have
        ]
    )
    return pools


# ------------------------------------------------------------------------------------------------
# The year of visits


class _Builder:
    def __init__(
        self, *, rng: random.Random, anchor: datetime, teams: list[Team], pools, scale: float
    ) -> None:
        self.rng, self.anchor, self.scale = rng, anchor, scale
        self.today = anchor.astimezone(clock.LONDON).date()
        self.teams = {t.slug: t for t in teams}
        self.pools = pools
        self.rows: dict[str, list] = defaultdict(list)
        self.sectors = {s.key: s for s in m.Sector.objects.all()}
        self.forces = {f.code: f for f in m.PoliceForce.objects.all()}
        self.premises_by: dict[tuple[str, str, bool], list[m.Premises]] = defaultdict(list)
        self.pk = {
            model: _next_pk(model)
            for model in (m.Premises, m.Visit, m.FieldEntry, m.Encounter, m.RiskAssessment)
        }
        self.visit_meta: list[dict[str, Any]] = []

    def _id(self, model) -> int:
        pk = self.pk[model]
        self.pk[model] = pk + 1
        return pk

    def _local(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=clock.LONDON)

    # premises -----------------------------------------------------------------------------
    def premises_for(self, team_slug: str, sector_key: str, licensed_needed: bool) -> m.Premises:
        rng = self.rng
        sector = (
            self.sectors.get(sector_key)
            or self.sectors.get("other")
            or next(iter(self.sectors.values()))
        )
        licensed = licensed_needed or rng.random() < LICENSED_SHARE.get(sector_key, 0)
        key = (team_slug, sector.key, licensed)
        if self.premises_by[key] and rng.random() < REVISIT_SHARE:
            return rng.choice(self.premises_by[key])
        town, area, lat, lon, force = rng.choice(
            TEAM_PLACES.get(team_slug, TEAM_PLACES["ice-central-london"])
        )
        pk = self._id(m.Premises)
        premises = m.Premises(
            pk=pk,
            business_name=f"{rng.choice(BUSINESS_WORDS)} {rng.choice(BUSINESS_SUFFIX.get(sector.key, ['Ltd']))}",
            address_line_1=f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
            town=town,
            postcode=f"{area} {rng.randint(1, 9)}{rng.choice(_INWARD)}{rng.choice(_INWARD)}",
            sector=sector,
            licensed=licensed,
            licence_reference=f"LN/{rng.randint(2015, 2025)}/{pk:05d}" if licensed else "",
            police_force=self.forces.get(force),
            latitude=lat + rng.uniform(-0.02, 0.02),
            longitude=lon + rng.uniform(-0.03, 0.03),
            created_at=self.anchor - timedelta(days=rng.randint(400, 2000)),
            notes="",
        )
        self.rows["premises"].append(premises)
        self.premises_by[key].append(premises)
        return premises

    # entries ------------------------------------------------------------------------------
    def entry(
        self,
        visit: m.Visit,
        officer: User,
        entry_type: str,
        at: datetime,
        summary: str,
        premises: m.Premises,
        **payload,
    ) -> m.FieldEntry:
        rng = self.rng
        offline = rng.random() < 0.15
        entry = m.FieldEntry(
            pk=self._id(m.FieldEntry),
            visit=visit,
            officer=officer,
            entry_type=entry_type,
            client_uuid=_uuid(rng),
            recorded_at=at,
            received_at=at
            + (
                timedelta(minutes=rng.randint(3, 40))
                if offline
                else timedelta(seconds=rng.randint(1, 5))
            ),
            latitude=(premises.latitude or 0) + rng.uniform(-0.0003, 0.0003),
            longitude=(premises.longitude or 0) + rng.uniform(-0.0003, 0.0003),
            location_accuracy_m=round(rng.uniform(4, 30), 1),
            sent_offline=offline,
            summary=summary[:300],
            payload=payload,
        )
        self.rows["entry"].append(entry)
        return entry


def _plan_visits(rng: random.Random, scale: float, today: date) -> list[dict[str, Any]]:
    """The year's visits before any row is written: rating, power, joint, team, sector, day."""
    plan = rating_plan(scale)
    ratings = [r for r, n in plan.items() for _ in range(n)]
    rng.shuffle(ratings)
    n = len(ratings)
    powers = _exact(rng, rules.DEMO_POWER_SHARES, n)
    joint = [True] * round(rules.DEMO_JOINT_SHARE * n) + [False] * (
        n - round(rules.DEMO_JOINT_SHARE * n)
    )
    rng.shuffle(joint)
    licensed_sectors = {k: SECTOR_MIX[k] for k in LICENSED_SHARE}
    s179 = rules.DEMO_POWER_SHARES["licensing_s179"]
    # Sectors for the non-s179 visits, so that the overall mix is SECTOR_MIX.
    licensed_total = sum(licensed_sectors.values())
    other_mix = {
        k: max(0.0, share - s179 * licensed_sectors.get(k, 0) / licensed_total)
        for k, share in SECTOR_MIX.items()
    }
    visits = []
    for i in range(n):
        rating = ratings[i]
        power = powers[i]
        sector = _weighted(rng, licensed_sectors if power == "licensing_s179" else other_mix)
        legacy = rating is None
        # Legacy records come from the notebook before the switch: the older half of the year.
        back = rng.randint(183, 364) if legacy else rng.randint(1, 364)
        visits.append(
            {
                "rating": rating or "",
                "power": power,
                "joint": joint[i],
                "team": _weighted(rng, TEAM_WEIGHTS),
                "sector": sector,
                "day": today - timedelta(days=back),
                "legacy": legacy,
            }
        )
    return visits


def _people_known_to_casework(rng: random.Random) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """The demo's people by what criminal casework recorded about them (``not_known``: nothing) and
    by nationality (``"*"``: all of them): (pk, nationality, name, day they left or None); removed
    and returned people sorted by that day."""
    people = {
        pk: f"{given} {family}"
        for pk, given, family in pm.Person.objects.filter(merged_into__isnull=True).values_list(
            "pk", "given_names", "family_name"
        )
    }
    ids = sorted(people)
    # What criminal casework recorded, through the queries it publishes (none without it).
    outcomes_query = published("casework.removal_outcomes_for_people")
    dates_query = published("casework.removal_outcome_dates_for_people")
    outcomes = outcomes_query(ids) if outcomes_query else {}
    left = (
        dates_query([pk for pk, outcome in outcomes.items() if outcome in DATED_OUTCOMES])
        if dates_query
        else {}
    )
    nationality: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        for pid, country in (
            pm.PersonNationality.objects.filter(person_id__in=ids[start : start + 900])
            .order_by("pk")
            .values_list("person_id", "country")
        ):
            nationality.setdefault(pid, country)
    pools: dict[str, dict[str, list[tuple[Any, ...]]]] = defaultdict(lambda: defaultdict(list))
    rows = []
    for pid in ids:
        outcome = outcomes.get(pid, "not_known")
        if outcome in DATED_OUTCOMES and pid not in left:
            continue
        rows.append((outcome, (pid, nationality.get(pid, ""), people[pid], left.get(pid))))
    rng.shuffle(rows)
    for outcome, row in rows:
        pools[outcome][row[1]].append(row)
        pools[outcome]["*"].append(row)
    for outcome in DATED_OUTCOMES:
        for pool in pools[outcome].values():
            pool.sort(key=lambda row: row[3])
    return pools


def _take(rng: random.Random, pool: list[tuple[Any, ...]], used: set[int], day: date | None):
    """Take a person not yet used from ``pool`` (one who left after ``day``, when ``day`` is given)."""
    while pool:
        first = bisect.bisect_right([row[3] for row in pool], day) if day is not None else 0
        if first >= len(pool):
            return None
        row = pool.pop(rng.randrange(first, len(pool)) if day is not None else len(pool) - 1)
        if row[0] not in used:
            used.add(row[0])
            return row
    return None


def _link(
    rng: random.Random, known, used: set[int], day: date, nationality: str
) -> tuple[Any, ...] | None:
    """A demo person for an offender of this nationality encountered on ``day``, by the outcome
    weights, someone of the same nationality first; each person used once; None when none is left."""
    available = {k: w for k, w in LINKED_OUTCOME_WEIGHTS.items() if known.get(k)}
    while available:
        outcome = _weighted(rng, available)
        dated = day if outcome in DATED_OUTCOMES else None
        row = _take(rng, known[outcome].get(nationality, []), used, dated) or _take(
            rng, known[outcome]["*"], used, dated
        )
        if row is not None:
            return row
        del available[outcome]
    return None


def operations_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Load the operations demo (see the module docstring). Adds to what is there."""
    rng = random.Random(seed * 31 + 3)
    with clock.frozen(anchor):
        with transaction.atomic():
            reference_data_ensure()
            teams = ice_teams_ensure()
            pools = officers_ensure(teams)
            _police_partner_ensure()
        b = _Builder(rng=rng, anchor=anchor, teams=teams, pools=pools, scale=scale)
        known = _people_known_to_casework(rng)
        plan = _plan_visits(rng, scale, b.today)
        _build_year(b, plan, known)
        _build_current(b)
        counts: dict[str, int] = {}
        with transaction.atomic():
            _write(b.rows, counts)
            _reset_sequences(m.Premises, m.Visit, m.FieldEntry, m.Encounter, m.RiskAssessment)
            counts["objectives"] = _objectives_ensure()
            counts["closure_tasks"] = _closure_tasks_ensure()
    _say(
        progress,
        f"Enforcement visits {counts.get('visits', 0):,}; encounters {counts.get('encounters', 0):,}; "
        f"field entries {counts.get('field_entries', 0):,}",
    )
    return counts


def _closure_tasks_ensure() -> int:
    """A deployed demo visit has the task to debrief and close it, as deployment gives one on the
    live path, so that 'Overdue for closure' on the measures page and the overdue closure tasks in
    the team's queue count the same visits."""
    from waymark.operations.services._common import _officer_task

    made = 0
    for visit in m.Visit.objects.filter(status=m.VisitStatus.DEPLOYED).select_related(
        "officer_in_charge", "team"
    ):
        _officer_task(
            actor=None,
            visit=visit,
            officer=visit.officer_in_charge,
            task_type=rules.TASK_CLOSE,
            title=f"Debrief and close {visit.reference}",
            dedupe_key=f"ops-close-{visit.pk}",
            start=visit.planned_start,
        )
        made += 1
    return made


def _police_partner_ensure() -> None:
    """The demo police partner answers the Metropolitan Police's forms (Central London's visits)."""
    partner = User.objects.filter(username="police-partner").first()
    force = m.PoliceForce.objects.filter(code="met").first()
    if partner is not None and force is not None:
        force.partners.add(partner)


ORDER = [
    ("premises", m.Premises),
    ("intelligence", m.IntelligencePackage),
    ("visit", m.Visit),
    ("risk_assessment", m.RiskAssessment),
    ("risk", m.IdentifiedRisk),
    ("plan_assessment", m.PlanAssessment),
    ("authorisation", m.Authorisation),
    ("check", m.MandatoryCheck),
    ("onf", m.NotificationForm),
    ("phone_check", m.PoliceIntelligenceCheck),
    ("recon", m.Reconnaissance),
    ("order", m.OperationalOrder),
    ("officer", m.VisitOfficer),
    ("entry", m.FieldEntry),
    ("entry_record", m.EntryRecord),
    ("encounter", m.Encounter),
    ("seizure", m.Seizure),
    ("safeguarding", m.SafeguardingRecord),
    ("sanction", m.EmployerSanction),
    ("engagement", m.Engagement),
    ("incident", m.CriticalIncident),
    ("debrief", m.Debrief),
    ("timeline", pm.TimelineEvent),
]
COUNT_NAMES = {
    "visit": "visits",
    "encounter": "encounters",
    "entry": "field_entries",
    "officer": "visit_officers",
    "debrief": "debriefs",
    "premises": "premises",
    "timeline": "operations_timeline_events",
}


def _write(rows: dict[str, list], counts: dict[str, int]) -> None:
    for key, model in ORDER:
        batch = rows.get(key, [])
        if batch:
            model.objects.bulk_create(batch, batch_size=BATCH)
        counts[COUNT_NAMES.get(key, f"operations_{key}")] = len(batch)


def _officers_for(b: _Builder, team_slug: str, k: int) -> tuple[User, list[User]]:
    pool = b.pools[team_slug]
    oic = b.rng.choice(pool["HEO"])
    others = b.rng.sample(pool["EO"], min(len(pool["EO"]), k - 1))
    return oic, others


def _build_year(b: _Builder, plan: list[dict[str, Any]], known) -> dict[str, int]:
    rng, scale = b.rng, b.scale
    n = len(plan)
    # Exact yearly figures, laid over the visits where entry was achieved.
    achieved = [rng.random() >= ENTRY_NOT_ACHIEVED for _ in plan]
    per_visit = [(_weighted(rng, ENCOUNTERS_PER_VISIT) if ok else 0) for ok in achieved]
    slots = [(i, j) for i, k in enumerate(per_visit) for j in range(k)]
    british = set(rng.sample(slots, min(len(slots), round(BRITISH_ENCOUNTERED_AT_X1 * scale))))
    able = [i for i, ok in enumerate(achieved) if ok]
    nrm_visits = set(
        rng.sample(able, min(len(able), round(rules.DEMO_NRM_REFERRALS_PER_YEAR * scale)))
    )
    vuln_visits = (
        set(rng.sample(able, min(len(able), round(VULNERABILITY_ONLY_PER_YEAR * scale))))
        - nrm_visits
    )
    social = set(rng.sample(able, min(len(able), round(SOCIAL_SERVICES_PER_YEAR * scale))))
    s55 = set(rng.sample(able, min(len(able), round(S55_PER_YEAR * scale))))
    # Deployed now and overdue: green visits of ICE Central London, re-dated to today / days ago.
    central = [
        i
        for i, v in enumerate(plan)
        if v["team"] == "ice-central-london" and v["rating"] == "green"
    ]
    now_idx = set(central[:DEPLOYED_NOW])
    overdue_idx = central[DEPLOYED_NOW : DEPLOYED_NOW + OVERDUE_NOW]
    for i in now_idx:
        per_visit[i] = min(per_visit[i], 3)
    quiet = [i for i in range(n) if i not in now_idx]
    incidents = set(
        rng.sample(quiet, min(len(quiet), round(n * rules.DEMO_CRITICAL_INCIDENTS_PER_4000 / 4000)))
    )
    summary: dict[str, int] = defaultdict(int)
    used: set[int] = set()

    for i, spec in enumerate(plan):
        team = b.teams[spec["team"]]
        lo, hi = rules.DEMO_OFFICERS_PER_VISIT
        oic, others = _officers_for(b, team.slug, rng.randint(lo, hi))
        if i in now_idx or i in overdue_idx:
            pool = b.pools[team.slug]
            oic, fo = pool["HEO"][0], pool["EO"][0]
            others = [fo, *[u for u in others if u.pk != fo.pk][: len(others) - 1]]
        premises = b.premises_for(team.slug, spec["sector"], spec["power"] == "licensing_s179")
        day = spec["day"]
        start = b._local(day, rng.choice([5, 6, 6, 7, 7, 8, 9]), rng.choice([0, 15, 30, 45]))
        status = m.VisitStatus.CLOSED
        if i in now_idx:
            start = (b.anchor - timedelta(minutes=150)).replace(second=0, microsecond=0)
            status = m.VisitStatus.DEPLOYED
        elif i in overdue_idx:
            start = b._local(b.today - timedelta(days=3 + overdue_idx.index(i)), 7, 0)
            status = m.VisitStatus.DEPLOYED
        created = start - timedelta(days=rng.randint(8, 30), hours=rng.randint(0, 8))
        legacy = spec["legacy"]
        joint = spec["joint"]
        partners = rng.sample(rules.PARTNER_AGENCIES, rng.choice([1, 1, 2])) if joint else []
        visit_type = (
            "joint_operation"
            if joint
            else ("compliance" if rng.random() < COMPLIANCE_SHARE else "illegal_working_arrest")
        )
        deployed_at = start - timedelta(minutes=rng.randint(5, 30))
        closure_due = rules.closure_due_at(
            start
        )  # 48 hours from the visit, as visit_deploy sets it
        closed_at = None
        if status == m.VisitStatus.CLOSED:
            late = rng.random() < LATE_CLOSURE_SHARE
            closed_at = start + (
                timedelta(hours=rng.randint(50, 150))
                if late
                else timedelta(hours=rng.randint(4, 46), minutes=rng.randint(0, 59))
            )
        vpk = b._id(m.Visit)
        visit = m.Visit(
            pk=vpk,
            reference=f"OP-{start:%y}{vpk:06d}",
            source=m.VisitSource.LEGACY if legacy else m.VisitSource.WAYMARK,
            team=team,
            region=team.name,
            visit_type=visit_type,
            partner_agencies=partners,
            planned_start=start,
            premises=premises,
            intended_power=spec["power"],
            risk_rating=spec["rating"],
            status=status,
            community_impact=""
            if legacy
            else rng.choice(
                [
                    "Busy shopping street; no known tensions; visit timed before school run.",
                    "Residential flats above; police aware of no current tensions; discreet vehicles.",
                    "Community event nearby at weekends; weekday morning chosen; engagement leaflets carried.",
                ]
            ),
            officer_in_charge=oic,
            created_by=oic,
            created_at=created,
            deployed_at=deployed_at,
            deployed_by=oic,
            closure_due_at=closure_due,
            closed_at=closed_at,
            closed_by=oic if closed_at else None,
            updated_at=closed_at or deployed_at,
        )
        b.rows["visit"].append(visit)
        summary["visits"] += 1
        if not legacy:
            _plan_rows(b, visit, oic, created)
        # Officers and their briefing.
        officers = [oic, *others]
        for officer in officers:
            accepted = not (
                legacy and officer is not oic and rng.random() < LEGACY_UNACCEPTED_BRIEFING
            )
            arrived = start + timedelta(minutes=rng.randint(0, 10))
            departed = (
                None
                if status == m.VisitStatus.DEPLOYED and i in now_idx
                else (start + timedelta(hours=rng.randint(1, 3), minutes=rng.randint(0, 59)))
            )
            b.rows["officer"].append(
                m.VisitOfficer(
                    visit=visit,
                    officer=officer,
                    role="Officer in charge"
                    if officer is oic
                    else rng.choice(
                        [
                            "Arrest team",
                            "Exhibits",
                            "Search",
                            "Rear containment",
                            "Interviews",
                            "Driver",
                        ]
                    ),
                    briefing_accepted_at=(start - timedelta(hours=rng.randint(2, 20)))
                    if accepted
                    else None,
                    briefing_plan_version=visit.plan_version if accepted else None,
                    arrived_at=arrived,
                    departed_at=departed,
                    last_latitude=premises.latitude,
                    last_longitude=premises.longitude,
                )
            )
            if i in now_idx:
                b.entry(
                    visit,
                    officer,
                    "arrival",
                    arrived,
                    f"{officer.get_full_name()} arrived",
                    premises,
                )
        # Entry.
        t = start + timedelta(minutes=rng.randint(5, 15))
        if achieved[i]:
            power = spec["power"] if spec["power"] != "other" else "informed_consent"
            e = b.entry(
                visit, oic, "entry", t, f"Entry by {rules.POWERS_OF_ENTRY[power].lower()}", premises
            )
            b.rows["entry_record"].append(
                m.EntryRecord(
                    entry=e,
                    visit=visit,
                    achieved=True,
                    power=power,
                    consent_given_by=rng.choice(["Manager on duty", "Owner", "Shift supervisor"])
                    if power == "informed_consent"
                    else "",
                    consent_given_by_role="Manager" if power == "informed_consent" else "",
                    told_could_refuse=True if power == "informed_consent" else None,
                    warrant_reference=f"W/{day:%Y}/{visit.pk:05d}" if power == "warrant" else "",
                    warrant_court=f"{premises.town} Magistrates' Court"
                    if power == "warrant"
                    else "",
                    ad_letter_reference=f"AD/{visit.pk:05d}" if power == "ad_letter_s28ca" else "",
                )
            )
        else:
            e = b.entry(visit, oic, "entry", t, "Entry not achieved", premises)
            b.rows["entry_record"].append(
                m.EntryRecord(
                    entry=e,
                    visit=visit,
                    achieved=False,
                    not_achieved_reason="Premises closed and no one answered",
                )
            )
        # Encounters.
        offenders = 0
        for j in range(per_visit[i]):
            t += timedelta(minutes=rng.randint(2, 12))
            officer = rng.choice(officers)
            person = None
            if (i, j) in british:
                nationality, result = "GBR", "british_irish"
            else:
                nationality = _weighted(rng, NATIONALITY_MIX)
                result = (
                    "british_irish"
                    if nationality == "IRL"
                    else "offender"
                    if rng.random() < OFFENDER_SHARE
                    else "right_to_work"
                )
            action = offence = ""
            if result == "offender":
                offenders += 1
                action = _weighted(rng, OFFENDER_ACTION_MIX)
                offence = (
                    "Illegal working (s24B Immigration Act 1971)" if action == "arrest" else ""
                )
                linked = _link(rng, known, used, start.astimezone(clock.LONDON).date(), nationality)
                if linked is not None:
                    pid, country, name, _left = linked
                    person = pm.Person(pk=pid)
                    nationality = country or nationality
                else:  # every demo person used: an offender with no person record
                    given_pool, _f, families = names.NAMES[names.POOL_OF.get(nationality, "anglo")]
                    name = f"{rng.choice(given_pool)} {rng.choice(families)}"
            else:
                given_pool, _f, families = names.NAMES[names.POOL_OF.get(nationality, "anglo")]
                name = f"{rng.choice(given_pool)} {rng.choice(families)}"
            e = b.entry(
                visit, officer, "encounter", t, f"Encounter: {name} ({nationality})", premises
            )
            enc = m.Encounter(
                pk=b._id(m.Encounter),
                entry=e,
                visit=visit,
                person=person,
                name_given=name,
                nationality=nationality,
                checks_made=["biometric", "status_lookup"],
                result=result,
                action=action,
                offence=offence,
            )
            b.rows["encounter"].append(enc)
            summary["encounters"] += 1
            if person is not None:
                b.rows["timeline"].append(
                    pm.TimelineEvent(
                        person_id=person.pk,
                        occurred_at=t,
                        recorded_at=e.received_at,
                        module="operations",
                        event_type="operations.encounter",
                        actor=officer,
                        summary=f"Encountered on enforcement visit {visit.reference} at {premises.business_name}, "
                        f"{premises.town}: {rules.OFFENDER_ACTIONS[action].lower()}",
                        related_type="operations.encounter",
                        related_id=str(enc.pk),
                    )
                )
        # Seizures, safeguarding, sanctions, engagement, incidents.
        if achieved[i] and rng.random() < SEIZURE_SHARE:
            for k in range(rng.choice([1, 1, 2])):
                t += timedelta(minutes=rng.randint(3, 10))
                officer = rng.choice(officers)
                e = b.entry(visit, officer, "seizure", t, "Seized: identity documents", premises)
                # Waymark closes a visit only with every property record signed off; the notebook did not.
                signed = status == m.VisitStatus.CLOSED and not (
                    legacy and rng.random() < UNSIGNED_SEIZURE_SHARE
                )
                b.rows["seizure"].append(
                    m.Seizure(
                        entry=e,
                        visit=visit,
                        searched=rng.choice(["Staff room", "Kitchen lockers", "Office"]),
                        search_power="Paragraph 25A, Schedule 2, Immigration Act 1971",
                        item_description=rng.choice(
                            ["Passport", "Identity card", "Payslips", "Mobile phone"]
                        ),
                        exhibit_number=f"{oic.last_name[:3].upper()}/{k + 1}",
                        sealed_bag_number=f"SB{rng.randint(100000, 999999)}",
                        property_signed_off_by=oic if signed else None,
                        property_signed_off_at=(t + timedelta(hours=rng.randint(2, 6)))
                        if signed
                        else None,
                    )
                )
        for kinds, chosen in (
            (("vulnerability", "nrm"), i in nrm_visits),
            (("vulnerability",), i in vuln_visits),
            (("social_services",), i in social),
            (("s55",), i in s55),
        ):
            if not chosen:
                continue
            for kind in kinds:
                t += timedelta(minutes=rng.randint(2, 8))
                e = b.entry(visit, oic, "safeguarding", t, rules.SAFEGUARDING_KINDS[kind], premises)
                b.rows["safeguarding"].append(
                    m.SafeguardingRecord(
                        entry=e,
                        visit=visit,
                        kind=kind,
                        detail={
                            "vulnerability": "Worker sleeping on site; said wages were withheld to repay travel debt.",
                            "nrm": "Indicators of forced labour; referred to the NRM with the person's consent.",
                            "social_services": "Child of a detained worker; social services attended.",
                            "s55": "Children in the flat above; section 55 considered and recorded.",
                        }[kind],
                    )
                )
        licensed = premises.licensed
        sanctions = []
        if offenders and rng.random() < CIVIL_PENALTY_SHARE:
            sanctions.append("civil_penalty_referral")
        if not offenders and achieved[i] and rng.random() < NO_ACTION_NOTICE_SHARE:
            sanctions.append("no_action_notice")
        if offenders and licensed and rng.random() < LICENSING_REVIEW_SHARE:
            sanctions.append("licensing_review")
        if offenders and rng.random() < CLOSURE_NOTICE_SHARE:
            sanctions.append("closure_notice")
        for kind in sanctions:
            t += timedelta(minutes=rng.randint(3, 10))
            e = b.entry(visit, oic, "employer_sanction", t, rules.SANCTION_KINDS[kind], premises)
            b.rows["sanction"].append(
                m.EmployerSanction(
                    entry=e, visit=visit, kind=kind, detail="Served on the manager on site."
                )
            )
        if achieved[i] and rng.random() < ENGAGEMENT_SHARE:
            t += timedelta(minutes=5)
            e = b.entry(
                visit,
                rng.choice(officers),
                "engagement",
                t,
                "Advice on right-to-work checks",
                premises,
            )
            b.rows["engagement"].append(
                m.Engagement(
                    entry=e,
                    visit=visit,
                    leaflets_handed_out=rng.randint(1, 10),
                    advice_given="Right-to-work checks explained to the manager.",
                )
            )
        if i in incidents:
            at = start + timedelta(minutes=rng.randint(20, 60))
            e = b.entry(visit, oic, "critical_incident", at, "Critical incident declared", premises)
            b.rows["incident"].append(
                m.CriticalIncident(
                    entry=e,
                    visit=visit,
                    declared_at=at,
                    reason="A crowd gathered at the exits as the arrested were taken "
                    "to the vehicles.",
                    help_requested="Police assistance",
                    stood_down_at=at + timedelta(minutes=rng.randint(30, 90)),
                )
            )
        if closed_at is not None:
            _debrief(
                b,
                visit,
                oic,
                legacy=legacy,
                n_officers=len(officers),
                people=per_visit[i],
                offenders=offenders,
                power=spec["power"],
                at=min(closed_at, deployed_at + timedelta(hours=rng.randint(3, 30))),
            )
    return dict(summary)


def _plan_rows(b: _Builder, visit: m.Visit, oic: User, created: datetime) -> None:
    """The planning record of a Waymark visit: EPA with risks, PLAN, authorisation, ONF."""
    rng = b.rng
    team_pool = b.pools[visit.team.slug]
    assessed = created + timedelta(hours=rng.randint(2, 30))
    ra = m.RiskAssessment(
        pk=b._id(m.RiskAssessment),
        visit=visit,
        plan_version=1,
        rating=visit.risk_rating,
        rationale="Small premises, no violence markers; exits identified at reconnaissance.",
        assessed_by=oic,
        assessed_at=assessed,
    )
    b.rows["risk_assessment"].append(ra)
    b.rows["risk"].append(
        m.IdentifiedRisk(
            assessment=ra,
            risk="Workers may leave by the rear door into the alley.",
            mitigation="Two officers on rear containment before entry.",
        )
    )
    if visit.risk_rating == "amber" or rng.random() < 0.5:
        b.rows["risk"].append(
            m.IdentifiedRisk(
                assessment=ra,
                risk="Hot oil and knives in the kitchen.",
                mitigation="Entry team briefed; kitchen secured first.",
            )
        )
    b.rows["plan_assessment"].append(
        m.PlanAssessment(
            visit=visit,
            plan_version=1,
            proportionate="Intelligence of several workers; a short visit at opening time.",
            legal="Power of entry identified and recorded.",
            accountable="Decisions recorded in Waymark.",
            necessary="Repeated allegations; compliance advice already given.",
            recorded_by=oic,
            recorded_at=assessed + timedelta(minutes=20),
        )
    )
    decider = (
        team_pool["SEO"][0]
        if visit.risk_rating == "amber"
        else rng.choice(team_pool["HEO"] + team_pool["SEO"])
    )
    b.rows["authorisation"].append(
        m.Authorisation(
            visit=visit,
            plan_version=1,
            rating=visit.risk_rating,
            granted=True,
            reason="Plan proportionate and complete.",
            decided_by=decider,
            decided_grade=decider.grade,
            decided_at=assessed + timedelta(hours=rng.randint(2, 48)),
        )
    )
    force = visit.premises.police_force or b.forces.get("met")
    if force is not None:
        sent = visit.planned_start - timedelta(days=rng.randint(4, 10))
        returned = (
            None
            if rng.random() < ONF_NOT_RETURNED_SHARE
            else sent + timedelta(hours=rng.randint(6, 70))
        )
        b.rows["onf"].append(
            m.NotificationForm(
                visit=visit,
                police_force=force,
                sent_at=sent,
                sent_by=oic,
                response_due_at=rules.onf_response_due(sent),
                returned_at=returned,
                signed_by_name="Sgt A. Patel" if returned else "",
                signed_by_rank="Sergeant" if returned else "",
                warning_markers="None known" if returned else "",
                community_tensions="None reported" if returned else "",
                complete=bool(returned),
                valid_until=rules.onf_valid_until(returned) if returned else None,
            )
        )
        if returned is None:
            b.rows["phone_check"].append(
                m.PoliceIntelligenceCheck(
                    visit=visit,
                    police_force=force,
                    spoke_to="Force intelligence bureau duty officer",
                    called_at=visit.planned_start - timedelta(hours=20),
                    warning_markers="None",
                    community_tensions="None known",
                    recorded_by=oic,
                    recorded_at=visit.planned_start - timedelta(hours=20),
                )
            )


def _debrief(
    b: _Builder,
    visit: m.Visit,
    oic: User,
    *,
    legacy: bool,
    n_officers: int,
    people: int,
    offenders: int,
    power: str,
    at: datetime,
) -> None:
    rng = b.rng
    thin = rng.random() < (LEGACY_THIN_DEBRIEF_SHARE if legacy else WAYMARK_THIN_DEBRIEF_SHARE)
    accuracy = _weighted(rng, ACCURACY_MIX)
    if thin:
        text = dict(THIN_DEBRIEF)
    else:
        values = {
            "n": n_officers,
            "oic": oic.get_full_name(),
            "power": rules.POWERS_OF_ENTRY[power].lower(),
            "people": people,
            "offenders": offenders,
            "accuracy": rules.INTELLIGENCE_ACCURACY[accuracy].lower(),
        }
        text = {k: v.format(**values) for k, v in DEBRIEF_TEXT.items()}
    b.rows["debrief"].append(
        m.Debrief(
            visit=visit, intelligence_accuracy=accuracy, submitted_by=oic, submitted_at=at, **text
        )
    )


def _build_current(b: _Builder) -> None:
    """Visits ahead for the demo users on ICE Central London: planning and authorised."""
    if "ice-central-london" not in b.pools:
        return
    rng = b.rng
    team = b.teams["ice-central-london"]
    pool = b.pools[team.slug]
    oic, hmi, fo = pool["HEO"][0], pool["SEO"][0], pool["EO"][0]
    now = b.anchor
    # (status, rating, days ahead, sector, ready): the "ready" visit has every step done but the
    # field officer's briefing acceptance, so the demo shows deployment refused, then allowed.
    specs = [
        ("planning", "", 9, "restaurants", False),
        ("planning", "green", 6, "nail-bars", False),
        ("planning", "amber", 12, "construction", False),
        ("authorised", "green", 0, "convenience-stores", True),
        ("authorised", "green", 5, "restaurants", False),
    ]
    for status, rating, days, sector, ready in specs:
        premises = b.premises_for(team.slug, sector, False)
        start = (
            (now + timedelta(hours=20)).replace(second=0, microsecond=0)
            if ready
            else b._local(b.today + timedelta(days=days), 7, 0)
        )
        created = now - timedelta(days=rng.randint(2, 6))
        pk = b._id(m.Visit)
        intel = m.IntelligencePackage(
            reference=f"INT-{b.today:%y}{pk:05d}",
            team=team,
            source=rng.choice(list(rules.INTELLIGENCE_SOURCES)),
            received_on=(created - timedelta(days=5)).date(),
            premises=premises,
            summary=f"Allegation that people without the right to work are employed at {premises.business_name}.",
            harm="medium",
            reliability="B",
            priority=2,
            priority_reason="Medium harm, intelligence graded B",
            status=m.IntelligenceStatus.ACTIONED,
            decided_by=oic,
            decided_at=created,
            created_by=oic,
            created_at=created - timedelta(days=4),
        )
        b.rows["intelligence"].append(intel)
        visit = m.Visit(
            pk=pk,
            reference=f"OP-{b.today:%y}{pk:06d}",
            intelligence=intel,
            team=team,
            region=team.name,
            visit_type="illegal_working_arrest",
            planned_start=start,
            premises=premises,
            intended_power="informed_consent",
            community_impact="Busy high street; no known tensions; visit before the school run.",
            risk_rating=rating,
            status=status,
            officer_in_charge=oic,
            created_by=oic,
            created_at=created,
            updated_at=created,
        )
        b.rows["visit"].append(visit)
        if rating:
            ra = m.RiskAssessment(
                pk=b._id(m.RiskAssessment),
                visit=visit,
                plan_version=1,
                rating=rating,
                rationale="Exits identified; no violence markers.",
                assessed_by=oic,
                assessed_at=created + timedelta(hours=3),
            )
            b.rows["risk_assessment"].append(ra)
            b.rows["risk"].append(
                m.IdentifiedRisk(
                    assessment=ra,
                    risk="Workers may leave by the rear door.",
                    mitigation="Rear containment in place before entry.",
                )
            )
        if status == "authorised":
            b.rows["plan_assessment"].append(
                m.PlanAssessment(
                    visit=visit,
                    plan_version=1,
                    proportionate="Short visit at opening time.",
                    legal="Consent, or s179.",
                    accountable="Recorded in Waymark.",
                    necessary="Repeated allegations.",
                    recorded_by=oic,
                    recorded_at=created + timedelta(hours=4),
                )
            )
            b.rows["authorisation"].append(
                m.Authorisation(
                    visit=visit,
                    plan_version=1,
                    rating=rating,
                    granted=True,
                    reason="Plan complete.",
                    decided_by=hmi,
                    decided_grade=hmi.grade,
                    decided_at=created + timedelta(hours=6),
                )
            )
            officers = [oic, fo, *rng.sample(pool["EO"][1:], 5)]
            for officer in officers:
                accepted = not ready or officer is not fo
                b.rows["officer"].append(
                    m.VisitOfficer(
                        visit=visit,
                        officer=officer,
                        role="Officer in charge" if officer is oic else "Arrest team",
                        briefing_accepted_at=now - timedelta(hours=3) if accepted else None,
                        briefing_plan_version=1 if accepted else None,
                    )
                )
            force = premises.police_force or b.forces.get("met")
            if force is not None:
                sent = created - timedelta(days=5) if ready else created
                returned = sent + timedelta(hours=30) if ready else None
                b.rows["onf"].append(
                    m.NotificationForm(
                        visit=visit,
                        police_force=force,
                        sent_at=sent,
                        sent_by=oic,
                        response_due_at=rules.onf_response_due(sent),
                        returned_at=returned,
                        signed_by_name="Sgt A. Patel" if ready else "",
                        signed_by_rank="Sergeant" if ready else "",
                        warning_markers="None known" if ready else "",
                        community_tensions="None reported" if ready else "",
                        complete=ready,
                        valid_until=rules.onf_valid_until(returned) if returned else None,
                    )
                )
            if ready:
                for check_type in ("casework_postcode", "previous_visits", "final_status"):
                    b.rows["check"].append(
                        m.MandatoryCheck(
                            visit=visit,
                            check_type=check_type,
                            result="no_trace",
                            detail="Nothing of note",
                            performed_by=oic,
                            performed_at=now - timedelta(hours=1),
                        )
                    )
                b.rows["recon"].append(
                    m.Reconnaissance(
                        visit=visit,
                        recon_type="virtual",
                        imagery_date=b.today - timedelta(days=90),
                        occupants="Three or four staff seen at the counter and stockroom",
                        entry_exit_points="Front door on the high street; rear door to the service yard",
                        changes_since_last_visit="None known",
                        recorded_by=oic,
                        recorded_at=now - timedelta(days=2),
                    )
                )
                b.rows["order"].append(
                    m.OperationalOrder(
                        visit=visit,
                        plan_version=1,
                        order_format="digital",
                        written_by=oic,
                        written_at=now - timedelta(days=1),
                        sections={
                            key: f"{label}: as briefed."
                            for key, label in rules.DIGITAL_ORDER_SECTIONS.items()
                        },
                    )
                )


def _objectives_ensure() -> int:
    made = 0
    now = clock.now()
    for title, description, measures in OBJECTIVES:
        objective, created = m.Objective.objects.get_or_create(
            title=title, defaults={"description": description, "active": True, "created_at": now}
        )
        made += int(created)
        for key, target, higher, margin in measures:
            m.ObjectiveMeasure.objects.get_or_create(
                objective=objective,
                measure_key=key,
                defaults={"target": target, "higher_is_better": higher, "amber_margin": margin},
            )
    return made
