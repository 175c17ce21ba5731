"""Reads for criminal casework: the lists people work from and the live figures (brief §6).

Every list starts from ``people.selectors.person_visible_queryset`` so team scoping and restricted
records are respected; figures are counted over the same stated definitions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from waymark.accounts.models import Team
from waymark.casework import rules
from waymark.casework.models import (
    AbsconderDeclaration,
    Barrier,
    Case,
    CasePreparation,
    CaseReview,
    CaseStatus,
    Charter,
    Commission,
    CommissionStatus,
    DetentionRequest,
    EtdApplication,
    FurtherSubmission,
    GatekeepingDecision,
    Referral,
    ReferralStatus,
    RemovalDirection,
    RemovalStatus,
    Reoffence,
    ReportingEvent,
    ReportingRestriction,
    TraceReferral,
    VoluntaryReturnOffer,
)
from waymark.core import clock
from waymark.people.models import Person
from waymark.people.selectors import person_visible_queryset


def reporting_centre_visibility(user) -> Q | None:
    """Reporting-centre staff see the people who report at their centres."""
    if not user.has_perm("casework.run_reporting_centre"):
        return None
    team_ids = list(user.teams.values_list("pk", flat=True))
    since = clock.today() - timedelta(days=CENTRE_VISIBILITY_AFTER_END_DAYS)
    return Q(
        Exists(
            ReportingRestriction.objects.filter(
                person=OuterRef("pk"), centre_id__in=team_ids
            ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=since))
        )
    )


# A centre keeps sight of someone for a month after their reporting there ends (late outcomes, chasing).
CENTRE_VISIBILITY_AFTER_END_DAYS = 31


def intake_visibility(user) -> Q | None:
    """Intake sees the people referred to criminal casework and awaiting its checks."""
    if not user.has_perm("casework.manage_intake"):
        return None
    return Q(
        Exists(
            Referral.objects.filter(person=OuterRef("pk"), status=ReferralStatus.AWAITING_CHECKS)
        )
    )


def access_case_person(user, pk) -> Person:
    return _access(user, pk)


def _access(user, pk) -> Person:
    from waymark.people.selectors import access_person

    return access_person(user, pk)


def access_for_person(user, model, pk: int):
    """One casework record by primary key, 404 unless its person is visible to ``user``."""
    try:
        row = model.objects.select_related("person").get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc
    _access(user, row.person_id)
    return row


def cases_with_band(qs: QuerySet[Case] | None = None) -> QuerySet[Case]:
    qs = Case.objects.all() if qs is None else qs
    return qs.annotate(
        effective_band=Coalesce("band_override", "computed_band", output_field=IntegerField())
    )


def visible_cases(user) -> QuerySet[Case]:
    return cases_with_band(Case.objects.filter(person__in=person_visible_queryset(user)))


# ------------------------------------------------------------------------------------------------
# §1 Referral and ownership


def criminal_casework_team_ids() -> list[int]:
    return list(Team.objects.filter(unit=rules.CRIMINAL_CASEWORK_UNIT).values_list("pk", flat=True))


def referable_without_owner(
    user, *, limit: int = 500
) -> list[tuple[Person, list[tuple[str, str]]]]:
    """People who meet the referral criteria and have no criminal-casework owner and no referral
    awaiting checks. The database narrows to candidates; the rules decide."""
    team_ids = criminal_casework_team_ids()
    candidates = (
        person_visible_queryset(user)
        .filter(record_status="active")
        .exclude(owning_team_id__in=team_ids)
        .exclude(
            Exists(
                Referral.objects.filter(
                    person=OuterRef("pk"), status=ReferralStatus.AWAITING_CHECKS
                )
            )
        )
        .filter(
            Q(convictions__custodial=True)
            | Q(harm_level__in=rules.SERIOUS_HARM_LEVELS)
            | Q(convictions__isnull=False)
        )
        .distinct()
        .prefetch_related("convictions")
        .order_by("pk")
    )
    from waymark.casework.services import sentences_of

    found = []
    for person in candidates.iterator(chunk_size=500):
        met = rules.referral_criteria(sentences_of(person), harm_level=person.harm_level)
        if met:
            found.append((person, met))
            if len(found) >= limit:
                break
    return found


def referrals_awaiting(user) -> QuerySet[Referral]:
    return Referral.objects.filter(
        status=ReferralStatus.AWAITING_CHECKS, person__in=person_visible_queryset(user)
    ).select_related("person")


def decision_overdue(user) -> QuerySet[Case]:
    """001 §6.24: time-served for more than 12 months with no deportation decision."""
    cutoff = clock.today() - relativedelta(months=rules.DECISION_OVERDUE_MONTHS)
    return (
        visible_cases(user)
        .filter(
            status=CaseStatus.OPEN,
            person__deportation_decision_date__isnull=True,
            person__release_date__lt=cutoff,
        )
        .select_related("person")
        .order_by("effective_band", "person__release_date")
    )


def caseload(user, *, owner=None) -> QuerySet[Case]:
    qs = (
        visible_cases(user)
        .filter(status=CaseStatus.OPEN)
        .select_related("person", "person__owning_team")
    )
    if owner is not None:
        qs = qs.filter(person__case_owner=owner)
    return qs.order_by("effective_band", "next_review_due", "pk")


# ------------------------------------------------------------------------------------------------
# §2 Reporting


def reporting_centres_for(user) -> QuerySet[Team]:
    qs = Team.objects.filter(slug__startswith="reporting-centre-")
    if user.has_perm("work.view_any_queue"):
        return qs.order_by("name")
    return qs.filter(pk__in=user.teams.values("pk")).order_by("name")


CHANGE_SHOWN_DAYS = 14


DAY_LIST_PAGE = 100


def day_list_events(centre: Team, day: date) -> QuerySet[ReportingEvent]:
    return ReportingEvent.objects.filter(centre=centre, due_on=day, cancelled=False).order_by(
        "window_start", "person__family_name", "pk"
    )


def day_list(
    centre: Team, day: date, *, page: int = 1, per_page: int = DAY_LIST_PAGE
) -> list[dict[str, Any]]:
    """One page of the centre's list for a day: each event with its person, the restriction as it
    stands now, what changed recently, and any open commission. A busy centre has thousands a
    day, so the list is read a page at a time (``day_list_events(...).count()`` for the total)."""
    start = (max(1, page) - 1) * per_page
    events = list(
        day_list_events(centre, day).select_related("person", "restriction", "outcome_recorded_by")[
            start : start + per_page
        ]
    )
    person_ids = [e.person_id for e in events]
    open_commissions: dict[int, list[Commission]] = defaultdict(list)
    for c in Commission.objects.filter(person_id__in=person_ids, status=CommissionStatus.REQUESTED):
        open_commissions[c.person_id].append(c)
    cases = {c.person_id: c for c in cases_with_band(Case.objects.filter(person_id__in=person_ids))}
    since = clock.now() - timedelta(days=CHANGE_SHOWN_DAYS)
    rows = []
    for e in events:
        r = e.restriction
        changed = r is not None and r.changed_at is not None and r.changed_at >= since
        rows.append(
            {
                "event": e,
                "person": e.person,
                "restriction": r,
                "changed": changed,
                "change_summary": r.change_summary if changed else "",
                "commissions": open_commissions[e.person_id],
                "case": cases.get(e.person_id),
            }
        )
    return rows


def events_missing_outcome(user=None) -> QuerySet[ReportingEvent]:
    qs = ReportingEvent.objects.filter(outcome="", cancelled=False, due_on__lt=clock.today())
    if user is not None:
        qs = qs.filter(person__in=person_visible_queryset(user))
    return qs.select_related("person", "centre").order_by("due_on")


def commissions_for_owner(user) -> QuerySet[Commission]:
    return (
        Commission.objects.filter(person__case_owner=user)
        .exclude(status=CommissionStatus.REQUESTED)
        .filter(owner_seen_at__isnull=True)
        .select_related("person")
    )


# ------------------------------------------------------------------------------------------------
# §3 Non-compliance


def _past_limit_q(today: date) -> Q:
    q = Q()
    for band in rules.BANDS:
        q |= Q(
            effective_band=band,
            out_of_contact_since__lte=today - timedelta(days=rules.absconder_limit_days(band)),
        )
    return q


def flagged_no_absconder_decision(user) -> QuerySet[Case]:
    """Out of contact past their band's limit with no absconder decision (brief §3)."""
    today = clock.today()
    return (
        visible_cases(user)
        .filter(
            status=CaseStatus.OPEN, out_of_contact_since__isnull=False, absconder_since__isnull=True
        )
        .filter(_past_limit_q(today))
        .select_related("person")
        .order_by("effective_band", "out_of_contact_since")
    )


