"""The backlog page's ageing chart (decision 0014): active tasks by age band, stacked by deadline
state, an SVG image with a one-sentence summary; the tables stay."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.work.tests.factories import task_row

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.AXES_ENABLED = False
    with clock.frozen(NOW):
        yield


def test_the_backlog_page_charts_ageing_by_age_band(client, queue, manager):
    for days in (0, 1, 1, 4, 30):
        task_row(queue=queue, created_at=NOW - timedelta(days=days))
    task_row(queue=queue, created_at=NOW - timedelta(days=12), due_at=NOW - timedelta(hours=1))
    client.force_login(manager)
    html = client.get(reverse("work:backlog")).content.decode()
    assert 'style="' not in html
    assert '<svg class="wm-chart wm-chart--bar"' in html and 'role="img"' in html
    assert '<title id="chart-backlog-ageing-title">Active tasks by age and deadline</title>' in html
    assert (
        '<p class="govuk-body wm-chart__summary">Of 6 active tasks, the most (3) are aged 0 to 2'
        " days; 1 is overdue.</p>"
    ) in html
    assert ">Overdue</li>" in html and ">No deadline</li>" in html  # the legend, in words
    assert "By age (calendar days since created)" in html  # the table stays


def test_no_active_work_means_no_chart(client, queue, manager):
    client.force_login(manager)
    html = client.get(reverse("work:backlog")).content.decode()
    assert "No active work to chart." in html and '<svg class="wm-chart' not in html
