"""Measures of effort and effect, live from the records (brief operations.md §9; seed 003 Figures
3-6 and 8, §5.27, §5.62, §6.52, §7.22-7.23).

Reads only. Every figure is for a ``Period`` (by default the last ``rules.MEASURES_DEFAULT_MONTHS``
months up to today) and optionally one team, over the same base: the visits *undertaken* in the
period (deployed or closed, by planned date; ``visits_undertaken``). Legacy records imported from the
pocket notebook count too, which is how "no rating" appears (003 §5.27).

The measures of effect follow each person encountered as an offender through their person record
to what criminal casework recorded afterwards (the query casework publishes as
``casework.removal_outcomes_for_people``, read through ``core.published``):
removed, returned, detained, released, case open, or not known.

``REGISTRY`` names every single-number measure by a stable key (``ObjectiveMeasure.measure_key``):
key -> ``Measure(label, function, unit)``, each function taking ``(period, team)``.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.published import published
from waymark.operations import rules
from waymark.operations.models import (
    CriticalIncident,
    Debrief,
    EmployerSanction,
    Encounter,
    SafeguardingRecord,
    Visit,
    VisitOfficer,
    VisitStatus,
)
from waymark.people.countries import country_name

UNDERTAKEN = (VisitStatus.DEPLOYED, VisitStatus.CLOSED)


NO_RATING = "none"


NOT_KNOWN_LABEL = "Not known (no casework record yet)"


def effect_labels() -> dict[str, str]:
    """Criminal casework's removal outcome labels (its published query), and "not known"."""
    labels = published("casework.removal_outcome_labels")
    return {**(labels() if labels else {}), "not_known": NOT_KNOWN_LABEL}


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included (Europe/London)."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=clock.LONDON)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=clock.LONDON)

    def __str__(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def period_default() -> Period:
    today = clock.today()
    return Period(
        today - relativedelta(months=rules.MEASURES_DEFAULT_MONTHS) + timedelta(days=1), today
    )


def measure_teams() -> QuerySet[Team]:
    """The teams the filter offers: every ICE team, and any other team that owns a visit. (An
    ``EXISTS`` a team, one index probe each: ``pk IN (visits' teams)`` hashed every visit, 205 ms
    of the measures page at x100.)"""
    owns = Visit.objects.filter(team_id=OuterRef("pk"))
    return Team.objects.filter(Q(slug__startswith="ice-") | Exists(owns)).order_by("name")


def visits_undertaken(period: Period, team: Team | None = None) -> QuerySet[Visit]:
    qs = Visit.objects.filter(
        status__in=UNDERTAKEN, planned_start__gte=period.since, planned_start__lt=period.until
    )
    return qs.filter(team=team) if team is not None else qs


def _pct(part: int | float, whole: int | float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def by_key(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in rows}


def _rows(counts: dict[str, int], labels: dict[str, str], total: int) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "label": label,
            "n": counts.get(key, 0),
            "pct": _pct(counts.get(key, 0), total),
        }
        for key, label in labels.items()
    ]


RATING_LABELS = {**rules.RATINGS, NO_RATING: "No rating"}


