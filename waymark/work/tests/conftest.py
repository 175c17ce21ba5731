import pytest

from waymark.work.tests.factories import CASEWORKER, MANAGER, queue_make, team_make, user_make


@pytest.fixture
def team(db):
    return team_make(name="EM Hub")


@pytest.fixture
def queue(team):
    return queue_make(team=team, slug="em-hub-breaches")


@pytest.fixture
def caseworker(team):
    return user_make(*CASEWORKER, teams=[team], username="casey")


@pytest.fixture
def manager(team):
    return user_make(*MANAGER, teams=[team], username="morgan")
