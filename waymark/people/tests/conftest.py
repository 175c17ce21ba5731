from __future__ import annotations

import pytest

from waymark.people.tests.factories import CASEWORKER_PERMS, make_team, make_user


@pytest.fixture
def team(db):
    return make_team("Criminal casework Croydon")


@pytest.fixture
def caseworker(team):
    return make_user(*CASEWORKER_PERMS, teams=[team], username="caseworker")
