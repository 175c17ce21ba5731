"""The risk registers' read API (issue 20 item 6): every register with its open risks by level,
overdue reviews and open supplier issues, the same as the registers page; a register's risks
highest rating first with their target, cadence, next review and an acceptance in force, filtered
as the register page filters them; every role gets it only with ``oversight.view_risks``; a
machine client needs the ``oversight:read`` scope as well; bad filters are problem details; an
unknown register is 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.core import clock
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.selectors import governance as sel
from waymark.oversight.services import governance as services
from waymark.oversight.tests.api_clients import machine_client, session_client

URL = "/api/v1/oversight/risk-registers/"
NOW = testing.NOW  # Wednesday 18 November 2026


@pytest.fixture
def service_delivery(team):
    return testing.user_make("service_delivery", team, last_name="Delivery")


@pytest.fixture
def register(service_delivery, assurance, line_manager):
    """A joint register with a high risk (accepted by the service delivery manager), a medium risk
    whose review is overdue, and a closed-out low one on a second, directorate register."""
    with clock.frozen(NOW):
        joint = services.register_create(
            actor=service_delivery,
            name="EM contract joint risk register",
            kind="joint",
            owner=assurance,
            contract_owner=service_delivery,
            supplier="Capita EMS",
        )
        high = _risk(joint, service_delivery, line_manager, 5, 4, title="Tags left faulty")
        services.risk_accept(
            actor=service_delivery,
            risk=high,
            expires_on=NOW.date() + timedelta(days=30),
            reason="Supplier's remediation plan agreed",
        )
        _risk(joint, service_delivery, line_manager, 3, 3, title="Late visits")
        directorate = services.register_create(
            actor=service_delivery, name="Directorate register", kind="directorate", owner=assurance
        )
        _risk(directorate, service_delivery, line_manager, 2, 2, title="Printer", target=1)
    return joint


def _risk(register, actor, owner, likelihood, impact, *, title, target=2):
    return services.risk_add(
        actor=actor,
        register=register,
        title=title,
        cause="A cause",
        effect="An effect",
        owner=owner,
        likelihood=likelihood,
        impact=impact,
        target_likelihood=target,
        target_impact=target,
    )


def test_the_registers_with_their_counts_as_on_the_page(register, assurance, service_delivery):
    with clock.frozen(NOW + timedelta(days=200)):  # every review is overdue by then
        body = session_client(assurance).get(URL).json()
        page_rows = sel.register_rows()
    assert body["count"] == len(page_rows) == 2
    joint = next(r for r in body["results"] if r["id"] == register.pk)
    assert joint["kind"] == "joint" and joint["supplier"] == "Capita EMS"
    assert joint["contract_owner"] == service_delivery.get_full_name()
    assert joint["open_risks"] == 2
    assert joint["open_risks_by_level"] == {"high": 1, "medium": 1, "low": 0}
    assert joint["overdue_reviews"] == 2 and joint["open_supplier_issues"] == 0


def test_a_register_s_risks_highest_first_with_target_and_acceptance(register, assurance):
    with clock.frozen(NOW):
        body = session_client(assurance).get(f"{URL}{register.pk}/risks/").json()
    high, medium = body["results"]
    assert (high["title"], high["rating"], high["level"]) == ("Tags left faulty", 20, "high")
    assert (high["target_rating"], high["target_level"]) == (4, "low")
    assert high["accepted_until"] == (NOW.date() + timedelta(days=30)).isoformat()
    assert high["accepted_by"] and high["status"] == "open" and not high["review_overdue"]
    assert medium["title"] == "Late visits" and medium["accepted_until"] is None
    assert medium["level"] == "medium"
    assert medium["review_cadence_days"] == rules.RISK_REVIEW_DAYS["medium"]


def medium_risk(register):
    return register.risks.get(title="Late visits")


def test_the_filters_match_the_page_and_bad_ones_are_problems(register, assurance):
    client = session_client(assurance)
    with clock.frozen(NOW):
        high = client.get(f"{URL}{register.pk}/risks/?level=high").json()["results"]
        overdue_now = client.get(f"{URL}{register.pk}/risks/?overdue=true").json()["results"]
        closed = client.get(f"{URL}{register.pk}/risks/?status=closed").json()["results"]
    assert [r["title"] for r in high] == ["Tags left faulty"]
    assert overdue_now == [] and closed == []
    due = medium_risk(register).next_review_on
    with clock.frozen(NOW + (due - NOW.date()) + timedelta(days=1)):
        overdue = client.get(f"{URL}{register.pk}/risks/?overdue=1").json()["results"]
        expected = sel.register_risks(register, overdue_only=True)
    assert [r["id"] for r in overdue] == [row.risk.pk for row in expected]
    assert "Late visits" in [r["title"] for r in overdue]
    for bad in ("?level=severe", "?overdue=maybe", "?status=shut"):
        response = client.get(f"{URL}{register.pk}/risks/{bad}")
        assert response.status_code == 400, bad
        assert response["Content-Type"].startswith("application/problem+json")
    assert client.get(f"{URL}999999/risks/").status_code == 404


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role(role_key, register, team):
    user = testing.user_make(role_key, team)
    for url in (URL, f"{URL}{register.pk}/risks/"):
        status = session_client(user).get(url).status_code
        assert status == (200 if user.has_perm(perms.VIEW_RISKS) else 403), (role_key, url, status)


def test_anonymous_and_machine_clients(register, team):
    url = f"{URL}{register.pk}/risks/"
    assert APIClient().get(URL).status_code == 401
    assert APIClient().get(url).status_code == 401
    reader = machine_client(team, "assurance", ["oversight:read"])
    assert reader.get(URL).status_code == 200 and reader.get(url).status_code == 200
    assert machine_client(team, "assurance", ["monitoring:read"]).get(url).status_code == 403
    # The scope alone is not enough: the client's role must read the registers.
    assert machine_client(team, "em_caseworker", ["oversight:read"]).get(url).status_code == 403
