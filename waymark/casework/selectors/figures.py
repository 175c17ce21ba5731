"""Management information, live (brief casework.md §6): every figure counted over the stated
definitions, the reporting population first."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from waymark.casework import rules
from waymark.casework.models import (
    AbsconderDeclaration,
    Case,
    CasePreparation,
    CaseReview,
    Charter,
    ContactStep,
    DetentionRequest,
    EtdApplication,
    FurtherSubmission,
    GatekeepingDecision,
    RemovalDirection,
    Reoffence,
    ReportingEvent,
    ReportingRestriction,
    TraceReferral,
    VoluntaryReturnOffer,
)
from waymark.casework.selectors._common import _past_limit_q
from waymark.casework.selectors.access import cases_with_band
from waymark.casework.selectors.barriers import AGE_BANDS, barriers_by_type_and_age
from waymark.casework.selectors.removals import charter_summary
from waymark.casework.workflows import CaseStatus, RemovalStatus
from waymark.core import clock
from waymark.people.models import Person


def reporting_population(today: date | None = None) -> QuerySet[Case]:
    """The one definition (rules.REPORTING_POPULATION_DEFINITION), on ``today`` (default: now)."""
    today = today or clock.today()
    in_force = ReportingRestriction.objects.filter(
        person=OuterRef("person"), starts_on__lte=today
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    return Case.objects.filter(
        status=CaseStatus.OPEN, detained=False, absconder_since__isnull=True
    ).filter(Exists(in_force))


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def mi_figures(*, weeks: int = 8) -> dict[str, Any]:
    today = clock.today()
    open_cases = cases_with_band(Case.objects.filter(status=CaseStatus.OPEN))
    # Figure 1: cases by owning team and band.
    by_team_band: dict[str, Counter] = defaultdict(Counter)
    # ``effective_band`` is the annotation cases_with_band adds; the stubs see only the model.
    for team, band in open_cases.values_list(  # type: ignore[misc]
        "person__owning_team__name", "effective_band"
    ):
        by_team_band[team or "No owning team"][band] += 1
    figure_1 = [
        {"team": team, "bands": [c[b] for b in rules.BANDS], "total": sum(c.values())}
        for team, c in sorted(by_team_band.items())
    ]
    non_detained = open_cases.filter(detained=False)
    absconders = non_detained.filter(absconder_since__isnull=False).count()
    population = reporting_population().count()
    # Missed events per week and the actions taken on them.
    start = _week_start(today) - timedelta(weeks=weeks - 1)
    missed_rows = ReportingEvent.objects.filter(outcome="no_show", due_on__gte=start).values_list(
        "due_on", flat=True
    )
    missed = Counter(_week_start(d) for d in missed_rows)
    steps = Counter(
        (_week_start(d.astimezone(clock.LONDON).date()), s)
        for d, s in ContactStep.objects.filter(done_at__date__gte=start).values_list(
            "done_at", "step"
        )
        if d is not None
    )
    missed_weeks = [
        {
            "week": start + timedelta(weeks=i),
            "missed": missed[start + timedelta(weeks=i)],
            "steps": [steps[(start + timedelta(weeks=i), k)] for k, _l in rules.CONTACT_STEPS],
        }
        for i in range(weeks)
    ]
    consecutive = Counter(
        min(n, 5)
        for n in non_detained.filter(consecutive_missed__gt=0).values_list(
            "consecutive_missed", flat=True
        )
    )
    # Figure 9: absconders referred and located by year.
    referred = Counter(d.year for d in TraceReferral.objects.values_list("referred_at", flat=True))
    located = Counter(
        d.year
        for d in TraceReferral.objects.filter(outcome__startswith="located").values_list(
            "outcome_at", flat=True
        )
        if d is not None
    )
    declared = Counter(
        d.year for d in AbsconderDeclaration.objects.values_list("declared_at", flat=True)
    )
    years = sorted(set(referred) | set(located) | set(declared))
    figure_9 = [
        {"year": y, "declared": declared[y], "referred": referred[y], "located": located[y]}
        for y in years
    ]
    locate_days = sorted(
        r.days_to_locate
        for r in TraceReferral.objects.filter(outcome__startswith="located")
        if r.days_to_locate is not None
    )
    # Reviews.
    reviews_open = CaseReview.objects.filter(completed_at__isnull=True)
    # Case preparation.
    finalised = [
        days
        for p in CasePreparation.objects.filter(finalised_on__isnull=False)
        if (days := p.days_taken) is not None
    ]
    # Figure 6: removals by financial year.
    by_year: dict[str, Counter] = defaultdict(Counter)
    for planned_for, status in RemovalDirection.objects.exclude(
        status=RemovalStatus.CANCELLED
    ).values_list("planned_for", "status"):
        by_year[rules.financial_year(planned_for)][status] += 1
    figure_6 = []
    for year in sorted(by_year):
        c = by_year[year]
        planned = c[RemovalStatus.REMOVED] + c[RemovalStatus.FAILED] + c[RemovalStatus.PLANNED]
        done = c[RemovalStatus.REMOVED] + c[RemovalStatus.FAILED]
        figure_6.append(
            {
                "year": year,
                "planned": planned,
                "removed": c[RemovalStatus.REMOVED],
                "failed": c[RemovalStatus.FAILED],
                "pending": c[RemovalStatus.PLANNED],
                "removed_pct": round(100 * c[RemovalStatus.REMOVED] / done) if done else None,
                "failed_pct": round(100 * c[RemovalStatus.FAILED] / done) if done else None,
            }
        )
    failure_reasons = Counter(
        RemovalDirection.objects.filter(status=RemovalStatus.FAILED).values_list(
            "failure_reason", flat=True
        )
    )
    figure_8 = [(key, label, failure_reasons[key]) for key, label, _b in rules.FAILURE_REASONS]
    charters = [charter_summary(c) for c in Charter.objects.order_by("departs_on")]
    rejections = Counter(
        DetentionRequest.objects.filter(decision=GatekeepingDecision.REJECTED).values_list(
            "rejection_reason", flat=True
        )
    )
    gatekeeping = {
        "requests": DetentionRequest.objects.count(),
        "accepted": DetentionRequest.objects.filter(decision=GatekeepingDecision.ACCEPTED).count(),
        "rejected": sum(rejections.values()),
        "pending": DetentionRequest.objects.filter(decision=GatekeepingDecision.PENDING).count(),
        "by_reason": [
            (label, rejections[key]) for key, label in rules.GATEKEEPING_REJECTION_REASONS
        ],
    }
    # Reoffending by release address type, over non-detained people.
    nd_people = non_detained.values("person")
    nfa_total = Person.objects.filter(pk__in=nd_people, no_fixed_abode=True).count()
    addr_total = Person.objects.filter(pk__in=nd_people, no_fixed_abode=False).count()
    reoffended = Reoffence.objects.filter(person__in=nd_people).values("person").distinct()
    nfa_re = Person.objects.filter(pk__in=reoffended, no_fixed_abode=True).count()
    addr_re = Person.objects.filter(pk__in=reoffended, no_fixed_abode=False).count()
    reoffending = [
        {
            "label": "Released to an address",
            "people": addr_total,
            "reoffended": addr_re,
            "rate": round(100 * addr_re / addr_total, 1) if addr_total else None,
        },
        {
            "label": "No fixed abode",
            "people": nfa_total,
            "reoffended": nfa_re,
            "rate": round(100 * nfa_re / nfa_total, 1) if nfa_total else None,
        },
    ]
    disparity = outcomes_by_nationality(non_detained)
    vr = Counter(VoluntaryReturnOffer.objects.values_list("outcome", flat=True))
    further = FurtherSubmission.objects.filter(decided_on__isnull=False)
    return {
        "definition": rules.REPORTING_POPULATION_DEFINITION,
        "figure_1": figure_1,
        "figure_1_total": sum(r["total"] for r in figure_1),
        "non_detained": non_detained.count(),
        "reporting_population": population,
        "absconders": absconders,
        "missed_weeks": missed_weeks,
        "consecutive": [(f"{n}{'+' if n == 5 else ''}", consecutive[n]) for n in range(1, 6)],
        "flagged": cases_with_band(
            Case.objects.filter(
                status=CaseStatus.OPEN,
                out_of_contact_since__isnull=False,
                absconder_since__isnull=True,
            )
        )
        .filter(_past_limit_q(today))
        .count(),
        "figure_9": figure_9,
        "locate_median_days": locate_days[len(locate_days) // 2] if locate_days else None,
        "reviews_due_14": reviews_open.filter(
            due_on__gte=today, due_on__lte=today + timedelta(days=14)
        ).count(),
        "reviews_overdue": reviews_open.filter(due_on__lt=today).count(),
        "prep_finalised": len(finalised),
        "prep_on_time": sum(1 for d in finalised if d <= rules.CASE_PREP_TOTAL_WEEKS * 7),
        "prep_median_days": sorted(finalised)[len(finalised) // 2] if finalised else None,
        "barriers": barriers_by_type_and_age(),
        "barrier_ages": [lbl for *_r, lbl in AGE_BANDS],
        "etd_by_country": etd_by_country(),
        "further_decided": further.count(),
        "further_on_time": further.filter(decided_on__lte=models_f("decision_due_on")).count(),
        "figure_6": figure_6,
        "figure_8": figure_8,
        "charters": charters,
        "gatekeeping": gatekeeping,
        "reoffending": reoffending,
        "disparity": disparity,
        "voluntary_return": {
            "offered": sum(vr.values()),
            "referred": vr["referred"],
            "departed": vr["departed"],
        },
    }


def etd_by_country() -> list[dict[str, Any]]:
    from waymark.people.countries import country_name

    statuses = dict(rules.ETD_STATUSES)
    return [
        {
            **row,
            "country_name": country_name(row["country"]),
            "status_label": statuses.get(row["status"], ""),
        }
        for row in EtdApplication.objects.values("country", "status")
        .annotate(n=Count("pk"))
        .order_by("country", "status")
    ]


DISPARITY_TOP = 10


def outcomes_by_nationality(non_detained: QuerySet[Case]) -> list[dict[str, Any]]:
    """Fair treatment: the same outcomes, rate per nationality (the ten largest groups), so a
    manager can see a group declared absconder or detained far more often than the rest."""
    groups, absconders, detention = nationality_counts(non_detained)
    return disparity_rows(groups, absconders, detention)


def nationality_counts(
    non_detained: QuerySet[Case],
) -> tuple[Counter, Counter, Counter[tuple[str | None, str]]]:
    """The disparity table's counts: people and absconders by nationality (the person's first
    recorded), and detention requests by (nationality, decision). Counted in the database: the
    list of people's ids this once sent back as a parameter was over 1 GB at x100 (8.5 million
    cases), which PostgreSQL refuses (a case is one person's, so cases count people)."""
    from waymark.people.models import PersonNationality

    def first_nationality():
        return Subquery(
            PersonNationality.objects.filter(person_id=OuterRef("person_id"))
            .order_by("pk")
            .values("country")[:1]
        )

    groups: Counter = Counter()
    absconders: Counter = Counter()
    for country, n, absconded in (
        non_detained.order_by()
        .annotate(nat=first_nationality())
        .values("nat")
        .annotate(n=Count("pk"), a=Count("pk", filter=Q(absconder_since__isnull=False)))
        .values_list("nat", "n", "a")
    ):
        groups[country] += n
        if absconded:
            absconders[country] += absconded
    detention: Counter[tuple[str | None, str]] = Counter()
    for country, decision, n in (
        DetentionRequest.objects.filter(person_id__in=non_detained.values("person_id"))
        .order_by()
        .annotate(nat=first_nationality())
        .values("nat", "decision")
        .annotate(n=Count("pk"))
        .values_list("nat", "decision", "n")
    ):
        detention[(country, decision)] += n
    return groups, absconders, detention


def disparity_rows(
    groups: Counter, absconders: Counter, detention: Counter[tuple[str | None, str]]
) -> list[dict[str, Any]]:
    """The ten largest nationality groups (ties by country code) and the total row."""
    from waymark.people.countries import country_name

    rows = []
    total_abs = sum(absconders.values())
    largest = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0] or ""))[:DISPARITY_TOP]
    for group, n in largest:
        accepted, rejected = detention[(group, "accepted")], detention[(group, "rejected")]
        rows.append(
            {
                "country": country_name(group) if group else "Not recorded",
                "people": n,
                "absconder_rate": round(100 * absconders[group] / n, 1) if n else None,
                "detention_requests": accepted + rejected + detention[(group, "pending")],
                "detention_accepted_rate": round(100 * accepted / (accepted + rejected), 1)
                if accepted + rejected
                else None,
            }
        )
    everyone = sum(groups.values())
    accepted = sum(v for (_c, d), v in detention.items() if d == "accepted")
    decided = accepted + sum(v for (_c, d), v in detention.items() if d == "rejected")
    rows.append(
        {
            "country": "All non-detained",
            "people": everyone,
            "absconder_rate": round(100 * total_abs / everyone, 1) if everyone else None,
            "detention_requests": sum(detention.values()),
            "detention_accepted_rate": round(100 * accepted / decided, 1) if decided else None,
        }
    )
    return rows


def models_f(name: str):
    from django.db.models import F

    return F(name)
