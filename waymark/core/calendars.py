"""UK working-day calendars, one per nation, from the ``holidays`` package.

Deadlines such as "5 working days for a general enquiry" (000 §5.85) depend on the team's nation:
Scotland and Northern Ireland have bank holidays that England and Wales do not.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from waymark.core.clock import LONDON

NATIONS = {
    "england-and-wales": ("England and Wales", "ENG"),
    "scotland": ("Scotland", "SCT"),
    "northern-ireland": ("Northern Ireland", "NIR"),
}
NATION_CHOICES = [(key, label) for key, (label, _) in NATIONS.items()]


@lru_cache(maxsize=16)
def _bank_holidays(nation: str, year: int) -> frozenset[date]:
    if nation not in NATIONS:
        raise ValueError(f"Unknown nation {nation!r}; expected one of {sorted(NATIONS)}")
    calendar = holidays.country_holidays("GB", subdiv=NATIONS[nation][1], years=[year])
    return frozenset(calendar.keys())


def bank_holidays(nation: str, year: int) -> dict[date, str]:
    calendar = holidays.country_holidays("GB", subdiv=NATIONS[nation][1], years=[year])
    return dict(sorted(calendar.items()))


def is_working_day(day: date, nation: str) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(nation, day.year)


def add_working_days(start: datetime, days: int, nation: str) -> datetime:
    """The end of the ``days``-th working day after ``start`` (London time), returned in UTC.

    A deadline of N working days from an item received on day D falls at the end of the working
    day N working days after D, whatever time on D it arrived (the usual service-standard reading).
    """
    if days < 0:
        raise ValueError("days must not be negative")
    local = start.astimezone(LONDON).date()
    remaining = days
    while remaining > 0:
        local += timedelta(days=1)
        if is_working_day(local, nation):
            remaining -= 1
    end_of_day = datetime.combine(local, time(23, 59, 59), tzinfo=LONDON)
    return end_of_day.astimezone(start.tzinfo or LONDON)


def working_days_between(start: date, end: date, nation: str) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, nation):
            count += 1
    return count
