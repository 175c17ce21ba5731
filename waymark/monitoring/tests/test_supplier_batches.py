"""A batch of supplier events in one signed request (decision 0017, option 2): each event answered
on its own, the same outcome as one a request, never stored twice by either route, a bad event
refused alone, a bad batch refused whole."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.test import Client
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.concurrency import run_at_once
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.monitoring import rules
from waymark.monitoring.models import Breach, SupplierEvent
from waymark.monitoring.services import supplier_batches
from waymark.monitoring.signing import sign
from waymark.monitoring.tests.conftest import (
    NOW,
    em_person,
    em_reference_data,
    em_user,
    fitted_make,
)
from waymark.monitoring.tests.test_archive_replay_equivalence import ROWS, _outcome
from waymark.monitoring.tests.test_supplier_events import (
    SECRET,
    breach_body,
    send,
    supplier_client,
)
from waymark.people.models import TimelineEvent

BATCH_URL = "/api/v1/monitoring/supplier/events/batch/"


def send_batch(client: Client, body: dict | bytes, *, batch_id: str | None = None, **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    batch_id = batch_id or f"batch_{uuid.uuid4().hex}"
    ts = int(clock.now().timestamp())
    sent = {
        "HTTP_WAYMARK_CLIENT_ID": "tagco",
        "HTTP_WEBHOOK_ID": batch_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(ts),
        "HTTP_WEBHOOK_SIGNATURE": sign(SECRET, batch_id, ts, raw),
        "HTTP_IDEMPOTENCY_KEY": batch_id,
        **headers,
    }
    return client.post(BATCH_URL, data=raw, content_type="application/json", **sent)


def entry(person, event_id: str, **data) -> dict:
    return {"id": event_id, **breach_body(person, **data)}


def entries_for(person, prefix: str) -> list[dict]:
    """``ROWS`` (a battery violation, a first breach's phone call, an open breach) as entries."""
    out = []
    for number, (kind, ago, length) in enumerate(ROWS):
        started = NOW - ago
        out.append(
            entry(
                person,
                f"{prefix}-{number}",
                breach_type=kind,
                started_at=started.isoformat(),
                ended_at=(started + length).isoformat() if length is not None else None,
                details="",
            )
        )
    return out


@pytest.fixture
def supplier(hub):
    return supplier_client(hub)


@pytest.mark.django_db
def test_a_batch_gives_the_outcome_of_its_events_sent_one_a_request(frozen, caseworker, hub):
    batched, alone = em_person(hub), em_person(hub)
    for person in (batched, alone):
        fitted_make(caseworker, person)
    supplier_client(hub)
    since = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    timeline_since = TimelineEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    client = Client()

    response = send_batch(client, {"events": entries_for(batched, "b")}, batch_id="batch-1")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201] * len(ROWS)
    assert [r["index"] for r in results] == list(range(len(ROWS)))
    singles = []
    for item in entries_for(alone, "s"):
        answer = send(client, {"type": item["type"], "data": item["data"]}, event_id=item["id"])
        assert answer.status_code == 201, answer.content
        singles.append(answer.json())

    expected = _outcome(alone, since, timeline_since)
    got = _outcome(batched, since, timeline_since)
    assert expected["breaches"] and expected["tasks"] and expected["violations"]
    for part in expected:
        assert got[part] == expected[part], part
    # Each event's answer is the one it would have had alone (its own ids aside).
    for result, single in zip(results, singles, strict=True):
        assert result["event"]["outcome"] == single["outcome"]
        assert result["event"]["event_id"] == result["event_id"]
        assert result["event"]["person_id"] == batched.pk and result["problem"] is None
    stored = Breach.objects.get(event__event_id="b-0")
    assert results[0]["event"]["record_id"] == stored.pk
    batch_audit = AuditEvent.objects.get(verb="em.supplier_batch_received")
    assert batch_audit.payload["new"] == {
        "batch_id": "batch-1",
        "client": "tagco",
        "stored": len(ROWS),
        "repeated": 0,
        "refused": 0,
    }
    assert AuditEvent.objects.filter(
        verb="em.supplier.breach.created", person_id=batched.pk
    ).count() == len(ROWS)


@pytest.mark.django_db
def test_a_batch_sent_again_is_answered_with_the_first_answers_and_stores_nothing(
    frozen, fitted, person, supplier
):
    client = Client()
    body = {"events": entries_for(person, "again")}
    first = send_batch(client, body).json()["results"]
    counts = (Breach.objects.count(), SupplierEvent.objects.count(), AuditEvent.objects.count())
    second = send_batch(client, body).json()["results"]
    assert [r["status"] for r in second] == [200] * len(ROWS)
    assert [r["event"] for r in second] == [r["event"] for r in first]
    # Only the second batch's own audit entry is new.
    assert (Breach.objects.count(), SupplierEvent.objects.count()) == counts[:2]
    assert AuditEvent.objects.count() == counts[2] + 1


