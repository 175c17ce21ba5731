"""The casework figures read from the summary rows (``services.figures_read_model``): the
counted figures in the shapes ``selectors.figures.mi_figures`` gives them, with the rows' as-of
time. ``core.read_models.read_model_as_of`` rebuilds stale rows before they are read."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from waymark.casework import rules
from waymark.casework.models import CaseworkFigureFact, GatekeepingDecision
from waymark.casework.workflows import RemovalStatus
from waymark.core.read_models import read_model_as_of

READ_MODEL = "casework.figures"


def _rows(measure: str) -> list[tuple[Any, str, str, int]]:
    return list(
        CaseworkFigureFact.objects.filter(measure=measure).values_list("day", "k1", "k2", "n")
    )


def mi_counted_figures() -> tuple[datetime, dict[str, Any]]:
    """(as-of time, the counted figures): figure 1, figures 6 and 8, gatekeeping, ETD by country
    status counts and voluntary return, each as ``mi_figures`` computes it live."""
    as_of = read_model_as_of(READ_MODEL)
    by_team_band: dict[str, Counter] = defaultdict(Counter)
    for _d, team, band, n in _rows("open_case"):
        by_team_band[team or "No owning team"][int(band)] += n  # keys are stored as text
    figure_1 = [
        {"team": team, "bands": [c[b] for b in rules.BANDS], "total": sum(c.values())}
        for team, c in sorted(by_team_band.items())
    ]
    by_year: dict[str, Counter] = defaultdict(Counter)
    failure_reasons: Counter = Counter()
    for day, status, reason, n in _rows("removal"):
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
    for _d, decision, reason, n in _rows("detention_request"):
        decisions[decision] += n
        if decision == GatekeepingDecision.REJECTED:
            rejections[reason] += n
    etd = sorted((country, status, n) for _d, country, status, n in _rows("etd"))
    vr: Counter = Counter()
    for _d, outcome, _k2, n in _rows("voluntary_return"):
        vr[outcome] += n
    return as_of, {
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


def mi_figures_summary() -> dict[str, Any]:
    """What the figures page and CSV show: the counted figures from the summary rows (with
    ``as_of``); the figures not yet in the read model are computed live, as ``mi_figures``."""
    from waymark.casework.selectors.figures import mi_figures

    as_of, counted = mi_counted_figures()
    counted.pop("etd_counts")  # the page's ETD table (with names) is still the live one
    return {**mi_figures(), **counted, "as_of": as_of}
