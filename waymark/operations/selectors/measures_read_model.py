"""The measures from the read model (issue 17 item 4): the same dictionary as ``measures_all``,
read as sums over ``MeasureFact`` rows (``services.measures_read_model``) for the period and team,
with the rows' as-of time; and every single-number measure of ``REGISTRY`` from it, for the
objectives. The page and its CSV read this; ``measures`` stays the live computation the tests hold
this to."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from waymark.accounts.models import Team
from waymark.core.read_models import facts_sum, read_model_as_of
from waymark.operations import rules
from waymark.operations.models import MeasureFact
from waymark.operations.selectors.measures import (
    NO_RATING,
    RATING_LABELS,
    Period,
    _pct,
    _rows,
    effect_labels,
)
from waymark.people.countries import country_name

READ_MODEL = "operations.measures"

DATED = (
    "visit_rating",
    "visit_sector",
    "visit_joint",
    "encounter",
    "encounter_result",
    "sanction",
    "safeguarding",
    "incident",
    "debrief",
    "officer",
    "visit_short",
    "nrm_flagged",
    "nrm_flagged_referred",
    "closed",
    "closure_hours",
    "offender",
    "offender_unlinked",
)


def _by(facts: dict[tuple, int], measure: str, part: int = 1) -> Counter:
    out: Counter = Counter()
    for (m, k1, k2), n in facts.items():
        if m == measure:
            out[(k1, k2)[part - 1]] += n
    return out


def _total(facts: dict[tuple, int], measure: str) -> int:
    return sum(n for (m, _a, _b), n in facts.items() if m == measure)


def measures_summary(period: Period, team: Team | None = None) -> dict[str, Any]:
    """Everything the measures page and its CSV show, and ``as_of``."""
    as_of = read_model_as_of(READ_MODEL)
    team_id = team.pk if team is not None else None
    end = period.end + timedelta(days=1)
    facts = facts_sum(MeasureFact, DATED, start=period.start, end=end, team_id=team_id)
    now = facts_sum(MeasureFact, ("overdue_now",), current=True, team_id=team_id)
    by_team = _by_team(period, end, team_id)
    total_visits = _total(facts, "visit_rating")
    return {
        "period": period,
        "team": team,
        "by_rating": _by_rating(facts),
        "by_team": by_team,
        "by_sector": _by_sector(facts),
        "powers": _powers(facts),
        "joint": {
            "n": _total(facts, "visit_joint"),
            "total": total_visits,
            "pct": _pct(_total(facts, "visit_joint"), total_visits),
        },
        "nationalities": _nationalities(facts),
        "encounter_outcomes": _rows(
            _by(facts, "encounter_result"),
            rules.ENCOUNTER_RESULTS,
            _total(facts, "encounter_result"),
        ),
        "offender_actions": _offender_actions(facts),
        "sanctions": [
            {"key": k, "label": label, "n": _by(facts, "sanction").get(k, 0)}
            for k, label in rules.SANCTION_KINDS.items()
        ],
        "safeguarding": [
            {"key": k, "label": label, "n": _by(facts, "safeguarding").get(k, 0)}
            for k, label in rules.SAFEGUARDING_KINDS.items()
        ],
        "incidents": {
            "n": _total(facts, "incident"),
            "per_1000": round(1000 * _total(facts, "incident") / total_visits, 2)
            if total_visits
            else None,
            "total": total_visits,
        },
        "accuracy": _rows(
            _by(facts, "debrief"), rules.INTELLIGENCE_ACCURACY, _total(facts, "debrief")
        ),
        "briefing": _briefing(facts),
        "closure": _closure(facts, now),
        "effect": _effect(facts),
        "nrm_indicators": {
            "flagged": _total(facts, "nrm_flagged"),
            "referred": _total(facts, "nrm_flagged_referred"),
        },
        "as_of": as_of,
    }


def _by_rating(facts) -> list[dict[str, Any]]:
    counts: Counter = Counter()
    for rating, n in _by(facts, "visit_rating").items():
        counts[rating or NO_RATING] += n
    return _rows(counts, RATING_LABELS, sum(counts.values()))


def _by_team(period: Period, end, team_id: int | None) -> list[dict[str, Any]]:
    facts = facts_sum(
        MeasureFact, ("visit_rating",), start=period.start, end=end, team_id=team_id, by_team=True
    )
    by: dict[int, Counter] = {}
    for (pk, _measure, rating, _power), n in facts.items():
        if n:
            by.setdefault(pk, Counter())[rating or NO_RATING] += n
    names = dict(Team.objects.filter(pk__in=list(by)).values_list("pk", "name"))
    rows = [
        {
            "team_id": pk,
            "team": names[pk],
            "n": sum(c.values()),
            **{key: c.get(key, 0) for key in RATING_LABELS},
        }
        for pk, c in by.items()
    ]
    return sorted(rows, key=lambda r: (-r["n"], r["team"]))


def _by_sector(facts) -> list[dict[str, Any]]:
    pairs = [(name, n) for name, n in _by(facts, "visit_sector").items() if n]
    pairs.sort(key=lambda p: (-p[1], p[0]))
    total = sum(n for _s, n in pairs)
    rows = [{"label": name, "n": n, "pct": _pct(n, total)} for name, n in pairs[: rules.SECTOR_TOP]]
    rest = sum(n for _s, n in pairs[rules.SECTOR_TOP :])
    if rest:
        rows.append({"label": "All other sectors", "n": rest, "pct": _pct(rest, total)})
    return rows


def _powers(facts) -> list[dict[str, Any]]:
    counts: Counter = Counter()
    for power, n in _by(facts, "visit_rating", 2).items():
        counts[power if power in rules.POWERS_OF_ENTRY else "other"] += n
    return _rows(counts, rules.POWERS_OF_ENTRY, sum(counts.values()))


def _nationalities(facts) -> dict[str, Any]:
    encountered: Counter = Counter()
    arrested: Counter = Counter()
    for (m, code, action), n in facts.items():
        if m == "encounter" and n:
            encountered[code] += n
            if action == "arrest":
                arrested[code] += n
    excluded = {code: encountered.get(code, 0) for code in sorted(rules.NATIONALITY_EXCLUDED)}
    ranked = sorted(
        (
            (code, n)
            for code, n in encountered.items()
            if code and code not in rules.NATIONALITY_EXCLUDED
        ),
        key=lambda p: (-p[1], p[0]),
    )
    return {
        "rows": [
            {
                "code": code,
                "label": country_name(code),
                "encountered": n,
                "arrested": arrested.get(code, 0),
            }
            for code, n in ranked[: rules.NATIONALITY_TOP]
        ],
        "excluded": [
            {"code": c, "label": country_name(c), "encountered": n} for c, n in excluded.items()
        ],
        "not_recorded": encountered.get("", 0),
        "encountered": sum(encountered.values()),
        "arrested": sum(arrested.values()),
    }


def _offender_actions(facts) -> list[dict[str, Any]]:
    counts: Counter = Counter()
    for (m, result, action), n in facts.items():
        if m == "encounter_result" and result == "offender":
            counts[action] += n
    return _rows(counts, rules.OFFENDER_ACTIONS, sum(counts.values()))


def _briefing(facts) -> dict[str, Any]:
    officers = _by(facts, "officer")
    total = sum(officers.values())
    accepted = officers.get("True", 0)
    return {
        "assigned": total,
        "accepted": accepted,
        "pct": _pct(accepted, total),
        "visits_short": _total(facts, "visit_short"),
    }


def _weighted_median(pairs: list[tuple[float, int]]) -> float | None:
    """``statistics.median`` of the values each repeated its count of times, without the list (a
    national year is hundreds of thousands of closures)."""
    total = sum(count for _value, count in pairs)
    if not total:
        return None
    pairs.sort()
    middle = [(total - 1) // 2, total // 2]  # the two middle positions (equal when odd)
    found: list[float] = []
    seen = 0
    for value, count in pairs:
        while middle and middle[0] < seen + count:
            found.append(value)
            middle.pop(0)
        seen += count
    return (found[0] + found[1]) / 2


def _closure(facts, now) -> dict[str, Any]:
    closed = _by(facts, "closed")
    n = sum(closed.values())
    on_time = closed.get("True", 0)
    median = _weighted_median(
        [(float(text), count) for text, count in _by(facts, "closure_hours").items() if count]
    )
    return {
        "closed": n,
        "median_hours": round(median, 1) if median is not None else None,
        "on_time": on_time,
        "on_time_pct": _pct(on_time, n),
        "overdue_now": _total(now, "overdue_now"),
        "due_hours": int(rules.CLOSURE_DUE.total_seconds() // 3600),
    }


def _effect(facts) -> dict[str, Any]:
    people = {(pid, outcome) for (m, pid, outcome), n in facts.items() if m == "offender" and n}
    unlinked = _total(facts, "offender_unlinked")
    counts = Counter(outcome for _pid, outcome in people)
    counts["not_known"] += unlinked
    total = sum(counts.values())
    return {
        "rows": _rows(counts, effect_labels(), total),
        "people": total,
        "linked": len(people),
        "unlinked": unlinked,
    }


def _sum_by_key(rows: list[dict[str, Any]], key: str) -> int:
    return next((r["n"] for r in rows if r["key"] == key), 0)


def measure_value_summary(key: str, figures: dict[str, Any]) -> float | int | None:
    """A ``REGISTRY`` measure from ``measures_summary``'s result (the objectives on the page)."""
    from waymark.operations.selectors.catalogue import REGISTRY

    spec = REGISTRY[key]
    if spec.from_figures is not None:
        return spec.from_figures(figures)
    sanctions = {r["key"]: r["n"] for r in figures["sanctions"]}
    safeguarding = {r["key"]: r["n"] for r in figures["safeguarding"]}
    nrm = figures["nrm_indicators"]
    values: dict[str, Any] = {
        "visits": sum(r["n"] for r in figures["by_rating"]),
        "visits_no_rating": _sum_by_key(figures["by_rating"], NO_RATING),
        "encounters": figures["nationalities"]["encountered"],
        "arrests": figures["nationalities"]["arrested"],
        "civil_penalty_referrals": sanctions.get("civil_penalty_referral", 0),
        "licensing_referrals": sanctions.get("licensing_review", 0),
        "closure_referrals": sanctions.get("closure_notice", 0),
        "nrm_referrals": safeguarding.get("nrm", 0),
        "social_services_referrals": safeguarding.get("social_services", 0),
        "s55_issues": safeguarding.get("s55", 0),
        "nrm_where_indicators_pct": _pct(nrm["referred"], nrm["flagged"]),
        "critical_incidents": figures["incidents"]["n"],
        "closures_overdue": figures["closure"]["overdue_now"],
    }
    return values[key]