@pytest.mark.django_db
def test_one_bad_event_is_refused_alone_and_the_rest_stored(frozen, fitted, person, supplier):
    good = entry(person, "ok-1")
    events = [
        good,
        entry(person, "bad-type", breach_type="sneezing"),
        entry(person, "nobody", person_reference="WM-9999999"),
        {"id": "fitting", "type": "fitting.outcome", "data": {}},
        entry(person, "backwards", ended_at=(NOW - timedelta(hours=4)).isoformat()),
        "not an object",
        {"type": "breach.created", "data": good["data"]},
        good,  # the same event again in the same batch
        entry(person, "ok-1", breach_type="location"),  # its id again with different data
        entry(person, "future", started_at=(NOW + timedelta(hours=1)).isoformat(), ended_at=None),
        entry(person, "ok-2", breach_type="location"),
        {"id": 7, "type": ["breach.created"], "data": []},  # every part the wrong shape
    ]
    response = send_batch(Client(), {"events": events})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    statuses = [r["status"] for r in results]
    assert statuses == [201, 400, 422, 400, 400, 400, 400, 200, 422, 422, 201, 400]

    def fields(index):
        return [e["field"] for e in results[index]["problem"]["errors"]]

    assert fields(1) == ["data.breach_type"]
    assert fields(2) == ["data.person_reference"]
    assert "No person with the reference 'WM-9999999'" in str(results[2]["problem"])
    assert fields(3) == ["type", "data.person_reference", "data.breach_type", "data.started_at"]
    assert "send 'fitting.outcome' alone" in results[3]["problem"]["errors"][0]["detail"]
    assert fields(4) == ["data.ended_at"]
    assert results[5]["event_id"] is None and fields(6) == ["id"]
    assert results[7]["event"] == results[0]["event"]
    assert fields(8) == ["id"] and "earlier in this batch" in results[8]["problem"]["detail"]
    assert fields(9) == ["data.started_at"]
    assert results[11]["event_id"] is None and fields(11) == ["id", "type", "data"]
    assert results[9]["problem"]["status"] == 422
    assert set(SupplierEvent.objects.values_list("event_id", flat=True)) == {"ok-1", "ok-2"}
    assert Breach.objects.count() == 2


