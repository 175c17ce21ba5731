"""The EM sweeps run with the platform's sweeps, idempotently; the data-quality lists and the
operational plan read from records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from waymark.core import clock
from waymark.monitoring import selectors, services
from waymark.monitoring.models import Review, StaffInPost
from waymark.monitoring.tests.conftest import NOW, em_person, fitted_make
from waymark.work.sweeps import sweeps, sweeps_run_all

pytestmark = pytest.mark.django_db


def test_em_sweeps_are_registered_with_the_platform():
    assert {
        "monitoring.reviews_schedule",
        "monitoring.slot_silence",
        "monitoring.trail_retention",
    } <= set(sweeps())


def test_running_all_sweeps_twice_schedules_one_review(caseworker, person):
    with clock.frozen(NOW - timedelta(days=85)):
        fitted_make(caseworker, person)
    with clock.frozen(NOW):
        sweeps_run_all()
        sweeps_run_all()
    assert Review.objects.count() == 1


def test_data_quality_lists_no_phone_and_breaches_left_open(frozen, caseworker, hub):
    person = em_person(hub)
    condition = fitted_make(caseworker, person, phone="")
    services.breach_ingest(
        event=None,
        person=person,
        breach_type="inability_to_monitor",
        started_at=NOW - timedelta(days=8),
        ended_at=None,
    )
    quality = selectors.data_quality(caseworker)
    assert list(quality["no_issued_phone"]) == [condition]
    assert quality["breach_no_end"].count() == 1


def test_the_plan_turns_demand_and_staff_into_a_backlog(frozen, caseworker, person):
    fitted_make(caseworker, person)
    StaffInPost.objects.create(grade="EO", in_post_fte=1, required_fte=2, updated_at=NOW)
    light = selectors.operational_plan(weeks=4, releases_per_week=1)
    heavy = selectors.operational_plan(weeks=4, releases_per_week=200)
    assert light["weeks"][-1]["backlog"] <= heavy["weeks"][-1]["backlog"]
    assert heavy["demand_hours"] > heavy["capacity_hours"]
    assert heavy["weeks"][-1]["backlog"] > heavy["weeks"][0]["backlog"]


def test_supplier_measures_come_from_orders_and_outcomes(fitted):
    measures = selectors.supplier_measures(selectors.period_default())
    assert (
        measures["orders"] == 1
        and measures["fitted"] == 1
        and measures["fitting_success_rate"] == 100.0
    )
