"""The referrals API: a scoped machine client or a signed-in first responder sends a referral
(idempotent; refusals as problem details with nothing saved); reads limited by may_see_referral."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from waymark import testing
from waymark.api import services as api_services
from waymark.nrm import models as m

pytestmark = pytest.mark.django_db

URL = "/api/v1/nrm/referrals/"
ANSWERS = {"account": "Worked 16 hours a day on a farm", "indicators": "Passport held by boss"}


def machine(team, scopes):
    user = testing.user_make("first_responder", team, is_machine=True)
    issued = api_services.credential_issue(actor=None, user=user, label="PIT system", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    return client, user


def session(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(subject, **over):
    data = {
        "person": subject.pk,
        "referrer_type": "prison_immigration_team",
        "consent": "consented",
        "age_group": "adult",
        "detained": True,
        "exploitation_types": ["forced_labour"],
        "control_methods": ["threats"],
        "answers": dict(ANSWERS),
    }
    data.update(over)
    return data


def post(client, data, key=None):
    return client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()))


@pytest.fixture
def world(frozen, authority_team, form_version, responder_team, person):
    person.owning_team = responder_team
    person.save()
    return person


def test_a_machine_client_refers_once_per_key_and_per_source_key(world, responder_team):
    client, _user = machine(responder_team, ["nrm:refer"])
    key = str(uuid.uuid4())
    first = post(client, body(world, source_key="PIT-77"), key)
    assert first.status_code == 201, first.content
    assert first.json()["reference"].startswith("NRM-")
    assert post(client, body(world, source_key="PIT-77"), key).json() == first.json()
    again = post(client, body(world, source_key="PIT-77"))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert m.Referral.objects.get().source == "api"


def test_a_client_without_the_scope_is_refused(world, responder_team):
    client, _user = machine(responder_team, ["persons:read"])
    response = post(client, body(world))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert not m.Referral.objects.exists()


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"age_group": "child", "consent": "child"}, "local authority"),
        ({"consent": "not_consented"}, "duty to notify"),
        ({"answers": {"account": "only this"}}, "Indicators"),
    ],
)
def test_bad_input_is_a_problem_with_the_reason_and_nothing_saved(
    world, first_responder, over, words
):
    response = post(session(first_responder), body(world, **over))
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert words in str(response.json()["errors"])
    assert not m.Referral.objects.exists()


def test_matching_details_answer_the_candidates(world, first_responder):
    details = {"given_names": "Amira", "family_name": "Haddad", "date_of_birth": "1994-03-02"}
    data = body(world, person=None, person_details=details, create_person=True)
    response = post(session(first_responder), data)
    assert response.status_code == 422
    assert response.json()["type"].endswith("person-match-required")
    assert f"{world.pk}: Amira" in str(response.json()["errors"])
    confirmed = post(session(first_responder), {**data, "confirm_person_id": world.pk})
    assert confirmed.status_code == 201
    assert confirmed.json()["person"] == world.pk


def test_reads_are_limited_by_who_may_see(
    world, first_responder, other_responder, outsider, decision_maker
):
    made = post(session(first_responder), body(world)).json()
    detail = f"{URL}{made['id']}/"
    assert session(first_responder).get(detail).status_code == 200
    assert session(decision_maker).get(detail).json()["answers"] == ANSWERS
    assert session(other_responder).get(detail).status_code == 404
    assert session(outsider).get(detail).status_code == 404
    assert session(first_responder).get(URL).json()["count"] == 1
    assert session(other_responder).get(URL).json()["count"] == 0
    assert session(decision_maker).get(URL).json()["count"] == 1
