from __future__ import annotations

import uuid
from datetime import date

import pytest
from rest_framework.test import APIClient

from waymark import testing
from waymark.accounts.models import Team, User
from waymark.accounts.services import roles_sync
from waymark.api import services as api_services
from waymark.people import services as people_services
from waymark.work import services as work_services
from waymark.work.models import Queue


def member(role_key: str, team: Team | None, *, machine: bool = False) -> User:
    return testing.user_make(role_key, team, is_machine=machine, first_name="")


def key() -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


@pytest.fixture
def world(db):
    roles_sync()
    team = Team.objects.create(slug="api-team", name="API team")
    other = Team.objects.create(slug="other-team", name="Other team")
    queue = Queue.objects.create(slug="api-queue", name="API queue", team=team)
    other_queue = Queue.objects.create(slug="other-queue", name="Other queue", team=other)
    person = people_services.person_create(
        actor=None,
        given_names="Amir",
        family_name="Haddad",
        date_of_birth=date(1990, 5, 17),
        nationalities=("SYR",),
        owning_team=team,
        references=[("home_office", "H1234567")],
    )
    hidden = people_services.person_create(
        actor=None,
        given_names="Bela",
        family_name="Kovacs",
        date_of_birth=date(1985, 1, 2),
        owning_team=other,
    )
    task = work_services.task_create(
        actor=None, task_type="general.follow_up", title="Call back", person=person, queue=queue
    )
    other_task = work_services.task_create(
        actor=None, task_type="general.follow_up", title="Elsewhere", queue=other_queue
    )
    return {
        "team": team,
        "other": other,
        "queue": queue,
        "person": person,
        "hidden": hidden,
        "task": task,
        "other_task": other_task,
    }


@pytest.fixture
def caseworker(world) -> User:
    return member("case_owner", world["team"])


@pytest.fixture
def api(caseworker) -> APIClient:
    client = APIClient()
    client.force_authenticate(caseworker)
    return client


@pytest.fixture
def machine_client(world):
    """A machine client acting as a service user with the case-owner role, all scopes but one."""
    user = member("case_owner", world["team"], machine=True)
    issued = api_services.credential_issue(
        actor=None,
        user=user,
        label="Partner system",
        scopes=[
            "persons:read",
            "persons:write",
            "tasks:read",
            "correspondence:read",
            "correspondence:write",
        ],
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    return client, issued
