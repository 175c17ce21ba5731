"""The supplier's service levels month by month (000 Figure 12, §5.66): each month's rate against
its target, a month below it marked, and the figure's "Average" (the mean of the monthly rates):
the inspection's own numbers reproduced from monthly figures, and shown on the supplier page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from waymark.monitoring import selectors
from waymark.monitoring.models import ServiceFigure
from waymark.monitoring.selectors.figures import Period
from waymark.monitoring.tests.conftest import em_user

# Figure 12, October to December 2021, as met / total giving the published rates.
FIGURE_12 = {
    "reinstallation": [(9, 11), (13, 18), (5, 6)],  # 81.8%, 72.2%, 83.3%: average 79.1%
    "removal_tamper": [(3, 5), (4, 7), (5, 6)],  # 60.0%, 57.1%, 83.3%: average 66.8%
    "informing_authorities": [(24, 25), (5, 6), (14, 17)],  # 96.0%, 83.3%, 82.4%: 87.2%
    "court_attendance": [(4, 4), (3, 3), (2, 2)],  # 100% each
}
MONTHS = [date(2021, 10, 1), date(2021, 11, 1), date(2021, 12, 1)]
PERIOD = Period(date(2021, 10, 1), date(2022, 1, 1))


@pytest.fixture
def figures(db):
    for measure, counts in FIGURE_12.items():
        for month, (met, total) in zip(MONTHS, counts, strict=True):
            ServiceFigure.objects.create(month=month, measure=measure, met=met, total=total)


def _pct(value) -> str:
    return f"{value * 100:.1f}"


def test_the_inspection_s_figure_12_is_reproduced(figures):
    table = selectors.service_levels_by_month(PERIOD)
    assert table["months"] == MONTHS
    rows = {r["measure"]: r for r in table["rows"]}
    assert [_pct(c["rate"]) for c in rows["reinstallation"]["months"]] == ["81.8", "72.2", "83.3"]
    assert _pct(rows["reinstallation"]["average"]) == "79.1"
    assert _pct(rows["removal_tamper"]["average"]) == "66.8"
    assert _pct(rows["informing_authorities"]["average"]) == "87.2"
    # Below the target in every month for re-installation (95%) and tamper removals (85%);
    # informing authorities (85%) in two of the three months, as §5.66 says.
    assert rows["reinstallation"]["below_months"] == 3
    assert rows["removal_tamper"]["below_months"] == 3
    assert rows["informing_authorities"]["below_months"] == 2
    assert rows["court_attendance"]["below_months"] == 0
    assert rows["court_attendance"]["average"] == Decimal(1)
    # A service level with no figures has none to show, not 0%.
    assert rows["requesting_information"]["average"] is None
    assert all(c["rate"] is None for c in rows["requesting_information"]["months"])


def test_a_month_with_no_figures_is_left_out_of_the_average(figures):
    ServiceFigure.objects.filter(measure="reinstallation", month=MONTHS[1]).delete()
    rows = {r["measure"]: r for r in selectors.service_levels_by_month(PERIOD)["rows"]}
    assert rows["reinstallation"]["months"][1]["rate"] is None
    assert _pct(rows["reinstallation"]["average"]) == "82.6"  # (81.8 + 83.3) / 2


def test_the_supplier_page_shows_the_months_and_marks_those_below_target(figures):
    client = Client()
    client.force_login(em_user("performance_analyst", None))
    html = client.get("/monitoring/supplier/?start=2021-10-01&end=2021-12-31").content.decode()
    assert "Oct 2021" in html and "Dec 2021" in html
    assert '72.2%<span class="govuk-visually-hidden"> below target</span>' in html
    assert "79.1%" in html
