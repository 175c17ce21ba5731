"""Shared fixtures for oversight's tests: the seeded recommendations and a user in each role the
tracker serves (two assurance officers, so that one can sign off what the other owns)."""

from __future__ import annotations

from datetime import date

import pytest

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.oversight import services
from waymark.oversight.models import Recommendation


@pytest.fixture
def team(db) -> Team:
    roles_sync()
    return Team.objects.get_or_create(slug="assurance", defaults={"name": "Assurance"})[0]


@pytest.fixture
def assurance(team):
    return testing.user_make("assurance", team, last_name="Assurer")


@pytest.fixture
def second_assurance(team):
    return testing.user_make("assurance", team, last_name="Checker")


@pytest.fixture
def line_manager(team):
    return testing.user_make("line_manager", team, last_name="Manager")


@pytest.fixture
def analyst(team):
    return testing.user_make("performance_analyst", team, last_name="Analyst")


@pytest.fixture
def seeded(db) -> dict[tuple[str, str], Recommendation]:
    services.recommendations_seed(actor=None)
    return {(r.seed, r.number): r for r in Recommendation.objects.all()}


@pytest.fixture
def action(seeded, line_manager, assurance):
    """An open action on 001 recommendation 1, owned by the line manager, no evidence check."""
    with clock.frozen(testing.NOW):
        return services.action_add(
            actor=assurance,
            recommendation=seeded[("001", "1")],
            description="Keep one tracker of every recommendation",
            owner=line_manager,
            due_on=date(2026, 12, 31),
        )
