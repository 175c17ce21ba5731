"""How long a long job (an import, a linkage run, a bulk check) has left, in words, from how much
it has done since it started: the pages that follow a job show it beside the progress bar."""

from __future__ import annotations

from datetime import datetime

from waymark.core.rules import ESTIMATE_AFTER_FRACTION


def time_left(done: int, total: int, started_at: datetime | None, now: datetime) -> str:
    """'About 3 minutes left', 'Less than a minute left', or 'Working out how long it will take'."""
    if not total or started_at is None or done <= 0 or done / total < ESTIMATE_AFTER_FRACTION:
        return "Working out how long it will take"
    if done >= total:
        return "Finishing"
    elapsed = max((now - started_at).total_seconds(), 0.0)
    seconds = elapsed / done * (total - done)
    if seconds < 60:
        return "Less than a minute left"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"About {minutes} minute{'s' if minutes != 1 else ''} left"
    hours = round(seconds / 3600, 1)
    return f"About {hours:g} hours left"