def out_of_contact(user) -> QuerySet[Case]:
    return (
        visible_cases(user)
        .filter(status=CaseStatus.OPEN, out_of_contact_since__isnull=False)
        .select_related("person")
        .order_by("-consecutive_missed", "out_of_contact_since")
    )


def trace_queue(user) -> QuerySet[TraceReferral]:
    return (
        TraceReferral.objects.filter(outcome="", person__in=person_visible_queryset(user))
        .select_related("person")
        .order_by("-priority", "referred_at")
    )


# ------------------------------------------------------------------------------------------------
# §4 Case progression


def reviews_due(user, *, within_days: int = 14) -> QuerySet[CaseReview]:
    return (
        CaseReview.objects.filter(
            completed_at__isnull=True,
            due_on__lte=clock.today() + timedelta(days=within_days),
            person__in=person_visible_queryset(user),
        )
        .select_related("person", "person__case_owner")
        .order_by("due_on")
    )


def preparation_by_caseworker(user=None) -> list[dict[str, Any]]:
    """001 §7.5: per caseworker, cases in preparation, finalised, on time within 8 weeks."""
    qs = CasePreparation.objects.select_related("caseworker")
    if user is not None:
        qs = qs.filter(person__in=person_visible_queryset(user))
    rows: dict[int, dict[str, Any]] = {}
    today = clock.today()
    for p in qs:
        row = rows.setdefault(
            p.caseworker_id,
            {
                "caseworker": p.caseworker,
                "open": 0,
                "overdue": 0,
                "finalised": 0,
                "on_time": 0,
                "days": [],
            },
        )
        if p.finalised_on:
            row["finalised"] += 1
            row["days"].append(p.days_taken)
            row["on_time"] += int(p.finalised_on <= p.finalise_due_on)
        else:
            row["open"] += 1
            row["overdue"] += int(today > p.finalise_due_on)
    for row in rows.values():
        days = sorted(row.pop("days"))
        row["median_days"] = days[len(days) // 2] if days else None
    return sorted(rows.values(), key=lambda r: r["caseworker"].display_name)


def barriers_open(user=None) -> QuerySet[Barrier]:
    qs = Barrier.objects.filter(cleared_on__isnull=True)
    if user is not None:
        qs = qs.filter(person__in=person_visible_queryset(user))
    return qs.select_related("person", "owner")


AGE_BANDS = [
    (0, 30, "Under 30 days"),
    (30, 91, "1 to 3 months"),
    (91, 365, "3 to 12 months"),
    (365, None, "Over a year"),
]


def barriers_by_type_and_age(user=None) -> list[dict[str, Any]]:
    today = clock.today()
    table: dict[str, Counter] = {key: Counter() for key, _ in rules.BARRIER_TYPES}
    for barrier_type, started in barriers_open(user).values_list("barrier_type", "started_on"):
        age = (today - started).days
        label = next(
            lbl for low, high, lbl in AGE_BANDS if age >= low and (high is None or age < high)
        )
        table[barrier_type][label] += 1
    return [
        {
            "type": key,
            "label": label,
            "ages": [table[key][lbl] for *_r, lbl in AGE_BANDS],
            "total": sum(table[key].values()),
        }
        for key, label in rules.BARRIER_TYPES
    ]


def etd_waiting_for_appeal(user=None) -> QuerySet[Barrier]:
    """001 §7.10: an open appeal and no travel document, with no ETD application under way."""
    qs = (
        barriers_open(user)
        .filter(barrier_type="no_travel_document")
        .filter(
            Exists(
                Barrier.objects.filter(
                    person=OuterRef("person"), barrier_type="appeal", cleared_on__isnull=True
                )
            )
        )
    )
    return qs.exclude(
        Exists(
            EtdApplication.objects.filter(person=OuterRef("person")).exclude(status="not_started")
        )
    )


def further_submissions_pending(user=None) -> QuerySet[FurtherSubmission]:
    qs = FurtherSubmission.objects.filter(decided_on__isnull=True)
    if user is not None:
        qs = qs.filter(person__in=person_visible_queryset(user))
    return qs.select_related("person").order_by("decision_due_on")


# ------------------------------------------------------------------------------------------------
# §5 Removals


def removals_planned(user) -> QuerySet[RemovalDirection]:
    return (
        RemovalDirection.objects.filter(
            status=RemovalStatus.PLANNED, person__in=person_visible_queryset(user)
        )
        .select_related("person", "charter")
        .order_by("planned_for")
    )


def gatekeeping_pending(user) -> QuerySet[DetentionRequest]:
    return (
        DetentionRequest.objects.filter(
            decision=GatekeepingDecision.PENDING, person__in=person_visible_queryset(user)
        )
        .select_related("person", "requested_by")
        .order_by("requested_at")
    )


def charter_summary(charter: Charter) -> dict[str, Any]:
    manifest = charter.manifest.all()
    by_status = Counter(manifest.values_list("status", flat=True))
    reasons = Counter(
        manifest.filter(status=RemovalStatus.FAILED).values_list("failure_reason", flat=True)
    )
    return {
        "charter": charter,
        "planned": sum(by_status.values()),
        "removed": by_status[RemovalStatus.REMOVED],
        "failed": by_status[RemovalStatus.FAILED],
        "pending": by_status[RemovalStatus.PLANNED],
        "reasons": [(rules.FAILURE_REASON_LABELS[k], n) for k, n in reasons.most_common()],
    }


# ------------------------------------------------------------------------------------------------
# Data quality


def data_quality(user) -> dict[str, QuerySet]:
    visible = person_visible_queryset(user)
    return {
        "ownership_unclear": (
            Case.objects.filter(status=CaseStatus.OPEN, person__in=visible)
            .filter(Q(person__owning_team__isnull=True) | Q(person__case_owner__isnull=True))
            .select_related("person")
        ),
        "outcome_missing": events_missing_outcome(user),
        "barrier_no_owner": barriers_open(user).filter(owner__isnull=True),
        "etd_waiting_for_appeal": etd_waiting_for_appeal(user),
        "review_overdue": CaseReview.objects.filter(
            completed_at__isnull=True, due_on__lt=clock.today(), person__in=visible
        ).select_related("person"),
    }


DATA_QUALITY_LABELS = {
    "ownership_unclear": "Open cases with no owning team or no named case owner",
    "outcome_missing": "Past reporting events with no outcome",
    "barrier_no_owner": "Open barriers to removal with no owner",
    "etd_waiting_for_appeal": "No travel document and an open appeal, with no ETD application under way",
    "review_overdue": "Case reviews overdue",
}


# ------------------------------------------------------------------------------------------------
# §6 Management information (live)


def reporting_population() -> QuerySet[Case]:
    """The one definition (rules.REPORTING_POPULATION_DEFINITION)."""
    today = clock.today()
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
    for team, band in open_cases.values_list("person__owning_team__name", "effective_band"):
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
    from waymark.casework.models import ContactStep

    steps = Counter(
        (_week_start(d.astimezone(clock.LONDON).date()), s)
        for d, s in ContactStep.objects.filter(done_at__date__gte=start).values_list(
            "done_at", "step"
        )
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
    finalised = [p.days_taken for p in CasePreparation.objects.filter(finalised_on__isnull=False)]
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
    from waymark.people.countries import country_name
    from waymark.people.models import PersonNationality

    people = dict(non_detained.values_list("person_id", "absconder_since"))
    nationality: dict[int, str] = {}
    for person_id, country in (
        PersonNationality.objects.filter(person_id__in=list(people))
        .order_by("pk")
        .values_list("person_id", "country")
    ):
        nationality.setdefault(person_id, country)
    detention = Counter()
    for person_id, decision in DetentionRequest.objects.filter(
        person_id__in=list(people)
    ).values_list("person_id", "decision"):
        detention[(nationality.get(person_id), decision)] += 1
    groups = Counter(nationality.get(p) for p in people)
    absconders = Counter(nationality.get(p) for p, since in people.items() if since)
    rows = []
    total_abs = sum(absconders.values())
    for country, n in groups.most_common(DISPARITY_TOP):
        accepted, rejected = detention[(country, "accepted")], detention[(country, "rejected")]
        rows.append(
            {
                "country": country_name(country) if country else "Not recorded",
                "people": n,
                "absconder_rate": round(100 * absconders[country] / n, 1) if n else None,
                "detention_requests": accepted + rejected + detention[(country, "pending")],
                "detention_accepted_rate": round(100 * accepted / (accepted + rejected), 1)
                if accepted + rejected
                else None,
            }
        )
    everyone = len(people)
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


# ------------------------------------------------------------------------------------------------
# For other modules: what happened to a person afterwards (enforcement operations' measures of effect)

# Read in this order: the first that applies is the person's outcome.
REMOVAL_OUTCOME_LABELS = {
    "removed": "Removed",
    "returned": "Returned voluntarily",
    "detained": "Detained",
    "released": "Released (reporting or case closed)",
    "case_open": "Case open",
}
_OUTCOME_CHUNK = 900  # keeps each IN (...) under SQLite's bound-parameter limit


def removal_outcomes_for_people(person_ids) -> dict[int, str]:
    """For each person known to criminal casework, what happened: ``removed`` (removal directions
    carried out, or the case closed as removed), ``returned`` (left under a voluntary-return
    offer), ``detained`` (case detained, or a request to detain accepted), ``released`` (a
    reporting restriction in force, or the case closed) or ``case_open``. People casework has no
    record of are left out. ``person_ids`` is ids, or a queryset of ids (read as a subquery).
    Read-only; keys of ``REMOVAL_OUTCOME_LABELS``."""
    if isinstance(person_ids, QuerySet):
        chunks: list = [person_ids]  # one subquery each, however many people
    else:
        ids = sorted({int(pk) for pk in person_ids if pk is not None})
        chunks = [
            ids[start : start + _OUTCOME_CHUNK] for start in range(0, len(ids), _OUTCOME_CHUNK)
        ]
    today = clock.today()
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in chunks:
        for pk in RemovalDirection.objects.filter(
            person_id__in=chunk, status=RemovalStatus.REMOVED
        ).values_list("person_id", flat=True):
            found[pk].add("removed")
        for pk, status, detained in Case.objects.filter(person_id__in=chunk).values_list(
            "person_id", "status", "detained"
        ):
            found[pk].add(
                {CaseStatus.REMOVED: "removed", CaseStatus.CLOSED: "released"}.get(
                    status, "case_open"
                )
            )
            if detained and status == CaseStatus.OPEN:
                found[pk].add("detained")
        for pk in VoluntaryReturnOffer.objects.filter(
            person_id__in=chunk, outcome="departed"
        ).values_list("person_id", flat=True):
            found[pk].add("returned")
        for pk in DetentionRequest.objects.filter(
            person_id__in=chunk, decision=GatekeepingDecision.ACCEPTED
        ).values_list("person_id", flat=True):
            found[pk].add("detained")
        for pk in (
            ReportingRestriction.objects.filter(person_id__in=chunk, starts_on__lte=today)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .values_list("person_id", flat=True)
        ):
            found[pk].add("released")
    return {
        pk: next(key for key in REMOVAL_OUTCOME_LABELS if key in outcomes)
        for pk, outcomes in found.items()
    }


def removal_outcome_dates_for_people(person_ids) -> dict[int, date]:
    """For people removed or returned (see ``removal_outcomes_for_people``), the day they left: the
    removal date of directions carried out, or the departure date of a voluntary return. Read-only."""
    ids = sorted({int(pk) for pk in person_ids if pk is not None})
    left: dict[int, date] = {}
    for start in range(0, len(ids), _OUTCOME_CHUNK):
        chunk = ids[start : start + _OUTCOME_CHUNK]
        for pk, day in RemovalDirection.objects.filter(
            person_id__in=chunk, status=RemovalStatus.REMOVED
        ).values_list("person_id", "planned_for"):
            left[pk] = min(day, left.get(pk, day))
        for pk, day in VoluntaryReturnOffer.objects.filter(
            person_id__in=chunk, outcome="departed", departed_on__isnull=False
        ).values_list("person_id", "departed_on"):
            left[pk] = min(day, left.get(pk, day))
    return left
