"""The Hub's figures in the metric registry (issue 20 item 3): "breaches to act on" is defined once,
the Hub's home page and the figures page (and its CSV) name and define their figures from the
registry, and the reconciliation check against the breach queue's open breach tasks fails until the
two agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from waymark.core.metrics import metric, metrics_for_page, reconciliation_run, reconciliations
from waymark.monitoring import rules, services
from waymark.monitoring.tests.conftest import NOW
from waymark.work import services as work
from waymark.work.models import Queue

pytestmark = pytest.mark.django_db


def _breach(person, hours_ago: int):
    return services.breach_ingest(
        event=None,
        person=person,
        breach_type="full_curfew",
        started_at=NOW - timedelta(hours=hours_ago),
        ended_at=NOW - timedelta(hours=hours_ago - 1),
    )


def test_breaches_to_act_on_check_fails_until_the_breaches_and_the_queue_agree(
    fitted, person, caseworker
):
    check = reconciliations()["monitoring.breaches_to_act_on"]
    first = _breach(person, 5)
    _breach(person, 3)
    result = reconciliation_run(check)
    assert (result.left_value, result.right_value, result.passed) == (2, 2, True)
    # A breach task in the queue with no breach behind it (what the platform demo once made).
    stray = work.task_create(
        actor=None,
        task_type=rules.TASK_BREACH,
        title="Breach notification",
        queue=Queue.objects.get(slug=rules.QUEUE_BREACHES),
    )
    result = reconciliation_run(check)
    assert (result.left_value, result.right_value, result.passed) == (2, 3, False)
    work.task_cancel(actor=None, task=stray, reason="No breach behind it")
    assert reconciliation_run(check).passed
    # Applying the ladder step completes the breach's task: both figures fall together.
    services.ladder_apply(actor=caseworker, breach=first)
    result = reconciliation_run(check)
    assert (result.left_value, result.right_value, result.passed) == (1, 1, True)


def test_the_hub_and_the_figures_page_take_their_definitions_from_the_registry(
    fitted, person, caseworker, manager, client
):
    _breach(person, 5)
    to_act_on = metric("monitoring.breaches_to_act_on")
    client.force_login(caseworker)
    home = client.get(reverse("monitoring:home")).content.decode()
    assert to_act_on.name in home and to_act_on.definition in home
    client.force_login(manager)
    page = client.get(reverse("monitoring:mi")).content.decode()
    body = b"".join(client.get(reverse("monitoring:mi-csv")).streaming_content).decode()
    shown = metrics_for_page("monitoring:mi")
    assert shown
    for m in shown:
        assert m.definition in page, m.key
    for m in metrics_for_page("monitoring:mi-csv"):
        assert m.definition in body, m.key
