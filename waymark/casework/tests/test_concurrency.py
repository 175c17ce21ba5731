"""Concurrency on PostgreSQL with real threads: two sweeps generating events at once never create
an event twice; two officers recording the same event's outcome at once record it once."""

from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest
from django.db import connection

from tests.concurrency import run_at_once
from waymark.casework import services
from waymark.casework.models import Case, NonCompliance, ReportingEvent, ReportingRestriction
from waymark.casework.tests.conftest import NOW, casework_reference_data, person_make, user_make
from waymark.core import clock

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"
    ),
    pytest.mark.django_db(transaction=True),
]
THREADS = 6


def _run(workers) -> list[str]:
    return run_at_once(workers, at=NOW)


def test_sweeps_running_at_once_create_each_event_once():
    teams = casework_reference_data()
    owner = user_make("case_owner", teams["owning"])
    people = [person_make(teams["owning"], owner, family_name=f"Sweep{i}") for i in range(40)]
    with clock.frozen(NOW):
        for i, person in enumerate(people):
            services.case_ensure(actor=None, person=person)
            ReportingRestriction.objects.create(
                person=person,
                centre=teams["centre"],
                window_start=time(10),
                starts_on=NOW.date() + timedelta(days=i % 7),
                set_at=NOW,
            )
    created: list[int] = []
    lock = threading.Lock()

    def sweep():
        n = services.events_generate(horizon_days=91)
        with lock:
            created.append(n)

    assert _run([sweep] * THREADS) == []
    expected = sum(len(range(0, 92 - (i % 7), 7)) for i in range(40))
    assert ReportingEvent.objects.count() == expected == sum(created)


def test_two_officers_recording_one_event_record_it_once():
    teams = casework_reference_data()
    owner = user_make("case_owner", teams["owning"])
    officers = [user_make("reporting_centre", teams["centre"]) for _ in range(THREADS)]
    person = person_make(teams["owning"], owner)
    with clock.frozen(NOW):
        services.restriction_set(
            actor=owner,
            person=person,
            centre=teams["centre"],
            window_start=time(9),
            starts_on=NOW.date(),
        )
    event = ReportingEvent.objects.get(person=person, due_on=NOW.date())
    refused: list[str] = []
    lock = threading.Lock()

    def record(officer):
        def go():
            from django.core.exceptions import ValidationError

            try:
                services.event_outcome_record(actor=officer, event=event, outcome="no_show")
            except ValidationError as exc:
                with lock:
                    refused.append(" ".join(exc.messages))

        return go

    assert _run([record(o) for o in officers]) == []
    assert len(refused) == THREADS - 1
    assert Case.objects.get(person=person).consecutive_missed == 1
    assert NonCompliance.objects.filter(person=person).count() == 1
