"""The field entries API: 201 first time, 200 with the same body on a replay, problem details for
every refusal, and the batch (offline replay) path with one result per entry."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from waymark.core import clock
from waymark.operations import models as m
from waymark.operations import rules
from waymark.operations.tests.conftest import (
    NOW,
    entry_uuid,
    premises_make,
    user_make,
    visit_deployed_make,
)

pytestmark = pytest.mark.django_db
ENTRIES = "/api/v1/operations/entries/"
BATCH = "/api/v1/operations/entries/batch/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(visit, entry_type="note", data=None, **extra):
    return {
        "client_uuid": entry_uuid(),
        "visit": visit.pk,
        "entry_type": entry_type,
        "recorded_at": (NOW - timedelta(minutes=1)).isoformat(),
        "latitude": 51.5155,
        "longitude": -0.0722,
        "accuracy_m": 8.0,
        "sent_offline": True,
        "data": {"text": "Rear door locked"} if data is None else data,
        **extra,
    }


def test_the_names_in_the_contract():
    assert reverse("api:operations-entries") == ENTRIES
    assert reverse("api:operations-entries-batch") == BATCH


def test_first_send_is_201_and_a_replay_is_200_with_the_same_body(
    frozen, visit_deployed, field_officer
):
    client, sent = api(field_officer), body(visit_deployed)
    first = client.post(ENTRIES, sent, format="json")
    assert first.status_code == 201, first.content
    assert first.data["client_uuid"] == sent["client_uuid"] and first.data["sent_offline"] is True
    assert datetime.fromisoformat(first.data["recorded_at"]) == NOW - timedelta(minutes=1)
    with clock.frozen(NOW + timedelta(minutes=3)):
        again = client.post(ENTRIES, sent, format="json")
    assert again.status_code == 200 and again.json() == first.json()
    assert m.FieldEntry.objects.filter(client_uuid=sent["client_uuid"]).count() == 1


def test_an_entry_with_a_form_field_error_is_400_with_problem_details(
    frozen, visit_deployed, field_officer
):
    response = api(field_officer).post(
        ENTRIES,
        body(
            visit_deployed,
            "seizure",
            {"searched": "Kitchen", "search_power": "s25B", "item_description": "Payslips"},
        ),
        format="json",
    )
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"data.exhibit_number", "data.sealed_bag_number"} <= fields
    assert not m.FieldEntry.objects.exists()


def test_a_rule_broken_is_422(frozen, ice_team, sector, oic, field_officer):
    visit = visit_deployed_make(
        ice_team, premises_make(sector, licensed=False), oic, [field_officer]
    )
    response = api(field_officer).post(
        ENTRIES, body(visit, "entry", {"achieved": "yes", "power": "licensing_s179"}), format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "power", "detail": "Section 179 applies only to licensed premises"}
    ]
    assert not m.FieldEntry.objects.exists()


def test_the_same_id_for_another_entry_is_422(frozen, visit_deployed, field_officer):
    client, sent = api(field_officer), body(visit_deployed)
    assert client.post(ENTRIES, sent, format="json").status_code == 201
    changed = client.post(ENTRIES, {**sent, "data": {"text": "Something else"}}, format="json")
    assert changed.status_code == 422 and "different entry" in changed.content.decode()


def test_not_assigned_is_404_without_the_role_403_and_signed_out_401(
    frozen, visit_deployed, ice_team
):
    outsider = user_make("field_officer", ice_team)
    assert api(outsider).post(ENTRIES, body(visit_deployed), format="json").status_code == 404
    analyst = user_make("performance_analyst", ice_team)
    forbidden = api(analyst).post(ENTRIES, body(visit_deployed), format="json")
    assert forbidden.status_code == 403 and forbidden["Content-Type"] == "application/problem+json"
    assert APIClient().post(ENTRIES, body(visit_deployed), format="json").status_code == 401
    assert not m.FieldEntry.objects.exists()


def test_a_critical_incident_by_an_officer_not_in_charge_is_403(
    frozen, visit_deployed, field_officer
):
    response = api(field_officer).post(
        ENTRIES,
        body(
            visit_deployed, "critical_incident", {"reason": "Assault", "help_requested": "Police"}
        ),
        format="json",
    )
    assert response.status_code == 403 and "officer in charge" in response.json()["detail"]


def test_invalid_envelope_is_400(frozen, visit_deployed, field_officer):
    response = api(field_officer).post(
        ENTRIES,
        {
            **body(visit_deployed),
            "client_uuid": "not-a-uuid",
            "entry_type": "dance",
            "latitude": 200,
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"client_uuid", "entry_type", "latitude"} <= {
        e["field"] for e in response.json()["errors"]
    }


def test_the_batch_replays_the_queue_with_a_result_for_each(frozen, visit_deployed, field_officer):
    client = api(field_officer)
    arrival = body(
        visit_deployed, "arrival", {}, recorded_at=(NOW - timedelta(minutes=9)).isoformat()
    )
    consent = body(
        visit_deployed,
        "entry",
        {
            "achieved": "yes",
            "power": "informed_consent",
            "consent_given_by": "Mr Li",
            "consent_given_by_role": "Manager",
            "told_could_refuse": True,
        },
        recorded_at=(NOW - timedelta(minutes=8)).isoformat(),
    )
    seizure = body(
        visit_deployed,
        "seizure",
        {
            "searched": "Office",
            "search_power": "s25B",
            "item_description": "Passport",
            "exhibit_number": "X1",
            "sealed_bag_number": "B9",
        },
        recorded_at=(NOW - timedelta(minutes=7)).isoformat(),
    )
    bad = body(
        visit_deployed,
        "seizure",
        {"searched": "Office", "search_power": "s25B", "item_description": "Pay"},
    )
    assert (
        client.post(ENTRIES, arrival, format="json").status_code == 201
    )  # the first one did get through
    response = client.post(BATCH, {"entries": [arrival, consent, seizure, bad]}, format="json")
    assert response.status_code == 200
    statuses = [(r["client_uuid"], r["status"]) for r in response.json()["results"]]
    assert statuses == [
        (arrival["client_uuid"], 200),
        (consent["client_uuid"], 201),
        (seizure["client_uuid"], 201),
        (bad["client_uuid"], 400),
    ]
    assert response.json()["results"][3]["problem"]["status"] == 400
    again = client.post(BATCH, {"entries": [arrival, consent, seizure]}, format="json")
    assert [r["status"] for r in again.json()["results"]] == [200, 200, 200]
    assert m.FieldEntry.objects.filter(visit=visit_deployed).count() == 3
    stored = m.FieldEntry.objects.get(client_uuid=seizure["client_uuid"])
    assert stored.recorded_at == NOW - timedelta(minutes=7) and stored.sent_offline


def test_the_batch_size_is_limited(frozen, visit_deployed, field_officer):
    entries = [body(visit_deployed) for _ in range(rules.FIELD_BATCH_MAX + 1)]
    response = api(field_officer).post(BATCH, {"entries": entries}, format="json")
    assert response.status_code == 400 and not m.FieldEntry.objects.exists()
    assert api(field_officer).post(BATCH, {"entries": []}, format="json").status_code == 400


def test_session_auth_needs_the_csrf_token(client, frozen, visit_deployed, field_officer):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(field_officer)
    refused = strict.post(ENTRIES, body(visit_deployed), content_type="application/json")
    assert refused.status_code in (401, 403) and not m.FieldEntry.objects.exists()  # CSRF failed
    page = strict.get(reverse("operations:field", args=[visit_deployed.pk]))
    token = page.content.decode().split('name="waymark-csrf-token" content="')[1].split('"')[0]
    accepted = strict.post(
        ENTRIES, body(visit_deployed), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_the_endpoints_are_in_the_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/operations/entries/" in schema["paths"]
    assert "/api/v1/operations/entries/batch/" in schema["paths"]
    responses = schema["paths"]["/api/v1/operations/entries/"]["post"]["responses"]
    assert {"200", "201", "400", "422"} <= set(responses)
