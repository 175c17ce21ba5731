"""Fixtures for objectives, quality per person and training needs (issue 20 item 2): a team with
its line manager and two members, another team, a performance analyst, and a registered figure
the test sets the value of."""

from __future__ import annotations

from datetime import date

import pytest

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.services import roles_sync
from waymark.core.metrics import Metric, registered_for_test
from waymark.oversight.models import ServicePriority

FIGURE = {"value": 3}


@pytest.fixture
def hub(db) -> Team:
    roles_sync()
    return Team.objects.get_or_create(slug="obj-hub", defaults={"name": "EM hub (test)"})[0]


@pytest.fixture
def other_team(db) -> Team:
    return Team.objects.get_or_create(slug="obj-other", defaults={"name": "Other team"})[0]


@pytest.fixture
def manager(hub):
    return testing.user_make("line_manager", hub, last_name="Manager")


@pytest.fixture
def member(hub):
    return testing.user_make("em_caseworker", hub, last_name="Member")


@pytest.fixture
def outsider(other_team):
    return testing.user_make("em_caseworker", other_team, last_name="Outsider")


@pytest.fixture
def analyst(db):
    roles_sync()
    team = Team.objects.get_or_create(slug="obj-mi", defaults={"name": "MI"})[0]
    return testing.user_make("performance_analyst", team, last_name="Analyst")


@pytest.fixture
def priority(db) -> ServicePriority:
    # Seeded by the migration; seeded again here when an earlier transactional test on this
    # worker flushed the tables (the seed is idempotent).
    from waymark.oversight.services.objectives import priorities_seed

    priorities_seed()
    return ServicePriority.objects.get(key="em-breach-action")


@pytest.fixture
def figure():
    """``test.breaches``: lower is better, split by team; set FIGURE["value"]."""
    FIGURE["value"] = 3
    metric = Metric(
        key="test.breaches",
        name="Test breaches to act on",
        definition="Breaches waiting.",
        population="Test breaches",
        unit="count",
        higher_is_better=False,
        owner="Tests",
        module="oversight",
        compute=lambda team=None: FIGURE["value"],
        by_team=True,
    )
    with registered_for_test([metric]):
        yield FIGURE


def objective_data(team, priority, **kw):
    data = {
        "priority": priority,
        "title": "Act on every breach",
        "team": team,
        "person": None,
        "owner": None,
        "period_start": date(2026, 4, 1),
        "period_end": date(2027, 3, 31),
        "metric_key": "",
        "measure_label": "Breaches actioned within 2 working days (%)",
        "target": 95,
        "higher_is_better": True,
    }
    data.update(kw)
    return data
