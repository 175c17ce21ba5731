"""Every role against every page: the declared permission decides, nothing errors.

For each role in ``accounts.roles.ROLES`` (as the group ``roles_sync`` keeps) and each page URL in
the URL map, a GET by a member of the role's team must:

- be refused with 403 when the role lacks a permission the view declares;
- not be refused with 403 when the role holds them (object checks may still answer 404);
- never fail with a server error.

Machine clients (``is_machine``) may not use pages at all. A module that adds pages is covered
without writing anything here, as long as its URL arguments are named like the platform's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import get_resolver

from tests.test_architecture import THIRD_PARTY_PREFIXES, _declared, _walk
from waymark.accounts.models import Team, User
from waymark.accounts.roles import ROLES
from waymark.core import clock

MACHINE_ROLES = {"supplier"}
_ARG = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
SKIP_PREFIXES = (*THIRD_PARTY_PREFIXES, "api/", "accounts/sign-out", "accounts/keep-alive")


def _page_routes():
    for route, callback in _walk(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES):
            continue
        declared = _declared(callback)
        if declared and declared != ("drf",):
            yield route, declared


@pytest.fixture
def world(db):
    """One team with a person, a task, a document, a note, a flag and a correspondence item."""
    from waymark.correspondence import services as correspondence_services
    from waymark.demo.generator import roles_ensure
    from waymark.documents import services as documents_services
    from waymark.people import services as people_services
    from waymark.work import services as work_services
    from waymark.work.models import Queue

    roles_ensure()
    team = Team.objects.create(slug="matrix-team", name="Matrix team")
    queue = Queue.objects.create(slug="matrix-queue", name="Matrix queue", team=team)
    person = people_services.person_create(
        actor=None,
        given_names="Amir",
        family_name="Haddad",
        date_of_birth=datetime(1990, 5, 17).date(),
        nationalities=("SYR",),
        owning_team=team,
    )
    task = work_services.task_create(
        actor=None, task_type="general.follow_up", title="Follow up", person=person, queue=queue
    )
    document = documents_services.document_store(
        actor=None,
        person=person,
        file_name="note.txt",
        content=b"A plain text note.\n",
    )
    author = User.objects.create_superuser(
        username="matrix-author", password="a-long-test-password-123"
    )
    note = people_services.note_add(actor=author, person=person, text="Reported on time.")
    flag = people_services.flag_set(actor=None, person=person, flag_type=_first_flag_type())
    item, _ = correspondence_services.correspondence_register(
        actor=None,
        channel="email",
        sender="rep@law.example",
        recipients=["hub@waymark.example"],
        subject="Enquiry",
        body="Please call me.",
        received_at=clock.now().astimezone(UTC),
    )
    return {
        "team": team,
        "queue": queue,
        "person": person,
        "task": task,
        "document": document,
        "note": note,
        "flag": flag,
        "item": item,
    }


def _first_flag_type() -> str:
    from waymark.people.models import Flag

    return Flag._meta.get_field("flag_type").choices[0][0]


def _url(route: str, world) -> str:
    """Fill a route's arguments with the world's objects, chosen by the app and argument name."""
    app = route.split("/", 1)[0]
    by_app = {"people": "person", "work": "task", "documents": "document", "correspondence": "item"}

    def value(match: re.Match) -> str:
        name = match.group("name")
        if name in {"pk", "person_pk"}:
            obj = world["person"] if name == "person_pk" else world[by_app.get(app, "person")]
            return str(obj.pk)
        simple = {
            "note_pk": world["note"].pk,
            "flag_pk": world["flag"].pk,
            "merge_pk": 999_999,
            "slug": world["queue"].slug,
            "action": "complete",
        }
        if name in simple:
            return str(simple[name])
        return "1"

    return "/" + _ARG.sub(value, route)


def _member(role_key: str, team: Team) -> User:
    from waymark.demo.generator import role_group

    user = User.objects.create_user(
        username=f"m-{role_key}",
        password="a-long-test-password-123",
        grade=ROLES[role_key].demo_grade,
        is_machine=role_key in MACHINE_ROLES,
    )
    user.teams.add(team)
    user.groups.add(role_group(role_key))
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role_key", sorted(ROLES))
def test_every_page_answers_each_role_as_its_permissions_say(role_key, world, client):
    user = _member(role_key, world["team"])
    client.force_login(user)
    wrong = []
    checked = 0
    for route, declared in _page_routes():
        url = _url(route, world)
        response = client.get(url)
        checked += 1
        status = response.status_code
        if status >= 500:
            wrong.append(f"{url}: {status}")
            continue
        if declared == ("public",):
            continue
        if user.is_machine:
            if status != 403:
                wrong.append(f"{url}: machine client got {status}, expected 403")
            continue
        perms = [p for p in declared if "." in p]
        if perms and not user.has_perms(perms) and status != 403:
            wrong.append(f"{url}: lacks {perms} but got {status}")
        if (not perms or user.has_perms(perms)) and status == 403:
            wrong.append(f"{url}: holds {perms or declared} but got 403")
    assert checked > 20
    assert wrong == []
