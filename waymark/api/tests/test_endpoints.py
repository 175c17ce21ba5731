"""Every endpoint: the role decides (403), visibility decides (404), writes go through services
and are audited with the api channel."""

import base64

import pytest
from rest_framework.test import APIClient

from waymark.accounts.roles import ROLES
from waymark.api.tests.conftest import key, member
from waymark.core.models import AuditAction, AuditEvent
from waymark.people.models import Person
from waymark.work.models import Task, TaskStatus

READS = [
    ("/api/v1/persons/", ["people.view_person"]),
    ("/api/v1/persons/{person}/", ["people.view_person"]),
    ("/api/v1/persons/{person}/timeline/", ["people.view_person"]),
    ("/api/v1/tasks/", ["work.view_task"]),
    ("/api/v1/tasks/{task}/", ["work.view_task"]),
    ("/api/v1/correspondence/", ["correspondence.view_correspondenceitem"]),
    ("/api/v1/monitoring/figures/", ["monitoring.view_em_mi"]),
]


@pytest.mark.parametrize("role_key", sorted(ROLES))
def test_each_role_reads_what_its_permissions_allow(role_key, world):
    user = member(role_key, world["team"], machine=False)
    client = APIClient()
    client.force_authenticate(user)
    for template, perms in READS:
        url = template.format(person=world["person"].reference, task=world["task"].pk)
        status = client.get(url).status_code
        expected = 200 if user.has_perms(perms) else 403
        assert status == expected, f"{role_key} {url}: {status}"


def test_a_person_outside_the_callers_teams_is_404(api, world):
    for url in (
        f"/api/v1/persons/{world['hidden'].reference}/",
        f"/api/v1/persons/{world['hidden'].pk}/",
        f"/api/v1/persons/{world['hidden'].pk}/timeline/",
        "/api/v1/persons/WM-9999999/",
    ):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"


def test_viewing_a_person_writes_a_consultation_on_the_api_channel(api, world, caseworker):
    response = api.get(f"/api/v1/persons/{world['person'].reference}/")
    assert response.status_code == 200
    assert response.json()["references"] == [{"type": "home_office", "value": "H1234567"}]
    event = AuditEvent.objects.filter(
        person_id=world["person"].pk, action=AuditAction.CONSULTATION
    ).last()
    assert event.actor == caseworker and event.channel == "api"


def test_search_finds_by_fuzzy_name_only_among_visible_people(api, world):
    found = api.get("/api/v1/persons/", {"q": "Amir Hadad"}).json()
    assert [r["person"]["reference"] for r in found["results"]] == [world["person"].reference]
    assert api.get("/api/v1/persons/", {"q": "Bela Kovacs"}).json()["count"] == 0


