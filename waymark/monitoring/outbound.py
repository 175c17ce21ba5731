"""Outbound calls to the monitoring supplier: orders, variations and removals (brief §2, issue 3).

Requests are signed the same way as the supplier signs its own (Standard Webhooks, ``signing``),
with our outbound secret. The endpoint and secret come from the environment:
``WAYMARK_EM_SUPPLIER_URL`` and ``WAYMARK_EM_SUPPLIER_SECRET``.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid

from waymark.core import clock
from waymark.monitoring.signing import sign


class SupplierUnavailable(Exception):
    pass


def http_transport(payload: dict) -> dict:
    url = os.environ.get("WAYMARK_EM_SUPPLIER_URL", "")
    secret = os.environ.get("WAYMARK_EM_SUPPLIER_SECRET", "")
    if not url or not secret:
        raise SupplierUnavailable("No supplier endpoint is configured (WAYMARK_EM_SUPPLIER_URL)")
    body = json.dumps({"type": f"order.{payload['kind']}", "data": payload}).encode()
    message_id = f"wm_{uuid.uuid4().hex}"
    timestamp = int(clock.now().timestamp())
    if not url.startswith(("https://", "http://")):
        raise SupplierUnavailable("WAYMARK_EM_SUPPLIER_URL must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url.rstrip("/") + "/orders",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, message_id, timestamp, body),
            "Idempotency-Key": payload["order_reference"],
        },
    )
    try:
        # S310: the scheme is checked above (http or https only).
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")
    except OSError as exc:
        raise SupplierUnavailable(f"The supplier did not accept the order: {exc}") from exc
