"""The OpenAPI schema validates, and a seeded schemathesis run with several identities finds no
server error, no answer outside the schema and no record shown to someone who may not see it."""

from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from waymark.api.rules import SCOPES
from waymark.api.tests.conftest import member


def test_the_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi: 3" in out.getvalue()


def test_schema_and_docs_pages_are_served(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


# ------------------------------------------------------------------------------------------------
# The identities the fuzzer calls as, and what each of them must never see


@dataclass
class Identity:
    """How one caller authenticates; ``scopes`` is None for a session (no scope gate)."""

    name: str
    user: object | None = None
    scopes: frozenset[str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def may(self, perms: list[str], scope: str) -> bool:
        if self.user is None:
            return False
        return (self.scopes is None or scope in self.scopes) and self.user.has_perms(perms)


IDENTITIES = (
    "full-scope client",
    "tasks-only client",
    "client without a role",
    "case owner session",
    "performance analyst session",
    "anonymous",
)


def _client(user, scopes) -> Identity:
    from waymark.api import services

    issued = services.credential_issue(
        actor=None, user=user, label=f"Fuzzer {uuid.uuid4().hex[:6]}", scopes=list(scopes)
    )
    return Identity(
        "", user, frozenset(scopes), headers={"Authorization": f"Bearer {issued.token}"}
    )


def _session(user) -> Identity:
    """A signed-in session with its CSRF token, as a browser's script would send it."""
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    csrf = get_random_string(32)
    return Identity(
        "",
        user,
        None,
        headers={"X-CSRFToken": csrf},
        cookies={
            django_settings.SESSION_COOKIE_NAME: browser.cookies[
                django_settings.SESSION_COOKIE_NAME
            ].value,
            django_settings.CSRF_COOKIE_NAME: csrf,
        },
    )


def make_identity(name: str, world) -> Identity:
    from waymark.accounts.models import User

    if name == "full-scope client":
        identity = _client(member("case_owner", world["team"], machine=True), SCOPES)
    elif name == "tasks-only client":
        identity = _client(
            member("case_owner", world["team"], machine=True), ["tasks:read", "tasks:write"]
        )
    elif name == "client without a role":
        user = User.objects.create_user(username=f"no-role-{uuid.uuid4().hex[:6]}", is_machine=True)
        user.teams.add(world["team"])
        identity = _client(user, SCOPES)
    elif name == "case owner session":
        identity = _session(member("case_owner", world["team"]))
    elif name == "performance analyst session":
        identity = _session(member("performance_analyst", world["team"]))
    else:
        identity = Identity("")
    identity.name = name
    return identity


@pytest.fixture
def fuzz_world(world):
    """``world`` plus records none of the identities may see: a restricted person in the callers'
    own team, a task about them in the callers' queue, and correspondence about the hidden person."""
    from waymark.correspondence.services import correspondence_register
    from waymark.people import services as people_services
    from waymark.work import services as work_services

    restricted = people_services.person_create(
        actor=None,
        given_names="Cora",
        family_name="Lindqvist",
        owning_team=world["team"],
        references=[("home_office", "R7654321")],
        restricted_access=True,
    )
    people_services.person_create(
        actor=None, given_names="Dana", family_name="Okafor", owning_team=world["team"]
    )
    restricted_task = work_services.task_create(
        actor=None,
        task_type="general.follow_up",
        title="Cora Lindqvist",
        person=restricted,
        queue=world["queue"],
    )
    visible_item, _ = correspondence_register(
        actor=None,
        channel="api",
        sender="rep@law.example",
        recipients=["hub@waymark.example"],
        subject="H1234567",
        body="About Amir",
        received_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    )
    hidden_item, _ = correspondence_register(
        actor=None,
        channel="api",
        sender="rep@law.example",
        recipients=["hub@waymark.example"],
        subject="R7654321",
        body="About Cora Lindqvist",
        received_at=datetime(2026, 11, 20, 9, 31, tzinfo=UTC),
    )
    return {
        **world,
        "restricted": restricted,
        "restricted_task": restricted_task,
        "visible_item": visible_item,
        "hidden_item": hidden_item,
    }


def _secrets(fuzz_world) -> list[str]:
    """What must appear in no answer to these identities: the unseen people's names and references."""
    out = []
    for person in (fuzz_world["hidden"], fuzz_world["restricted"]):
        out += [person.reference, person.family_name]
    return [*out, "R7654321"]


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Calling the WSGI handler directly fires request_started/finished, whose
    close_old_connections would close the test's transaction-held connection on PostgreSQL.
    Django's own test client disconnects it the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
EXAMPLES = {"anonymous": 10, "client without a role": 10}  # every answer is 401/403: fewer suffice
DEFAULT_EXAMPLES = 40
SEED = 20261123


@dataclass
class Run:
    """What one identity's run found: every failure is kept (no shrinking), so one run reports all."""

    identity: Identity
    secrets: list[str]
    figures: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(
            ("requests", "server errors", "schema violations", "other failures", "leaks"), 0
        )
    )
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def call(self, operation, case) -> None:
        identity = self.identity
        if identity.scopes is None and identity.user is not None and case.headers:
            case.headers.pop(
                "Authorization", None
            )  # a generated bearer token would shadow the session
        headers = {**identity.headers, "Idempotency-Key": uuid.uuid4().hex}
        response = case.call(headers=headers, cookies=identity.cookies)
        self.figures["requests"] += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseException as group:
            for failure in getattr(group, "exceptions", [group]):
                kind = type(failure).__name__
                bucket = (
                    "server errors"
                    if kind == "ServerError"
                    else "schema violations"
                    if kind == "JsonSchemaError"
                    else "other failures"
                )
                self.figures[bucket] += 1
                self.failures.append(
                    f"{operation.label} {response.status_code} {kind}: {str(failure)[:1000]}"
                )
        if 200 <= response.status_code < 300 and any(
            secret in response.text for secret in self.secrets
        ):
            self.figures["leaks"] += 1
            self.failures.append(
                f"{operation.label}: shows a record {identity.name} may not see: "
                f"{response.text[:300]}"
            )

    def fuzz(self, operation, strategy, *, examples: int, seed_value: int) -> None:
        @seed(seed_value)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case):
            self.call(operation, case)

        check()


