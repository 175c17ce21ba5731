"""The Waymark load test's users (run by ``bench/load.py``, which prepares everything this reads).

Loopback only: the host must be 127.0.0.1 or localhost, or the run stops before the first request.
Each simulated user is one of the signed-in sessions ``bench/load.py`` made in the load database
(``LOAD_PLAN``, a JSON file): a caseworker, an EM caseworker, a case owner, a field officer; the
supplier is a machine client signing each event as the webhook contract says. The mix of requests
is shaped by the seeds' volumes (``bench/load.py`` explains the weights); ``LOAD_MIX=person``
makes every user only open person pages (the 1-user against 50-users comparison).

A run is bounded twice: by locust's ``--run-time`` and by ``LOAD_MAX_REQUESTS`` (the run quits
when that many requests have been sent).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
MIX = os.environ.get("LOAD_MIX", "mixed")
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "20000"))
_sent = {"count": 0}


@events.init.add_listener
def _loopback_only(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in {"127.0.0.1", "localhost"}:
        raise SystemExit(f"The load test runs against loopback only, not {host!r}")


@events.request.add_listener
def _bounded(**_kwargs):
    _sent["count"] += 1
    if _sent["count"] >= MAX_REQUESTS:
        from locust.runners import RUNNER

        if RUNNER is not None:
            RUNNER.quit()


def _sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature (waymark.monitoring.signing.sign), written out here so the
    locustfile needs no Django."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


class _Signed(HttpUser):
    """A browser behind the TLS proxy: the session and CSRF cookies of one prepared session."""

    abstract = True
    wait_time = between(0.5, 1.5)  # a person reading a page before the next click
    role = ""

    def on_start(self):
        sessions = PLAN["sessions"][self.role]
        self.session = random.choice(sessions)
        self.rng = random.Random()
        host = urlsplit(self.host).netloc
        self.client.headers.update(
            {
                "Host": host,
                "X-Forwarded-Proto": "https",
                "Origin": f"https://{host}",
                "Referer": f"https://{host}/",
                "X-CSRFToken": PLAN["csrf"],
            }
        )
        # Set without the Secure flag, so that they go over the loopback's plain HTTP.
        self.client.cookies.set(PLAN["session_cookie"], self.session["key"])
        self.client.cookies.set(PLAN["csrf_cookie"], PLAN["csrf"])

    def _get(self, path: str, name: str):
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")

    def person_page(self):
        self._get(f"/people/{self.rng.choice(self.session['people'])}/", "person page")

    def search(self):
        query = self.rng.choice(PLAN["searches"])
        self._get(f"/people/?{query}", "person search")

    def queue_page(self):
        if self.session["queues"]:
            slug = self.rng.choice(self.session["queues"])
            self._get(f"/work/queues/{slug}/", "queue page")

    def get_next(self):
        with self.client.post(
            "/work/get-next/", name="get next", catch_response=True, allow_redirects=False
        ) as r:
            if r.status_code != 302:
                r.failure(f"{r.status_code}")


class Caseworker(_Signed):
    """Criminal casework and the EM Hub: people, searches, queues and get next."""

    role = "caseworker"
    weight = 6

    @task(10)
    def view_person(self):
        self.person_page()

    @task(4)
    def find_person(self):
        if MIX == "mixed":
            self.search()
        else:
            self.person_page()

    @task(3)
    def open_queue(self):
        if MIX == "mixed":
            self.queue_page()
        else:
            self.person_page()

    @task(1)
    def take_next(self):
        if MIX == "mixed":
            self.get_next()
        else:
            self.person_page()


class FieldOfficer(_Signed):
    """An officer on a deployed visit: entries from the phone (the JSON API, one a request), and
    the people met."""

    role = "field_officer"
    weight = 1

    @task(3)
    def record_entry(self):
        if MIX != "mixed" or not self.session["visits"]:
            self.person_page()
            return
        body = {
            "client_uuid": str(uuid.uuid4()),
            "visit": self.rng.choice(self.session["visits"]),
            "entry_type": "search",
            "recorded_at": datetime.now(UTC).isoformat(),
            "data": {"searched": "Rear store room", "search_power": "Paragraph 25A"},
        }
        with self.client.post(
            "/api/v1/operations/entries/", json=body, name="field entry", catch_response=True
        ) as r:
            if r.status_code not in (200, 201):
                r.failure(f"{r.status_code} {r.text[:120]}")

    @task(2)
    def view_person(self):
        self.person_page()


class Supplier(HttpUser):
    """The EM supplier's system: breach notifications over the signed webhook API."""

    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.rng = random.Random()
        self.supplier = PLAN["supplier"]
        host = urlsplit(self.host).netloc
        self.client.headers.update({"Host": host, "X-Forwarded-Proto": "https"})

    @task
    def breach(self):
        if MIX != "mixed":
            return
        event_id = f"load-{uuid.uuid4().hex}"
        start = datetime.now(UTC) - timedelta(hours=self.rng.randint(2, 48))
        body = json.dumps(
            {
                "type": "breach.created",
                "data": {
                    "person_reference": self.rng.choice(self.supplier["people"]),
                    "breach_type": self.rng.choice(self.supplier["breach_types"]),
                    "started_at": start.isoformat(),
                    "ended_at": (start + timedelta(minutes=self.rng.randint(20, 300))).isoformat(),
                },
            }
        ).encode()
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "Waymark-Client-Id": self.supplier["client_id"],
            "webhook-id": event_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": _sign(self.supplier["secret"], event_id, stamp, body),
            "Idempotency-Key": event_id,
        }
        with self.client.post(
            "/api/v1/monitoring/supplier/events/",
            data=body,
            headers=headers,
            name="supplier event",
            catch_response=True,
        ) as r:
            if r.status_code not in (200, 201, 202):
                r.failure(f"{r.status_code} {r.text[:120]}")
