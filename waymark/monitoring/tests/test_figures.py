"""Management information: the page's figures reproduce the records, and the API gives the same."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from waymark.core import clock
from waymark.monitoring import selectors, services
from waymark.monitoring.tests.conftest import NOW, em_person, em_user

pytestmark = pytest.mark.django_db


def test_figure_6_counts_and_notifications_against_work(fitted, person):
    for day in range(4):
        services.breach_ingest(
            event=None,
            person=person,
            breach_type="battery",
            started_at=NOW - timedelta(days=6 - day),
            ended_at=NOW - timedelta(days=6 - day, hours=-3),
        )
    services.breach_ingest(
        event=None,
        person=person,
        breach_type="full_curfew",
        started_at=NOW - timedelta(hours=5),
        ended_at=NOW - timedelta(hours=4),
    )
    figures = selectors.mi_figures(selectors.period_default())
    by_type = {row["breach_type"]: row["total"] for row in figures["breaches"]["rows"]}
    assert by_type == {"battery": 4, "full_curfew": 1}
    assert figures["breaches"]["total"] == 5
    assert figures["notifications_and_work"]["work_items"] == 2
    assert figures["population"]["total"] == 1 and figures["population"]["monitored"] == 1


def test_bail_em_share_by_who_granted(frozen, caseworker, hub):
    from waymark.monitoring.tests.conftest import condition_make

    with_em = em_person(hub, family_name="Withem")
    condition_make(caseworker, with_em)
    without = em_person(hub, family_name="Without")
    services.bail_grant_record(
        actor=caseworker,
        person=without,
        granted_by="immigration_judge",
        granted_at=NOW - timedelta(hours=1),
    )
    share = selectors.bail_em_share(selectors.period_default())
    assert share["immigration_judge"] == {
        "label": "Immigration judge",
        "granted": 2,
        "with_em": 1,
        "share": 50.0,
    }


def test_the_api_gives_the_same_figures_and_refuses_a_backwards_period(frozen, hub, fitted):
    analyst = em_user("performance_analyst", None)
    client = APIClient()
    client.force_authenticate(analyst)
    body = client.get("/api/v1/monitoring/figures/").json()
    assert (
        body["population"]["total"]
        == selectors.population(selectors.period_default())["total"]
        == 1
    )
    assert "exemptions" in body and "by_ground" in body["exemptions"]
    bad = client.get("/api/v1/monitoring/figures/", {"start": "2026-11-10", "end": "2026-11-01"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert clock.now() == NOW


def test_a_role_without_mi_permission_is_refused(frozen, hub):
    client = APIClient()
    client.force_authenticate(em_user("case_owner", None))
    assert client.get("/api/v1/monitoring/figures/").status_code == 403
