"""Concurrency on PostgreSQL with real threads: reviewers deciding the same pair at the same
moment, and two linkage runs started at once (brief linkage.md §2; issue 6, bad input)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection

from tests.concurrency import run_at_once
from waymark.core import clock
from waymark.linkage import services
from waymark.linkage.models import CandidatePair, LinkageRun, PairStatus
from waymark.linkage.tests.linking_fixtures import (
    job_make,
    population_make,
    record_make,
    user_with_role,
)
from waymark.people.models import PersonMerge

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"
    ),
    pytest.mark.django_db(transaction=True),
]
AT = datetime(2026, 11, 18, 10, 0, tzinfo=clock.LONDON)
THREADS = 5


def _queues() -> None:
    from waymark.accounts.models import Team
    from waymark.linkage import rules
    from waymark.work.models import Queue

    team = Team.objects.get_or_create(
        slug="records", defaults={"name": "Records and linkage", "unit": "Records"}
    )[0]
    Queue.objects.get_or_create(slug=rules.QUEUE_REVIEW, defaults={"name": "Review", "team": team})


def test_reviewers_deciding_one_pair_at_once_give_one_decision_and_one_merge():
    _queues()
    job = job_make()
    population_make(job)
    left = record_make(
        job,
        source_ref="TWIN-A",
        given_names="Samuel",
        family_name="Adeyemi",
        date_of_birth="04/05/1988",
        nationality="NGA",
        postcode="M1 1AE",
    )
    right = record_make(
        job,
        source_ref="TWIN-B",
        given_names="Samson",
        family_name="Adeyemi",
        date_of_birth="04/05/1988",
        nationality="NGA",
        postcode="M1 1AE",
    )
    with clock.frozen(AT):
        services.linkage_run_execute(services.linkage_run_start(actor=None).pk)
    pair = CandidatePair.objects.get(record_l=left, record_r=right)
    assert pair.status == PairStatus.PENDING
    reviewers = [user_with_role("records_manager") for _ in range(THREADS)]
    refused: list[str] = []

    def decide(user):
        def go():
            try:
                services.pair_decide(
                    actor=user, pair=pair, decision="match", reason=f"Checked by {user.username}"
                )
            except services.PairAlreadyDecided as error:
                refused.append(str(error))

        return go

    errors = run_at_once([decide(u) for u in reviewers], at=AT)
    assert errors == []
    pair.refresh_from_db()
    assert pair.status == PairStatus.MATCH
    assert len(refused) == THREADS - 1
    assert all(pair.decided_by.get_full_name() in message for message in refused)
    assert PersonMerge.objects.count() == 1


def test_two_runs_started_at_once_queue_one():
    _queues()
    population_make(job_make(), people=3)
    manager = user_with_role("records_manager")
    outcomes: list[str] = []

    def start():
        try:
            services.linkage_run_start(actor=manager)
            outcomes.append("started")
        except Exception as error:  # ValidationError: already queued
            outcomes.append(type(error).__name__)

    errors = run_at_once([start, start, start], at=AT)
    assert errors == []
    assert outcomes.count("started") == 1
    assert LinkageRun.objects.count() == 1
