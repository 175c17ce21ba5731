"""The pure parts of the supplier simulator (``manage.py em_supplier_simulator``): the breach type
mix of 000 Figure 6, event builders and Standard Webhooks headers. A SIMULATOR: it stands in for the
monitoring supplier in demos and tests, and is never pointed at a real supplier."""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta

from waymark.monitoring.demo import TYPE_MIX
from waymark.monitoring.signing import sign

FAILURE_REASONS = ["not_available", "uncooperative", "supplier_did_not_attend", "equipment_fault"]


def breach_type_pick(rng: random.Random) -> str:
    return rng.choices(list(TYPE_MIX), weights=list(TYPE_MIX.values()))[0]


def breach_event(rng: random.Random, *, person_reference: str, now: datetime) -> tuple[str, dict]:
    """A breach notification as the supplier sends it: battery breaches of 1-6 hours (so that the
    accumulated rule fires now and then), short absences and curfew breaches, longer losses of contact."""
    breach_type = breach_type_pick(rng)
    hours = {"battery": rng.uniform(1, 6), "out_of_contact": rng.uniform(24, 24 * 9)}.get(
        breach_type, rng.uniform(0.25, 3)
    )
    end = now - timedelta(minutes=rng.randint(1, 30))
    start = end - timedelta(hours=hours)
    return f"sim_{uuid.uuid4().hex}", {
        "type": "breach.created",
        "data": {
            "person_reference": person_reference,
            "breach_type": breach_type,
            "started_at": start.isoformat(),
            "ended_at": end.isoformat(),
            "details": "Reported by the simulator",
        },
    }


def slot_answer_event(
    rng: random.Random, *, order_reference: str, slot_start: str
) -> tuple[str, dict]:
    confirmed = rng.random() < 0.9
    data = {"order_reference": order_reference, "confirmed": confirmed}
    if confirmed:
        data["slot_start"] = slot_start
    else:
        data["reason"] = "No fitter available in that slot"
    return f"sim_{uuid.uuid4().hex}", {"type": "slot.answer", "data": data}


def fitting_event(rng: random.Random, *, order_reference: str, now: datetime) -> tuple[str, dict]:
    if rng.random() < 0.9:
        data = {
            "order_reference": order_reference,
            "fitted": True,
            "at": now.isoformat(),
            "device_serial": f"GPS-{rng.randint(100000, 999999)}",
            "issued_phone_number": f"07700 9{rng.randint(0, 99999):05d}",
        }
    else:
        data = {
            "order_reference": order_reference,
            "fitted": False,
            "at": now.isoformat(),
            "failure_reason": rng.choice(FAILURE_REASONS),
        }
    return f"sim_{uuid.uuid4().hex}", {"type": "fitting.outcome", "data": data}


def signed_request(
    *, secret: str, client_id: str, event_id: str, body: dict, now: datetime
) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    timestamp = int(now.timestamp())
    return raw, {
        "Content-Type": "application/json",
        "Waymark-Client-Id": client_id,
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, event_id, timestamp, raw),
        "Idempotency-Key": event_id,
    }
