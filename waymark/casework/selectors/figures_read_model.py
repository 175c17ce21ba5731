"""The casework figures read from the summary rows (``services.figures_read_model``): the
counted figures in the shapes ``selectors.figures.mi_figures`` gives them, with the rows' as-of
time. ``core.read_models.read_model_as_of`` rebuilds stale rows before they are read."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q

from waymark.casework import rules
from waymark.casework.models import CaseworkFigureFact, GatekeepingDecision
from waymark.casework.selectors.barriers import AGE_BANDS
from waymark.casework.workflows import RemovalStatus
from waymark.core import clock
from waymark.core.read_models import MONTHLY, facts_sum, read_model_as_of

READ_MODEL = "casework.figures"


Facts = dict[str, list[tuple[Any, Any, str, str, int]]]

# Dated by stretch (``day <= today < until``, open ``until``): the page reads today's rows.
IN_FORCE = ("reporting_population", "flagged", "review_due_14", "review_overdue", "barrier")
# Dated by day: the page reads the weeks it shows.
BY_DAY = ("missed", "contact_step")
# Dated by day, shown on the page since records began: it reads their monthly rows.
SINCE_RECORDS_BEGAN = ("prep_done", "further_done")


def facts_for_page(today: date, since: date) -> Facts:
    """Every summary row the page reads, in one query, by measure: the undated rows and the
    removals (dated by their planned day), the rows in force ``today``, the daily rows from
    ``since`` and the monthly rows of the figures shown since records began. (The registry's team
    figures have their own rows, ``<measure>_team``: the page reads the rows for everyone.)"""
    rows = (
        CaseworkFigureFact.objects.filter(
            Q(day__isnull=True)
            | Q(measure="removal")
            | Q(measure__in=IN_FORCE, day__lte=today) & (Q(until__isnull=True) | Q(until__gt=today))
            | Q(measure__in=BY_DAY, day__gte=since)
            | Q(measure__in=[m + MONTHLY for m in SINCE_RECORDS_BEGAN])
        )
        .exclude(measure__in=TEAM_MEASURES)
        .values_list("measure", "day", "until", "k1", "k2", "n")
    )
    facts: Facts = defaultdict(list)
    for measure, day, until, k1, k2, n in rows:
        facts[measure.removesuffix(MONTHLY)].append((day, until, k1, k2, n))
    return facts


def _rows(facts: Facts | None, measure: str) -> list[tuple[Any, str, str, int]]:
    if facts is None:
        return list(
            CaseworkFigureFact.objects.filter(measure=measure).values_list("day", "k1", "k2", "n")
        )
    return [(day, k1, k2, n) for day, _until, k1, k2, n in facts.get(measure, [])]


def mi_counted_figures() -> tuple[datetime, dict[str, Any]]:
    """(as-of time, the counted figures): figure 1, figures 6 and 8, gatekeeping, ETD by country
    status counts and voluntary return, each as ``mi_figures`` computes it live."""
    as_of = read_model_as_of(READ_MODEL)
    return as_of, _counted_figures(None)


def _counted_figures(facts: Facts | None) -> dict[str, Any]:
    by_team_band: dict[str, Counter] = defaultdict(Counter)
    for _d, team, band, n in _rows(facts, "open_case"):
        by_team_band[team or "No owning team"][int(band)] += n  # keys are stored as text
    figure_1 = [
        {"team": team, "bands": [c[b] for b in rules.BANDS], "total": sum(c.values())}
        for team, c in sorted(by_team_band.items())
    ]
    by_year: dict[str, Counter] = defaultdict(Counter)
    failure_reasons: Counter = Counter()
    for day, status, reason, n in _rows(facts, "removal"):
        by_year[rules.financial_year(day)][status] += n
        if status == RemovalStatus.FAILED:
            failure_reasons[reason] += n
    figure_6 = []
    for year in sorted(by_year):
        c = by_year[year]
        removed, failed, pending = (
            c[RemovalStatus.REMOVED],
            c[RemovalStatus.FAILED],
            c[RemovalStatus.PLANNED],
        )
        done = removed + failed
        figure_6.append(
            {
                "year": year,
                "planned": removed + failed + pending,
                "removed": removed,
                "failed": failed,
                "pending": pending,
                "removed_pct": round(100 * removed / done) if done else None,
                "failed_pct": round(100 * failed / done) if done else None,
            }
        )
    decisions: Counter = Counter()
    rejections: Counter = Counter()
    for _d, decision, reason, n in _rows(facts, "detention_request"):
        decisions[decision] += n
        if decision == GatekeepingDecision.REJECTED:
            rejections[reason] += n
    etd = sorted((country, status, n) for _d, country, status, n in _rows(facts, "etd"))
    vr: Counter = Counter()
    for _d, outcome, _k2, n in _rows(facts, "voluntary_return"):
        vr[outcome] += n
    return {
        "figure_1": figure_1,
        "figure_1_total": sum(r["total"] for r in figure_1),
        "figure_6": figure_6,
        "figure_8": [
            (key, label, failure_reasons[key]) for key, label, _b in rules.FAILURE_REASONS
        ],
        "gatekeeping": {
            "requests": sum(decisions.values()),
            "accepted": decisions[GatekeepingDecision.ACCEPTED],
            "rejected": sum(rejections.values()),
            "pending": decisions[GatekeepingDecision.PENDING],
            "by_reason": [
                (label, rejections[key]) for key, label in rules.GATEKEEPING_REJECTION_REASONS
            ],
        },
        "etd_counts": etd,
        "voluntary_return": {
            "offered": sum(vr.values()),
            "referred": vr["referred"],
            "departed": vr["departed"],
        },
    }


def _sum(facts: Facts, measure: str) -> int:
    return sum(n for *_r, n in facts.get(measure, []))


def _median(facts: Facts, measure: str) -> int | None:
    """The median (the middle item of the sorted values, as ``mi_figures``) of a distribution."""
    counts = sorted((int(k1), n) for _d, k1, _k2, n in _rows(facts, measure))
    middle = sum(n for _v, n in counts) // 2
    for value, n in counts:
        if middle < n:
            return value
        middle -= n
    return None


def mi_dated_figures(facts: Facts | None = None, *, weeks: int = 8) -> dict[str, Any]:
    """The figures of ``mi_figures`` that are not counts of records as they stand: those that
    move with the date, read "as of today" from dated rows, and the rest of the page's figures
    (distributions, yearly counts, the disparity table) from their summary rows."""
    from waymark.casework.selectors.figures import _week_start, disparity_rows

    today = clock.today()
    start = _week_start(today) - timedelta(weeks=weeks - 1)
    if facts is None:
        facts = facts_for_page(today, start)
    missed: Counter = Counter()
    for day, _k1, _k2, n in _rows(facts, "missed"):
        missed[_week_start(day)] += n
    steps: Counter = Counter()
    for day, step, _k2, n in _rows(facts, "contact_step"):
        steps[(_week_start(day), step)] += n
    missed_weeks = [
        {
            "week": start + timedelta(weeks=i),
            "missed": missed[start + timedelta(weeks=i)],
            "steps": [steps[(start + timedelta(weeks=i), k)] for k, _l in rules.CONTACT_STEPS],
        }
        for i in range(weeks)
    ]
    consecutive: Counter = Counter()
    for _d, k1, _k2, n in _rows(facts, "consecutive"):
        consecutive[int(k1)] += n
    by_year: dict[str, Counter] = {
        key: Counter() for key in ("absconder_declared", "trace_referred", "trace_located")
    }
    for measure, counter in by_year.items():
        for _d, year, _k2, n in _rows(facts, measure):
            counter[int(year)] += n
    years = sorted(set().union(*by_year.values()))
    barriers: dict[str, Counter] = {key: Counter() for key, _ in rules.BARRIER_TYPES}
    for _d, barrier_type, label, n in _rows(facts, "barrier"):
        barriers[barrier_type][label] += n
    prep: list[int] = []
    for _d, days, _k2, n in _rows(facts, "prep_days"):
        prep += [int(days)] * n
    further: Counter = Counter()
    for _d, on_time, _k2, n in _rows(facts, "further_done"):
        further["decided"] += n
        further["on_time"] += n if on_time == "1" else 0
    reoffending: dict[tuple[str, str], int] = {
        (k1, k2): n for _d, k1, k2, n in _rows(facts, "reoffending")
    }

    def reoffending_row(label: str, nfa: str) -> dict[str, Any]:
        people, again = reoffending.get((nfa, "people"), 0), reoffending.get((nfa, "reoffended"), 0)
        return {
            "label": label,
            "people": people,
            "reoffended": again,
            "rate": round(100 * again / people, 1) if people else None,
        }

    groups: Counter = Counter()
    absconders: Counter = Counter()
    detention: Counter = Counter()
    for _d, country, _k2, n in _rows(facts, "nat_people"):
        groups[country or None] += n
    for _d, country, _k2, n in _rows(facts, "nat_absconders"):
        absconders[country or None] += n
    for _d, country, decision, n in _rows(facts, "nat_detention"):
        detention[(country or None, decision)] += n
    return {
        "non_detained": _sum(facts, "non_detained"),
        "reporting_population": _sum(facts, "reporting_population"),
        "absconders": _sum(facts, "absconders"),
        "missed_weeks": missed_weeks,
        "consecutive": [(f"{n}{'+' if n == 5 else ''}", consecutive[n]) for n in range(1, 6)],
        "flagged": _sum(facts, "flagged"),
        "figure_9": [
            {
                "year": y,
                "declared": by_year["absconder_declared"][y],
                "referred": by_year["trace_referred"][y],
                "located": by_year["trace_located"][y],
            }
            for y in years
        ],
        "locate_median_days": _median(facts, "locate_days"),
        "reviews_due_14": _sum(facts, "review_due_14"),
        "reviews_overdue": _sum(facts, "review_overdue"),
        "prep_finalised": len(prep),
        "prep_on_time": sum(1 for d in prep if d <= rules.CASE_PREP_TOTAL_WEEKS * 7),
        "prep_median_days": sorted(prep)[len(prep) // 2] if prep else None,
        "barriers": [
            {
                "type": key,
                "label": label,
                "ages": [barriers[key][lbl] for *_r, lbl in AGE_BANDS],
                "total": sum(barriers[key].values()),
            }
            for key, label in rules.BARRIER_TYPES
        ],
        "further_decided": further.get("decided", 0),
        "further_on_time": further.get("on_time", 0),
        "reoffending": [
            reoffending_row("Released to an address", "0"),
            reoffending_row("No fixed abode", "1"),
        ],
        "disparity": disparity_rows(groups, absconders, detention),
    }


def mi_figures_summary() -> dict[str, Any]:
    """What the figures page and CSV show, every figure of ``mi_figures`` read from the summary
    rows (with ``as_of``); only the charter table is read live (one summary per charter)."""
    from waymark.casework.models import Charter
    from waymark.casework.selectors.figures import _week_start
    from waymark.casework.selectors.removals import charter_summary
    from waymark.people.countries import country_name

    as_of = read_model_as_of(READ_MODEL)  # first: it rebuilds stale rows
    today = clock.today()
    facts = facts_for_page(today, _week_start(today) - timedelta(weeks=7))
    counted = _counted_figures(facts)
    statuses = dict(rules.ETD_STATUSES)
    etd = [
        {
            "country": country,
            "status": status,
            "n": n,
            "country_name": country_name(country),
            "status_label": statuses.get(status, ""),
        }
        for country, status, n in counted.pop("etd_counts")
    ]
    return {
        "definition": rules.REPORTING_POPULATION_DEFINITION,
        **counted,
        **mi_dated_figures(facts),
        "barrier_ages": [lbl for *_r, lbl in AGE_BANDS],
        "etd_by_country": etd,
        "charters": [charter_summary(c) for c in Charter.objects.order_by("departs_on")],
        "as_of": as_of,
    }


# The registry's casework figures (``core.metrics``, registered in ``registrations.py``) for one
# team or a period: (the summary rows' measure, how they are read, the ``k1`` counted or None for
# every row). "current": the undated rows; "today": the rows in force today; "period": the rows
# dated in the period (since records began when none is given).
REGISTRY_FIGURES: dict[str, tuple[str, str, str | None]] = {
    "non_detained": ("non_detained_team", "current", None),
    "absconders": ("absconders_team", "current", None),
    "reporting_population": ("reporting_population_team", "today", None),
    "flagged": ("flagged_team", "today", None),
    "reviews_due_14": ("review_due_14_team", "today", None),
    "reviews_overdue": ("review_overdue_team", "today", None),
    "prep_finalised": ("prep_done", "period", None),
    "prep_on_time": ("prep_done", "period", "1"),
    "further_decided": ("further_done", "period", None),
    "further_on_time": ("further_done", "period", "1"),
}
# The registry's per-team rows of the figures counted now (the page reads the rows for everyone).
TEAM_MEASURES = [m for m, how, _k1 in REGISTRY_FIGURES.values() if how != "period"]
PERIOD_FIGURES = frozenset(k for k, (_m, how, _k1) in REGISTRY_FIGURES.items() if how == "period")


def figure_value(
    key: str, *, team_id: int | None = None, start: date | None = None, end: date | None = None
) -> int:
    """One of the casework figures page's headline figures, for everyone or the team owning the
    person (``team_id``), and for the figures counted over days, the period ``start``..``end``
    (both included). Read from the summary rows (rebuilt first when stale)."""
    read_model_as_of(READ_MODEL)
    measure, how, counted = REGISTRY_FIGURES[key]
    if how == "current":
        sums = facts_sum(CaseworkFigureFact, (measure,), current=True, team_id=team_id)
    elif how == "today":
        sums = facts_sum(CaseworkFigureFact, (measure,), at=clock.today(), team_id=team_id)
    else:
        after = end + timedelta(days=1) if end is not None else None
        sums = facts_sum(CaseworkFigureFact, (measure,), start=start, end=after, team_id=team_id)
    return sum(n for (_m, k1, _k2), n in sums.items() if counted is None or k1 == counted)
