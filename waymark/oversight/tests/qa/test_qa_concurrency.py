"""Two assurance officers drawing the same rule's sample for the same period at the same moment:
one draw is recorded, the other refused (the rule's row is locked while the period and the
monthly cap are checked), so a period is never sampled twice and a cap never spent twice."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from tests.concurrency import run_at_once
from waymark.oversight.models import SampleDraw, SampleItem
from waymark.oversight.services import qa as services
from waymark.oversight.tests.qa.support import KIND, fill
from waymark.testing import NOW

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_draws_of_one_period_at_once_record_one(
    kind_items, qa_team, worker, qa_assurance, qa_second_assurance
):
    fill(kind_items, start=date(2026, 11, 1), days=5, per_day=10, worker=worker, team=qa_team)
    rule = services.rule_create(
        actor=qa_assurance,
        name="Fifth",
        kind_key=KIND,
        method="random",
        rate_percent="20",
        monthly_cap=8,
    )
    workers = [
        lambda u=user: services.sample_draw(
            actor=u, rule=rule, period_start=date(2026, 11, 1), period_end=date(2026, 11, 5)
        )
        for user in (qa_assurance, qa_second_assurance)
    ]
    errors = run_at_once(workers, at=NOW)
    assert len(errors) == 1 and "already drawn" in errors[0]
    assert SampleDraw.objects.count() == 1
    assert SampleItem.objects.count() == 8  # the cap, spent once
