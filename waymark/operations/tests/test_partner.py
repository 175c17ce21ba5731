"""The police partner: only their own force's forms, only the fields they need; the page and the API."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.test import APIClient

from waymark.accounts.models import User
from waymark.api.models import ClientCredential
from waymark.api.selectors import secret_hash
from waymark.core import clock
from waymark.operations import models as m
from waymark.operations import rules, services

from .conftest import NOW, premises_make, user_make, visit_make


@pytest.fixture
def sent(visit, oic, frozen):
    return services.notification_send(actor=oic, visit=visit)


@pytest.fixture
def other_force_form(ice_team, sector, oic, frozen):
    force = m.PoliceForce.objects.get(code="kent")
    visit = visit_make(ice_team, premises_make(sector, force, name="Kent Kebabs"), creator=oic)
    return services.notification_send(actor=oic, visit=visit)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_partner_sees_only_their_own_forces_forms_and_no_personal_data(
    sent, other_force_form, police_partner, subject
):
    sent.visit.subjects.add(subject)
    c = client_for(police_partner)
    home = c.get("/operations/partner/").content.decode()
    assert sent.visit.premises.postcode in home and "Kent Kebabs" not in home
    page = c.get(f"/operations/partner/forms/{sent.pk}/").content.decode()
    assert sent.visit.premises.address_line_1 in page
    assert subject.family_name not in page and sent.visit.reference not in page
    assert sent.visit.premises.business_name not in page
    assert c.get(f"/operations/partner/forms/{other_force_form.pk}/").status_code == 404


def test_partner_answers_on_the_page(sent, police_partner, frozen):
    c = client_for(police_partner)
    bad = c.post(f"/operations/partner/forms/{sent.pk}/", {"signed_by_name": "PS Smith"})
    assert bad.status_code == 400 and "govuk-error-summary" in bad.content.decode()
    sent.refresh_from_db()
    assert sent.returned_at is None
    ok = c.post(
        f"/operations/partner/forms/{sent.pk}/",
        {
            "signed_by_name": "PS Smith",
            "signed_by_rank": "Sergeant",
            "warning_markers": "None known",
            "community_tensions": "None known",
            "complete": "yes",
        },
    )
    assert ok.status_code == 302
    sent.refresh_from_db()
    assert sent.counts and sent.valid_until == rules.onf_valid_until(NOW)


def test_a_partner_of_another_force_cannot_answer(sent, frozen):
    kent = m.PoliceForce.objects.get(code="kent")
    outsider = user_make("police_partner", None)
    kent.partners.add(outsider)
    with pytest.raises(PermissionDenied, match="another police force"):
        services.notification_answer(
            actor=outsider,
            form=sent,
            signed_by_name="X",
            signed_by_rank="Y",
            warning_markers="None",
            community_tensions="None",
            complete=True,
        )
    sent.refresh_from_db()
    assert sent.returned_at is None


@pytest.fixture
def machine(police_force):
    user = User.objects.create_user(username="met-police-client", password=None, is_machine=True)
    user.groups.add(Group.objects.get(name="police_partner"))
    police_force.partners.add(user)
    credential = ClientCredential.objects.create(
        client_id="wm_met",
        secret_hash=secret_hash("s3cret"),
        label="Metropolitan Police force intelligence",
        user=user,
        scopes=[rules.NOTIFICATION_API_SCOPE],
        created_at=NOW,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer wm_met.s3cret")
    return client, credential


ANSWER = {
    "signed_by_name": "Insp Jones",
    "signed_by_rank": "Inspector",
    "warning_markers": "None known",
    "community_tensions": "None known",
    "complete": True,
}


def test_api_answer_and_replay(sent, machine):
    client, _ = machine
    key = str(uuid.uuid4())
    with clock.frozen(NOW):
        first = client.post(
            f"/api/v1/operations/notifications/{sent.pk}/answer/",
            ANSWER,
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        again = client.post(
            f"/api/v1/operations/notifications/{sent.pk}/answer/",
            ANSWER,
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
    assert first.status_code == 201 and first.json()["counts"] is True
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    sent.refresh_from_db()
    assert sent.signed_by_name == "Insp Jones"


def test_api_bad_input_is_a_problem_and_nothing_is_stored(sent, other_force_form, machine):
    client, _ = machine
    with clock.frozen(NOW):
        bad = client.post(
            f"/api/v1/operations/notifications/{sent.pk}/answer/",
            {"signed_by_name": ""},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
        assert {e["field"] for e in bad.json()["errors"]} >= {"signed_by_name", "complete"}
        no_key = client.post(
            f"/api/v1/operations/notifications/{sent.pk}/answer/", ANSWER, format="json"
        )
        assert no_key.status_code == 400
        other = client.post(
            f"/api/v1/operations/notifications/{other_force_form.pk}/answer/",
            ANSWER,
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert other.status_code == 404 and other["Content-Type"] == "application/problem+json"
        client.post(
            f"/api/v1/operations/notifications/{sent.pk}/answer/",
            ANSWER,
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        twice = client.post(
            f"/api/v1/operations/notifications/{sent.pk}/answer/",
            ANSWER,
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert (
            twice.status_code == 422
            and "already been answered" in twice.json()["errors"][0]["detail"]
        )
    other_force_form.refresh_from_db()
    assert other_force_form.returned_at is None


def test_api_without_the_scope_is_refused(sent, machine):
    client, credential = machine
    credential.scopes = ["tasks:read"]
    credential.save()
    with clock.frozen(NOW):
        response = client.post(
            f"/api/v1/operations/notifications/{sent.pk}/answer/",
            ANSWER,
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert response.status_code == 403


def test_a_form_for_a_visit_already_past_is_no_longer_waiting(sent, police_partner, frozen):
    c = client_for(police_partner)
    assert sent.visit.premises.postcode in c.get("/operations/partner/").content.decode()
    with clock.frozen(sent.visit.planned_start + rules.ONF_POLICE_RESPONSE):
        home = c.get("/operations/partner/").content.decode()
    assert "Waiting for your answer (0)" in home and sent.visit.premises.postcode not in home
