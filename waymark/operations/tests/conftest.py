"""Shared fixtures for operations tests: an ICE team, officers at each grade, premises, and visits
at each stage. ``visit_ready_to_deploy`` and ``visit_deployed`` are built directly on the models so
field tests do not depend on every planning service; planning tests go through the services."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta

import pytest

from waymark import testing
from waymark.accounts.models import Grade, Team, User
from waymark.accounts.services import roles_sync
from waymark.operations import models as m
from waymark.operations import rules
from waymark.people import services as people_services
from waymark.testing import NOW, reference_data

_seq = itertools.count(1)
VISIT_AT = NOW + timedelta(days=5)


def user_make(
    role_key: str, team: Team | None, *, grade: str | None = None, arrest_trained: bool = False
) -> User:
    user = testing.user_make(role_key, team, grade=grade, last_name=f"Officer{next(_seq)}")
    if arrest_trained:
        m.OfficerProfile.objects.create(
            user=user, arrest_trained=True, arrest_training_on=date(2024, 1, 1)
        )
        user = User.objects.get(pk=user.pk)
    return user


@pytest.fixture(autouse=True)
def _operations_reference_rows(request):
    """Operations' migration rows (police forces, sectors, interview questions) put back if a
    transactional test's flush removed them: pytest-xdist's work stealing can run an ordinary test
    after a transactional one on the same worker (waymark/testing/reference_data.py)."""
    marker = request.node.get_closest_marker("django_db")
    if not marker and not {"db", "transactional_db"} & set(request.fixturenames):
        return
    request.getfixturevalue("_django_db_helper")
    if not m.PoliceForce.objects.exists():
        reference_data.operations()


@pytest.fixture
def ice_team(db) -> Team:
    roles_sync()
    return Team.objects.get_or_create(
        slug="ice-central-london",
        defaults={"name": "ICE Central London", "unit": "Immigration Compliance and Enforcement"},
    )[0]


@pytest.fixture
def other_ice_team(db) -> Team:
    return Team.objects.get_or_create(
        slug="ice-scotland",
        defaults={
            "name": "ICE Scotland",
            "unit": "Immigration Compliance and Enforcement",
            "nation": "scotland",
        },
    )[0]


@pytest.fixture
def field_officer(ice_team) -> User:
    return user_make("field_officer", ice_team, arrest_trained=True)


@pytest.fixture
def oic(ice_team) -> User:
    """An officer in charge (CIO, HEO), arrest-trained."""
    return user_make("officer_in_charge", ice_team, arrest_trained=True)


@pytest.fixture
def cio(ice_team) -> User:
    return user_make("authorising_officer", ice_team, grade=Grade.HEO)


@pytest.fixture
def hmi(ice_team) -> User:
    return user_make("authorising_officer", ice_team, grade=Grade.SEO)


@pytest.fixture
def assistant_director(ice_team) -> User:
    return user_make("authorising_officer", ice_team, grade=Grade.G7)


@pytest.fixture
def police_force(db) -> m.PoliceForce:
    return m.PoliceForce.objects.get_or_create(
        code="met",
        defaults={
            "name": "Metropolitan Police Service",
            "intelligence_unit_phone": "020 7946 0000",
        },
    )[0]


@pytest.fixture
def police_partner(police_force) -> User:
    user = user_make("police_partner", None)
    police_force.partners.add(user)
    return user


@pytest.fixture
def sector(db) -> m.Sector:
    return m.Sector.objects.get_or_create(
        key="restaurants", defaults={"name": "Restaurants and takeaways", "in_sector_plan": True}
    )[0]


def premises_make(
    sector: m.Sector,
    police_force: m.PoliceForce | None = None,
    *,
    licensed: bool = True,
    name: str = "Golden Dragon",
) -> m.Premises:
    return m.Premises.objects.create(
        business_name=name,
        address_line_1=f"{next(_seq)} High Street",
        town="London",
        postcode="E1 6AN",
        sector=sector,
        licensed=licensed,
        licence_reference="LN/2024/0001" if licensed else "",
        police_force=police_force,
        latitude=51.5155,
        longitude=-0.0722,
        created_at=NOW,
    )


@pytest.fixture
def premises(sector, police_force) -> m.Premises:
    return premises_make(sector, police_force)


@pytest.fixture
def subject(db):
    return people_services.person_create(
        actor=None,
        given_names="Arben",
        family_name="Hoxha",
        date_of_birth=date(1990, 4, 2),
        nationalities=("ALB",),
    )


def visit_make(
    team: Team,
    premises: m.Premises,
    *,
    creator: User | None = None,
    rating: str = "",
    status: str = m.VisitStatus.PLANNING,
    planned_start: datetime = VISIT_AT,
    **extra,
) -> m.Visit:
    n = next(_seq)
    return m.Visit.objects.create(
        reference=f"OP-T{n:05d}",
        team=team,
        region=team.name,
        visit_type="illegal_working_arrest",
        planned_start=planned_start,
        premises=premises,
        intended_power="informed_consent",
        community_impact="Busy high street; no known tensions; visit outside school hours.",
        risk_rating=rating,
        status=status,
        created_by=creator,
        created_at=NOW,
        updated_at=NOW,
        **extra,
    )


@pytest.fixture
def visit(ice_team, premises, oic) -> m.Visit:
    return visit_make(ice_team, premises, creator=oic)


def visit_deployed_make(
    team: Team,
    premises: m.Premises,
    oic: User,
    officers: list[User],
    *,
    deployed_at: datetime = NOW,
) -> m.Visit:
    """A deployed green visit with every officer briefed, built directly on the models."""
    visit = visit_make(
        team,
        premises,
        creator=oic,
        rating="green",
        status=m.VisitStatus.DEPLOYED,
        planned_start=deployed_at,
        officer_in_charge=oic,
        deployed_at=deployed_at,
        deployed_by=oic,
        closure_due_at=rules.closure_due_at(deployed_at),
    )
    for officer in [oic, *officers]:
        m.VisitOfficer.objects.create(
            visit=visit,
            officer=officer,
            briefing_accepted_at=deployed_at,
            briefing_plan_version=visit.plan_version,
        )
    return visit


@pytest.fixture
def visit_deployed(ice_team, premises, oic, field_officer) -> m.Visit:
    return visit_deployed_make(ice_team, premises, oic, [field_officer])


def entry_uuid() -> str:
    return str(uuid.uuid4())
