"""The registry of single-number measures (objectives and the summary cards), the data-quality
lists and objectives with their current values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.operations import rules
from waymark.operations.models import (
    Debrief,
    NotificationForm,
    Seizure,
    Visit,
    VisitOfficer,
    VisitStatus,
)
from waymark.operations.selectors.measures import (
    NO_RATING,
    Period,
    _accepted_q,
    _effect_pct,
    _encounters,
    _pct,
    _safeguarding_count,
    _sanction_count,
    briefing_acceptance,
    by_key,
    closure,
    critical_incidents,
    effect,
    effect_linked_pct,
    effect_removed_or_returned_pct,
    encounter_outcomes,
    intelligence_accuracy,
    intelligence_accurate_pct,
    intended_powers,
    joint_operations,
    nationalities,
    nrm_where_indicators_pct,
    offender_actions,
    overdue_closures,
    safeguarding,
    sanctions,
    visits_by_rating,
    visits_by_sector,
    visits_by_team,
    visits_undertaken,
)


@dataclass(frozen=True)
class Measure:
    label: str
    function: Callable[[Period, Team | None], float | int | None]
    unit: str  # "count", "percent", "hours", "per 1,000 visits"
    # The same figure read from ``measures_all``'s result, so a page that has it does not recount.
    from_figures: Callable[[dict[str, Any]], float | int | None] | None = None


def _rated_pct(rows: list[dict[str, Any]]) -> float | None:
    total = sum(r["n"] for r in rows)
    return _pct(total - next(r["n"] for r in rows if r["key"] == NO_RATING), total)


def _rating_pct(period: Period, team: Team | None = None) -> float | None:
    return _rated_pct(visits_by_rating(period, team))


REGISTRY: dict[str, Measure] = {
    "visits": Measure("Visits undertaken", lambda p, t: visits_undertaken(p, t).count(), "count"),
    "visits_risk_rated_pct": Measure(
        "Visits with a risk rating", _rating_pct, "percent", lambda f: _rated_pct(f["by_rating"])
    ),
    "visits_no_rating": Measure(
        "Visits with no risk rating",
        lambda p, t: visits_undertaken(p, t).filter(risk_rating="").count(),
        "count",
    ),
    "joint_operations_pct": Measure(
        "Joint operations",
        lambda p, t: joint_operations(p, t)["pct"],
        "percent",
        lambda f: f["joint"]["pct"],
    ),
    "encounters": Measure("People encountered", lambda p, t: _encounters(p, t).count(), "count"),
    "arrests": Measure(
        "Arrests", lambda p, t: _encounters(p, t).filter(action="arrest").count(), "count"
    ),
    "civil_penalty_referrals": Measure(
        "Civil penalty referral notices", _sanction_count("civil_penalty_referral"), "count"
    ),
    "licensing_referrals": Measure(
        "Licensing review referrals", _sanction_count("licensing_review"), "count"
    ),
    "closure_referrals": Measure(
        "Closure notice referrals", _sanction_count("closure_notice"), "count"
    ),
    "nrm_referrals": Measure("NRM referrals", _safeguarding_count("nrm"), "count"),
    "nrm_where_indicators_pct": Measure(
        "NRM referrals where indicators were found", nrm_where_indicators_pct, "percent"
    ),
    "social_services_referrals": Measure(
        "Social services referrals", _safeguarding_count("social_services"), "count"
    ),
    "s55_issues": Measure(
        "Children's welfare (section 55) issues", _safeguarding_count("s55"), "count"
    ),
    "critical_incidents": Measure(
        "Critical incidents", lambda p, t: critical_incidents(p, t)["n"], "count"
    ),
    "critical_incidents_per_1000": Measure(
        "Critical incidents per 1,000 visits",
        lambda p, t: critical_incidents(p, t)["per_1000"],
        "per 1,000 visits",
        lambda f: f["incidents"]["per_1000"],
    ),
    "intelligence_accurate_pct": Measure(
        "Intelligence accurate (from debriefs)",
        intelligence_accurate_pct,
        "percent",
        lambda f: by_key(f["accuracy"])["accurate"]["pct"],
    ),
    "briefing_acceptance_pct": Measure(
        "Briefings accepted by the officers assigned",
        lambda p, t: briefing_acceptance(p, t)["pct"],
        "percent",
        lambda f: f["briefing"]["pct"],
    ),
    "closed_within_due_pct": Measure(
        "Visits closed within 48 hours",
        lambda p, t: closure(p, t)["on_time_pct"],
        "percent",
        lambda f: f["closure"]["on_time_pct"],
    ),
    "closure_median_hours": Measure(
        "Median hours to closure",
        lambda p, t: closure(p, t)["median_hours"],
        "hours",
        lambda f: f["closure"]["median_hours"],
    ),
    "closures_overdue": Measure(
        "Visits overdue for closure now", lambda p, t: overdue_closures(t).count(), "count"
    ),
    "offenders_linked_pct": Measure(
        "Offenders linked to a person record",
        effect_linked_pct,
        "percent",
        lambda f: _pct(f["effect"]["people"] - f["effect"]["unlinked"], f["effect"]["people"]),
    ),
    "offenders_removed_or_returned_pct": Measure(
        "Offenders since removed or returned",
        effect_removed_or_returned_pct,
        "percent",
        lambda f: _effect_pct(f["effect"], ("removed", "returned")),
    ),
}


def measure_value(key: str, period: Period, team: Team | None = None) -> float | int | None:
    return REGISTRY[key].function(period, team)


def measures_all(period: Period, team: Team | None = None) -> dict[str, Any]:
    """Everything the measures page and its CSV show."""
    return {
        "period": period,
        "team": team,
        "by_rating": visits_by_rating(period, team),
        "by_team": visits_by_team(period, team),
        "by_sector": visits_by_sector(period, team),
        "powers": intended_powers(period, team),
        "joint": joint_operations(period, team),
        "nationalities": nationalities(period, team),
        "encounter_outcomes": encounter_outcomes(period, team),
        "offender_actions": offender_actions(period, team),
        "sanctions": sanctions(period, team),
        "safeguarding": safeguarding(period, team),
        "incidents": critical_incidents(period, team),
        "accuracy": intelligence_accuracy(period, team),
        "briefing": briefing_acceptance(period, team),
        "closure": closure(period, team),
        "effect": effect(period, team),
    }


DATA_QUALITY_LABELS = {
    "no_rating": "Visits with no risk rating",
    "unsealed_exhibit": "Seized property not signed off (the unsealed exhibit)",
    "unaccepted_briefing": "Authorised or deployed visits with a briefing not accepted",
    "thin_debrief": f"Debriefs shorter than {rules.DEBRIEF_MIN_WORDS} words",
    "overdue_closure": "Visits overdue for closure",
    "onf_not_returned": "Notification forms not returned by the police in time",
}


def _dq_no_rating() -> QuerySet[Visit]:
    return (
        Visit.objects.filter(risk_rating="")
        .exclude(status=VisitStatus.CANCELLED)
        .order_by("-planned_start", "-pk")
    )


def _dq_unsealed() -> QuerySet[Seizure]:
    return (
        Seizure.objects.filter(property_signed_off_at__isnull=True)
        .select_related("visit")
        .order_by("-visit__planned_start", "pk")
    )


def _dq_unaccepted() -> QuerySet[Visit]:
    short = VisitOfficer.objects.exclude(_accepted_q()).values("visit_id")
    return (
        Visit.objects.filter(
            status__in=[VisitStatus.AUTHORISED, VisitStatus.DEPLOYED], pk__in=short
        )
        .annotate(
            not_accepted=Count(
                "officers",
                filter=~Q(
                    officers__briefing_accepted_at__isnull=False,
                    officers__briefing_plan_version=F("plan_version"),
                ),
            )
        )
        .order_by("planned_start", "pk")
    )


def _dq_thin_debrief() -> list[Debrief]:
    fields = list(rules.DEBRIEF_SECTIONS)
    thin = [
        d
        for d in Debrief.objects.only("pk", "visit_id", "submitted_at", *fields)
        .order_by("-submitted_at", "-pk")
        .iterator(chunk_size=2000)
        if d.word_count < rules.DEBRIEF_MIN_WORDS
    ]
    visits = Visit.objects.in_bulk([d.visit_id for d in thin])
    for d in thin:
        d.visit = visits[d.visit_id]
    return thin


def _dq_overdue() -> QuerySet[Visit]:
    return overdue_closures().order_by("closure_due_at", "pk")


def _dq_onf() -> QuerySet[NotificationForm]:
    return (
        NotificationForm.objects.filter(returned_at__isnull=True, response_due_at__lt=clock.now())
        .exclude(visit__status=VisitStatus.CANCELLED)
        .select_related("visit", "police_force")
        .order_by("response_due_at", "pk")
    )


DATA_QUALITY_RULES: dict[str, Callable[[], Any]] = {
    "no_rating": _dq_no_rating,
    "unsealed_exhibit": _dq_unsealed,
    "unaccepted_briefing": _dq_unaccepted,
    "thin_debrief": _dq_thin_debrief,
    "overdue_closure": _dq_overdue,
    "onf_not_returned": _dq_onf,
}


def data_quality_list(key: str):
    """The rows breaking one data-quality rule (a queryset, or a list for the debrief word count)."""
    return DATA_QUALITY_RULES[key]()


def data_quality_counts() -> dict[str, int]:
    counts = {}
    for key, rows in ((k, f()) for k, f in DATA_QUALITY_RULES.items()):
        counts[key] = len(rows) if isinstance(rows, list) else rows.count()
    return counts


def objectives_with_status(
    period: Period,
    team: Team | None = None,
    *,
    include_inactive: bool = False,
    figures: dict[str, Any] | None = None,
    value_of: Callable[[str], float | int | None] | None = None,
) -> list[dict[str, Any]]:
    """Each objective with its measures' live figures and status; ``figures`` (from
    ``measures_all`` for the same period and team) saves recounting what the page already has;
    ``value_of(key)``, when given, gives every measure (the page: from the read model)."""
    from waymark.operations.models import Objective

    qs = Objective.objects.prefetch_related("measures").order_by("title")
    if not include_inactive:
        qs = qs.filter(active=True)
    cache: dict[str, Any] = {}
    result = []
    for objective in qs:
        rows = []
        for m in objective.measures.all():
            spec = REGISTRY.get(m.measure_key)
            if spec is None:
                rows.append(
                    {
                        "measure": m,
                        "label": f"Unknown measure {m.measure_key}",
                        "value": None,
                        "unit": "",
                        "status": "none",
                    }
                )
                continue
            if m.measure_key not in cache:
                cache[m.measure_key] = (
                    value_of(m.measure_key)
                    if value_of is not None
                    else spec.from_figures(figures)
                    if figures is not None and spec.from_figures
                    else spec.function(period, team)
                )
            value = cache[m.measure_key]
            rows.append(
                {
                    "measure": m,
                    "label": spec.label,
                    "value": value,
                    "unit": spec.unit,
                    "status": rules.rag_status(
                        value=value,
                        target=m.target,
                        higher_is_better=m.higher_is_better,
                        amber_margin=m.amber_margin,
                    ),
                }
            )
        result.append({"objective": objective, "measures": rows})
    return result
