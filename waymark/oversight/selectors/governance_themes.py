"""The complaint themes analysis (issue 20 item 6): complaints received in the last months by
theme and month, each theme's responses on time and outcomes, each month's on-time rate.
Re-exported by ``selectors.governance``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from waymark.core import clock
from waymark.oversight import rules
from waymark.oversight.models import Complaint, ComplaintTheme, ComplaintThemeTag


def _month_starts(today: date, months: int) -> list[date]:
    first = today.replace(day=1)
    out = []
    for _ in range(months):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(out))


@dataclass
class ThemeAnalysis:
    months: list[date]
    themes: list[tuple[str, str]]
    counts: dict[str, dict[date, int]]
    totals: dict[str, int]
    month_totals: dict[date, int]
    responded: dict[str, int]
    on_time: dict[str, int]
    outcomes: dict[str, Counter]
    month_responded: dict[date, int]
    month_on_time: dict[date, int]
    total: int

    def rate(self, on_time: int, responded: int) -> str:
        return f"{on_time / responded:.0%}" if responded else "No responses"


def complaint_themes_analysis(months: int = rules.COMPLAINT_THEMES_MONTHS) -> ThemeAnalysis:
    """Complaints received in the last ``months`` months by theme and month, each theme's
    responses on time (within its 20-working-day target) and outcomes, and each month's on-time
    rate. A complaint with two themes counts once in each theme, once in the month's total."""
    today = clock.today()
    starts = _month_starts(today, months)
    since = starts[0]
    tags = ComplaintThemeTag.objects.filter(complaint__received_on__gte=since).values(
        "theme",
        "complaint__received_on",
        "complaint__responded_on",
        "complaint__due_on",
        "complaint__outcome",
    )
    counts: dict[str, dict[date, int]] = {
        t: dict.fromkeys(starts, 0) for t in ComplaintTheme.values
    }
    responded: Counter = Counter()
    on_time: Counter = Counter()
    outcomes: dict[str, Counter] = {t: Counter() for t in ComplaintTheme.values}
    for tag in tags:
        month = tag["complaint__received_on"].replace(day=1)
        counts[tag["theme"]][month] += 1
        if tag["complaint__responded_on"] is not None:
            responded[tag["theme"]] += 1
            on_time[tag["theme"]] += tag["complaint__responded_on"] <= tag["complaint__due_on"]
            outcomes[tag["theme"]][tag["complaint__outcome"]] += 1
    month_totals = dict.fromkeys(starts, 0)
    month_responded = dict.fromkeys(starts, 0)
    month_on_time = dict.fromkeys(starts, 0)
    complaints = Complaint.objects.filter(received_on__gte=since).values(
        "received_on", "responded_on", "due_on"
    )
    total = 0
    for c in complaints:
        month = c["received_on"].replace(day=1)
        month_totals[month] += 1
        total += 1
        if c["responded_on"] is not None:
            month_responded[month] += 1
            month_on_time[month] += c["responded_on"] <= c["due_on"]
    return ThemeAnalysis(
        months=starts,
        themes=list(ComplaintTheme.choices),
        counts=counts,
        totals={t: sum(by_month.values()) for t, by_month in counts.items()},
        month_totals=month_totals,
        responded=dict(responded),
        on_time=dict(on_time),
        outcomes=outcomes,
        month_responded=month_responded,
        month_on_time=month_on_time,
        total=total,
    )
