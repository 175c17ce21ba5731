"""Shared fixtures for casework tests: the casework teams and queues (made by migration), users
in the platform's roles, and a person released into the community with convictions."""

from __future__ import annotations

import itertools
from datetime import date, time

import pytest

from waymark import testing
from waymark.accounts.models import Grade, Team, User
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.people import services as people_services
from waymark.testing import NOW, reference_data

_seq = itertools.count(1)
TODAY = NOW.date()


def user_make(role_key: str, team: Team | None, *, grade: str | None = None) -> User:
    return testing.user_make(role_key, team, grade=grade, last_name=str(next(_seq)))


def casework_reference_data() -> dict[str, Team]:
    """Teams and queues the casework migration seeds (a transactional flush removes them)."""
    roles_sync()
    reference_data.casework()
    centre = Team.objects.filter(slug="reporting-centre-liverpool").first() or Team.objects.create(
        slug="reporting-centre-liverpool",
        name="Reporting centre Liverpool",
        unit="Reporting and offender management",
    )
    other = Team.objects.filter(slug="reporting-centre-croydon").first() or Team.objects.create(
        slug="reporting-centre-croydon",
        name="Reporting centre Croydon",
        unit="Reporting and offender management",
    )
    return {
        "owning": Team.objects.get(slug="criminal-casework-liverpool"),
        "leeds": Team.objects.get(slug="criminal-casework-leeds"),
        "centre": centre,
        "other_centre": other,
        "removals": Team.objects.get(slug="removals"),
    }


@pytest.fixture
def teams(db) -> dict[str, Team]:
    return casework_reference_data()


@pytest.fixture
def owner(teams) -> User:
    return user_make("case_owner", teams["owning"])


@pytest.fixture
def centre_officer(teams) -> User:
    return user_make("reporting_centre", teams["centre"])


@pytest.fixture
def removals_officer(teams) -> User:
    return user_make("removals", teams["removals"], grade=Grade.HEO)


@pytest.fixture
def manager(teams) -> User:
    return user_make("line_manager", teams["owning"], grade=Grade.SEO)


def person_make(
    team: Team | None,
    owner: User | None = None,
    *,
    family_name: str = "Brown",
    sentence_days: int = 500,
    **profile,
):
    person = people_services.person_create(
        actor=None,
        given_names="Marcus",
        family_name=family_name,
        date_of_birth=date(1985, 6, 1),
        nationalities=("JAM",),
        owning_team=team,
        case_owner=owner,
        release_date=date(2026, 6, 1),
        **profile,
    )
    people_services.conviction_add(
        actor=None,
        person=person,
        offence="Robbery",
        conviction_date=date(2024, 3, 1),
        sentence_type="Imprisonment",
        sentence_length_days=sentence_days,
        custodial=True,
    )
    return person


@pytest.fixture
def person(teams, owner):
    return person_make(teams["owning"], owner)


def restriction_make(actor, person, centre, **changes):
    from waymark.casework import services

    values = {"centre": centre, "window_start": time(10, 0), "starts_on": clock.today(), **changes}
    return services.restriction_set(actor=actor, person=person, **values)
