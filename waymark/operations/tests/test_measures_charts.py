"""The measures page's objectives chart (decision 0014): each measure given as a percentage against
its target on one 0-100% scale, an SVG image with a one-sentence summary; the tables stay."""

from __future__ import annotations

import pytest
from django.urls import reverse

from waymark.core import clock
from waymark.operations import services
from waymark.operations.tests.conftest import NOW, user_make
from waymark.operations.tests.test_measures import done

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(ice_team):
    return user_make("authorising_officer", ice_team)


@pytest.fixture
def analyst(ice_team):
    return user_make("performance_analyst", None)


def test_the_measures_page_charts_objectives_against_target(
    client, ice_team, premises, oic, manager, analyst
):
    for rating in ("green", "green", "amber", "red", ""):
        done(ice_team, premises, oic, rating=rating)  # 4 of 5 rated: 80%
    with clock.frozen(NOW):
        rated = services.objective_create(actor=manager, title="Every visit risk-assessed")
        services.objective_measure_add(
            actor=manager, objective=rated, measure_key="visits_risk_rated_pct", target=100
        )
        services.objective_measure_add(
            actor=manager, objective=rated, measure_key="visits", target=10
        )  # a count: in the table, not on the percentage chart
        joint = services.objective_create(actor=manager, title="Work with partners")
        services.objective_measure_add(
            actor=manager, objective=joint, measure_key="joint_operations_pct", target=0
        )
        client.force_login(analyst)
        html = client.get(reverse("operations:measures")).content.decode()

    assert 'style="' not in html
    assert '<svg class="wm-chart wm-chart--bar"' in html
    assert (
        '<title id="chart-objectives-title">Objectives against target: measures in percent</title>'
        in html
    )
    assert (
        '<p class="govuk-body wm-chart__summary">1 of 2 measures meets its target; the furthest'
        " from it is Visits with a risk rating (80% against a target of 100%).</p>"
    ) in html
    assert ">Target</li>" in html  # the target line, named in the legend
    chart = html.split('<svg class="wm-chart', 1)[1].split("</svg>", 1)[0]
    assert "Visits with a risk rating" in chart and "Visits undertaken" not in chart
    assert "<caption" in html and "Every visit risk-assessed" in html  # the tables stay


def test_no_figure_in_percent_means_no_chart(client, ice_team, manager, analyst):
    with clock.frozen(NOW):
        objective = services.objective_create(actor=manager, title="Visit more")
        services.objective_measure_add(
            actor=manager, objective=objective, measure_key="visits", target=10
        )
        client.force_login(analyst)
        html = client.get(reverse("operations:measures")).content.decode()
    assert "No measure given as a percentage has a figure yet" in html
    assert '<svg class="wm-chart' not in html
