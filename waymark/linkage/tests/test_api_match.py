"""``POST /api/v1/linkage/match/`` (issue 18 item 7): scoped, the reason for checking required and
audited, bad input an RFC 9457 problem that changes nothing."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from waymark.accounts.services import roles_sync
from waymark.api import services as api_services
from waymark.core.models import AuditEvent
from waymark.linkage import services
from waymark.linkage.models import SourceRecord
from waymark.linkage.tests.linking_fixtures import job_make, population_make
from waymark.testing.users import user_make

pytestmark = pytest.mark.django_db

URL = "/api/v1/linkage/match/"


@pytest.fixture
def linked():
    roles_sync()
    job = job_make()
    groups = population_make(job, people=30)
    run = services.linkage_run_start(actor=None)
    services.linkage_run_execute(run.pk)
    return groups


def _client(role: str | None, scopes: list[str]) -> APIClient:
    roles_sync()
    user = user_make(role, is_machine=True)
    issued = api_services.credential_issue(
        actor=None, user=user, label="Intake system", scopes=scopes
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    return client


def _details(record: SourceRecord) -> dict:
    return {
        "given_names": record.given_names,
        "family_name": record.family_name,
        "date_of_birth": record.date_of_birth.isoformat(),
        "postcode": record.postcode,
        "reason": "Intake interview, reporting centre",
    }


def _checks() -> int:
    return AuditEvent.objects.filter(verb="linkage.match_checked").count()


def test_a_match_finds_the_person_and_is_audited_with_the_reason(linked):
    first = SourceRecord.objects.get(pk=linked[4][0].pk)
    response = _client("records_manager", ["linkage:match"]).post(
        URL, _details(first), format="json"
    )
    assert response.status_code == 200, response.content
    candidates = response.json()["candidates"]
    assert candidates[0]["person"] == first.person.reference
    assert candidates[0]["match_probability"] >= services.rules.lower_threshold()
    assert any(r["field"] == "dob" and r["weight"] > 0 for r in candidates[0]["reasons"])
    check = AuditEvent.objects.get(verb="linkage.match_checked")
    assert check.purpose == "Intake interview, reporting centre"
    assert check.payload["people_found"] == len(candidates)
    shown = AuditEvent.objects.filter(verb="linkage.person_matched")
    assert {e.purpose for e in shown} == {"Intake interview, reporting centre"}
    assert shown.filter(person_id=first.person_id).exists()


def test_a_client_without_the_scope_is_refused(linked):
    first = SourceRecord.objects.get(pk=linked[4][0].pk)
    response = _client("records_manager", ["persons:read"]).post(
        URL, _details(first), format="json"
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert "linkage:match" in response.json()["detail"]
    assert _checks() == 0


def test_a_client_whose_role_may_not_link_records_is_refused(linked):
    first = SourceRecord.objects.get(pk=linked[4][0].pk)
    response = _client("case_owner", ["linkage:match"]).post(URL, _details(first), format="json")
    assert response.status_code == 403
    assert _checks() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"date_of_birth": "31/02/1980"}, "date_of_birth"),
        ({"given_names": "", "family_name": ""}, ""),  # nothing that can identify anyone
        ({"limit": 500}, "limit"),
        ({"phone": "0" * 31}, "phone"),
    ],
)
def test_bad_input_is_a_problem_and_nothing_is_audited(linked, change, field):
    first = SourceRecord.objects.get(pk=linked[4][0].pk)
    body = {**_details(first), **change}
    response = _client("records_manager", ["linkage:match"]).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 400 and problem["errors"]
    fields = {e["field"] for e in problem["errors"]}
    assert field in fields or (field == "" and fields <= {"", "non_field_errors"}), problem
    assert _checks() == 0


def test_a_check_before_any_run_finds_nobody_and_is_still_audited():
    response = _client("records_manager", ["linkage:match"]).post(
        URL,
        {"given_names": "Ana", "family_name": "Silva", "reason": "Letter received"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"candidates": []}
    assert AuditEvent.objects.get(verb="linkage.match_checked").purpose == "Letter received"


def test_a_phone_number_is_standardised_and_matched_on(linked, monkeypatch):
    from waymark.linkage import engine

    seen: list[dict] = []
    match = engine.Matcher.match

    def spy(self, record, **kwargs):
        seen.append(record)
        return match(self, record, **kwargs)

    monkeypatch.setattr(engine.Matcher, "match", spy)
    first = SourceRecord.objects.get(pk=linked[4][0].pk)
    response = _client("records_manager", ["linkage:match"]).post(
        URL, {**_details(first), "phone": "+44 (0)7700 900-123"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert seen and seen[0]["phone"] == "07700900123"
    assert response.json()["candidates"][0]["person"] == first.person.reference
