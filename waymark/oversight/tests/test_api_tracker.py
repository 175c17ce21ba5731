"""The tracker's read API (issue 20 item 6): every recommendation of the five reports with its
response and actions, the same rows as the page, filtered by report and status and paged; every
role gets it only with ``oversight.view_tracker``; a machine client needs the ``oversight:read``
scope as well; bad filters are problem details; an unknown recommendation is 404."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.oversight import permissions as perms
from waymark.oversight.models import Recommendation
from waymark.oversight.selectors import tracker as sel
from waymark.oversight.tests.api_clients import machine_client, session_client

URL = "/api/v1/oversight/recommendations/"


def _all(client, url=URL) -> list[dict]:
    rows = []
    page = client.get(url + ("&" if "?" in url else "?") + "page_size=200")
    while True:
        assert page.status_code == 200, page.content
        rows += page.json()["results"]
        if not page.json().get("next"):
            return rows
        page = client.get(page.json()["next"])


def test_every_recommendation_of_the_seeds_with_its_actions(seeded, action, assurance):
    client = session_client(assurance)
    rows = _all(client)
    assert len(rows) == Recommendation.objects.count() == len(sel.tracker_rows())
    assert {r["seed"] for r in rows} == {"000", "001", "002", "003", "004"}
    with_action = next(r for r in rows if r["id"] == action.recommendation_id)
    assert with_action["status"] == "open"
    [a] = with_action["actions"]
    assert a["id"] == action.pk and a["due_on"] == action.due_on.isoformat()
    assert a["owner"] == (action.owner.get_full_name() or action.owner.username)
    assert a["date_revisions"] == 0 and a["status"] == "open"
    one = client.get(f"{URL}{action.recommendation_id}/")
    assert one.status_code == 200 and one.json() == with_action


def test_the_filters_match_the_page_and_bad_ones_are_problems(seeded, action, assurance):
    client = session_client(assurance)
    only = _all(client, f"{URL}?seed=002")
    assert only and {r["seed"] for r in only} == {"002"}
    assert len(only) == len(sel.tracker_rows(seed="002"))
    open_ = _all(client, f"{URL}?status=open")
    assert [r["id"] for r in open_] == [
        row.recommendation.pk for row in sel.tracker_rows(status="open")
    ]
    for bad in ("?seed=2", "?seed=abc", "?status=shut"):
        response = client.get(URL + bad)
        assert response.status_code == 400, bad
        assert response["Content-Type"].startswith("application/problem+json")
    assert client.get(f"{URL}999999/").status_code == 404


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role(role_key, seeded, team):
    user = testing.user_make(role_key, team)
    status = session_client(user).get(URL).status_code
    assert status == (200 if user.has_perm(perms.VIEW) else 403), (role_key, status)


def test_anonymous_and_machine_clients(seeded, team):
    assert APIClient().get(URL).status_code == 401
    assert machine_client(team, "assurance", ["oversight:read"]).get(URL).status_code == 200
    assert machine_client(team, "assurance", ["monitoring:read"]).get(URL).status_code == 403
    # The scope alone is not enough: the client's role must read the tracker.
    assert machine_client(team, "em_caseworker", ["oversight:read"]).get(URL).status_code == 403
