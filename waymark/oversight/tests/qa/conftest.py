"""Fixtures for the quality-assurance tests (helpers in support.py): a registered kind of work
whose population is a list the test fills, with a checklist, and the people who do and review it."""

from __future__ import annotations

import pytest

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.services import roles_sync
from waymark.core import assurance
from waymark.core.assurance import WorkItem, WorkKind
from waymark.oversight.services import qa as services
from waymark.oversight.tests.qa.support import KIND


@pytest.fixture
def qa_team(db) -> Team:
    roles_sync()
    return Team.objects.get_or_create(slug="qa-team", defaults={"name": "Decisions team"})[0]


@pytest.fixture
def qa_assurance(qa_team):
    return testing.user_make("assurance", qa_team, last_name="Assurer")


@pytest.fixture
def qa_second_assurance(qa_team):
    return testing.user_make("assurance", qa_team, last_name="Decider")


@pytest.fixture
def qa_manager(qa_team):
    return testing.user_make("line_manager", qa_team, last_name="Manager")


@pytest.fixture
def worker(qa_team):
    return testing.user_make("em_caseworker", qa_team, last_name="Worker")


@pytest.fixture
def kind_items(db):
    """The population of the ``tests.decision`` kind: append ``WorkItem``s to it."""
    items: list[WorkItem] = []
    kind = WorkKind(
        KIND, "Test decision", "tests", lambda s, e: [i for i in items if s <= i.on <= e]
    )
    assurance._KINDS[KIND] = kind
    yield items
    assurance._KINDS.pop(KIND, None)


@pytest.fixture
def checklist(kind_items, qa_assurance):
    return services.checklist_new_version(
        actor=qa_assurance,
        kind_key=KIND,
        title="Test decision",
        questions=[
            {
                "code": "reasons",
                "text": "Are the reasons clear?",
                "weight": 2,
                "failure_reasons": [["unclear", "Reasons unclear"], ["missing", "No reasons"]],
            },
            {
                "code": "timely",
                "text": "Was it on time?",
                "weight": 1,
                "failure_reasons": [["late", "Late"]],
            },
        ],
    )
