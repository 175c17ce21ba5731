"""SIMULATOR of the monitoring supplier, for demos: plays the supplier against a running Waymark.

It (a) listens for Waymark's signed outbound orders (``POST /orders``; set the web and worker
processes' ``WAYMARK_EM_SUPPLIER_URL`` to this address, ``make run SIMULATOR=1`` does), answers the
slot and reports the fitting a few seconds later; (b) sends a stream of breach notifications for
people with a fitted device, in Figure 6's type mix, signed with the supplier client's secret, and
now and then sends one again to show it is stored once. It reads who is on EM from the database
(it runs as a manage.py command beside Waymark): a real supplier knows its own devices.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand

from waymark.core import clock
from waymark.monitoring import simulator
from waymark.monitoring.demo import DEMO_SUPPLIER_CLIENT, DEMO_SUPPLIER_SECRET
from waymark.monitoring.models import Condition, ConditionStatus
from waymark.monitoring.signing import SignatureError, verify


class Command(BaseCommand):
    help = "SIMULATOR: play the monitoring supplier against a running Waymark (orders, fittings, breaches)"

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--client-id", default=DEMO_SUPPLIER_CLIENT)
        parser.add_argument(
            "--secret", default=DEMO_SUPPLIER_SECRET, help="The supplier client's signing secret"
        )
        parser.add_argument(
            "--outbound-secret",
            default=DEMO_SUPPLIER_SECRET,
            help="The secret Waymark signs its orders with (WAYMARK_EM_SUPPLIER_SECRET)",
        )
        parser.add_argument(
            "--listen", default="127.0.0.1:8765", help="Where to accept orders; '' for none"
        )
        parser.add_argument("--breaches-per-minute", type=float, default=30)
        parser.add_argument(
            "--count", type=int, default=0, help="Stop after this many breaches (0: run on)"
        )
        parser.add_argument("--resend-share", type=float, default=0.02)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        self.rng = random.Random(options["seed"] or None)
        self.options = options
        self.outcomes: Counter[str] = Counter()
        self.sent_by_type: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.orders: queue.Queue = queue.Queue()
        if options["listen"]:
            self._serve_orders(options["listen"])
        self.stdout.write(
            f"Supplier SIMULATOR sending to {options['base_url']} as {options['client_id']}"
        )
        sent, recent = 0, []
        interval = 60.0 / max(options["breaches_per_minute"], 0.01)
        try:
            while not options["count"] or sent < options["count"]:
                people = list(
                    Condition.objects.filter(status=ConditionStatus.ACTIVE).values_list(
                        "person__reference", flat=True
                    )[:5000]
                )
                if not people:
                    self.stdout.write("No one has a fitted device yet: waiting")
                    time.sleep(5)
                    continue
                if recent and self.rng.random() < options["resend_share"]:
                    event_id, body = self.rng.choice(recent)
                    self._post(event_id, body, label="resent")
                else:
                    event_id, body = simulator.breach_event(
                        self.rng, person_reference=self.rng.choice(people), now=clock.now()
                    )
                    self.sent_by_type[body["data"]["breach_type"]] += 1
                    self._post(event_id, body)
                    recent = [*recent, (event_id, body)][-200:]
                    sent += 1
                time.sleep(interval)
        except KeyboardInterrupt:
            pass
        self._summary(sent)

    def _post(self, event_id: str, body: dict, label: str = "") -> int:
        raw, headers = simulator.signed_request(
            secret=self.options["secret"],
            client_id=self.options["client_id"],
            event_id=event_id,
            body=body,
            now=clock.now(),
        )
        request = urllib.request.Request(  # noqa: S310 - http(s) base URL from the command line
            self.options["base_url"].rstrip("/") + "/api/v1/monitoring/supplier/events/",
            data=raw,
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            self.stderr.write(f"{body['type']} {event_id}: {status} {exc.read()[:300]!r}")
        except OSError as exc:
            status = 0
            self.stderr.write(f"Waymark is not answering: {exc}")
        with self.lock:
            self.outcomes[
                {201: "accepted (201)", 200: "replayed (200)"}.get(status, f"rejected ({status})")
                + (f" {label}" if label else "")
            ] += 1
        return status

    def _serve_orders(self, listen: str) -> None:
        host, port = listen.rsplit(":", 1)
        command = self

        class Orders(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    verify(
                        secrets=[command.options["outbound_secret"]],
                        message_id=self.headers.get("webhook-id", ""),
                        timestamp=self.headers.get("webhook-timestamp", ""),
                        signature_header=self.headers.get("webhook-signature", ""),
                        body=raw,
                        now=clock.now(),
                    )
                except SignatureError as exc:
                    self.send_response(401)
                    self.end_headers()
                    self.wfile.write(str(exc).encode())
                    return
                order = json.loads(raw)["data"]
                command.orders.put(order)
                self.send_response(202)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"accepted": order["order_reference"]}).encode())

            def log_message(self, *args):
                return

        server = ThreadingHTTPServer((host, int(port)), Orders)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        threading.Thread(target=self._work_orders, daemon=True).start()
        self.stdout.write(f"Accepting orders on http://{listen}/orders")

    def _work_orders(self) -> None:
        while True:
            order = self.orders.get()
            time.sleep(2)
            event_id, body = simulator.slot_answer_event(
                self.rng,
                order_reference=order["order_reference"],
                slot_start=order["requested_slot_start"],
            )
            self._post(event_id, body)
            if body["data"]["confirmed"] and order.get("kind", "install") == "install":
                time.sleep(2)
                event_id, body = simulator.fitting_event(
                    self.rng, order_reference=order["order_reference"], now=clock.now()
                )
                self._post(event_id, body)

    def _summary(self, sent: int) -> None:
        self.stdout.write(f"\nSent {sent} breach notifications:")
        for breach_type, n in self.sent_by_type.most_common():
            self.stdout.write(f"  {breach_type:32} {n}")
        self.stdout.write("Answers:")
        for outcome, n in sorted(self.outcomes.items()):
            self.stdout.write(f"  {outcome:32} {n}")
