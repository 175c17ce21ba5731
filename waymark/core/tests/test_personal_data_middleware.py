"""Reads of personal data: one consultation entry a request, never cached (issue 14 items 6, 14),
and a caller's X-Request-Id kept only when it fits the audit trail (item 13)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from waymark.core.models import AuditAction, AuditEvent
from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_team, make_user

pytestmark = pytest.mark.django_db
CONSULTED = (AuditAction.CONSULTATION, AuditAction.DISCLOSURE)


@pytest.fixture
def team():
    return make_team("Consultations")


@pytest.fixture
def caseworker(team):
    return make_user(*CASEWORKER_PERMS, "work.view_task", teams=[team], username="reader")


@pytest.fixture
def people(team):
    return [
        make_person(given_names=f"Person{i}", family_name="Okafor", owning_team=team)
        for i in range(5)
    ]


def _entries(since: int):
    return list(
        AuditEvent.objects.filter(sequence__gt=since, action__in=CONSULTED).order_by("sequence")
    )


def _last() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def test_a_search_is_one_consultation_with_the_query_and_is_not_cached(client, caseworker, people):
    client.force_login(caseworker)
    before = _last()
    response = client.get(reverse("people:search"), {"name": "Okafor", "search": "1"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    [entry] = _entries(before)
    assert entry.action == AuditAction.CONSULTATION and entry.actor == caseworker
    assert entry.payload["route"] == "people:search"
    assert entry.payload["query"]["name"] == "Okafor"
    assert entry.payload["people_loaded"] == sorted(p.pk for p in people)
    assert entry.request_id == response["X-Request-Id"]


def test_a_view_that_logs_its_own_consultation_is_not_logged_twice(client, caseworker, people):
    client.force_login(caseworker)
    before = _last()
    response = client.get(reverse("people:detail", args=[people[0].pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [entry] = _entries(before)
    assert entry.verb == "person.viewed" and entry.person_id == people[0].pk


def test_a_page_about_one_person_enters_their_access_history(client, caseworker, people):
    client.force_login(caseworker)
    before = _last()
    assert client.get(f"/people/{people[1].pk}/notes/add/").status_code == 200  # names the person
    [entry] = _entries(before)
    assert entry.verb == "personal_data.consulted" and entry.person_id == people[1].pk


def test_special_category_filters_are_not_written_to_the_trail(client, caseworker, people):
    client.force_login(caseworker)
    before = _last()
    client.get(
        reverse("people:search"), {"name": "Okafor", "religion": "Muslim", "ethnicity": "Kurdish"}
    )
    [entry] = _entries(before)
    assert entry.payload["query"]["religion"] == "(not logged)"
    assert "Muslim" not in str(entry.payload) and "Kurdish" not in str(entry.payload)


def test_pages_without_personal_data_are_neither_logged_nor_marked_no_store(client, caseworker):
    client.force_login(caseworker)
    before = _last()
    response = client.get(reverse("work:backlog"))
    assert response.status_code == 200
    assert _entries(before) == []
    assert "no-store" not in response.get("Cache-Control", "")


def test_refusals_redirects_and_signed_out_requests_are_not_consultations(
    client, caseworker, people
):
    before = _last()
    assert (
        client.get(reverse("people:detail", args=[people[0].pk])).status_code == 302
    )  # to sign-in
    client.force_login(make_user(teams=[], username="nobody"))
    assert client.get(reverse("people:detail", args=[people[0].pk])).status_code == 403
    assert _entries(before) == []


def test_paging_the_person_api_leaves_one_entry_a_page_with_the_count_and_the_people(
    caseworker, people
):
    api = APIClient()
    api.force_authenticate(caseworker)
    before = _last()
    seen = []
    url = "/api/v1/persons/?page_size=2"
    while url:
        response = api.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        seen.append([row["person"]["id"] for row in response.json()["results"]])
        url = response.json()["next"]
    entries = _entries(before)
    assert len(entries) == len(seen) == 3
    for entry, ids in zip(entries, seen, strict=True):
        assert entry.channel == "api" and entry.payload["route"] == "api:persons"
        assert entry.payload["count"] == 5
        assert entry.payload["people"] == sorted(ids)


@pytest.mark.parametrize("offered", ["x" * 65, "id with spaces", "<script>", "é" * 10])
def test_an_unfit_request_id_is_replaced_and_the_read_is_still_audited(
    client, caseworker, people, offered
):
    client.force_login(caseworker)
    before = _last()
    response = client.get(reverse("people:tasks", args=[people[0].pk]), HTTP_X_REQUEST_ID=offered)
    assert response.status_code == 200
    assert response["X-Request-Id"] != offered and len(response["X-Request-Id"]) == 32
    [entry] = _entries(before)
    assert entry.request_id == response["X-Request-Id"]


def test_a_plain_request_id_is_kept(client, caseworker, people):
    client.force_login(caseworker)
    offered = "trace-" + "a" * 58  # 64 characters
    response = client.get(reverse("people:tasks", args=[people[0].pk]), HTTP_X_REQUEST_ID=offered)
    assert response["X-Request-Id"] == offered
    assert AuditEvent.objects.order_by("-sequence").first().request_id == offered
