"""The API contract (issue 14 item 15): the schema says what the API really answers, and the
documentation names what the code defines."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from waymark.api.rules import IDEMPOTENCY_KEY_MAX_LENGTH, SCOPES
from waymark.api.tests.conftest import key, member

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _resolve(schema: dict, ref: dict) -> dict:
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


# ------------------------------------------------------------------------------------------------
# Nullable fields


def test_every_nullable_model_field_in_an_answer_is_declared_nullable(schema):
    from waymark.correspondence.serializers import CorrespondenceItemSerializer
    from waymark.operations.api.field import EntryOutput
    from waymark.people.serializers import PersonSerializer, TimelineEventSerializer
    from waymark.work.serializers import TaskSerializer

    undeclared = []
    for serializer, component in [
        (PersonSerializer, "Person"),
        (TimelineEventSerializer, "TimelineEvent"),
        (TaskSerializer, "Task"),
        (CorrespondenceItemSerializer, "CorrespondenceItem"),
        (EntryOutput, "EntryOutput"),
    ]:
        model = serializer.Meta.model
        concrete = {f.name: f for f in model._meta.concrete_fields} | {
            f.attname: f for f in model._meta.concrete_fields
        }
        for name, field in serializer().fields.items():
            model_field = concrete.get(field.source if field.source != "*" else name)
            declared = schema["components"]["schemas"][component]["properties"][name]
            if (
                model_field is not None
                and model_field.null
                and not (declared.get("nullable") or "oneOf" in declared)
            ):
                undeclared.append(f"{component}.{name}")
    assert undeclared == []


def test_a_person_and_a_task_with_nothing_optional_match_the_schema(world, api, schema):
    from waymark.people import services as people_services
    from waymark.work import services as work_services

    nobody = people_services.person_create(actor=None, given_names="Eve", family_name="Null")
    unassigned = work_services.task_create(
        actor=None, task_type="general.follow_up", title="No one", queue=world["queue"]
    )
    assert nobody.owning_team is None and unassigned.assignee is None and unassigned.person is None
    reader = APIClient()
    reader.force_authenticate(member("data_protection", world["team"]))  # sees people in no team
    person = reader.get(f"/api/v1/persons/{nobody.reference}/")
    task = api.get(f"/api/v1/tasks/{unassigned.pk}/")
    assert person.status_code == 200 and task.status_code == 200
    jsonschema.validate(person.json(), _as_json_schema(schema, "Person"))
    jsonschema.validate(task.json(), _as_json_schema(schema, "Task"))


def _as_json_schema(schema: dict, component: str) -> dict:
    """The OpenAPI 3.0 component as JSON Schema: ``nullable`` becomes a null type."""

    def convert(node):
        if isinstance(node, dict):
            node = {k: convert(v) for k, v in node.items() if k not in ("readOnly", "writeOnly")}
            if node.pop("nullable", False):
                if "type" in node:
                    node["type"] = [node["type"], "null"]
                else:
                    node = {"anyOf": [node, {"type": "null"}]}
            return node
        if isinstance(node, list):
            return [convert(item) for item in node]
        return node

    components = convert(schema["components"])
    return {**components["schemas"][component], "components": components}


# ------------------------------------------------------------------------------------------------
# Problems


def test_every_operation_documents_its_problems_as_problem_json(schema):
    missing = []
    for label, operation in _operations(schema):
        responses = operation["responses"]
        names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        expected = {"401", "403"}
        if any(where == "path" for where, _ in names):
            expected.add("404")
        if ("header", "Idempotency-Key") in names:
            expected |= {"400", "422"}
        if operation.get("requestBody"):
            expected.add("400")
        missing += [f"{label} {code}" for code in sorted(expected - set(responses))]
        for code, response in responses.items():
            if code.startswith("4"):
                content = response.get("content", {})
                assert list(content) == [PROBLEM], f"{label} {code}: {list(content)}"
                assert sorted(_resolve(schema, content[PROBLEM]["schema"])["required"]) == [
                    "detail",
                    "status",
                    "title",
                    "type",
                ]
        assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True, label
    assert missing == []


def test_every_write_documents_409_and_the_creates_that_can_be_in_flight_say_so(schema):
    """Any write can meet another request making the same change at once (core.conflicts answers
    409); an idempotent create can also find its key still in flight."""
    writes, in_flight = set(), set()
    for label, operation in _operations(schema):
        conflict = operation["responses"].get("409")
        assert (conflict is not None) == (label.split()[0] in {"POST", "PUT", "PATCH", "DELETE"}), (
            label
        )
        if conflict:
            writes.add(label)
            if "still being processed" in conflict["description"]:
                in_flight.add(label)
    assert len(writes) > len(in_flight)
    assert in_flight == {
        "POST /api/v1/persons/",
        "POST /api/v1/tasks/",
        "POST /api/v1/tasks/{id}/complete/",
        "POST /api/v1/correspondence/",
        "POST /api/v1/operations/notifications/{id}/answer/",
        "POST /api/v1/nrm/referrals/",
    }


def test_problem_answers_match_the_documented_problem(world, api, schema):
    problem = _as_json_schema(schema, "Problem")
    invalid = api.post("/api/v1/persons/", {"given_names": ""}, format="json", **key())
    missing = api.get("/api/v1/persons/WM-9999999/")
    anonymous = APIClient().get("/api/v1/persons/")
    for response, status in ((invalid, 400), (missing, 404), (anonymous, 401)):
        assert response.status_code == status and response["Content-Type"] == PROBLEM
        jsonschema.validate(response.json(), problem)


# ------------------------------------------------------------------------------------------------
# Idempotency-Key


def test_the_idempotency_key_is_documented_as_the_code_accepts_it(schema):
    keys = [
        (label, p["schema"])
        for label, operation in _operations(schema)
        for p in operation.get("parameters", [])
        if p["name"] == "Idempotency-Key"
    ]
    assert len(keys) >= 5
    for label, declared in keys:
        assert declared.get("minLength") == 1, label
        assert declared.get("maxLength") == IDEMPOTENCY_KEY_MAX_LENGTH, label
        assert declared.get("pattern") == r"\S", label  # spaces alone are no key


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("k", 201),
        ("k" * IDEMPOTENCY_KEY_MAX_LENGTH, 201),
        ("", 400),
        ("   ", 400),
        ("k" * (IDEMPOTENCY_KEY_MAX_LENGTH + 1), 400),
    ],
)
def test_idempotency_keys_at_the_documented_bounds(api, world, value, status):
    response = api.post(
        "/api/v1/tasks/",
        {"task_type": "general.follow_up", "title": "Call", "queue": world["queue"].slug},
        format="json",
        HTTP_IDEMPOTENCY_KEY=value,
    )
    assert response.status_code == status, response.json()


# ------------------------------------------------------------------------------------------------
# 401 and 403


def test_a_csrf_failure_on_a_session_api_call_is_a_403_problem(world, caseworker):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(caseworker)
    response = browser.post(
        "/api/v1/tasks/",
        {"task_type": "general.follow_up", "title": "Call"},
        content_type="application/json",
        headers={"Idempotency-Key": "csrf-test"},
    )
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/csrf-failed") and "CSRF" in body["detail"]
    assert "WWW-Authenticate" not in response


def test_a_session_call_with_its_csrf_token_is_accepted(world, caseworker):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(caseworker)
    browser.cookies[settings.CSRF_COOKIE_NAME] = token = "a" * 32
    response = browser.post(
        "/api/v1/tasks/",
        {"task_type": "general.follow_up", "title": "Call", "queue": world["queue"].slug},
        content_type="application/json",
        headers={"Idempotency-Key": "csrf-test", "X-CSRFToken": token},
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("authorization", ["", "Bearer nope.nope", "Basic abc"])
def test_every_401_carries_a_challenge(world, authorization):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    for response in (
        client.get("/api/v1/persons/"),
        client.post("/api/v1/tasks/", {}, format="json"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="waymark"'


# ------------------------------------------------------------------------------------------------
# Received times


def test_a_correspondence_time_before_1900_is_refused(machine_client, world):
    client, _ = machine_client
    item = {
        "sender": "rep@law.example",
        "recipients": ["hub@waymark.example"],
        "subject": "Old",
        "body": "…",
    }
    refused = client.post(
        "/api/v1/correspondence/",
        {**item, "received_at": "0210-08-28T09:22:46Z"},
        format="json",
        **key(),
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "received_at"
    accepted = client.post(
        "/api/v1/correspondence/",
        {**item, "received_at": "1900-01-01T00:00:00Z"},
        format="json",
        **key(),
    )
    assert accepted.status_code == 201
    assert re.fullmatch(r"1900-01-01T00:00:00(Z|[+-]\d\d:\d\d)", accepted.json()["received_at"])


# ------------------------------------------------------------------------------------------------
# Documentation


def test_the_api_documentation_lists_every_scope_the_code_defines():
    text = (Path(settings.BASE_DIR) / "docs" / "modules" / "api.md").read_text()
    section = text.split("### Scopes", 1)[1].split("\n#", 1)[0] if "### Scopes" in text else ""
    listed = re.findall(r"^\| `([a-z_]+:[a-z_]+)` \|", section, flags=re.MULTILINE)
    assert sorted(listed) == sorted(SCOPES)
