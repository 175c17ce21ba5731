"""Oversight's numbered rules, each cited to the brief (oversight.md §4, §6 "Governance").
Configurable through ``settings.WAYMARK_OVERSIGHT`` (a dict of these names)."""

from __future__ import annotations

from django.conf import settings

_OVERRIDES: dict = getattr(settings, "WAYMARK_OVERSIGHT", {})

# An action whose due date has been revised this many times or more is "slipping" (§6: "slipping
# target dates shown with their history"); one revision is already a slip.
SLIPPING_REVISIONS: int = _OVERRIDES.get("SLIPPING_REVISIONS", 1)
# An open action is "due soon" this many days before its due date (§4: overdue items flagged).
DUE_SOON_DAYS: int = _OVERRIDES.get("DUE_SOON_DAYS", 14)
# Longest text accepted for an action's description, an update or a closure note.
TEXT_MAX_CHARS: int = _OVERRIDES.get("TEXT_MAX_CHARS", 5000)
# The five seeds and the number of recommendations each numbers (000: 1-5; 001: 1-8; 002: "25
# recommendations covering 7 themes"; 003: "six recommendations"; 004: "the 7 recommendations").
SEED_RECOMMENDATION_COUNTS: dict[str, int] = {"000": 5, "001": 8, "002": 25, "003": 6, "004": 7}


def slipping(revisions: int) -> bool:
    return revisions >= SLIPPING_REVISIONS


# --- quality assurance (item 1) ---


# --- competence (item 2) ---
# A competence is "expiring soon" on the register this many days before it lapses: six weeks is
# time to book and pass a refresher before get next stops giving its work (the refresher itself
# falls due earlier, ``work.rules.COMPETENCE_REFRESHER_LEAD_DAYS``).
COMPETENCE_EXPIRING_SOON_DAYS: int = _OVERRIDES.get("COMPETENCE_EXPIRING_SOON_DAYS", 42)
# The periods the throughput and timeliness page offers, in days (a week, a month, a quarter);
# the first is the default (000 §5.76: performance per person and team).
PERFORMANCE_PERIOD_DAYS: tuple[int, ...] = tuple(
    _OVERRIDES.get("PERFORMANCE_PERIOD_DAYS", (30, 7, 90))
)


# --- metrics (item 3) ---


# --- fairness and data quality (items 4-5) ---