@pytest.mark.django_db
def test_an_event_id_is_one_event_by_either_route(frozen, fitted, person, supplier):
    client = Client()
    alone = send(client, breach_body(person), event_id="evt-alone")
    assert alone.status_code == 201
    batched = send_batch(
        client,
        {
            "events": [
                entry(person, "evt-alone"),  # the same event, now in a batch: its first answer
                entry(person, "evt-alone-2", breach_type="location"),
            ]
        },
    ).json()["results"]
    assert [r["status"] for r in batched] == [200, 201]
    assert batched[0]["event"] == alone.json()
    # A batched event sent again alone: the first answer, marked as a replay.
    again_body = {
        "type": "breach.created",
        "data": breach_body(person, breach_type="location")["data"],
    }
    again = send(client, again_body, event_id="evt-alone-2")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == batched[1]["event"]
    # Different data under an id stored by the other route: a conflict, both ways.
    changed = send_batch(client, {"events": [entry(person, "evt-alone", breach_type="battery")]})
    assert changed.json()["results"][0]["status"] == 422
    assert send(client, breach_body(person), event_id="evt-alone-2").status_code == 422
    assert Breach.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"events": []},
        {"events": "none"},
        [1, 2],
        "plain",
    ],
    ids=["no events", "empty", "not a list", "a list", "a string"],
)
def test_a_batch_that_is_not_a_list_of_events_is_400_and_stores_nothing(
    frozen, fitted, person, supplier, body
):
    response = send_batch(Client(), body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "events"
    assert not SupplierEvent.objects.exists()


@pytest.mark.django_db
def test_a_batch_over_the_limit_is_400_and_stores_nothing(frozen, fitted, person, supplier):
    events = [entry(person, f"many-{i}") for i in range(rules.SUPPLIER_BATCH_MAX + 1)]
    response = send_batch(Client(), {"events": events})
    assert response.status_code == 400
    assert str(rules.SUPPLIER_BATCH_MAX) in response.json()["detail"]
    assert not SupplierEvent.objects.exists()


@pytest.mark.django_db
def test_a_batch_must_be_signed_and_keyed(frozen, fitted, person, supplier, caseworker):
    body = json.dumps({"events": [entry(person, "e1")]}).encode()
    unsigned = send_batch(Client(), body, HTTP_WEBHOOK_SIGNATURE="v1,AAAA")
    assert unsigned.status_code == 401
    tampered = send_batch(Client(), body, HTTP_WEBHOOK_SIGNATURE=sign(SECRET, "x", 1, b"{}"))
    assert tampered.status_code == 401
    unkeyed = send_batch(Client(), body, HTTP_IDEMPOTENCY_KEY="")
    assert unkeyed.status_code == 400
    assert unkeyed.json()["errors"][0]["field"] == "Idempotency-Key"
    signed_in = Client()
    signed_in.force_login(caseworker)
    assert signed_in.post(BATCH_URL, data=body, content_type="application/json").status_code == 401
    assert not SupplierEvent.objects.exists()


@pytest.mark.django_db
def test_a_batch_the_database_refuses_is_settled_one_event_at_a_time(
    frozen, fitted, person, supplier, monkeypatch
):
    """An id stored by another request while the batch was written makes the set-based write
    fail; the batch is rolled back whole and each event settled as if sent alone."""
    real = supplier_batches.replay_set_based
    calls = []

    def refused(**kwargs):
        calls.append(real(**kwargs))  # writes everything, then the database refuses it
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(supplier_batches, "replay_set_based", refused)
    events = [*entries_for(person, "fb"), entry(person, "fb-nobody", person_reference="WM-0")]
    results = send_batch(Client(), {"events": events}).json()["results"]
    assert calls and len(calls[0].answers) == len(ROWS)
    assert [r["status"] for r in results] == [201] * len(ROWS) + [422]
    assert "No person with the reference" in results[-1]["problem"]["errors"][0]["detail"]
    assert SupplierEvent.objects.count() == len(ROWS)  # the set-based rows rolled back: once each
    assert Breach.objects.count() == len(ROWS)
    assert AuditEvent.objects.filter(verb="em.supplier_batch_received").count() == 1


BATCHES = 6
EVENTS = 40


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"
)
@pytest.mark.django_db(transaction=True)
def test_overlapping_batches_sent_at_once_store_each_event_once():
    hub = em_reference_data()
    supplier_client(hub)
    with clock.frozen(NOW - timedelta(days=1)):
        caseworker = em_user("em_caseworker", hub)
        people = [em_person(hub, family_name=f"Batch{i}") for i in range(8)]
        for person in people:
            fitted_make(caseworker, person)
    items = [
        entry(
            people[i % len(people)],
            f"ov-{i}",
            breach_type=["full_curfew", "battery"][i % 2],
            started_at=(NOW - timedelta(hours=2 + i)).isoformat(),
            ended_at=(NOW - timedelta(hours=1 + i)).isoformat(),
        )
        for i in range(EVENTS)
    ]
    # Each batch holds an overlapping window of the events, so batches race for the same ids.
    batches = [items[i * 5 : i * 5 + 15] for i in range(BATCHES)] * 2
    answers: dict[str, list[tuple[int, dict]]] = {}
    lock = threading.Lock()

    def worker(batch):
        response = send_batch(Client(), {"events": batch})
        assert response.status_code == 200, response.content
        with lock:
            for result in response.json()["results"]:
                answers.setdefault(result["event_id"], []).append(
                    (result["status"], result["event"])
                )

    assert run_at_once([lambda b=batch: worker(b) for batch in batches], at=NOW) == []
    sent = {item["id"] for batch in batches for item in batch}
    assert set(SupplierEvent.objects.values_list("event_id", flat=True)) == sent
    assert Breach.objects.count() == len(sent)
    for event_id, results in answers.items():
        statuses = sorted(status for status, _ in results)
        assert statuses == [200] * (len(results) - 1) + [201], (event_id, statuses)
        first = next(body for status, body in results if status == 201)
        assert all(body == first for _, body in results)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.mark.django_db
def test_any_entries_are_answered_one_by_one_and_never_a_server_error(
    frozen, fitted, person, supplier
):
    """Seeded, bounded: entries of any shape (valid breaches, valid ones with one field replaced
    by anything, and arbitrary JSON) get one answer each, in order, each 201, 200, 400 or 422."""
    valid = st.builds(
        lambda n, kind: entry(person, f"fz-{n}", breach_type=kind),
        st.integers(0, 5),
        st.sampled_from(["full_curfew", "battery", "location", "sneezing"]),
    )

    def spoiled(item: dict, where: str, value) -> dict:
        if where in ("id", "type", "data"):
            return {**item, where: value}
        return {**item, "data": {**item["data"], where: value}}

    broken = st.builds(
        spoiled,
        valid,
        st.sampled_from(["id", "type", "data", "person_reference", "started_at", "ended_at"]),
        JSON,
    )
    events = st.lists(st.one_of(valid, broken, JSON), min_size=1, max_size=6)

    @seed(20261207)
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(batch=events)
    def check(batch):
        response = send_batch(Client(), {"events": batch})
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        assert [r["index"] for r in results] == list(range(len(batch)))
        for result in results:
            assert result["status"] in (200, 201, 400, 422), result
            assert (result["event"] is None) == (result["status"] >= 400), result

    check()
