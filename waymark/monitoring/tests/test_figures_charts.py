"""The figures page's charts (decision 0014): breach notifications by type and month, and devices
in use against plan, each an SVG image with a one-sentence summary, above the tables they draw."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from waymark.core import clock
from waymark.monitoring import services
from waymark.monitoring.models import DeviceStock, DeviceType
from waymark.monitoring.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def _breach(person, breach_type: str, at) -> None:
    with clock.frozen(at):
        services.breach_ingest(
            event=None,
            person=person,
            breach_type=breach_type,
            started_at=at - timedelta(hours=3),
            ended_at=at - timedelta(hours=2),
        )


def test_the_figures_page_charts_breaches_by_month_and_devices_against_plan(
    fitted, person, manager
):
    _breach(person, "battery", NOW - timedelta(days=30))
    _breach(person, "full_curfew", NOW - timedelta(days=2))
    _breach(person, "full_curfew", NOW - timedelta(days=1))
    DeviceStock.objects.update_or_create(
        device_type=DeviceType.GPS_FITTED,
        defaults={"planned_in_use": 1500, "available": 10, "updated_at": NOW},
    )
    client = Client()
    client.force_login(manager)
    with clock.frozen(NOW):
        html = client.get("/monitoring/figures/").content.decode()

    assert 'style="' not in html
    assert '<svg class="wm-chart wm-chart--line"' in html
    assert '<title id="chart-breaches-title">Breach notifications by type and month</title>' in html
    assert (
        '<p class="govuk-body wm-chart__summary">Breach notifications rose from 1 in October 2026'
        " to 2 in November 2026, the highest month; the most common type was Full curfew missed.</p>"
    ) in html
    assert ">Full curfew missed</li>" in html and ">Battery (device ran out of charge)</li>" in html
    # The table stays, its months written as words.
    assert ">Oct 2026</th>" in html and ">2026-10<" not in html

    assert '<title id="chart-devices-title">Devices in use against plan</title>' in html
    assert (
        "1 device in use against a plan of 1,500; the furthest below plan is Fitted GPS tag"
        " (0 against 1,500)." in html
    )
    assert "Devices in use against plan (Figure 11)" in html  # the table is still there