@pytest.mark.parametrize("name", IDENTITIES)
def test_schemathesis_as_each_identity(name, fuzz_world, wsgi_keeps_the_test_connection):
    """No server error, no answer outside the schema, no hidden record shown: seeded, bounded."""
    from django.core.wsgi import get_wsgi_application

    run = Run(make_identity(name, fuzz_world), _secrets(fuzz_world))
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    # Path parameters are drawn at random and from real records, seen and unseen, so detail
    # routes answer 200 as well as 404.
    known = {
        "person": [
            fuzz_world["person"].reference,
            str(fuzz_world["person"].pk),
            fuzz_world["hidden"].reference,
            fuzz_world["restricted"].reference,
        ],
        "id": [
            fuzz_world["task"].pk,
            fuzz_world["other_task"].pk,
            fuzz_world["restricted_task"].pk,
            fuzz_world["visible_item"].pk,
            fuzz_world["hidden_item"].pk,
        ],
    }
    started = time.monotonic()
    for index, operation in enumerate(operations):
        # Mostly valid requests, some deliberately invalid ones (which must be refused, never 500).
        strategy = st.one_of(
            operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE)
        )
        names = [p.name for p in operation.path_parameters]
        if names:
            strategy = st.one_of(
                strategy,
                *[
                    operation.as_strategy(path_parameters={names[0]: value})
                    for value in known.get(names[0], [])
                ],
            )
        run.fuzz(
            operation,
            strategy,
            examples=EXAMPLES.get(name, DEFAULT_EXAMPLES),
            seed_value=SEED + index,
        )
    run.figures["seconds"] = round(time.monotonic() - started, 1)
    print(f"\nschemathesis as {name}: {run.figures}, statuses {dict(sorted(run.statuses.items()))}")
    assert run.failures == [], "\n".join(_summary(run.failures))


