"""Periodic sweeps for electronic monitoring; each is idempotent (registered in registrations.py)."""

from __future__ import annotations


def _reviews() -> int:
    from waymark.monitoring.services import reviews_schedule

    return reviews_schedule()


def _slot_silence() -> int:
    from waymark.monitoring.services import slot_silence_flag

    return slot_silence_flag()


def _trail_retention() -> int:
    from waymark.monitoring.services import trail_retention_seal

    return trail_retention_seal()


SWEEPS = {
    "monitoring.reviews_schedule": _reviews,
    "monitoring.slot_silence": _slot_silence,
    "monitoring.trail_retention": _trail_retention,
}
