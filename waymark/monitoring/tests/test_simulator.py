"""The supplier SIMULATOR against a live Waymark: orders out, slot answers and fittings back, and a
breach stream whose every notification is stored once."""

from __future__ import annotations

import base64
import os
import random
import socket
import time
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from waymark.core import clock
from waymark.monitoring import services, simulator
from waymark.monitoring.demo import TYPE_MIX
from waymark.monitoring.models import Breach, ConditionStatus, SupplierClient, SupplierEvent
from waymark.monitoring.tests.conftest import (
    condition_make,
    em_person,
    em_reference_data,
    em_user,
    fitted_make,
)

SECRET = "whsec_" + base64.b64encode(b"simulator-test-secret-00000000001").decode()


def test_the_type_mix_follows_figure_6():
    rng = random.Random(1)
    picks = Counter(simulator.breach_type_pick(rng) for _ in range(20_000))
    assert abs(picks["battery"] / 20_000 - TYPE_MIX["battery"] / sum(TYPE_MIX.values())) < 0.02
    assert picks["absence_15_minute"] > picks["full_curfew"] > picks["strap_tamper"]


def test_a_breach_event_ends_after_it_starts_and_is_signed():
    from waymark.monitoring.signing import verify

    now = clock.now()
    event_id, body = simulator.breach_event(
        random.Random(2), person_reference="WM-0000001", now=now
    )
    assert body["data"]["ended_at"] > body["data"]["started_at"]
    raw, headers = simulator.signed_request(
        secret=SECRET, client_id="x", event_id=event_id, body=body, now=now
    )
    verify(
        secrets=[SECRET],
        message_id=event_id,
        timestamp=headers["webhook-timestamp"],
        signature_header=headers["webhook-signature"],
        body=raw,
        now=now,
    )


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shared_database() -> bool:
    from django.db import connection

    name = str(connection.settings_dict.get("TEST", {}).get("NAME") or "")
    return connection.vendor == "postgresql" or (bool(name) and "memory" not in name)


@pytest.mark.postgres
@pytest.mark.skipif(
    not _shared_database(),
    reason="three threads write at once: needs PostgreSQL "
    "(or WAYMARK_SQLITE_TEST_FILE=1); in-memory SQLite locks whole tables",
)
@pytest.mark.django_db(transaction=True)
def test_the_simulator_plays_the_supplier_against_a_live_waymark(live_server, monkeypatch):
    hub = em_reference_data()
    SupplierClient.objects.create(
        client_id="sim",
        label="Simulator",
        machine_user=em_user("supplier", None, machine=True),
        secret=SECRET,
        created_at=clock.now(),
    )
    caseworker = em_user("em_caseworker", hub)
    with clock.frozen(clock.now() - timedelta(days=1)):
        for i in range(3):
            fitted_make(caseworker, em_person(hub, family_name=f"Sim{i}"))
    port = _port()
    out = StringIO()
    import threading

    def simulate(**kwargs):
        from django.db import connections

        try:
            call_command("em_supplier_simulator", **kwargs)
        finally:
            connections.close_all()

    runner = threading.Thread(
        target=simulate,
        kwargs={
            "base_url": live_server.url,
            "client_id": "sim",
            "secret": SECRET,
            "outbound_secret": SECRET,
            "listen": f"127.0.0.1:{port}",
            "breaches_per_minute": 6000,
            "count": 40,
            "resend_share": 0.2,
            "seed": 3,
            "stdout": out,
        },
    )
    runner.start()
    # Meanwhile an order goes out to the simulator and comes back fitted.
    monkeypatch.setenv("WAYMARK_EM_SUPPLIER_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("WAYMARK_EM_SUPPLIER_SECRET", SECRET)
    from waymark.monitoring.outbound import http_transport

    person = em_person(hub, family_name="Ordered")
    condition = condition_make(caseworker, person)
    order = services.fitting_order_create(
        actor=caseworker,
        condition=condition,
        place="home",
        place_details="1 High St",
        requested_slot_start=clock.now() + timedelta(hours=4),
    )
    time.sleep(0.5)
    services.order_send(order_id=order.pk, transport=http_transport)
    runner.join(timeout=120)
    for _ in range(40):
        condition.refresh_from_db()
        order.refresh_from_db()
        if order.slot_answered_at and (
            condition.status == ConditionStatus.ACTIVE or order.status != "slot_confirmed"
        ):
            break
        time.sleep(0.25)
    assert order.slot_answered_at is not None
    text = out.getvalue()
    assert "Sent 40 breach notifications" in text
    assert Breach.objects.filter(event__event_id__startswith="sim_").count() == 40
    assert SupplierEvent.objects.filter(event_type="breach.created").count() == 40
    assert "replayed (200) resent" in text
    assert "rejected" not in text
    os.environ.pop("WAYMARK_EM_SUPPLIER_URL", None)
