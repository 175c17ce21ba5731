"""Deterministic demo data: teams, demo users, people with their records, timelines and work.

Everything random comes from one ``random.Random(seed)`` and every time is relative to one
anchor moment, so the same seed, scale and anchor give the same data. Bulk rows are written with
``bulk_create`` in batches inside transactions (seed data is not audited row by row; one
``demo.loaded`` audit entry records the counts). Search keys come from
``waymark.people.search.name_keys`` and deadlines from the work app's rules, exactly as the
services would write them.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.color import no_style
from django.db import connection, transaction

from waymark.accounts.models import Team, User
from waymark.accounts.roles import ROLES
from waymark.accounts.rules import DEMO_PASSWORD, demo_data_refused_reason
from waymark.core import clock, context
from waymark.core.audit import audit_record
from waymark.core.demo_loaders import demo_loaders
from waymark.core.models import AuditAction
from waymark.demo import names
from waymark.people import models as pm
from waymark.people.rules import WAYMARK_REFERENCE_FORMAT
from waymark.people.search import name_keys, normalise_name
from waymark.work.models import Queue, Task, TaskStatus

DEFAULT_SEED = 2026
BATCH = 2000

# 000 §1.10, §1.11, Figure 3; 001 Figure 1.
PEOPLE_AT_X1 = 11_236
EM_BAIL_AT_X1 = 1_732
OWNERSHIP = {
    "criminal-casework-croydon": 9_415,
    "criminal-casework-liverpool": 2_787,
    "criminal-casework-leeds": 1_218,
}
OWNERSHIP_UNCLEAR_SHARE = 0.03
FEMALE_SHARE = 0.02
ALIAS_SHARE = 0.15
EXTRA_DOB_SHARE = 0.03
NOT_YET_ASSESSED_SHARE = 0.40
# 000 §5.79: bail with an EM condition was granted by judges 901 times, by the SoS 157 times.
EM_BAIL_BY_JUDGE_SHARE = 901 / (901 + 157)
# Of bail grants overall: judges 1,124, Secretary of State 231.
BAIL_BY_JUDGE_SHARE = 1_124 / (1_124 + 231)


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    unit: str
    nation: str = "england-and-wales"


ICE_TEAMS = [
    ("scotland", "Scotland", "scotland"),
    ("northern-ireland", "Northern Ireland", "northern-ireland"),
    ("north-west", "North West", ""),
    ("wales-and-west-of-england", "Wales and West of England", ""),
    ("east-midlands", "East Midlands", ""),
    ("north-east-yorkshire-and-humber", "North East, Yorkshire and Humber", ""),
    ("west-midlands", "West Midlands", ""),
    ("south-central", "South Central", ""),
    ("east-of-england", "East of England", ""),
    ("south-london", "South London", ""),
    ("south-east", "South East", ""),
    ("west-london", "West London", ""),
    ("central-london", "Central London", ""),
    ("north-east-london", "North East London", ""),
    ("rapid-response-team", "Rapid Response Team", ""),
]

TEAMS: list[TeamSpec] = [
    TeamSpec("criminal-casework-croydon", "Criminal casework Croydon", "Criminal casework"),
    TeamSpec("criminal-casework-liverpool", "Criminal casework Liverpool", "Criminal casework"),
    TeamSpec("criminal-casework-leeds", "Criminal casework Leeds", "Criminal casework"),
    TeamSpec("em-hub", "Electronic monitoring hub", "Electronic monitoring"),
    TeamSpec(
        "reporting-centre-croydon", "Reporting centre Croydon", "Reporting and offender management"
    ),
    TeamSpec(
        "reporting-centre-liverpool",
        "Reporting centre Liverpool",
        "Reporting and offender management",
    ),
    *[
        TeamSpec(
            f"ice-{slug}",
            f"ICE {name}",
            "Immigration Compliance and Enforcement",
            nation or "england-and-wales",
        )
        for slug, name, nation in ICE_TEAMS
    ],
    TeamSpec(
        "competent-authority", "Competent authority (modern slavery)", "Single competent authority"
    ),
    TeamSpec("removals", "Removals and detention gatekeeping", "Returns"),
    TeamSpec("assurance", "Assurance", "Performance and assurance"),
    TeamSpec("management-information", "Management information", "Performance and assurance"),
    TeamSpec("information-rights", "Information rights", "Data protection"),
    TeamSpec("records", "Records and linkage", "Records"),
    TeamSpec("digital", "Digital and systems", "Digital"),
]

CASEWORK_TEAMS = list(OWNERSHIP)
REPORTING_CENTRE_FOR = {
    "criminal-casework-croydon": "reporting-centre-croydon",
    "criminal-casework-liverpool": "reporting-centre-liverpool",
    "criminal-casework-leeds": "reporting-centre-liverpool",
}
EXTRA_CASEWORKERS = {
    "criminal-casework-croydon": 8,
    "criminal-casework-liverpool": 4,
    "criminal-casework-leeds": 3,
    "em-hub": 5,
    "competent-authority": 3,
    "records": 2,
    "reporting-centre-croydon": 2,
}


@dataclass(frozen=True)
class DemoTaskType:
    """A kind of work the demo fills queues with. ``rule`` is a deadline rule name in
    ``waymark.work.rules``; ``fallback`` ("hours", n) or ("working_days", n) is used only when
    that rule is not registered."""

    key: str
    label: str
    queue: str  # suffix: the queue slug is "<team slug>-<queue>" unless ``queue_slug`` is set
    rule: str  # "" for no deadline
    fallback: tuple[str, int]
    weight: int = 1
    queue_slug: str = ""
    priority: tuple[int, str] | None = None


TASK_TYPES_BY_TEAM: dict[str, list[DemoTaskType]] = {
    "casework": [
        DemoTaskType(
            "casework.case_review", "Case review", "casework", "case_review", ("hours", 24 * 91), 3
        ),
        DemoTaskType(
            "casework.reporting_missed",
            "Missed reporting event",
            "casework",
            "general_enquiry",
            ("working_days", 5),
            3,
        ),
        DemoTaskType(
            "casework.further_submissions",
            "Further submissions decision",
            "casework",
            "further_submissions",
            ("working_days", 5),
            1,
        ),
        DemoTaskType(
            "casework.referral_intake",
            "New referral",
            "intake",
            "referral_intake",
            ("hours", 24 * 28),
            2,
        ),
        DemoTaskType(
            "casework.case_preparation",
            "Prepare case for removal",
            "casework",
            "case_preparation",
            ("hours", 24 * 56),
            1,
        ),
    ],
    "em-hub": [
        DemoTaskType(
            "monitoring.fitting_ij",
            "Arrange tag fitting (judge's bail)",
            "fitting",
            "ij_bail_fitting",
            ("hours", 72),
            3,
        ),
        DemoTaskType(
            "monitoring.breach",
            "Breach notification",
            "breaches",
            "general_enquiry",
            ("working_days", 5),
            4,
        ),
        DemoTaskType(
            "monitoring.representations",
            "Representations against EM",
            "reviews",
            "em_representations",
            ("hours", 72),
            1,
        ),
        DemoTaskType(
            "monitoring.em_review",
            "Three-monthly EM review",
            "reviews",
            "em_review",
            ("hours", 24 * 91),
            2,
        ),
    ],
    "reporting": [
        DemoTaskType(
            "reporting.interview",
            "Commissioned interview",
            "interviews",
            "general_enquiry",
            ("working_days", 5),
            1,
        ),
    ],
    "competent-authority": [
        DemoTaskType(
            "nrm.decision",
            "Reasonable grounds decision",
            "decisions",
            "general_enquiry",
            ("working_days", 5),
            2,
        ),
        DemoTaskType(
            "nrm.second_check",
            "Second-pair-of-eyes check",
            "checks",
            "general_enquiry",
            ("working_days", 5),
            1,
        ),
    ],
    "removals": [
        DemoTaskType(
            "removals.directions",
            "Set removal directions",
            "directions",
            "general_enquiry",
            ("working_days", 5),
            1,
        ),
    ],
    "records": [
        # The work app's own type (work.registry.OWNERSHIP_TO_DECIDE): no deadline, priority 50.
        DemoTaskType(
            "person.ownership_to_decide",
            "Decide who owns this person's case",
            "ownership",
            "",
            ("hours", 0),
            1,
            queue_slug="ownership-to-decide",
            priority=(
                50,
                "A person with no clear owner is a data-quality failure (001 §3.11, §6.10)",
            ),
        ),
    ],
    # No "ice" group: enforcement visits' closure tasks come from the operations module's own demo
    # (each deployed visit with its task, as the live path gives it). Free-standing "Close visit"
    # tasks with no visit behind them made the queues show hundreds of overdue closure tasks
    # against a handful of visits overdue for closure (issue 20 item 3: one definition per figure).
}

QUEUE_NAMES = {
    "casework": "Casework",
    "intake": "New referrals",
    "fitting": "Tag fitting",
    "breaches": "Breaches",
    "reviews": "Reviews and challenges",
    "interviews": "Interviews",
    "decisions": "Decisions",
    "checks": "Second-pair-of-eyes checks",
    "directions": "Removal directions",
    "ownership": "Ownership to resolve",
}

# Task states and their shares (every state appears).
TASK_STATES = [
    ("open_unassigned", 34),
    ("open_assigned", 10),
    ("in_progress", 12),
    ("waiting", 7),
    ("done", 31),
    ("cancelled", 6),
]

TOWNS = {
    "criminal-casework-croydon": [
        ("Croydon", "CR0"),
        ("Lewisham", "SE13"),
        ("Brixton", "SW2"),
        ("Hounslow", "TW3"),
        ("Ilford", "IG1"),
        ("Luton", "LU1"),
        ("Southampton", "SO14"),
        ("Reading", "RG1"),
        ("Slough", "SL1"),
    ],
    "criminal-casework-liverpool": [
        ("Liverpool", "L8"),
        ("Manchester", "M14"),
        ("Birmingham", "B10"),
        ("Bolton", "BL1"),
        ("Stoke-on-Trent", "ST1"),
        ("Cardiff", "CF10"),
        ("Glasgow", "G42"),
        ("Belfast", "BT9"),
    ],
    "criminal-casework-leeds": [
        ("Leeds", "LS8"),
        ("Bradford", "BD3"),
        ("Sheffield", "S2"),
        ("Newcastle upon Tyne", "NE4"),
        ("Hull", "HU3"),
        ("Middlesbrough", "TS1"),
    ],
}
STREETS = [
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Park Avenue",
    "Green Lane",
    "Manor Road",
    "Queen's Road",
    "London Road",
    "Mill Lane",
    "King Street",
    "Albert Road",
]
REPORTING_CENTRE_ADDRESS = {
    "reporting-centre-croydon": ("Lunar House", "40 Wellesley Road", "Croydon", "CR9 2BY"),
    "reporting-centre-liverpool": ("Capital Building", "Old Hall Street", "Liverpool", "L3 9PP"),
}
OFFENCES = [
    ("Possession with intent to supply a controlled drug of class A", 1400, True),
    ("Conspiracy to supply a controlled drug of class A", 2200, True),
    ("Being concerned in the production of cannabis", 730, True),
    ("Robbery", 1460, True),
    ("Burglary of a dwelling", 1095, True),
    ("Wounding with intent to cause grievous bodily harm", 2555, True),
    ("Assault occasioning actual bodily harm", 365, True),
    ("Theft", 120, False),
    ("Fraud by false representation", 548, True),
    ("Possession of a false identity document", 365, True),
    ("Dangerous driving", 270, True),
    ("Possession of an offensive weapon", 180, True),
    ("Sexual assault", 1825, True),
    ("Human trafficking offences", 2920, True),
    ("Money laundering", 1095, True),
    ("Handling stolen goods", 240, False),
]
COURTS = [
    "Inner London Crown Court",
    "Croydon Crown Court",
    "Liverpool Crown Court",
    "Leeds Crown Court",
    "Manchester Crown Court (Minshull Street)",
    "Southwark Crown Court",
    "Birmingham Crown Court",
    "Isleworth Crown Court",
    "Snaresbrook Crown Court",
]
IMMIGRATION_STATUSES = [
    "Deportation order signed",
    "Liable to deportation",
    "Appeal pending",
    "Further submissions outstanding",
    "Appeal rights exhausted",
]
NOTE_TEXTS = [
    "Spoke to legal representative about outstanding further submissions.",
    "Reporting conditions explained again through an interpreter.",
    "Travel document application sent to the embassy.",
    "Address checked with the police: occupant confirmed.",
    "Medical letter received; vulnerability screening requested.",
]


@dataclass
class LoadResult:
    counts: dict[str, int] = field(default_factory=dict)
    users: list[dict[str, str]] = field(default_factory=list)


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _default_anchor() -> datetime:
    return clock.now().replace(second=0, microsecond=0)


# ------------------------------------------------------------------------------------------
# Teams, roles, users, queues


def roles_ensure() -> None:
    """Keep role groups in step with ``accounts.roles`` (the accounts service if present)."""
    if importlib.util.find_spec("waymark.accounts.services") is not None:
        services = importlib.import_module("waymark.accounts.services")
        if hasattr(services, "roles_sync"):
            services.roles_sync()
            return
    for role in ROLES.values():  # pragma: no cover - only until accounts.services exists
        group, _ = Group.objects.get_or_create(name=role.key)
        perms = []
        for codename in role.permissions:
            app_label, _, code = codename.partition(".")
            perms += list(
                Permission.objects.filter(content_type__app_label=app_label, codename=code)
            )
        group.permissions.set(perms)


def role_group(role_key: str) -> Group:
    """The group that holds a role's permissions (named by the key or by the role's name)."""
    role = ROLES[role_key]
    group = Group.objects.filter(name__in=[role.key, role.name]).first()
    if group is None:
        group = Group.objects.create(name=role.key)
    return group


def teams_ensure() -> dict[str, Team]:
    teams = {}
    for spec in TEAMS:
        team, _ = Team.objects.get_or_create(
            slug=spec.slug, defaults={"name": spec.name, "unit": spec.unit, "nation": spec.nation}
        )
        teams[spec.slug] = team
    for role in ROLES.values():  # any team a role names must exist, even one added by a module
        if role.demo_team and role.demo_team not in teams:
            teams[role.demo_team], _ = Team.objects.get_or_create(
                slug=role.demo_team,
                defaults={"name": role.demo_team.replace("-", " ").capitalize()},
            )
    return teams


def _user_ensure(
    *, username, first, last, grade, team, group, password_hash, machine=False, title=""
):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "grade": grade,
            "is_machine": machine,
            "job_title": title,
            "password": password_hash if not machine else make_password(None),
            "email": f"{username}@waymark.example",
        },
    )
    if group is not None:
        user.groups.add(group)
    if team is not None:
        user.teams.add(team)
    return user, created


def demo_users_table() -> list[dict[str, str]]:
    """The demo users already in the database, as ``users_ensure`` prints them (for --if-empty)."""
    rows = []
    for role in ROLES.values():
        user = (
            User.objects.filter(username=role.key.replace("_", "-"))
            .prefetch_related("teams")
            .first()
        )
        if user is None:
            continue
        team = user.teams.first()
        rows.append(
            {
                "username": user.username,
                "role": role.name,
                "grade": str(user.grade),
                "team": team.name if team else "-",
                "password": "(machine client: API credential)"
                if user.is_machine
                else DEMO_PASSWORD,
            }
        )
    return rows


# The supplier is a machine client; a police partner is an external person who signs in to answer
# operational notification forms on the partner page (brief README, "Who uses it").
MACHINE_ROLE_KEYS = frozenset({"supplier"})


def users_ensure(
    teams: dict[str, Team],
) -> tuple[dict[str, User], dict[str, list[User]], list[dict]]:
    """One demo user per role, extra caseworkers per team. Returns (by role, by team, table)."""
    password_hash = make_password(DEMO_PASSWORD)
    by_role: dict[str, User] = {}
    table = []
    for role in ROLES.values():
        machine = role.key in MACHINE_ROLE_KEYS
        username = role.key.replace("_", "-")
        team = teams.get(role.demo_team) if role.demo_team else None
        user, _ = _user_ensure(
            username=username,
            first="Demo",
            last=role.name.split(" (")[0],
            grade=role.demo_grade,
            team=team,
            group=role_group(role.key),
            password_hash=password_hash,
            machine=machine,
            title=role.name,
        )
        by_role[role.key] = user
        table.append(
            {
                "username": username,
                "role": role.name,
                "grade": str(role.demo_grade),
                "team": team.name if team else "-",
                "password": "(machine client: API credential)" if machine else DEMO_PASSWORD,
            }
        )
    by_team: dict[str, list[User]] = {slug: [] for slug in teams}
    for user in User.objects.filter(is_machine=False).prefetch_related("teams"):
        for team in user.teams.all():
            by_team.setdefault(team.slug, []).append(user)
    rng = random.Random(7)
    for slug, count in EXTRA_CASEWORKERS.items():
        role_key = {
            "em-hub": "em_caseworker",
            "competent-authority": "nrm_decision_maker",
            "records": "records_manager",
            "reporting-centre-croydon": "reporting_centre",
        }.get(slug, "case_owner")
        short = slug.replace("criminal-casework-", "").replace("reporting-centre-", "rc-")
        for n in range(1, count + 1):
            pool = names.NAMES[
                rng.choice(["anglo", "south_asian", "caribbean", "polish", "west_african"])
            ]
            user, created = _user_ensure(
                username=f"caseworker-{short}-{n}",
                first=rng.choice(pool[0] + pool[1]),
                last=rng.choice(pool[2]),
                grade=ROLES[role_key].demo_grade,
                team=teams[slug],
                group=role_group(role_key),
                password_hash=password_hash,
                title=ROLES[role_key].name,
            )
            if created or user not in by_team[slug]:
                by_team[slug].append(user)
    for slug in by_team:
        by_team[slug].sort(key=lambda u: u.username)
    return by_role, by_team, table


def _task_groups_for(team: Team) -> list[str]:
    if team.slug in CASEWORK_TEAMS:
        return ["casework"]
    if team.slug.startswith("reporting-centre-"):
        return ["reporting"]
    return [team.slug] if team.slug in TASK_TYPES_BY_TEAM else []


# Queues the platform's own task types name (work.registry, correspondence.rules) and their teams.
PLATFORM_QUEUES = [
    ("correspondence", "Correspondence replies", "criminal-casework-croydon"),
    ("correspondence-match-needed", "Correspondence to match to a person", "records"),
    ("ownership-to-decide", "Ownership to decide", "records"),
]


def _registered_queue_slugs() -> list[str]:
    if importlib.util.find_spec("waymark.work.registry") is None:
        return []
    registry = importlib.import_module("waymark.work.registry")
    return [t.queue_slug for t in registry.task_types() if t.queue_slug]


def queues_ensure(teams: dict[str, Team]) -> dict[str, Queue]:
    queues = {}
    platform = {slug: (name, team) for slug, name, team in PLATFORM_QUEUES}
    for slug in _registered_queue_slugs():  # a module's default queue with no team named here
        platform.setdefault(slug, (slug.replace("-", " ").capitalize(), "records"))
    for slug, (name, team_slug) in platform.items():
        queues[slug], _ = Queue.objects.get_or_create(
            slug=slug, defaults={"name": name, "team": teams[team_slug]}
        )
    for team in teams.values():
        for group in _task_groups_for(team):
            for kind in dict.fromkeys(
                t.queue for t in TASK_TYPES_BY_TEAM[group] if not t.queue_slug
            ):
                slug = f"{team.slug}-{kind}"
                queues[slug], _ = Queue.objects.get_or_create(
                    slug=slug,
                    defaults={
                        "name": f"{team.name}: {QUEUE_NAMES[kind]}",
                        "team": team,
                        "description": f"Demo queue for {QUEUE_NAMES[kind].lower()}",
                    },
                )
    return queues


# ------------------------------------------------------------------------------------------
# Deadlines


def _deadline_compute() -> Callable[..., tuple[datetime, dict]] | None:
    if importlib.util.find_spec("waymark.work.rules") is None:
        return None
    return getattr(importlib.import_module("waymark.work.rules"), "deadline_compute", None)


class Deadlines:
    """Due dates through ``work.rules.deadline_compute`` (as ``task_create`` would), falling back
    to the demo task type's own figure when the work app does not know the rule."""

    def __init__(self) -> None:
        self.compute = _deadline_compute()
        self.unknown: set[str] = set()

    def __call__(
        self, task_type: DemoTaskType, start: datetime, nation: str
    ) -> tuple[datetime | None, str, dict]:
        if not task_type.rule:
            return None, "", {}
        if self.compute is not None and task_type.rule not in self.unknown:
            try:
                due, inputs = self.compute(task_type.rule, start, nation)
                return due, task_type.rule, _jsonable(inputs)
            except KeyError:  # a rule the module that owns it has not registered yet
                self.unknown.add(task_type.rule)
        # The same computation and stored inputs as ``deadline_compute`` with the module's figure.
        kind, amount = task_type.fallback
        rules_module = importlib.import_module("waymark.work.rules")
        rule = (
            rules_module.CalendarHours(amount)
            if kind == "hours"
            else rules_module.WorkingDays(amount)
        )
        due, details = rule.compute(start, nation)
        inputs = {
            "rule": task_type.rule,
            "kind": rule.kind,
            "start": start.isoformat(),
            "nation": nation,
            **details,
        }
        return due, task_type.rule, _jsonable(inputs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


# ------------------------------------------------------------------------------------------
# People


def _bijection(n: int, multiplier: int, offset: int, modulus: int) -> int:
    """A different number for every n < modulus (multiplier is coprime with modulus)."""
    return (n * multiplier + offset) % modulus


def _external_references(pk: int, rng: random.Random, dob: date) -> list[tuple[str, str]]:
    refs = [
        ("home_office", f"B{_bijection(pk, 7919, 1_234_567, 10**7):07d}"),
        ("legacy_casework", f"CID{_bijection(pk, 104_729, 31_415_926, 10**8):08d}"),
    ]
    if rng.random() < 0.85:
        number = _bijection(pk, 15_485_863, 2_718_281, 10**7)
        year = (dob.year + 18 + number % 15) % 100
        refs.append(("pnc", f"{year:02d}/{number:07d}{'ABCDEFGHJKLMNPQRTUVWXYZ'[number % 23]}"))
    if rng.random() < 0.75:
        value = _bijection(pk, 48_271, 17, 6_760_000)
        letters = value // 10_000
        refs.append(
            ("prison", f"A{value % 10_000:04d}{chr(65 + letters // 26)}{chr(65 + letters % 26)}")
        )
    return refs


def _weighted(rng: random.Random, pairs: list[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _pick_name(rng: random.Random, pool: str, female: bool) -> tuple[str, str]:
    male_given, female_given, family = names.NAMES[pool]
    given = rng.choice(female_given if female else male_given)
    if rng.random() < 0.25:
        second = rng.choice(female_given if female else male_given)
        if second != given:
            given = f"{given} {second}"
    return given, rng.choice(family)


def _alias_of(
    rng: random.Random, pool: str, given: str, family: str, female: bool
) -> tuple[str, str]:
    """An alias: a spelling variant, swapped order, or another name altogether."""
    roll = rng.random()
    if roll < 0.35 and len(family) > 4:
        i = rng.randrange(1, len(family) - 1)
        return given, family[:i] + family[i + 1] + family[i] + family[i + 2 :]  # transposed letters
    if roll < 0.55:
        return family, given.split(" ")[0]
    if roll < 0.75:
        return _pick_name(rng, pool, female)[0], family
    return _pick_name(rng, pool, female)


class PersonFactory:
    """Builds one batch of people and every row that hangs off them, in memory."""

    def __init__(self, *, rng, anchor, teams, staff, em_share, nationalities):
        self.rng = rng
        self.anchor = anchor
        self.teams = teams
        self.staff = staff
        self.em_share = em_share
        self.nationalities = nationalities
        total = sum(OWNERSHIP.values())
        self.ownership = [(slug, n / total) for slug, n in OWNERSHIP.items()]
        self.rows: dict[str, list] = {}
        self.events_per_person: list[int] = []

    def _add(self, kind: str, row) -> None:
        self.rows.setdefault(kind, []).append(row)

    def _at(self, day: date, hour: int | None = None) -> datetime:
        hour = self.rng.randint(8, 17) if hour is None else hour
        local = datetime.combine(day, time(hour, self.rng.randrange(0, 60)), tzinfo=clock.LONDON)
        return local.astimezone(self.anchor.tzinfo)

    def build(self, pk: int) -> None:
        rng, anchor = self.rng, self.anchor
        today = anchor.astimezone(clock.LONDON).date()
        nationality = _weighted(rng, self.nationalities)
        pool = names.POOL_OF[nationality]
        female = rng.random() < FEMALE_SHARE
        given, family = _pick_name(rng, pool, female)
        age_days = int(365.25 * min(70, max(19, rng.gauss(34, 9))))
        dob = today - timedelta(days=age_days + rng.randrange(0, 365))
        created_day = today - timedelta(days=rng.randint(30, 1500))
        created_at = self._at(created_day)
        release = created_day + timedelta(days=rng.randint(0, 400))
        release = min(release, today - timedelta(days=rng.randint(7, 60)))

        unclear = rng.random() < OWNERSHIP_UNCLEAR_SHARE
        team_slug = _weighted(rng, self.ownership)
        team = None if unclear else self.teams[team_slug]
        owners = self.staff.get(team_slug, [])
        owner = rng.choice(owners) if team is not None and owners and rng.random() < 0.7 else None
        harm = _weighted(
            rng, [("not_assessed", 10), ("low", 30), ("medium", 35), ("high", 20), ("very_high", 5)]
        )
        mappa = rng.random() < 0.12
        assessed = rng.random()
        vulnerability = (
            "not_yet_assessed"
            if assessed < NOT_YET_ASSESSED_SHARE
            else "vulnerable"
            if assessed < NOT_YET_ASSESSED_SHARE + 0.14
            else "none_identified"
        )
        nfa = rng.random() < 0.08
        decision = created_day + timedelta(days=rng.randint(10, 200))
        person = pm.Person(
            pk=pk,
            reference=WAYMARK_REFERENCE_FORMAT % pk,
            given_names=given,
            family_name=family,
            date_of_birth=dob,
            sex="female" if female else "male",
            main_language={
                "albanian": "Albanian",
                "polish": "Polish",
                "vietnamese": "Vietnamese",
                "somali": "Somali",
                "arabic": "Arabic",
                "lusophone": "Portuguese",
            }.get(pool, "English"),
            no_fixed_abode=nfa,
            release_date=release,
            mappa_category=rng.choice([1, 2, 3]) if mappa else None,
            mappa_level=rng.choice([1, 1, 2, 3]) if mappa else None,
            harm_level=harm,
            vulnerability_assessment=vulnerability,
            immigration_status=rng.choice(IMMIGRATION_STATUSES),
            deportation_decision_date=min(decision, today),
            deportation_order_date=min(decision + timedelta(days=60), today)
            if rng.random() < 0.6
            else None,
            ownership_state="unclear" if unclear else "owned",
            owning_team=team,
            case_owner=owner,
            search_name=normalise_name(f"{given} {family}"),
            created_at=created_at,
            updated_at=created_at,
        )
        person.interpreter_needed = person.main_language != "English" and rng.random() < 0.6
        if rng.random() < 0.3:
            person.legal_rep_firm = f"{rng.choice(names.NAMES['anglo'][2])} & Co Solicitors"
        self._add("person", person)

        self._add(
            "name",
            pm.PersonName(
                person_id=pk,
                name_type="primary",
                given_names=given,
                family_name=family,
                source="Prison referral",
                recorded_at=created_at,
                **name_keys(given_names=given, family_name=family),
            ),
        )
        if rng.random() < ALIAS_SHARE:
            for _ in range(rng.choice([1, 1, 1, 2])):
                a_given, a_family = _alias_of(rng, pool, given, family, female)
                self._add(
                    "name",
                    pm.PersonName(
                        person_id=pk,
                        name_type="alias",
                        given_names=a_given,
                        family_name=a_family,
                        source=rng.choice(
                            ["Police National Computer", "Prison record", "Asylum claim"]
                        ),
                        recorded_at=created_at,
                        **name_keys(given_names=a_given, family_name=a_family),
                    ),
                )
        self._add(
            "dob",
            pm.PersonDateOfBirth(
                person_id=pk,
                date_of_birth=dob,
                source="Prison record",
                is_verified=rng.random() < 0.5,
            ),
        )
        if rng.random() < EXTRA_DOB_SHARE:
            for shift in rng.sample([1, 31, 365, 366 * 2, -365], k=rng.choice([1, 2])):
                self._add(
                    "dob",
                    pm.PersonDateOfBirth(
                        person_id=pk,
                        date_of_birth=dob + timedelta(days=shift),
                        source="Claimed at asylum screening",
                    ),
                )
        self._add(
            "nationality",
            pm.PersonNationality(person_id=pk, country=nationality, source="Passport"),
        )
        if rng.random() < 0.04:
            second = _weighted(rng, self.nationalities)
            if second != nationality:
                self._add(
                    "nationality",
                    pm.PersonNationality(person_id=pk, country=second, source="Claimed"),
                )
        for ref_type, value in _external_references(pk, rng, dob):
            self._add(
                "reference",
                pm.ExternalReference(
                    person_id=pk,
                    reference_type=ref_type,
                    value=value,
                    value_normalised="".join(value.split()).upper(),
                    source="Demo data",
                    recorded_at=created_at,
                ),
            )

        centre_slug = REPORTING_CENTRE_FOR.get(team_slug, "reporting-centre-croydon")
        if nfa:
            line_1, line_2, town, postcode = REPORTING_CENTRE_ADDRESS[centre_slug]
            self._add(
                "address",
                pm.Address(
                    person_id=pk,
                    address_type="reporting_centre",
                    line_1=line_1,
                    line_2=line_2,
                    town=town,
                    postcode=postcode,
                    valid_from=release,
                ),
            )
        else:
            town, area = rng.choice(TOWNS[team_slug])
            letters = "ABDEFGHJLNPQRSTUWXYZ"
            postcode = f"{area} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
            self._add(
                "address",
                pm.Address(
                    person_id=pk,
                    address_type=rng.choice(["home", "bail", "bail"]),
                    line_1=f"{rng.randint(1, 220)} {rng.choice(STREETS)}",
                    town=town,
                    postcode=postcode,
                    valid_from=release,
                ),
            )
        if rng.random() < 0.6:
            self._add(
                "phone",
                pm.PhoneNumber(
                    person_id=pk,
                    number=f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
                    valid_from=release,
                ),
            )

        events: list[tuple[datetime, str, str, str, dict]] = [
            (
                created_at,
                "people",
                "person.created",
                f"Record created: {given} {family.upper()}",
                {},
            ),
        ]
        for k in range(rng.choice([1, 1, 1, 2, 2, 3])):
            offence, days, custodial = rng.choice(OFFENCES)
            convicted = created_day - timedelta(days=rng.randint(30, 900) + k * 400)
            length = int(days * rng.uniform(0.5, 1.5))
            self._add(
                "conviction",
                pm.Conviction(
                    person_id=pk,
                    offence=offence,
                    court=rng.choice(COURTS),
                    conviction_date=convicted,
                    sentence_type="Imprisonment" if custodial else "Community order",
                    sentence_length_days=length if custodial else None,
                    custodial=custodial,
                    source="Police National Computer",
                ),
            )
            if k == 0:
                events.append(
                    (
                        self._at(convicted),
                        "people",
                        "conviction.recorded",
                        f"Convicted: {offence}",
                        {"court": "Crown Court"},
                    )
                )
        events.append((self._at(release), "people", "custody.released", "Released from prison", {}))

        if vulnerability == "vulnerable":
            for kind in rng.sample(
                ["medical", "mental_health", "modern_slavery", "trauma", "disability"],
                k=rng.choice([1, 1, 2]),
            ):
                self._add(
                    "vulnerability",
                    pm.Vulnerability(
                        person_id=pk,
                        vulnerability_type=kind,
                        source="Vulnerability screening",
                        identified_on=release,
                        status=rng.choice(["suspected", "confirmed"]),
                        recorded_at=self._at(release),
                    ),
                )
        if rng.random() < 0.3:
            self._add(
                "protected",
                pm.ProtectedCharacteristics(
                    person_id=pk,
                    ethnicity=rng.choice(
                        [
                            "White: other",
                            "Black: Caribbean",
                            "Black: African",
                            "Asian: Pakistani",
                            "Asian: other",
                            "Other",
                            "",
                        ]
                    ),
                    religion=rng.choice(
                        ["Muslim", "Christian", "No religion", "Buddhist", "Prefer not to say"]
                    ),
                    disability=rng.choice(["No", "No", "Yes", "Prefer not to say"]),
                    recorded_at=created_at,
                ),
            )
        if rng.random() < 0.035:
            self._add(
                "flag",
                pm.Flag(
                    person_id=pk,
                    flag_type="nexus_high_harm",
                    detail="Nexus high harm referral",
                    caveat="Police intelligence: do not disclose to the person or their representative",
                    set_at=created_at,
                ),
            )
        if rng.random() < 0.02:
            self._add(
                "flag",
                pm.Flag(
                    person_id=pk,
                    flag_type="warning_marker",
                    detail="Violent towards staff",
                    set_at=created_at,
                ),
            )

        on_bail = rng.random() < 0.72
        em = on_bail and rng.random() < self.em_share
        if on_bail:
            by_judge = rng.random() < (EM_BAIL_BY_JUDGE_SHARE if em else BAIL_BY_JUDGE_SHARE)
            granted = self._at(release)
            conditions = "Report weekly; live at the bail address"
            if em:
                conditions += "; electronic monitoring condition (GPS tag)"
            self._add(
                "bail",
                pm.BailGrant(
                    person_id=pk,
                    granted_by="immigration_judge" if by_judge else "secretary_of_state",
                    granted_at=granted,
                    conditions=conditions,
                ),
            )
            events.append(
                (
                    granted,
                    "people",
                    "bail.granted",
                    "Bail granted by "
                    + ("an immigration judge" if by_judge else "the Secretary of State")
                    + (" with an electronic monitoring condition" if em else ""),
                    {"em": em},
                )
            )
        self.em_people_count = getattr(self, "em_people_count", 0) + int(em)
        if team is not None:
            self._add(
                "ownership",
                pm.OwnershipChange(
                    person_id=pk,
                    changed_at=created_at,
                    from_state="unclear",
                    to_state="owned",
                    to_team=team,
                    to_owner=owner,
                    reason="Record created",
                ),
            )
        for _ in range(rng.choice([2, 3, 4, 5, 6, 7])):  # weekly reporting, partly recorded
            day = today - timedelta(days=rng.randint(1, 120))
            # Drawn for everyone, so a seed gives the same data as before.
            attended, at = rng.random() < 0.9, self._at(day)
            if team_slug in REPORTING_CENTRE_FOR:
                continue  # criminal casework's demo writes their reporting, from its events
            if attended:
                events.append(
                    (
                        at,
                        "reporting",
                        "reporting.attended",
                        f"Reported at {self.teams[centre_slug].name}",
                        {},
                    )
                )
            else:
                events.append((at, "reporting", "reporting.missed", "Failed to report", {}))
        if rng.random() < 0.15 and owner is not None:
            day = today - timedelta(days=rng.randint(1, 90))
            text = rng.choice(NOTE_TEXTS)
            at = self._at(day)
            self._add("note", pm.Note(person_id=pk, text=text, author=owner, created_at=at))
            events.append((at, "people", "note.added", f"Note: {text[:80]}", {}))
        for occurred, module, event_type, summary, detail in events:
            self._add(
                "event",
                pm.TimelineEvent(
                    person_id=pk,
                    occurred_at=occurred,
                    recorded_at=max(occurred, created_at),
                    module=module,
                    event_type=event_type,
                    summary=summary,
                    detail=detail,
                ),
            )
        self._add("meta", (pk, team_slug if team else None, owner, em, created_at, nfa))


BULK_ORDER = [
    ("person", pm.Person),
    ("name", pm.PersonName),
    ("dob", pm.PersonDateOfBirth),
    ("nationality", pm.PersonNationality),
    ("reference", pm.ExternalReference),
    ("address", pm.Address),
    ("phone", pm.PhoneNumber),
    ("conviction", pm.Conviction),
    ("vulnerability", pm.Vulnerability),
    ("protected", pm.ProtectedCharacteristics),
    ("flag", pm.Flag),
    ("bail", pm.BailGrant),
    ("ownership", pm.OwnershipChange),
    ("note", pm.Note),
    ("event", pm.TimelineEvent),
]


def _reset_sequences(*models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# ------------------------------------------------------------------------------------------
# Tasks


class TaskFactory:
    def __init__(self, *, rng, anchor, teams, queues, staff, deadlines):
        self.rng, self.anchor, self.teams, self.queues = rng, anchor, teams, queues
        self.staff, self.deadlines = staff, deadlines
        self.tasks: list[Task] = []
        self.states = [(s, w) for s, w in TASK_STATES]

    def _choose_type(self, group: str) -> DemoTaskType:
        types = TASK_TYPES_BY_TEAM[group]
        return self.rng.choices(types, weights=[t.weight for t in types])[0]

    def build(self, *, team_slug: str, group: str, person_id: int | None, person_name: str) -> None:
        rng, anchor = self.rng, self.anchor
        team = self.teams[team_slug]
        task_type = self._choose_type(group)
        queue = self.queues[task_type.queue_slug or f"{team_slug}-{task_type.queue}"]
        state = _weighted(rng, self.states)
        active = state not in {"done", "cancelled"}
        # Active work is recent (so some is overdue, some at risk, most in time); closed work older.
        age = timedelta(hours=rng.randint(1, 24 * (21 if active else 150)))
        created_at = anchor - age
        due_at, rule, inputs = self.deadlines(task_type, created_at, team.nation)
        staff = self.staff.get(team_slug) or []
        assignee = rng.choice(staff) if staff and state != "open_unassigned" else None
        status = {
            "open_unassigned": TaskStatus.OPEN,
            "open_assigned": TaskStatus.OPEN,
            "in_progress": TaskStatus.IN_PROGRESS,
            "waiting": TaskStatus.WAITING,
            "done": TaskStatus.DONE,
            "cancelled": TaskStatus.CANCELLED,
        }[state]
        if status == TaskStatus.IN_PROGRESS and assignee is None:
            status = TaskStatus.OPEN
        allocated = (
            created_at + (anchor - created_at) * rng.uniform(0.05, 0.4) if assignee else None
        )
        started = (
            allocated + timedelta(minutes=rng.randint(1, 600))
            if assignee and status != TaskStatus.OPEN
            else None
        )
        completed = None
        outcome = ""
        if not active:
            completed = min(
                anchor, (started or created_at) + timedelta(hours=rng.randint(1, 24 * 10))
            )
            outcome = "completed" if status == TaskStatus.DONE else ""
        priority = _weighted(rng, [(0, 80), (10, 15), (50, 5)])
        reason = {0: "", 10: "Vulnerable person", 50: "High harm: public protection"}[priority]
        if task_type.priority is not None:
            priority, reason = task_type.priority
        title = f"{task_type.label}: {person_name}" if person_name else task_type.label
        self.tasks.append(
            Task(
                task_type=task_type.key,
                queue=queue,
                person_id=person_id,
                title=title[:300],
                status=status,
                assignee=assignee,
                outcome=outcome,
                outcome_note=""
                if active
                else ("Closed in the demo data" if outcome else "No longer needed"),
                priority=priority,
                priority_reason=reason,
                due_at=due_at,
                deadline_rule=rule,
                deadline_inputs=inputs,
                created_at=created_at,
                allocated_at=allocated,
                started_at=started,
                completed_at=completed,
                subject_type="people.person" if person_id else "",
                subject_id=str(person_id or ""),
            )
        )


# ------------------------------------------------------------------------------------------
# The loader


def _write(rows: dict[str, list], counts: dict[str, int]) -> None:
    for kind, model in BULK_ORDER:
        batch = rows.get(kind) or []
        if batch:
            model.objects.bulk_create(batch, batch_size=BATCH)
            counts[kind] = counts.get(kind, 0) + len(batch)


CORRESPONDENCE_KINDS = [
    (
        "Further representations",
        "We act for {about}. Please find enclosed further representations.",
    ),
    (
        "Reporting day",
        "I am writing about {about}. Can the weekly reporting day be moved to a Friday?",
    ),
    (
        "Proposed claim for judicial review",
        "This is a pre-action protocol letter on behalf of {about} about the decision to detain.",
    ),
    (
        "Formal complaint",
        "I wish to make a formal complaint about how {about} was treated at reporting.",
    ),
]


def _correspondence_load(*, rng, anchor, people: list[tuple[int, str, str]], counts) -> None:
    """A few inbound items through the correspondence service: matched, match-needed, duplicates."""
    if importlib.util.find_spec("waymark.correspondence.services") is None:
        return
    if importlib.util.find_spec("waymark.work.services") is None:
        return
    from waymark.correspondence.services import correspondence_register

    items = 0
    for n, (_pk, name, ho_ref) in enumerate(people):
        received = anchor - timedelta(hours=rng.randint(2, 24 * 12))
        with_ref = n % 3 != 2  # every third item names nobody we can match: match needed
        about = name + (f" (Home Office reference {ho_ref})" if with_ref else "")
        subject, text = CORRESPONDENCE_KINDS[n % len(CORRESPONDENCE_KINDS)]
        body = f"Dear Sir or Madam,\n\n{text.format(about=about)}\n\nYours faithfully"
        kwargs = {
            "actor": None,
            "channel": "email",
            "sender": f"caseworker{n}@{rng.choice(['lawfirm', 'legalaid', 'advice'])}.example",
            "recipients": ["criminal.casework@waymark.example"],
            "subject": f"{subject}: {name}",
            "body": body,
            "received_at": received,
            "message_id": f"<demo-{n}-{rng.randrange(10**9)}@mail.example>",
        }
        correspondence_register(**kwargs)
        items += 1
        if n % 4 == 0:  # the same message copied to another mailbox: registered once
            correspondence_register(**{**kwargs, "recipients": ["em.hub@waymark.example"]})
    counts["correspondence"] = items


def demo_load(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    anchor: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    correspondence: bool = True,
    em_scale: float | None = None,
    modules: Collection[str] | None = None,
) -> LoadResult:
    """Load the demo data at ``scale`` x the seeds' volumes. Same seed, scale and anchor give the
    same data. Adds to what is there (people get new references after the existing ones).
    Refused in production (``demo_data_refused_reason``) before anything is written.

    ``modules`` names the module demo loaders to run (all of them when None): a test of one
    module's figures at x1 need not build the others' (each loader runs after those it reads,
    so only the named ones and the platform's people, tasks and teams are written)."""
    refused = demo_data_refused_reason()
    if refused:
        raise PermissionError(refused)
    anchor = anchor or _default_anchor()
    rng = random.Random(seed)
    result = LoadResult()
    counts = result.counts
    with context.acting("command"), clock.frozen(anchor):
        # Every table's id sequence starts after the rows there are (from 1 on an empty table, even
        # after a rolled-back load on PostgreSQL, whose sequences ignore rollbacks): record linkage
        # names records by id, so the same seed gives the same people only from the same ids.
        _reset_sequences(
            *(
                model
                for model in django_apps.get_models()
                if model.__module__.startswith("waymark.")
            )
        )
        with transaction.atomic():
            roles_ensure()
            teams = teams_ensure()
            _by_role, staff, result.users = users_ensure(teams)
            queues = queues_ensure(teams)
        counts["teams"], counts["queues"] = len(teams), len(queues)
        _say(progress, f"Teams {len(teams)}, queues {len(queues)}, demo users {len(result.users)}")

        n_people = max(1, round(PEOPLE_AT_X1 * scale))
        em_share = EM_BAIL_AT_X1 / PEOPLE_AT_X1 / 0.72  # of those on bail
        nationalities = names.nationality_weights()
        start_pk = (pm.Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        deadlines = Deadlines()
        tasks = TaskFactory(
            rng=rng, anchor=anchor, teams=teams, queues=queues, staff=staff, deadlines=deadlines
        )
        showcase: list[tuple[int, str, str]] = []
        em_people = 0
        for batch_start in range(0, n_people, BATCH):
            factory = PersonFactory(
                rng=rng,
                anchor=anchor,
                teams=teams,
                staff=staff,
                em_share=em_share,
                nationalities=nationalities,
            )
            for i in range(batch_start, min(n_people, batch_start + BATCH)):
                factory.build(start_pk + i)
            tasks.tasks = []
            for person, (pk, team_slug, _owner, _em, _created, _nfa) in zip(
                factory.rows["person"], factory.rows["meta"], strict=True
            ):
                name = f"{person.given_names} {person.family_name.upper()}"
                if len(showcase) < 60 and rng.random() < 0.05:
                    ref = next(
                        r.value
                        for r in factory.rows["reference"]
                        if r.person_id == pk and r.reference_type == "home_office"
                    )
                    showcase.append((pk, name, ref))
                if team_slug is None:
                    tasks.build(
                        team_slug="records", group="records", person_id=pk, person_name=name
                    )
                    continue
                for _ in range(rng.choice([0, 1, 1, 1, 2, 2])):
                    tasks.build(
                        team_slug=team_slug, group="casework", person_id=pk, person_name=name
                    )
                # EM work comes from the monitoring module's own demo records (below), not
                # from free-standing tasks.
                roll = rng.random()
                if roll < 0.04:
                    tasks.build(
                        team_slug="competent-authority",
                        group="competent-authority",
                        person_id=pk,
                        person_name=name,
                    )
                elif roll < 0.08:
                    tasks.build(
                        team_slug="removals", group="removals", person_id=pk, person_name=name
                    )
                elif roll < 0.12:
                    tasks.build(
                        team_slug=REPORTING_CENTRE_FOR[team_slug],
                        group="reporting",
                        person_id=pk,
                        person_name=name,
                    )
            em_people += factory.em_people_count
            with transaction.atomic():
                _write(factory.rows, counts)
                Task.objects.bulk_create(tasks.tasks, batch_size=BATCH)
            counts["task"] = counts.get("task", 0) + len(tasks.tasks)
            done = min(n_people, batch_start + BATCH)
            _say(
                progress,
                f"People {done:,} of {n_people:,}; timeline events {counts.get('event', 0):,}; "
                f"tasks {counts.get('task', 0):,}",
            )
        _reset_sequences(pm.Person)
        counts["on_bail_with_em"] = em_people

        # Each installed module's demo loader (its registrations.py), in their declared order: the
        # platform never imports a module to build the demo (docs/platform-contracts.md).
        module_scales = {"em_scale": em_scale}
        for loader in demo_loaders():
            if modules is not None and loader.name not in modules:
                continue
            counts.update(
                loader.load(
                    anchor=anchor,
                    scale=module_scales.get(loader.scale_option) or scale,
                    seed=seed,
                    progress=progress,
                )
            )

        if correspondence:
            with transaction.atomic():
                _correspondence_load(
                    rng=rng,
                    anchor=anchor,
                    people=showcase[: max(3, min(24, round(24 * scale)))],
                    counts=counts,
                )
        audit_record(
            actor=None,
            action=AuditAction.COLLECTION,
            verb="demo.loaded",
            payload={
                "new": {
                    "scale": scale,
                    "seed": seed,
                    "anchor": anchor.isoformat(),
                    "counts": dict(counts),
                }
            },
        )
        if deadlines.unknown:
            counts["fallback_deadline_rules"] = len(deadlines.unknown)
    return result
