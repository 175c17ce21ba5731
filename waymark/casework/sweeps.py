"""Periodic sweeps for criminal casework; each is idempotent (registered in registrations.py)."""

from __future__ import annotations


def _events() -> int:
    from waymark.casework.services import events_generate

    return events_generate()


def _outcomes_missing() -> int:
    from waymark.casework.services import outcomes_missing_chase

    return outcomes_missing_chase()


def _reviews() -> int:
    from waymark.casework.services import reviews_schedule

    return reviews_schedule()


SWEEPS = {
    "casework.reporting_events": _events,
    "casework.outcomes_missing": _outcomes_missing,
    "casework.case_reviews": _reviews,
}
