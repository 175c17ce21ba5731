"""Governance under hostile input and double submissions (issue 20 item 6).

A register's name and a correspondence item's complaint are each unique, checked before the insert
and held by a unique index. Two submissions at the same moment (a double-submitted form, two
people) both passed the check and the second hit the index: the platform's generic 409 page
instead of the form with the reason. Refused now with the same reason as a second submission
later, nothing saved.

Closing a closed risk (or reopening an open one), as a double-submitted form does: the workflow
lets a risk "move" to the state it is in, so the second close rewrote the first's date and reason
and was audited again; a second reopen moved its review date. Refused now, nothing changed.

The risk registers' API (not probed before) answers hostile filters with problem details."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from waymark import testing
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.correspondence.services import correspondence_register
from waymark.oversight.models import Complaint, Risk, RiskRegister
from waymark.oversight.services import governance as services
from waymark.oversight.tests.api_clients import machine_client, session_client
from waymark.testing import reference_data

WHEN = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)  # a Monday


@contextmanager
def _check_misses_once(model, method: str) -> Iterator[None]:
    """As when another request inserts the same row between the service's check and its insert:
    the first ``exists()`` or ``first()`` check on ``model`` sees nothing."""
    original = getattr(QuerySet, method)
    missed: list[QuerySet] = []

    def check(queryset: QuerySet):
        if queryset.model is model and not missed:
            missed.append(queryset)
            return False if method == "exists" else None
        return original(queryset)

    with mock.patch.object(QuerySet, method, check):
        yield
    assert missed, "the service made no such check"


def _register_post(owner, **extra) -> dict[str, str]:
    return {"name": "Directorate risk register", "kind": "directorate", "owner": owner.pk, **extra}


def test_a_register_name_added_twice_at_once_is_refused_on_the_form(assurance, client):
    client.force_login(assurance)
    url = reverse("oversight:risk-register-new")
    assert client.post(url, _register_post(assurance)).status_code == 302
    with _check_misses_once(RiskRegister, "exists"):
        again = client.post(url, _register_post(assurance))
    assert again.status_code == 400
    html = again.content.decode()
    assert "govuk-error-summary" in html and "A register with this name exists already" in html
    assert RiskRegister.objects.count() == 1


def test_a_register_name_added_at_once_in_another_case_is_refused_on_the_form(assurance, client):
    """The check is case-blind but the unique key was not: "Risk" and "risk" added at the same
    moment were both saved."""
    client.force_login(assurance)
    url = reverse("oversight:risk-register-new")
    assert client.post(url, _register_post(assurance)).status_code == 302
    with _check_misses_once(RiskRegister, "exists"):
        again = client.post(url, _register_post(assurance, name="DIRECTORATE Risk Register"))
    assert again.status_code == 400
    assert "A register with this name exists already" in again.content.decode()
    assert RiskRegister.objects.count() == 1


@pytest.fixture
def item(db):
    reference_data.platform()  # the match queue (a data migration's row)
    with clock.frozen(WHEN):
        item, _ = correspondence_register(
            actor=None,
            channel="post",
            sender="Patel & Co Solicitors",
            recipients=[],
            subject="Complaint about our client's reporting",
            body="Our client was made to wait four hours at the reporting centre.",
            received_at=WHEN,
        )
    return item


def _complaint_post(item) -> dict[str, str]:
    return {
        "channel": "letter",
        "received_on_0": "16",
        "received_on_1": "11",
        "received_on_2": "2026",
        "complainant": "Patel & Co Solicitors",
        "summary": "Waited four hours",
        "themes": ["reporting", "delay"],
        "nation": "england-and-wales",
        "correspondence_item": str(item.pk),
    }


def test_one_item_recorded_twice_at_once_is_refused_on_the_form(item, team, client):
    reader = testing.user_make("line_manager", team, last_name="Reader")
    client.force_login(reader)
    url = reverse("oversight:complaint-from-correspondence")
    with clock.frozen(testing.NOW):
        assert client.post(url, _complaint_post(item)).status_code == 302
        first = Complaint.objects.get()
        with _check_misses_once(Complaint, "first"):
            again = client.post(url, _complaint_post(item))
    assert again.status_code == 400
    html = again.content.decode()
    assert "govuk-error-summary" in html and f"complaint {first.reference} already" in html
    assert Complaint.objects.count() == 1


@pytest.fixture
def register(assurance):
    with clock.frozen(testing.NOW):
        return services.register_create(
            actor=assurance, name="Directorate register", kind="directorate", owner=assurance
        )


@pytest.mark.parametrize(
    "query",
    [
        {"level": "\u00b2"},
        {"level": "High"},
        {"level": "مرتفع"},
        {"overdue": "NaN"},
        {"overdue": "\u00b2"},
        {"status": "open\u0301"},
        {"page": "\u00b2"},
        {"page": "99999999999999999999"},
        {"page": "-1"},
    ],
)
def test_the_risk_registers_api_answers_hostile_filters_with_problem_details(
    register, assurance, query
):
    response = session_client(assurance).get(
        f"/api/v1/oversight/risk-registers/{register.pk}/risks/", query
    )
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("page_size", ["\u00b2", "NaN", "-5", "99999999999999999999"])
def test_the_risk_registers_api_ignores_a_page_size_it_cannot_read(register, assurance, page_size):
    response = session_client(assurance).get(
        "/api/v1/oversight/risk-registers/", {"page_size": page_size}
    )
    assert response.status_code == 200 and response.json()["count"] == 1


def test_the_risk_registers_api_refuses_callers_without_the_scope_or_the_role(register, team):
    url = f"/api/v1/oversight/risk-registers/{register.pk}/risks/"
    for client in (
        machine_client(team, "assurance", ["persons:read"]),  # the role, not the scope
        machine_client(team, "case_owner", ["oversight:read"]),  # the scope, not the role
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert response["Content-Type"].startswith("application/problem+json")
    anonymous = session_client(None).get(url)
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"].startswith("application/problem+json")


def test_a_risk_closed_or_reopened_twice_changes_nothing_the_second_time(
    register, assurance, line_manager, client
):
    with clock.frozen(testing.NOW):
        risk = services.risk_add(
            actor=assurance,
            register=register,
            title="Printer",
            cause="Old",
            effect="No letters",
            owner=line_manager,
            likelihood=2,
            impact=2,
            target_likelihood=1,
            target_impact=1,
        )
    client.force_login(assurance)
    for verb, path, state in (("closed", "close", "closed"), ("reopened", "reopen", "open")):
        url = reverse(f"oversight:risk-{path}", args=[risk.pk])
        with clock.frozen(testing.NOW):
            assert client.post(url, {"reason": "The first reason"}).status_code == 302
        before = Risk.objects.get(pk=risk.pk)
        with clock.frozen(testing.NOW.replace(day=testing.NOW.day + 1)):
            again = client.post(url, {"reason": "A second reason"})
        assert again.status_code == 400
        html = again.content.decode()
        assert "govuk-error-summary" in html and f"This risk is {state} already" in html
        after = Risk.objects.get(pk=risk.pk)
        assert (after.status, after.closed_at, after.closed_reason, after.next_review_on) == (
            before.status,
            before.closed_at,
            before.closed_reason,
            before.next_review_on,
        )
        entries = AuditEvent.objects.filter(verb=f"oversight.risk_{verb}", target_id=str(risk.pk))
        assert entries.count() == 1
