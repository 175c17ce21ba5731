"""Concurrency on PostgreSQL with real threads: the same offline entry sent by several requests at
once is stored once, and every sender is answered with that one entry."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.concurrency import run_at_once
from waymark.accounts.services import roles_sync
from waymark.operations import models as m
from waymark.operations import services as field_services
from waymark.operations.tests.conftest import (
    NOW,
    entry_uuid,
    premises_make,
    user_make,
    visit_deployed_make,
)

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


def _world():
    from waymark.accounts.models import Team

    roles_sync()
    team = Team.objects.create(slug="ice-race", name="ICE Race", unit="ICE")
    sector = m.Sector.objects.create(key="race", name="Race sector")
    oic = user_make("officer_in_charge", team, arrest_trained=True)
    officer = user_make("field_officer", team, arrest_trained=True)
    visit = visit_deployed_make(team, premises_make(sector), oic, [officer])
    return visit, officer


CASES = [
    ("arrival", {}),
    (
        "seizure",
        {
            "searched": "Office",
            "search_power": "s25B",
            "item_description": "Passport",
            "exhibit_number": "R1",
            "sealed_bag_number": "B1",
        },
    ),
    (
        "encounter",
        {
            "given_names": "Ana",
            "family_name": "Pop",
            "result": "offender",
            "action": "papers_served",
        },
    ),
]


def test_the_same_entry_sent_at_once_is_stored_once():
    """One test for the three paths (an officer's own row locked; a typed row; a person created),
    because each transactional test on PostgreSQL costs a full flush."""
    from waymark.people.models import Person

    visit, officer = _world()
    for entry_type, data in CASES:
        key = entry_uuid()
        results: list[tuple[int, bool]] = []
        lock = threading.Lock()

        def send(entry_type=entry_type, data=data, key=key, results=results, lock=lock):
            entry, created = field_services.field_entry_record(
                actor=officer,
                visit=visit,
                entry_type=entry_type,
                client_uuid=key,
                recorded_at=NOW,
                sent_offline=True,
                data=data,
            )
            with lock:
                results.append((entry.pk, created))

        assert _run([send] * THREADS) == [], entry_type
        assert m.FieldEntry.objects.filter(client_uuid=key).count() == 1, entry_type
        assert len(results) == THREADS and len({pk for pk, _ in results}) == 1, entry_type
        assert sum(created for _, created in results) == 1, entry_type
    assert m.VisitOfficer.objects.get(visit=visit, officer=officer).arrived_at == NOW
    assert m.Seizure.objects.filter(visit=visit).count() == 1
    assert m.Encounter.objects.filter(visit=visit).count() == 1
    assert Person.objects.filter(family_name="Pop").count() == 1