DETAIL_ROUTES = [  # (route, the permissions and scope it needs)
    ("/api/v1/persons/{person}/", ["people.view_person"], "persons:read"),
    ("/api/v1/persons/{person}/timeline/", ["people.view_person"], "persons:read"),
    ("/api/v1/tasks/{task}/", ["work.view_task"], "tasks:read"),
    (
        "/api/v1/correspondence/{item}/",
        ["correspondence.view_correspondenceitem"],
        "correspondence:read",
    ),
]


def _unseen(identity: Identity, fuzz_world) -> dict[str, list]:
    """Per path parameter, the records this identity may not see."""
    user = identity.user
    hidden_tasks = [fuzz_world["restricted_task"].pk]
    if user is None or not user.has_perm("work.view_any_queue"):
        hidden_tasks.append(fuzz_world["other_task"].pk)  # another team's queue
    people = [fuzz_world["hidden"], fuzz_world["restricted"]]
    return {
        "person": [p.reference for p in people] + [p.pk for p in people],
        "task": hidden_tasks,
        "item": [fuzz_world["hidden_item"].pk],
    }


@pytest.mark.parametrize("name", IDENTITIES)
def test_each_identity_is_refused_what_it_may_not_see(name, fuzz_world):
    """Object-level authorisation: a record the caller may not see is 404 (as if it did not exist)
    on every GET detail route the caller may use; 403 on a route its role or scopes forbid; 401
    when anonymous. The visible counterpart answers 200, so the 404 is about the record."""
    from django.test import Client

    identity = make_identity(name, fuzz_world)
    browser = Client(headers=identity.headers)
    for cookie, value in identity.cookies.items():
        browser.cookies[cookie] = value
    unseen = _unseen(identity, fuzz_world)
    seen = {
        "person": fuzz_world["person"].reference,
        "task": fuzz_world["task"].pk,
        "item": fuzz_world["visible_item"].pk,
    }
    missing = {"person": "WM-9999999", "task": 999_999, "item": 999_999}

    def answer(url):
        response = browser.get(url)
        body = response.json()
        body.pop("instance", None)  # the path asked for
        return response.status_code, response["Content-Type"], body

    for route, perms, scope in DETAIL_ROUTES:
        parameter = route.split("{")[1].split("}")[0]
        allowed = identity.may(perms, scope)
        expected = 404 if allowed else 403 if identity.user is not None else 401
        nothing = answer(route.format(**{parameter: missing[parameter]}))
        assert nothing[:2] == (expected, "application/problem+json"), f"{name}: {route} (missing)"
        for value in unseen[parameter]:
            # The same answer as for a record that does not exist: nothing to tell them apart.
            assert answer(route.format(**{parameter: value})) == nothing, f"{name}: {route} {value}"
        control = browser.get(route.format(**{parameter: seen[parameter]}))
        assert control.status_code == (200 if allowed else expected), f"{name}: {route} (visible)"


def _summary(failures: list[str]) -> list[str]:
    """One line per distinct failure (operation, status, kind and the schema path it broke)."""
    import re

    counts: dict[str, int] = {}
    for failure in failures:
        head = failure.split(":", 1)[0]
        where = re.search(r"Schema at (\S+)", failure)
        line = re.sub(r"\s+", " ", failure.split(":", 1)[1])[:120] if not where else where.group(1)
        key = f"{head} | {line}"
        counts[key] = counts.get(key, 0) + 1
    return [f"{n:4d} x {key}" for key, n in sorted(counts.items())]


def test_a_server_error_in_the_api_is_a_problem_without_a_trace(world, monkeypatch):
    from waymark.people import api as people_api

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(people_api.selectors, "person_visible_queryset", boom)
    client = APIClient()
    client.force_authenticate(member("case_owner", world["team"]))
    response = client.get("/api/v1/persons/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "secret internals" not in response.content.decode()
