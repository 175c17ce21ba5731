"""Text PostgreSQL cannot store is refused with a 400 before any view runs
(``core.middleware.RefuseUnstorableInputMiddleware``): a NUL in the path, the query string or a
form, and a NUL or a lone surrogate in a JSON body. Each of these was a 500 on PostgreSQL from any
search box, filter or field that did not refuse it itself; now a person gets the GOV.UK 400 page
saying why and a machine client problem details, and nothing is saved."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from waymark.core.middleware import checks_its_own_body
from waymark.people.models import Person
from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_team, make_user

pytestmark = pytest.mark.django_db
NUL_REASON = "The request contains a NUL character (0x00)"


@pytest.fixture
def team():
    return make_team("Hostile input")


@pytest.fixture
def caseworker(team):
    return make_user(*CASEWORKER_PERMS, teams=[team], username="hostile-input")


@pytest.fixture
def person(team):
    return make_person(given_names="Amir", family_name="Haddad", owning_team=team)


@pytest.fixture
def api(caseworker):
    client = APIClient()
    client.force_authenticate(caseworker)
    return client


@pytest.mark.parametrize(
    "query",
    [
        {"q": "Amir\x00"},  # the timeline's search box (a 500 on PostgreSQL: icontains)
        {"module": "\x00"},  # a filter
        {"page": "2\x00"},
        {"unread-by-the-view": "\x00"},
        {"\x00": "1"},  # a parameter's name
    ],
)
def test_a_nul_in_the_query_string_is_the_400_page_saying_why(client, caseworker, person, query):
    client.force_login(caseworker)
    response = client.get(f"/people/{person.pk}/timeline/", query)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Sorry, there is a problem with the request" in body
    assert NUL_REASON in body


def test_a_nul_in_a_form_post_is_refused_and_nothing_is_saved(client, caseworker, person):
    """As a browser posts a form without a file (a multipart body is left to the form's fields,
    which refuse a NUL themselves)."""
    client.force_login(caseworker)
    before = person.notes.count()
    response = client.post(
        f"/people/{person.pk}/notes/add/",
        urlencode({"text": "Called\x00 back"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert NUL_REASON in response.content.decode()
    assert person.notes.count() == before


def test_a_nul_in_an_api_path_is_problem_details(api):
    response = api.get("/api/v1/persons/WM-\x00/")  # a 500 on PostgreSQL: the reference lookup
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith(NUL_REASON)


def test_a_nul_in_an_api_query_string_is_problem_details(api, person):
    response = api.get("/api/v1/persons/", {"page_size": "1", "ignored": "\x00"})
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-request")


@pytest.mark.parametrize(
    "extra, reason",
    [
        ({"unknown": "a\x00b"}, NUL_REASON),  # a field the serializer ignores is refused too
        ({"\x00": "key"}, NUL_REASON),
        ({"given_names": "Chen\ud800"}, "lone UTF-16 surrogate"),
        ({"references": [{"type": "home_office", "value": "\udfff"}]}, "lone UTF-16 surrogate"),
    ],
)
def test_a_nul_or_a_lone_surrogate_in_a_json_body_is_refused_and_nothing_saved(api, extra, reason):
    before = Person.objects.count()
    body = json.dumps({"given_names": "Chen", "family_name": "Wei", **extra})
    response = api.post(
        "/api/v1/persons/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert reason in response.json()["detail"]
    assert Person.objects.count() == before


def test_an_escaped_backslash_before_u0000_is_text_and_passes(api):
    """``"\\\\u0000"`` in JSON is a backslash and five characters, not a NUL: it is stored."""
    response = api.post(
        "/api/v1/persons/",
        json.dumps({"given_names": "Chen", "family_name": "Wei\\u0000"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.content
    assert Person.objects.get(pk=response.json()["id"]).family_name == "Wei\\u0000"


def test_ordinary_requests_pass(client, caseworker, person):
    client.force_login(caseworker)
    assert client.get(f"/people/{person.pk}/timeline/", {"q": "Amir"}).status_code == 200


def test_a_view_that_checks_its_own_body_gets_it_unrefused():
    """A batch answered entry by entry (supplier events, the field notebook's offline queue)
    refuses an entry holding a NUL alone: the middleware leaves its body to it."""
    from django.urls import resolve

    def view(path):
        return resolve(path).func

    assert checks_its_own_body(view("/api/v1/monitoring/supplier/events/batch/"))
    assert checks_its_own_body(view("/api/v1/operations/entries/batch/"))
    assert not checks_its_own_body(view("/api/v1/monitoring/supplier/events/"))
    assert not checks_its_own_body(view("/api/v1/operations/entries/"))
    assert not checks_its_own_body(view("/api/v1/persons/"))
