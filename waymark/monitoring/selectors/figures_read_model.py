"""The EM figures from the read model (issue 17 item 4): the same dictionary as ``mi_figures``, read
as sums over ``FigureFact`` rows (``services.figures_read_model``), with the rows' as-of time.

The page and its CSV read this; ``figures.mi_figures`` stays the live computation from the records,
which the tests hold this to, figure by figure."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from waymark.core.read_models import facts_sum, read_model_as_of
from waymark.monitoring import rules
from waymark.monitoring.models import (
    BreachDisposition,
    ChallengeKind,
    DeviceType,
    FigureFact,
    OrderStatus,
)
from waymark.monitoring.selectors.figures import Period
from waymark.monitoring.selectors.lists import FIGURE_5_GROUPS

READ_MODEL = "monitoring.figures"

PERIOD_MEASURES = (
    "violation",
    "review_completed",
    "challenge",
    "complaint",
    "trail",
    "trail_too_broad",
    "install_order",
    "fitting_hours",
    "fault",
    "bail_grant",
    "exemption",
)
CURRENT_MEASURES = (
    "active_device",
    "exemption_current",
    "awaiting_device",
    "device_planned",
    "device_available",
)


def _by(facts: dict[tuple, int], measure: str, part: int = 1) -> Counter:
    """Counts of one measure by its first (part=1) or second (part=2) key."""
    out: Counter = Counter()
    for (m, k1, k2), n in facts.items():
        if m == measure:
            out[(k1, k2)[part - 1]] += n
    return out


def _pct(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


def mi_figures_summary(period: Period) -> dict[str, Any]:
    """Every figure of brief §7 for the period, from the summary rows, and ``as_of``."""
    as_of: datetime = read_model_as_of(READ_MODEL)
    dated = facts_sum(FigureFact, PERIOD_MEASURES, start=period.start, end=period.end)
    at_end = facts_sum(
        FigureFact, ("on_em_person", "on_em_country", "on_em_condition"), at=period.end
    )
    current = facts_sum(FigureFact, CURRENT_MEASURES, current=True)
    open_reviews = facts_sum(FigureFact, ("review_open",), end=period.end)
    service = facts_sum(
        FigureFact,
        ("service_met", "service_total"),
        start=period.start.replace(day=1),
        end=period.end,
    )
    by_month = facts_sum(FigureFact, ("breach",), start=period.start, end=period.end, by_month=True)
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
        },
        "population": _population(at_end),
        "devices": _devices(current),
        "awaiting_device": _awaiting(current),
        "breaches": _breaches(by_month),
        "notifications_and_work": _notifications(by_month, dated),
        "reviews": _reviews(dated, open_reviews),
        "representations": _representations(dated),
        "trail_data": _trail(dated),
        "service_levels": _service_levels(service),
        "supplier_measures": _supplier(dated),
        "bail_em_share": _bail(dated),
        "exemptions": {
            "total": sum(_by(dated, "exemption").values()),
            "by_ground": {k: n for k, n in _by(dated, "exemption").items() if n},
            "current": sum(_by(current, "exemption_current").values()),
        },
        "as_of": as_of,
    }


def _population(at_end: dict[tuple, int]) -> dict[str, Any]:
    by_sex = {k: n for k, n in _by(at_end, "on_em_person").items() if n}
    countries = Counter({k: n for k, n in _by(at_end, "on_em_country").items() if n})
    active = Counter(
        {
            dev: n
            for (m, status, dev), n in at_end.items()
            if m == "on_em_condition" and status == "active" and n
        }
    )
    return {
        "total": sum(by_sex.values()),
        "monitored": sum(active.values()),
        "by_device": dict(active),
        "by_sex": by_sex,
        "by_nationality": sorted(countries.items(), key=lambda p: (-p[1], p[0]))[:10],
        "nationality_count": len(countries),
    }


def _devices(current: dict[tuple, int]) -> list[dict[str, Any]]:
    in_use = _by(current, "active_device")
    planned = _by(current, "device_planned")
    available = _by(current, "device_available")
    return [
        {
            "device_type": key,
            "label": label,
            "in_use": in_use.get(key, 0),
            "planned": planned.get(key, 0),
            "available": available.get(key, 0),
        }
        for key, label in DeviceType.choices
    ]


def _awaiting(current: dict[tuple, int]) -> dict[str, int]:
    counts = _by(current, "awaiting_device")
    groups = {key: counts.get(key, 0) for key, _ in FIGURE_5_GROUPS}
    return {"held": counts.get("held", 0), **groups, "released_total": sum(groups.values())}


def _breaches(by_month: dict[tuple, int]) -> dict[str, Any]:
    table: dict[str, Counter] = defaultdict(Counter)
    for (month, _m, breach_type, _disposition), n in by_month.items():
        if n:
            table[breach_type][month.strftime("%Y-%m")] += n
    months = sorted({m for counts in table.values() for m in counts})
    types = sorted(table, key=lambda t: (-sum(table[t].values()), t))
    return {
        "months": months,
        "rows": [
            {
                "breach_type": t,
                "label": rules.BREACH_TYPE_LABELS.get(t, t),
                "counts": [table[t].get(m, 0) for m in months],
                "total": sum(table[t].values()),
            }
            for t in types
        ],
        "month_totals": [sum(table[t].get(m, 0) for t in types) for m in months],
        "total": sum(sum(c.values()) for c in table.values()),
    }


def _notifications(by_month: dict[tuple, int], dated: dict[tuple, int]) -> dict[str, Any]:
    received = sum(by_month.values())
    battery = sum(n for (_mo, _m, t, _d), n in by_month.items() if t == rules.BATTERY)
    actionable = sum(
        n for (_mo, _m, _t, d), n in by_month.items() if d == BreachDisposition.ACTIONABLE
    )
    violations = sum(_by(dated, "violation").values())
    work_items = actionable + violations
    return {
        "received": received,
        "battery": battery,
        "actionable": actionable,
        "accumulated_violations": violations,
        "work_items": work_items,
        "reduction": None if not received else round(100 * (1 - work_items / received), 1),
    }


def _reviews(dated: dict[tuple, int], open_reviews: dict[tuple, int]) -> dict[str, Any]:
    completed = _by(dated, "review_completed")
    challenges = {}
    for kind, label in ChallengeKind.choices:
        outcomes = Counter(
            {o: n for (m, k, o), n in dated.items() if m == "challenge" and k == kind}
        )
        challenges[kind] = {
            "label": label,
            "answered": sum(n for o, n in outcomes.items() if o != ""),
            "outstanding": outcomes.get("", 0),
        }
    return {
        "completed": sum(completed.values()),
        "outstanding": sum(open_reviews.values()),
        "ceased_or_varied": sum(n for o, n in completed.items() if o != "continue"),
        "challenges": challenges,
    }


def _representations(dated: dict[tuple, int]) -> dict[str, Any]:
    counts = {
        o: n
        for (m, k, o), n in dated.items()
        if m == "challenge" and k == ChallengeKind.REPRESENTATION and o != "" and n
    }
    return {
        "total": sum(counts.values()),
        "by_outcome": counts,
        "complaints": sum(_by(dated, "complaint").values()),
    }


def _trail(dated: dict[tuple, int]) -> dict[str, Any]:
    by_requester = _by(dated, "trail", 1)
    by_outcome = _by(dated, "trail", 2)
    return {
        "total": sum(by_requester.values()),
        "by_requester": {k: n for k, n in by_requester.items() if n},
        "by_outcome": {k: n for k, n in by_outcome.items() if k != "" and n},
        "awaiting": by_outcome.get("", 0),
        "too_broad": sum(_by(dated, "trail_too_broad").values()),
    }


def _service_levels(service: dict[tuple, int]) -> list[dict[str, Any]]:
    met, total = _by(service, "service_met"), _by(service, "service_total")
    rows = []
    for key, (label, target) in rules.SERVICE_LEVELS.items():
        m, t = met.get(key, 0), total.get(key, 0)
        achieved = None if not t else Decimal(m) / Decimal(t)
        rows.append(
            {
                "measure": key,
                "label": label,
                "target": target,
                "met": m,
                "total": t,
                "achieved": achieved,
                "meets": None if achieved is None else achieved >= target,
            }
        )
    return rows


CONFIRMED = {OrderStatus.SLOT_CONFIRMED, OrderStatus.FITTED, OrderStatus.FAILED}


def _supplier(dated: dict[tuple, int]) -> dict[str, Any]:
    orders = {(s, f): n for (m, s, f), n in dated.items() if m == "install_order"}
    total = sum(orders.values())
    answered = sum(n for (_s, f), n in orders.items() if "a" in f)
    confirmed = sum(n for (s, f), n in orders.items() if "a" in f and "c" in f and s in CONFIRMED)
    outcomes = sum(
        n for (s, _f), n in orders.items() if s in (OrderStatus.FITTED, OrderStatus.FAILED)
    )
    fitted = sum(n for (s, _f), n in orders.items() if s == OrderStatus.FITTED)
    hours = sorted(
        value for text, n in _by(dated, "fitting_hours").items() for value in [float(text)] * n
    )
    median = None if not hours else hours[len(hours) // 2]
    return {
        "orders": total,
        "slot_answers": answered,
        "slots_confirmed": confirmed,
        "slot_confirmation_rate": _pct(confirmed, answered),
        "outcomes": outcomes,
        "fitted": fitted,
        "fitting_success_rate": _pct(fitted, outcomes),
        "median_hours_order_to_fitting": None if median is None else round(median, 1),
        "silent_orders": sum(n for (_s, f), n in orders.items() if "s" in f),
        "faults_by_cause": {k: n for k, n in _by(dated, "fault").items() if n},
    }


def _bail(dated: dict[tuple, int]) -> dict[str, Any]:
    result = {}
    for key, label in (
        ("immigration_judge", "Immigration judge"),
        ("secretary_of_state", "Secretary of State"),
    ):
        grants = {em: n for (m, by, em), n in dated.items() if m == "bail_grant" and by == key}
        total = sum(grants.values())
        em = grants.get("True", 0)
        result[key] = {
            "label": label,
            "granted": total,
            "with_em": em,
            "share": None if not total else round(100 * em / total, 1),
        }
    return result