def visits_by_rating(period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """Figure 3: visits by EPA risk rating, "no rating" included (003 §5.27)."""
    counts = Counter(
        {
            r or NO_RATING: n
            for r, n in visits_undertaken(period, team)
            .values_list("risk_rating")
            .annotate(n=Count("pk"))
            .values_list("risk_rating", "n")
        }
    )
    return _rows(counts, RATING_LABELS, sum(counts.values()))


def visits_by_team(period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """Visits by team and rating, largest first."""
    by: dict[int, Counter] = {}
    for team_id, rating, n in (
        visits_undertaken(period, team)
        .values_list("team_id", "risk_rating")
        .annotate(n=Count("pk"))
        .values_list("team_id", "risk_rating", "n")
    ):
        by.setdefault(team_id, Counter())[rating or NO_RATING] += n
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


def visits_by_sector(period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """Figure 4: the top ten sectors by share of visits; the rest in one row."""
    pairs = list(
        visits_undertaken(period, team)
        .values_list("premises__sector__name")
        .annotate(n=Count("pk"))
        .values_list("premises__sector__name", "n")
    )
    pairs.sort(key=lambda p: (-p[1], p[0]))
    total = sum(n for _s, n in pairs)
    rows = [{"label": name, "n": n, "pct": _pct(n, total)} for name, n in pairs[: rules.SECTOR_TOP]]
    rest = sum(n for _s, n in pairs[rules.SECTOR_TOP :])
    if rest:
        rows.append({"label": "All other sectors", "n": rest, "pct": _pct(rest, total)})
    return rows


def intended_powers(period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """Figure 6: the intended power of entry as a share of visits; none recorded counts as other."""
    counts: Counter = Counter()
    for power, n in (
        visits_undertaken(period, team)
        .values_list("intended_power")
        .annotate(n=Count("pk"))
        .values_list("intended_power", "n")
    ):
        counts[power if power in rules.POWERS_OF_ENTRY else "other"] += n
    return _rows(counts, rules.POWERS_OF_ENTRY, sum(counts.values()))


def _joint_q() -> Q:
    return Q(visit_type="joint_operation") | ~Q(partner_agencies=[])


def joint_operations(period: Period, team: Team | None = None) -> dict[str, Any]:
    """003 §5.62: the share of visits that were joint operations with a partner agency."""
    qs = visits_undertaken(period, team)
    total = qs.count()
    joint = qs.filter(_joint_q()).count()
    return {"n": joint, "total": total, "pct": _pct(joint, total)}


def _encounters(period: Period, team: Team | None) -> QuerySet[Encounter]:
    return Encounter.objects.filter(visit__in=visits_undertaken(period, team))


def nationalities(period: Period, team: Team | None = None) -> dict[str, Any]:
    """Figure 5: the top ten nationalities encountered, with arrests, British citizens left out
    (footnote 15: they were the most encountered, with no restriction on their right to work)."""
    encountered: Counter = Counter()
    arrested: Counter = Counter()
    for code, action, n in (
        _encounters(period, team)
        .values_list("nationality", "action")
        .annotate(n=Count("pk"))
        .values_list("nationality", "action", "n")
    ):
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
    rows = [
        {
            "code": code,
            "label": country_name(code),
            "encountered": n,
            "arrested": arrested.get(code, 0),
        }
        for code, n in ranked[: rules.NATIONALITY_TOP]
    ]
    return {
        "rows": rows,
        "excluded": [
            {"code": c, "label": country_name(c), "encountered": n} for c, n in excluded.items()
        ],
        "not_recorded": encountered.get("", 0),
        "encountered": sum(encountered.values()),
        "arrested": sum(arrested.values()),
    }


def encounter_outcomes(period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    counts = Counter(
        dict(
            _encounters(period, team)
            .values_list("result")
            .annotate(n=Count("pk"))
            .values_list("result", "n")
        )
    )
    return _rows(counts, rules.ENCOUNTER_RESULTS, sum(counts.values()))


def offender_actions(period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    counts = Counter(
        dict(
            _encounters(period, team)
            .filter(result="offender")
            .values_list("action")
            .annotate(n=Count("pk"))
            .values_list("action", "n")
        )
    )
    return _rows(counts, rules.OFFENDER_ACTIONS, sum(counts.values()))


def sanctions(period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """Civil penalty referral notices, no-action notices, licensing and closure referrals."""
    counts = Counter(
        dict(
            EmployerSanction.objects.filter(visit__in=visits_undertaken(period, team))
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
    )
    return [
        {"key": k, "label": label, "n": counts.get(k, 0)}
        for k, label in rules.SANCTION_KINDS.items()
    ]


def safeguarding(period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """NRM and social-services referrals, vulnerability and section 55 issues (Figure 8)."""
    counts = Counter(
        dict(
            SafeguardingRecord.objects.filter(visit__in=visits_undertaken(period, team))
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
    )
    return [
        {"key": k, "label": label, "n": counts.get(k, 0)}
        for k, label in rules.SAFEGUARDING_KINDS.items()
    ]


def _safeguarding_count(kind: str) -> Callable[[Period, Team | None], int]:
    def count(period: Period, team: Team | None = None) -> int:
        return SafeguardingRecord.objects.filter(
            visit__in=visits_undertaken(period, team), kind=kind
        ).count()

    return count


def _sanction_count(kind: str) -> Callable[[Period, Team | None], int]:
    def count(period: Period, team: Team | None = None) -> int:
        return EmployerSanction.objects.filter(
            visit__in=visits_undertaken(period, team), kind=kind
        ).count()

    return count


def nrm_where_indicators_pct(period: Period, team: Team | None = None) -> float | None:
    """Of the visits where vulnerability or modern-slavery indicators were recorded, the share with
    an NRM referral."""
    records = SafeguardingRecord.objects.filter(visit__in=visits_undertaken(period, team))
    flagged = set(
        records.filter(kind__in=["vulnerability", "nrm"]).values_list("visit_id", flat=True)
    )
    referred = set(records.filter(kind="nrm").values_list("visit_id", flat=True))
    return _pct(len(referred & flagged), len(flagged))


def critical_incidents(period: Period, team: Team | None = None) -> dict[str, Any]:
    """003 §1.9: critical incidents, and per 1,000 visits."""
    visits = visits_undertaken(period, team)
    n = CriticalIncident.objects.filter(visit__in=visits).count()
    total = visits.count()
    return {"n": n, "per_1000": round(1000 * n / total, 2) if total else None, "total": total}


def intelligence_accuracy(period: Period, team: Team | None = None) -> list[dict[str, Any]]:
    """From the debriefs: was the intelligence accurate, partly accurate or inaccurate?"""
    counts = Counter(
        dict(
            Debrief.objects.filter(visit__in=visits_undertaken(period, team))
            .values_list("intelligence_accuracy")
            .annotate(n=Count("pk"))
            .values_list("intelligence_accuracy", "n")
        )
    )
    return _rows(counts, rules.INTELLIGENCE_ACCURACY, sum(counts.values()))


def intelligence_accurate_pct(period: Period, team: Team | None = None) -> float | None:
    return next(r["pct"] for r in intelligence_accuracy(period, team) if r["key"] == "accurate")


def _accepted_q() -> Q:
    return Q(briefing_accepted_at__isnull=False, briefing_plan_version=F("visit__plan_version"))


def briefing_acceptance(period: Period, team: Team | None = None) -> dict[str, Any]:
    """Officers assigned to the visits undertaken, and how many accepted the briefing for the plan
    that was carried out (003 §6.5-6.7)."""
    officers = VisitOfficer.objects.filter(visit__in=visits_undertaken(period, team))
    # One pass over the officers: counted, accepted, and the visits where someone had not.
    row = officers.aggregate(
        total=Count("pk"),
        accepted=Count("pk", filter=_accepted_q()),
        visits_short=Count("visit_id", distinct=True, filter=~_accepted_q()),
    )
    total, accepted, visits_short = row["total"], row["accepted"], row["visits_short"]
    return {
        "assigned": total,
        "accepted": accepted,
        "pct": _pct(accepted, total),
        "visits_short": visits_short,
    }


def closure(period: Period, team: Team | None = None) -> dict[str, Any]:
    """Time from the visit (its planned start) to closure: median hours, the share closed by
    ``closure_due_at`` (``rules.CLOSURE_DUE`` after the visit, 003 §6.33), and the visits overdue for
    closure now."""
    closed = visits_undertaken(period, team).filter(
        status=VisitStatus.CLOSED, closed_at__isnull=False
    )
    on_time_q = Q(closure_due_at__isnull=False, closed_at__lte=F("closure_due_at"))
    row = closed.aggregate(n=Count("pk"), on_time=Count("pk", filter=on_time_q))
    n, on_time = row["n"], row["on_time"]
    median = _median_hours_to_closure(closed) if n else None
    return {
        "closed": n,
        "median_hours": round(median, 1) if median is not None else None,
        "on_time": on_time,
        "on_time_pct": _pct(on_time, n),
        "overdue_now": overdue_closures(team).count(),
        "due_hours": int(rules.CLOSURE_DUE.total_seconds() // 3600),
    }


class _MedianDuration(Aggregate):
    """PostgreSQL's ordered-set median over an interval."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _median_hours_to_closure(closed: QuerySet[Visit]) -> float | None:
    """The median of closed_at - planned_start in hours: in the database on PostgreSQL, in Python on
    SQLite (which has no ordered-set aggregates)."""
    if connection.vendor == "postgresql":
        value = closed.aggregate(m=_MedianDuration(F("closed_at") - F("planned_start")))["m"]
        return value.total_seconds() / 3600 if value is not None else None
    hours = [
        (c - p).total_seconds() / 3600
        for c, p in closed.values_list("closed_at", "planned_start")
        if c is not None
    ]
    return statistics.median(hours) if hours else None


def overdue_closures(team: Team | None = None) -> QuerySet[Visit]:
    qs = Visit.objects.filter(status=VisitStatus.DEPLOYED, closure_due_at__lt=clock.now())
    return qs.filter(team=team) if team is not None else qs


def effect(period: Period, team: Team | None = None) -> dict[str, Any]:
    """Each person encountered as an offender on a visit in the period, counted once, by what
    criminal casework recorded afterwards. An offender with no person record is "not known"."""
    offenders = _encounters(period, team).filter(result="offender")
    unlinked = offenders.filter(person__isnull=True).count()
    # A merged record's history lives on the survivor.
    linked = (
        offenders.filter(person__isnull=False)
        .annotate(pid=Coalesce("person__merged_into", "person"))
        .order_by()
        .values_list("pid", flat=True)
        .distinct()
    )
    people = set(linked)
    # Read through the query criminal casework publishes; without it, every outcome is not known.
    query = published("casework.removal_outcomes_for_people")
    outcomes = query(linked) if query else {}
    counts = Counter(outcomes.get(pid, "not_known") for pid in people)
    counts["not_known"] += unlinked
    total = sum(counts.values())
    return {
        "rows": _rows(counts, effect_labels(), total),
        "people": total,
        "linked": len(people),
        "unlinked": unlinked,
    }


def _effect_pct(result: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    return _pct(sum(r["n"] for r in result["rows"] if r["key"] in keys), result["people"])


def effect_removed_or_returned_pct(period: Period, team: Team | None = None) -> float | None:
    return _effect_pct(effect(period, team), ("removed", "returned"))


def effect_linked_pct(period: Period, team: Team | None = None) -> float | None:
    result = effect(period, team)
    return _pct(result["people"] - result["unlinked"], result["people"])
