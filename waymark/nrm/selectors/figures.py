"""The competent authority's figures: ONE definition of each, used by the figures page, its CSV
export and the benchmark (brief nrm.md §5).

``FIGURES`` maps a figure's name to a ``Figure``: its title, its columns, whether it is about
victims (then every count below ``rules.SMALL_NUMBER_THRESHOLD`` is published as "fewer than 11",
never the number) and its query, a function of the period (first and last day) returning rows.
The page presents them in the shape of the national quarterly statistics: by competent authority,
nationality, age, exploitation type, referring organisation and RG/CG outcome.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.db.models.functions import TruncDate, TruncMonth

from waymark.core import clock
from waymark.nrm import rules
from waymark.nrm.models import (
    CheckStatus,
    Decision,
    DecisionStage,
    DecisionStatus,
    QualityRating,
    Referral,
    ReferralStatus,
    SafeguardingAdvice,
    SpecialistCheck,
)
from waymark.nrm.selectors._sql import grouped_median, json_array_counts

Row = tuple[Any, ...]
Query = Callable[[date, date], list[Row]]

OPEN_STATUSES = [
    ReferralStatus.RECEIVED,
    ReferralStatus.PREPARATION,
    ReferralStatus.RG_PENDING,
    ReferralStatus.RECOVERY,
    ReferralStatus.CG_PENDING,
]
WAITING_FOR = {
    ReferralStatus.RECEIVED: "Allocation to a decision maker",
    ReferralStatus.PREPARATION: "Case preparation (information to gather)",
    ReferralStatus.RG_PENDING: "A reasonable grounds decision",
    ReferralStatus.RECOVERY: "The end of the recovery period",
    ReferralStatus.CG_PENDING: "A conclusive grounds decision",
}


@dataclass(frozen=True)
class Figure:
    title: str
    columns: tuple[str, ...]
    query: Query
    about_victims: bool = False
    # Which columns are counts to suppress when the figure is about victims.
    count_columns: tuple[int, ...] = ()


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.LONDON)


def _end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=clock.LONDON)


def _received(start: date, end: date):
    return Referral.objects.filter(received_at__gte=_start(start), received_at__lt=_end(end))


def _grouped(qs, field: str, labels: dict[str, str]) -> list[Row]:
    rows = qs.values(field).annotate(n=Count("pk")).order_by("-n", field)
    return [(labels.get(r[field], r[field] or "Not recorded"), r["n"]) for r in rows]


def by_competent_authority(start: date, end: date) -> list[Row]:
    """Referrals received and decisions served in the period, by the competent authority that
    holds them (the statistics' first table)."""
    received = dict(
        _received(start, end)
        .values_list("owning_team__name")
        .annotate(n=Count("pk"))
        .values_list("owning_team__name", "n")
    )
    served = (
        _served(start, end)
        .values("referral__owning_team__name")
        .annotate(
            rg_pos=Count(
                "pk", filter=Q(stage=DecisionStage.RG, outcome__in=rules.POSITIVE_OUTCOMES)
            ),
            rg_neg=Count("pk", filter=Q(stage=DecisionStage.RG, outcome="negative")),
            cg_pos=Count(
                "pk", filter=Q(stage=DecisionStage.CG, outcome__in=rules.POSITIVE_OUTCOMES)
            ),
            cg_neg=Count("pk", filter=Q(stage=DecisionStage.CG, outcome="negative")),
        )
    )
    decided = {r["referral__owning_team__name"]: r for r in served}
    out = []
    for name in sorted(set(received) | set(decided), key=lambda n: n or ""):
        d = decided.get(name, {})
        out.append(
            (
                name or "Not allocated",
                received.get(name, 0),
                d.get("rg_pos", 0),
                d.get("rg_neg", 0),
                d.get("cg_pos", 0),
                d.get("cg_neg", 0),
            )
        )
    return out


def referrals_by_referrer_type(start: date, end: date) -> list[Row]:
    return _grouped(_received(start, end), "referrer_type", rules.REFERRER_TYPES)


def referrals_by_nationality(start: date, end: date) -> list[Row]:
    return _grouped(_received(start, end), "nationality", {})


def referrals_by_age_group(start: date, end: date) -> list[Row]:
    return _grouped(_received(start, end), "age_group", rules.AGE_GROUPS)


def referrals_by_exploitation_type(start: date, end: date) -> list[Row]:
    """A referral with more than one type counts under each (as the statistics do); one with none
    counts as not specified. Counted in the database (a JSON table function over the array)."""
    counts, empty = json_array_counts(_received(start, end), "exploitation_types")
    if empty:
        counts["not_specified"] = counts.get("not_specified", 0) + empty
    return [
        (rules.EXPLOITATION_TYPES.get(code, code), n)
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def referrals_by_quality_band(start: date, end: date) -> list[Row]:
    qs = _received(start, end)
    good = Q(quality__score__gte=rules.QUALITY_GOOD_SHARE)
    row = qs.aggregate(
        good=Count("pk", filter=good),
        weak=Count("pk", filter=Q(quality__isnull=False) & ~good),
        none=Count("pk", filter=Q(quality__isnull=True)),
    )
    return [
        (f"Good (at least {rules.QUALITY_GOOD_SHARE:.0%} of the checklist)", row["good"]),
        ("Below good", row["weak"]),
        ("Not assessed", row["none"]),
    ]


def _served(start: date, end: date):
    return Decision.objects.filter(
        status=DecisionStatus.SERVED, served_at__gte=_start(start), served_at__lt=_end(end)
    )


def decisions_by_stage_and_outcome(start: date, end: date) -> list[Row]:
    labels = {**rules.RG_OUTCOMES, **rules.CG_OUTCOMES}
    rows = (
        _served(start, end)
        .values("stage", "outcome")
        .annotate(n=Count("pk"))
        .order_by("stage", "outcome")
    )
    stage = dict(DecisionStage.choices)
    return [(stage[r["stage"]], labels.get(r["outcome"], r["outcome"]), r["n"]) for r in rows]


def time_to_decision(start: date, end: date) -> list[Row]:
    """Days from referral to the first served decision of each stage: median, and for RG the share
    within the target of rules.RG_TARGET_WORKING_DAYS working days (served on or before the
    referral's RG due date, in London). Counts and medians are SQL aggregates."""
    served = _served(start, end).filter(reconsideration_of__isnull=True)
    counts = grouped_median(
        served.annotate(served_day=TruncDate("served_at", tzinfo=clock.LONDON)),
        "stage",
        F("served_at") - F("referral__received_at"),
        n=Count("pk"),
        within=Count("pk", filter=Q(served_day__lte=F("referral__rg_due_on"))),
    )
    out: list[Row] = []
    for stage in (DecisionStage.RG, DecisionStage.CG):
        label = dict(DecisionStage.choices)[stage]
        row = counts.get(stage)
        if not row or not row["n"]:
            out.append((label, 0, None, None))
            continue
        share = round(row["within"] / row["n"], 3) if stage == DecisionStage.RG else None
        out.append((label, row["n"], round(row["median"], 1), share))
    return out


def stuck_referrals(start: date, end: date) -> list[Row]:
    """Open referrals with no activity for rules.STUCK_AFTER_DAYS, by what they wait for (as of
    now: stuck is a live figure, not a period's)."""
    cutoff = clock.now() - timedelta(days=rules.STUCK_AFTER_DAYS)
    rows = (
        Referral.objects.filter(status__in=OPEN_STATUSES, last_activity_at__lt=cutoff)
        .values("status")
        .annotate(n=Count("pk"), oldest=Min("last_activity_at"))
        .order_by("-n")
    )
    now = clock.now()
    return [
        (WAITING_FOR.get(r["status"], r["status"]), r["n"], (now - r["oldest"]).days) for r in rows
    ]


def decisions_per_decision_maker(start: date, end: date) -> list[Row]:
    """Decisions made per decision maker per week against rules.DECISIONS_PER_WEEK_EXPECTED, with
    their quality ratings in the period beside."""
    weeks = max(((end - start).days + 1) / 7, 1 / 7)
    made = (
        Decision.objects.filter(made_at__gte=_start(start), made_at__lt=_end(end))
        .values("decision_maker", "decision_maker__first_name", "decision_maker__last_name")
        .annotate(n=Count("pk"))
    )
    ratings: dict[int, Counter[str]] = defaultdict(Counter)
    for maker, rating, n in (
        QualityRating.objects.exclude(rating="")
        .filter(rated_at__gte=_start(start), rated_at__lt=_end(end))
        .values_list("decision__decision_maker", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        ratings[maker][rating] += n
    out = []
    for r in sorted(made, key=lambda r: (-r["n"], r["decision_maker"])):
        per_week = round(r["n"] / weeks, 1)
        rated = ratings[r["decision_maker"]]
        name = f"{r['decision_maker__first_name']} {r['decision_maker__last_name']}".strip()
        out.append(
            (
                name,
                r["n"],
                per_week,
                rules.DECISIONS_PER_WEEK_EXPECTED,
                rated["red"],
                rated["amber"],
                rated["green"],
            )
        )
    return out


def check_backlog(start: date, end: date) -> list[Row]:
    pending = SpecialistCheck.objects.filter(status=CheckStatus.PENDING).aggregate(
        n=Count("pk"), oldest=Min("requested_at")
    )
    done = SpecialistCheck.objects.filter(
        completed_at__gte=_start(start), completed_at__lt=_end(end)
    ).aggregate(
        agreed=Count("pk", filter=Q(status=CheckStatus.AGREED)),
        disagreed=Count("pk", filter=Q(status=CheckStatus.DISAGREED)),
    )
    oldest = (clock.now() - pending["oldest"]).days if pending["oldest"] else None
    return [
        ("Waiting now", pending["n"], oldest),
        ("Agreed in the period", done["agreed"], None),
        ("Disagreed (returned) in the period", done["disagreed"], None),
    ]


def quality_by_month(start: date, end: date) -> list[Row]:
    """Ratings by month (in London) and colour, counted in the database."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for month, rating, n in (
        QualityRating.objects.exclude(rating="")
        .filter(rated_at__gte=_start(start), rated_at__lt=_end(end))
        .annotate(month=TruncMonth("rated_at", tzinfo=clock.LONDON))
        .values_list("month", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if month is not None:
            counts[month.strftime("%Y-%m")][rating] += n
    out = []
    for month in sorted(counts):
        c = counts[month]
        total = sum(c.values())
        out.append((month, c["red"], c["amber"], c["green"], round(c["red"] / total, 3)))
    return out


def safeguarding_advice(start: date, end: date) -> list[Row]:
    """Advice requests in the period by level: how many, given, median days to give, and the share
    given within rules.SAFEGUARDING_ADVICE_TARGET_WORKING_DAYS working days of the request (in
    London). Counts and medians are SQL aggregates; the working-day deadline of each request day
    (bank holidays) is worked out once a day, over the rows grouped by request and advice day."""
    asked = SafeguardingAdvice.objects.filter(
        requested_at__gte=_start(start), requested_at__lt=_end(end)
    )
    totals = grouped_median(
        asked,
        "level",
        F("given_at") - F("requested_at"),
        n=Count("pk"),
        given=Count("given_at"),
    )
    target = rules.SAFEGUARDING_ADVICE_TARGET_WORKING_DAYS
    deadlines: dict[date, date] = {}
    within: Counter[int] = Counter()
    for level, asked_on, given_on, n in (
        asked.filter(given_at__isnull=False)
        .annotate(
            asked_on=TruncDate("requested_at", tzinfo=clock.LONDON),
            given_on=TruncDate("given_at", tzinfo=clock.LONDON),
        )
        .values_list("level", "asked_on", "given_on")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if asked_on not in deadlines:
            deadlines[asked_on] = rules.working_days_after(asked_on, target)
        if given_on <= deadlines[asked_on]:
            within[level] += n
    out = []
    for level in sorted(totals):
        row = totals[level]
        median_days = row["median"]
        out.append(
            (
                rules.SAFEGUARDING_LEVELS.get(level, str(level)),
                row["n"],
                row["given"],
                round(median_days, 1) if median_days is not None else None,
                round(within[level] / row["n"], 3) if row["n"] else None,
            )
        )
    return out


FIGURES: dict[str, Figure] = {
    "by_competent_authority": Figure(
        "Referrals and decisions by competent authority",
        (
            "Competent authority",
            "Referrals",
            "RG positive",
            "RG negative",
            "CG positive",
            "CG negative",
        ),
        by_competent_authority,
        True,
        (1, 2, 3, 4, 5),
    ),
    "referrals_by_referrer_type": Figure(
        "Referrals by referring organisation",
        ("Referring organisation", "Referrals"),
        referrals_by_referrer_type,
        True,
        (1,),
    ),
    "referrals_by_nationality": Figure(
        "Referrals by nationality",
        ("Nationality", "Referrals"),
        referrals_by_nationality,
        True,
        (1,),
    ),
    "referrals_by_age_group": Figure(
        "Referrals by age at exploitation",
        ("Age group", "Referrals"),
        referrals_by_age_group,
        True,
        (1,),
    ),
    "referrals_by_exploitation_type": Figure(
        "Referrals by exploitation type",
        ("Exploitation type", "Referrals"),
        referrals_by_exploitation_type,
        True,
        (1,),
    ),
    "referrals_by_quality_band": Figure(
        "Referrals by quality of referral",
        ("Quality band", "Referrals"),
        referrals_by_quality_band,
        True,
        (1,),
    ),
    "decisions_by_stage_and_outcome": Figure(
        "Decisions served by stage and outcome",
        ("Stage", "Outcome", "Decisions"),
        decisions_by_stage_and_outcome,
        True,
        (2,),
    ),
    "time_to_decision": Figure(
        "Time from referral to decision",
        ("Stage", "Decisions", "Median days", "Share within target"),
        time_to_decision,
    ),
    "stuck_referrals": Figure(
        f"Referrals with no activity for {rules.STUCK_AFTER_DAYS} days or more (now)",
        ("Waiting for", "Referrals", "Longest (days)"),
        stuck_referrals,
    ),
    "decisions_per_decision_maker": Figure(
        "Decisions per decision maker",
        ("Decision maker", "Decisions", "Per week", "Expected per week", "Red", "Amber", "Green"),
        decisions_per_decision_maker,
    ),
    "check_backlog": Figure(
        "Specialist checks", ("Checks", "Number", "Oldest (days)"), check_backlog
    ),
    "quality_by_month": Figure(
        "Quality ratings by month",
        ("Month", "Red", "Amber", "Green", "Red share"),
        quality_by_month,
    ),
    "safeguarding_advice": Figure(
        "Safeguarding advice requests and turnaround",
        ("Level", "Requests", "Given", "Median days", "Share within target"),
        safeguarding_advice,
    ),
}

SUPPRESSED = f"fewer than {rules.SMALL_NUMBER_THRESHOLD}"


def figure_rows(name: str, start: date, end: date) -> list[Row]:
    """The figure's rows with small numbers about victims suppressed ("fewer than 11")."""
    figure = FIGURES[name]
    rows = figure.query(start, end)
    if not figure.about_victims:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for i in figure.count_columns:
            if rules.suppress(values[i]) is None:
                values[i] = SUPPRESSED
        out.append(tuple(values))
    return out


def all_figures(start: date, end: date) -> dict[str, list[Row]]:
    return {name: figure_rows(name, start, end) for name in FIGURES}


# --- data quality -------------------------------------------------------------------------------
DATA_QUALITY_LABELS = {
    "no_consent": "Referrals with no consent status",
    "rg_past_target": "Past the reasonable grounds target with no decision",
    "negative_without_check": "Negative decisions served without an agreed specialist check",
}


def data_quality() -> dict[str, int]:
    agreed = SpecialistCheck.objects.filter(decision=OuterRef("pk"), status=CheckStatus.AGREED)
    return {
        "no_consent": Referral.objects.filter(consent="").count(),
        "rg_past_target": Referral.objects.filter(
            status__in=[
                ReferralStatus.RECEIVED,
                ReferralStatus.PREPARATION,
                ReferralStatus.RG_PENDING,
            ],
            rg_due_on__lt=clock.today(),
            decisions__isnull=True,
        ).count(),
        "negative_without_check": Decision.objects.filter(
            status=DecisionStatus.SERVED, outcome="negative"
        )
        .exclude(Exists(agreed))
        .count(),
    }


def quarter_bounds(label: str | None, today: date | None = None) -> tuple[date, date, str]:
    """``2026-Q3`` -> (1 Jul 2026, 30 Sep 2026, label); the last full quarter when not given."""
    today = today or clock.today()
    try:
        year_text, q_text = (label or "").split("-Q")
        year, quarter = int(year_text), int(q_text)
        # a year whose quarters are all real dates (datetime's 1 to 9999, the next year's first day)
        if not 1 <= quarter <= 4 or not MINYEAR <= year < MAXYEAR:
            raise ValueError
    except ValueError:
        quarter = (today.month - 1) // 3  # the last full quarter
        year = today.year
        if quarter == 0:
            quarter, year = 4, year - 1
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end_month = 3 * quarter + 1
    end = (date(year + 1, 1, 1) if end_month > 12 else date(year, end_month, 1)) - timedelta(days=1)
    return start, end, f"{year}-Q{quarter}"


def quarter_options(today: date | None = None, count: int = 8) -> list[str]:
    today = today or clock.today()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(count):
        out.append(f"{year}-Q{quarter}")
        quarter -= 1
        if quarter == 0:
            quarter, year = 4, year - 1
    return out
