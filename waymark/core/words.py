"""Numbers as people read them on a page (GOV.UK style)."""

from __future__ import annotations

DAYS_IN_YEAR = 365
DAYS_IN_MONTH = 365 / 12


def days_in_words(days: int | None) -> str:
    """A length given in days, as a court would say it: '7 years, 2 months', '10 months',
    '3 weeks', '5 days'. Months are rounded to the nearest (a sentence is recorded in days)."""
    if days is None:
        return ""
    days = int(days)
    if days < 28:
        return f"{round(days / 7)} weeks" if days >= 14 else f"{days} day{'s' if days != 1 else ''}"
    years, rest = divmod(days, DAYS_IN_YEAR)
    months = round(rest / DAYS_IN_MONTH)
    if months == 12:
        years, months = years + 1, 0
    parts = []
    if years:
        parts.append(f"{years:,} year{'s' if years != 1 else ''}")
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    return ", ".join(parts)
