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


class _Cause(Exception):
    """Stands in for the psycopg error Django wraps: only its SQLSTATE is read."""

    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(sqlstate or "")
        self.sqlstate = sqlstate


def _operational(sqlstate: str | None) -> OperationalError:
    error = OperationalError("the database refused")
    error.__cause__ = _Cause(sqlstate)
    return error


@pytest.mark.parametrize(
    ("sqlstate", "unavailable"),
    [
        (None, True),  # no answer at all: connection refused, SQLite's file locked
        ("08006", True),  # connection failure
        ("57P01", True),  # the server shutting down
        ("57014", True),  # a statement cancelled by its timeout
        ("53300", True),  # too many connections
        ("40P01", True),  # a deadlock: retry
        ("55P03", True),  # a lock not had in time
        ("54000", False),  # a value past a limit (a text too long for tsvector)
        ("XX000", False),  # an internal error
        ("58030", False),  # an I/O error on a file
    ],
)
def test_only_errors_a_retry_can_cure_say_the_database_is_unavailable(sqlstate, unavailable):
    from waymark.core.conflicts import is_database_unavailable

    assert is_database_unavailable(_operational(sqlstate)) is unavailable


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/guidance/", "/api/v1/persons/"])
def test_a_statement_past_a_limit_is_a_500_not_a_503_to_retry(path):
    """A guidance text too long to index answered 503 with Retry-After, which no retry cures."""
    from django.test import RequestFactory

    from waymark.api.problems import problem_exception_handler
    from waymark.core.views import server_error

    request = RequestFactory().get(path)
    for sqlstate, status in (("54000", 500), ("08006", 503)):
        error = _operational(sqlstate)
        try:
            raise error
        except OperationalError:
            page = server_error(request)
        assert page.status_code == status
        assert ("Retry-After" in page) is (status == 503)
        answered = problem_exception_handler(error, {"request": request})
        assert answered.status_code == status
