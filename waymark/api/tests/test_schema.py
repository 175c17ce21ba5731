"""The OpenAPI schema validates, and schemathesis finds no server error anywhere in it."""

from __future__ import annotations

import io
import uuid

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, given, seed, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error

from waymark.api.rules import SCOPES


def test_the_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi: 3" in out.getvalue()


def test_schema_and_docs_pages_are_served(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


@pytest.fixture
def authed(world):
    from waymark.api import services
    from waymark.api.tests.conftest import member

    user = member("case_owner", world["team"], machine=True)
    issued = services.credential_issue(actor=None, user=user, label="Fuzzer", scopes=list(SCOPES))
    return {"Authorization": f"Bearer {issued.token}"}


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


def test_schemathesis_no_server_errors(authed, world, wsgi_keeps_the_test_connection):
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    failures: list[str] = []
    for operation in operations:
        @seed(20261123)
        @settings(max_examples=50, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            headers = {**authed, "Idempotency-Key": uuid.uuid4().hex}
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            check()
        except BaseException as exc:  # one run reports every failing operation
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {str(exc)[:500]}")
    assert failures == []


def test_a_server_error_in_the_api_is_a_problem_without_a_trace(world, monkeypatch):
    from waymark.people import api as people_api

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(people_api.selectors, "person_visible_queryset", boom)
    client = APIClient()
    from waymark.api.tests.conftest import member

    client.force_authenticate(member("case_owner", world["team"]))
    response = client.get("/api/v1/persons/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "secret internals" not in response.content.decode()
