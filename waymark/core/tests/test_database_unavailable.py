"""Issue 14 item 13: while the database cannot be reached every request answered 500. It is a 503
with Retry-After (problem details under /api/), and the page renders without the database."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client


@contextmanager
def _database_unreachable():
    """On PostgreSQL, point the real connection at a closed port, then put it back. The suite's
    SQLite database is in memory and cannot be taken away, so there the connection refuses as
    SQLite does when its file cannot be opened."""
    if connection.vendor != "postgresql":
        refused = OperationalError("unable to open database file")
        with mock.patch.object(connection, "_cursor", side_effect=refused):
            yield
        return
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


def _client() -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a-session-the-database-would-hold"
    return client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/people/", "/accounts/sign-in/"])
def test_pages_answer_503_with_retry_after_while_the_database_is_down(path):
    client = _client()
    with _database_unreachable():
        response = client.get(path)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "Sorry, the service is unavailable" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_problem_details_while_the_database_is_down():
    client = _client()
    with _database_unreachable():
        response = client.get("/api/v1/persons/", HTTP_AUTHORIZATION="Bearer wm_x.y")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 503 and int(response["Retry-After"]) > 0


@pytest.mark.django_db(transaction=True)
def test_after_the_database_returns_pages_work_again():
    client = _client()
    with _database_unreachable():
        assert client.get("/accounts/sign-in/").status_code == 503
    assert client.get("/accounts/sign-in/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_machine_client_without_a_session_gets_503_problem_details_too():
    """A bearer credential and no session cookie: the first query is the credential's, inside the
    API's own exception handler, which answered it as a 500."""
    client = Client(raise_request_exception=False)
    with _database_unreachable():
        response = client.get("/api/v1/persons/", HTTP_AUTHORIZATION="Bearer wm_x.y")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 503 and int(response["Retry-After"]) > 0
