"""Shared fixtures for the EM module's tests: the EM Hub team (made by migration), users in the
platform's roles, and a person on bail with an EM condition at each stage."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from waymark import testing
from waymark.accounts.models import Grade, Team, User
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.monitoring import services
from waymark.monitoring.models import DeviceType, FittingPlace
from waymark.people import services as people_services
from waymark.testing import NOW, reference_data


def em_user(
    role_key: str, team: Team | None, *, grade: str | None = None, machine: bool = False
) -> User:
    return testing.user_make(role_key, team, grade=grade, is_machine=machine)


def em_reference_data() -> Team:
    """The team, queues and letters the EM migration seeds. A transactional test's flush removes
    migration data, so tests that need it put it back (waymark/testing/reference_data.py)."""
    roles_sync()
    reference_data.monitoring()
    return Team.objects.get(slug="em-hub")


@pytest.fixture
def hub(db) -> Team:
    return em_reference_data()


@pytest.fixture
def caseworker(hub) -> User:
    return em_user("em_caseworker", hub, grade=Grade.EO)


@pytest.fixture
def senior(hub) -> User:
    return em_user("em_caseworker", hub, grade=Grade.HEO)


@pytest.fixture
def manager(hub) -> User:
    return em_user("line_manager", hub)


def em_person(hub: Team, *, family_name: str = "Hoxha", **profile):
    return people_services.person_create(
        actor=None,
        given_names="Arben",
        family_name=family_name,
        date_of_birth=date(1988, 3, 4),
        nationalities=("ALB",),
        owning_team=hub,
        deportation_order_date=date(2025, 1, 10),
        **profile,
    )


@pytest.fixture
def person(hub):
    return em_person(hub)


def condition_make(
    actor,
    person,
    *,
    granted_by: str = "immigration_judge",
    granted_at: datetime | None = None,
    device_type: str | None = None,
    **kwargs,
):
    grant = services.bail_grant_record(
        actor=actor,
        person=person,
        granted_by=granted_by,
        granted_at=granted_at or clock.now() - timedelta(hours=2),
    )
    advice = services.recommendation_for(person)
    return services.condition_impose(
        actor=actor,
        person=person,
        bail_grant=grant,
        device_type=device_type or advice.device_type,
        start_date=clock.today(),
        **kwargs,
    )


def fitted_make(actor, person, *, phone: str = "07700 900123", fitted_at: datetime | None = None):
    condition = condition_make(actor, person)
    order = services.fitting_order_create(
        actor=actor,
        condition=condition,
        place=FittingPlace.HOME,
        place_details="1 High Street, Croydon",
        requested_slot_start=clock.now() + timedelta(hours=20),
        accept_slot_warning=True,
    )
    services.fitting_outcome_record(
        actor=None,
        order=order,
        fitted=True,
        at=fitted_at or clock.now(),
        device_serial="GPS-000001",
        issued_phone_number=phone,
    )
    condition.refresh_from_db()
    return condition


@pytest.fixture
def fitted(frozen, caseworker, person):
    return fitted_make(caseworker, person)


__all__ = ["NOW", "DeviceType", "condition_make", "em_person", "em_user", "fitted_make"]
