"""Two battery breaches for one person arriving at once (issue 17 "Bad input and faults"; the
accumulated battery rule, 000 §5.16). Each alone leaves the person below the threshold; together
they reach it. Without the per-person breach lock the second transaction's locked read of the
pending breaches could not see the first's new breach (a locked read re-checks the rows it waited
for, it does not add rows committed meanwhile), so no violation was raised. With it, the second
waits for the first and raises exactly one. A pause after each reading of the person's state
makes the interleaving that lost the violation happen every time, by either route."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from tests.concurrency import run_at_once
from waymark.monitoring import rules, services
from waymark.monitoring.models import AccumulatedViolation, Breach, BreachDisposition
from waymark.monitoring.services import _ingest_reads, archive_replay, breaches
from waymark.monitoring.tests.conftest import (
    NOW,
    em_person,
    em_reference_data,
    em_user,
    fitted_make,
)
from waymark.people.models import Person

PAUSE = 0.4  # seconds after reading a person's state, before writing and committing


def _paused(fn):
    def wrapped(*args, **kwargs):
        found = fn(*args, **kwargs)
        time.sleep(PAUSE)
        return found

    return wrapped


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("routes", [("single", "single"), ("batch", "single")])
def test_two_battery_breaches_that_reach_the_threshold_together_raise_one_violation(
    routes, monkeypatch
):
    assert rules.battery_threshold() == timedelta(hours=12)
    hub = em_reference_data()
    caseworker = em_user("em_caseworker", hub)
    person = em_person(hub)
    fitted_make(caseworker, person, fitted_at=NOW - timedelta(days=10))
    with transaction.atomic():  # 8 hours already pending: below the 12-hour threshold
        services.breach_ingest(
            event=None,
            person=person,
            breach_type=rules.BATTERY,
            started_at=NOW - timedelta(days=3),
            ended_at=NOW - timedelta(days=3) + timedelta(hours=8),
        )
    monkeypatch.setattr(
        breaches, "_battery_pending_locked", _paused(_ingest_reads._battery_pending_locked)
    )
    monkeypatch.setattr(archive_replay, "_person_states", _paused(archive_replay._person_states))

    def arrive(route: str, days_ago: int):
        started = NOW - timedelta(days=days_ago)

        def work():
            with transaction.atomic():
                if route == "single":
                    services.breach_ingest(
                        event=None,
                        person=Person.objects.get(pk=person.pk),
                        breach_type=rules.BATTERY,
                        started_at=started,
                        ended_at=started + timedelta(hours=3),
                    )
                else:
                    archive_replay.replay_set_based(
                        rows=[
                            {
                                "event_id": f"race-{days_ago}",
                                "person_reference": person.reference,
                                "breach_type": rules.BATTERY,
                                "started_at": started,
                                "ended_at": started + timedelta(hours=3),
                                "details": "",
                            }
                        ],
                        client_label="race",
                    )

        return work

    errors = run_at_once([arrive(routes[0], 2), arrive(routes[1], 1)], at=NOW)
    assert errors == []
    assert AccumulatedViolation.objects.filter(person=person).count() == 1
    dispositions = list(Breach.objects.filter(person=person).values_list("disposition", flat=True))
    assert dispositions == [BreachDisposition.BATTERY_COUNTED] * 3