def test_list_is_paginated(api, world):
    body = api.get("/api/v1/persons/", {"page_size": 1}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1 and len(body["results"]) == 1
    assert api.get("/api/v1/persons/", {"page": 99}).status_code == 404


def test_create_a_person_is_audited_as_collection_on_the_api_channel(api, world):
    response = api.post(
        "/api/v1/persons/",
        {
            "given_names": "Chen",
            "family_name": "Wei",
            "date_of_birth": "1992-03-04",
            "nationalities": ["chn"],
            "references": [{"type": "pnc", "value": "12/345678A"}],
            "owning_team": "api-team",
        },
        format="json",
        **key(),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("WM-") and body["nationalities"] == ["CHN"]
    event = AuditEvent.objects.get(verb="person.created", target_id=str(body["id"]))
    assert event.action == AuditAction.COLLECTION and event.channel == "api"


def test_invalid_person_is_400_with_field_errors_and_nothing_stored(api, world):
    before = Person.objects.count()
    response = api.post(
        "/api/v1/persons/",
        {"given_names": "", "date_of_birth": "31/02/1990", "nationalities": ["QQQ"]},
        format="json",
        **key(),
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"given_names", "family_name", "date_of_birth", "nationalities"} <= fields
    assert Person.objects.count() == before


def test_a_duplicate_reference_is_422_and_nothing_stored(api, world):
    before = Person.objects.count()
    response = api.post(
        "/api/v1/persons/",
        {
            "given_names": "A",
            "family_name": "B",
            "references": [{"type": "home_office", "value": "H1234567"}],
        },
        format="json",
        **key(),
    )
    assert response.status_code == 422, response.json()
    assert response.json()["errors"]
    assert Person.objects.count() == before


def test_tasks_list_only_visible_queues_and_other_teams_tasks_are_404(api, world):
    ids = [t["id"] for t in api.get("/api/v1/tasks/").json()["results"]]
    assert world["task"].pk in ids and world["other_task"].pk not in ids
    assert api.get(f"/api/v1/tasks/{world['other_task'].pk}/").status_code == 404
    assert (
        api.post(
            f"/api/v1/tasks/{world['other_task'].pk}/complete/",
            {"outcome": "done"},
            format="json",
            **key(),
        ).status_code
        == 404
    )


def test_create_and_complete_a_task(api, world):
    created = api.post(
        "/api/v1/tasks/",
        {
            "task_type": "general.enquiry",
            "title": "Reply to solicitor",
            "person": world["person"].reference,
            "queue": "api-queue",
        },
        format="json",
        **key(),
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["deadline_rule"] == "general_enquiry" and body["due_at"].endswith("Z")
    done = api.post(
        f"/api/v1/tasks/{body['id']}/complete/", {"outcome": "replied"}, format="json", **key()
    )
    assert done.status_code == 200 and done.json()["status"] == TaskStatus.DONE


def test_a_task_in_someone_elses_queue_or_about_a_hidden_person_is_refused(api, world):
    before = Task.objects.count()
    response = api.post(
        "/api/v1/tasks/",
        {
            "task_type": "general.follow_up",
            "title": "x",
            "queue": "other-queue",
            "person": world["hidden"].reference,
        },
        format="json",
        **key(),
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"queue", "person"}
    assert Task.objects.count() == before


def test_unknown_task_type_is_400(api, world):
    response = api.post(
        "/api/v1/tasks/", {"task_type": "nope", "title": "x"}, format="json", **key()
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "task_type"


def test_correspondence_is_registered_matched_and_a_repeat_is_the_same_item(world):
    user = member("case_owner", world["team"])
    client = APIClient()
    client.force_authenticate(user)
    payload = {
        "sender": "rep@law.example",
        "recipients": ["hub@waymark.example"],
        "subject": "Client H1234567",
        "body": "Our client, Home Office reference H1234567, asks...",
        "received_at": "2026-11-20T09:30:00Z",
        "message_id": "<abc@law.example>",
        "attachments": [
            {
                "file_name": "letter.txt",
                "content_type": "text/plain",
                "content_base64": base64.b64encode(b"Dear Sir\n").decode(),
            }
        ],
    }
    first = client.post("/api/v1/correspondence/", payload, format="json", **key())
    assert first.status_code == 201, first.json()
    again = client.post("/api/v1/correspondence/", payload, format="json", **key())
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert client.get(f"/api/v1/correspondence/{first.json()['id']}/").status_code == 200


def test_bad_base64_attachment_is_400(api, world):
    response = api.post(
        "/api/v1/correspondence/",
        {
            "sender": "a@b.example",
            "recipients": ["c@d.example"],
            "received_at": "2026-11-20T09:30:00Z",
            "attachments": [{"file_name": "x.pdf", "content_base64": "!!!"}],
        },
        format="json",
        **key(),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "attachments[0].content_base64"


def test_an_unknown_api_url_is_a_problem_not_a_page(api):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


# ------------------------------------------------------------------------------------------------
# Issue 14 item 9: the owning team follows the web form's rule (one of the caller's own teams)


def test_a_person_cannot_be_created_for_a_team_the_caller_is_not_in(api, world):
    before = Person.objects.count()
    response = api.post(
        "/api/v1/persons/",
        {"given_names": "Ola", "family_name": "Nowak", "owning_team": "other-team"},
        format="json",
        **key(),
    )
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["owning_team"]
    assert Person.objects.count() == before


def test_a_person_may_be_created_for_the_callers_team_or_with_ownership_unclear(api, world):
    own = api.post(
        "/api/v1/persons/",
        {"given_names": "Ola", "family_name": "Nowak", "owning_team": "api-team"},
        format="json",
        **key(),
    )
    assert own.status_code == 201 and own.json()["owning_team"] == "api-team"
    unclear = api.post(
        "/api/v1/persons/",
        {"given_names": "Iva", "family_name": "Horak", "owning_team": None},
        format="json",
        **key(),
    )
    assert unclear.status_code == 201 and unclear.json()["owning_team"] is None
    assert unclear.json()["ownership_state"] == "unclear"


# ------------------------------------------------------------------------------------------------
# Issue 14 item 8: registering correspondence is not an oracle for people the caller may not see

_ORACLE_FIELDS = ("person", "match_status", "match_method", "task_id", "match_task_id", "copies")


def _register(client, reference: str, message_id: str):
    return client.post(
        "/api/v1/correspondence/",
        {
            "sender": "rep@law.example",
            "recipients": ["hub@waymark.example"],
            "subject": f"Our client {reference}",
            "body": f"Home Office reference {reference}, please reply.",
            "received_at": "2026-11-20T09:30:00Z",
            "message_id": message_id,
        },
        format="json",
        **key(),
    )


def test_correspondence_naming_a_hidden_person_answers_as_for_nobody(world):
    from waymark.correspondence.models import CorrespondenceItem
    from waymark.people import services as people_services

    people_services.reference_add(
        actor=None, person=world["hidden"], reference_type="home_office", value="K7654321"
    )
    client = APIClient()
    client.force_authenticate(member("case_owner", world["team"]))
    hidden = _register(client, "K7654321", "<hidden@law.example>")
    nobody = _register(client, "K1111111", "<nobody@law.example>")
    assert hidden.status_code == nobody.status_code == 201, (hidden.json(), nobody.json())
    assert {f: hidden.json()[f] for f in _ORACLE_FIELDS} == {
        f: nobody.json()[f] for f in _ORACLE_FIELDS
    }
    assert hidden.json()["match_status"] == "match_needed"
    # Reading the items back tells the same story.
    for what in ("id",):
        one = client.get(f"/api/v1/correspondence/{hidden.json()[what]}/")
        two = client.get(f"/api/v1/correspondence/{nobody.json()[what]}/")
        assert one.status_code == two.status_code == 200
        assert {f: one.json()[f] for f in _ORACLE_FIELDS} == {
            f: two.json()[f] for f in _ORACLE_FIELDS
        }
    listed = {i["id"]: i for i in client.get("/api/v1/correspondence/").json()["results"]}
    assert hidden.json()["id"] in listed and nobody.json()["id"] in listed
    needed = {
        i["id"]
        for i in client.get("/api/v1/correspondence/", {"match_status": "match_needed"}).json()[
            "results"
        ]
    }
    assert {hidden.json()["id"], nobody.json()["id"]} <= needed
    matched = {
        i["id"]
        for i in client.get("/api/v1/correspondence/", {"match_status": "matched"}).json()[
            "results"
        ]
    }
    assert hidden.json()["id"] not in matched
    # The match itself is recorded, for staff who may see the person.
    item = CorrespondenceItem.objects.get(pk=hidden.json()["id"])
    assert item.person_id == world["hidden"].pk and item.match_status == "matched"
    staff = APIClient()
    staff.force_authenticate(member("case_owner", world["other"]))
    seen = staff.get(f"/api/v1/correspondence/{item.pk}/").json()
    assert seen["person"] == world["hidden"].reference and seen["match_status"] == "matched"
