"""Bodies a careless machine client sends: a problem, never a 500."""

from __future__ import annotations

import pytest

from waymark.api.tests.conftest import key


@pytest.mark.parametrize("depth", [5000, 100_000])
def test_a_body_nested_past_the_parser_is_a_400_problem(api, depth):
    """``json.load`` raises RecursionError, which DRF's parser let through as a 500."""
    body = "[" * depth + "]" * depth
    response = api.post("/api/v1/persons/", body, content_type="application/json", **key())
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "nested too deeply" in response.json()["detail"]


def test_a_body_nested_a_little_is_answered_by_the_serializer(api):
    response = api.post(
        "/api/v1/persons/", '{"given_names": [[[["A"]]]]}', content_type="application/json", **key()
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} >= {"given_names"}
