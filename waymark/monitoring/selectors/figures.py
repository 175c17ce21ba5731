"""Management information (brief §7), for a period [start, end).

Every figure is computed from records for a period, with one definition each, so the same number
appears on the page, in the API and in an export."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.monitoring import rules
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    Challenge,
    ChallengeKind,
    Condition,
    ConditionStatus,
    DeviceFault,
    DeviceStock,
    DeviceType,
    Exemption,
    FittingOrder,
    OrderStatus,
    Review,
    ReviewStatus,
    ServiceFigure,
    TrailDataRequest,
)
from waymark.monitoring.selectors.lists import FIGURE_5_GROUPS, current_exemptions, figure_5_group
from waymark.people.models import BailGrant, Person


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=LONDON)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(0), tzinfo=LONDON)

    @property
    def last_day(self) -> date:
        """The last day the period includes (``end`` is the day after it)."""
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.start:%-d %B %Y} to {(self.end - timedelta(days=1)):%-d %B %Y}"


def period_default(today: date | None = None) -> Period:
    """The last six whole months and this month so far (the report's windows are six months)."""
    today = today or clock.today()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for _ in range(5):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(first, today + timedelta(days=1))


def on_em_at(moment: datetime) -> QuerySet[Condition]:
    """One definition of "on EM" (000 Figures 1-3): a condition decided by ``moment`` and not ended
    by it, whether or not the device is fitted yet."""
    return Condition.objects.filter(decided_at__lt=moment).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=moment)
    )


def population(period: Period) -> dict[str, Any]:
    conditions = on_em_at(period.end_at)
    people = Person.objects.filter(pk__in=conditions.values("person_id"))
    by_sex = dict(people.values_list("sex").annotate(n=Count("pk")))
    from waymark.people.models import PersonNationality

    by_nationality = Counter(
        dict(
            PersonNationality.objects.filter(person__in=people)
            .values_list("country")
            .annotate(n=Count("person_id", distinct=True))
        )
    )
    total = people.count()
    return {
        "total": total,
        "monitored": conditions.filter(status=ConditionStatus.ACTIVE).count(),
        "by_device": dict(
            conditions.filter(status=ConditionStatus.ACTIVE)
            .values_list("device_type")
            .annotate(n=Count("pk"))
        ),
        "by_sex": by_sex,
        # Largest first; a tie in country-code order, so the ten shown do not vary between reads.
        "by_nationality": sorted(by_nationality.items(), key=lambda p: (-p[1], p[0]))[:10],
        "nationality_count": len(by_nationality),
    }


def devices_against_plan() -> list[dict[str, Any]]:
    """Devices in use by type against plan (000 Figure 11)."""
    in_use = dict(
        Condition.objects.filter(status=ConditionStatus.ACTIVE)
        .values_list("device_type")
        .annotate(n=Count("pk"))
    )
    stock = {s.device_type: s for s in DeviceStock.objects.all()}
    rows = []
    for key, label in DeviceType.choices:
        plan = stock[key].planned_in_use if key in stock else 0
        rows.append(
            {
                "device_type": key,
                "label": label,
                "in_use": in_use.get(key, 0),
                "planned": plan,
                "available": stock[key].available if key in stock else 0,
            }
        )
    return rows


def breaches_by_type_by_month(period: Period) -> dict[str, Any]:
    """Breach notifications by type by month (000 Figure 6)."""
    rows = (
        Breach.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
        .annotate(month=TruncMonth("received_at", tzinfo=LONDON))
        .values_list("month", "breach_type")
        .annotate(n=Count("pk"))
    )
    table: dict[str, dict[str, int]] = defaultdict(dict)
    months: set[str] = set()
    for month, breach_type, n in rows:
        key = month.strftime("%Y-%m") if month else "unknown"
        months.add(key)
        table[breach_type][key] = table[breach_type].get(key, 0) + n
    ordered_months = sorted(months)
    types = sorted(table, key=lambda t: (-sum(table[t].values()), t))  # a tie in code order
    return {
        "months": ordered_months,
        "rows": [
            {
                "breach_type": t,
                "label": rules.BREACH_TYPE_LABELS.get(t, t),
                "counts": [table[t].get(m, 0) for m in ordered_months],
                "total": sum(table[t].values()),
            }
            for t in types
        ],
        "month_totals": [sum(table[t].get(m, 0) for t in types) for m in ordered_months],
        "total": sum(sum(v.values()) for v in table.values()),
    }


def notifications_and_work(period: Period) -> dict[str, Any]:
    """Notifications received against work items created (the accumulated-battery effect, 000 §5.16)."""
    breaches = Breach.objects.filter(
        received_at__gte=period.start_at, received_at__lt=period.end_at
    )
    received = breaches.count()
    battery = breaches.filter(breach_type=rules.BATTERY).count()
    actionable = breaches.filter(disposition=BreachDisposition.ACTIONABLE).count()
    violations = AccumulatedViolation.objects.filter(
        raised_at__gte=period.start_at, raised_at__lt=period.end_at
    ).count()
    work_items = actionable + violations
    return {
        "received": received,
        "battery": battery,
        "actionable": actionable,
        "accumulated_violations": violations,
        "work_items": work_items,
        "reduction": None if not received else round(100 * (1 - work_items / received), 1),
    }


def reviews_figures(period: Period) -> dict[str, Any]:
    """Reviews completed and outstanding, and challenges (000 Figure 14)."""
    completed = Review.objects.filter(
        status=ReviewStatus.COMPLETED, decided_at__gte=period.start_at, decided_at__lt=period.end_at
    )
    outstanding = Review.objects.filter(
        status__in=[ReviewStatus.DUE, ReviewStatus.AWAITING_SIGN_OFF], due_on__lt=period.end
    )
    ceased_varied = completed.exclude(outcome="continue").count()
    challenges = {}
    for kind, label in ChallengeKind.choices:
        qs = Challenge.objects.filter(
            kind=kind, received_on__gte=period.start, received_on__lt=period.end
        )
        challenges[kind] = {
            "label": label,
            "answered": qs.exclude(outcome="").count(),
            "outstanding": qs.filter(outcome="").count(),
        }
    return {
        "completed": completed.count(),
        "outstanding": outstanding.count(),
        "ceased_or_varied": ceased_varied,
        "challenges": challenges,
    }


def representations_by_outcome(period: Period) -> dict[str, Any]:
    """Outcomes of representations (000 §5.18: 73 - EM ceased 2, curfew removed 28, amended 3)."""
    qs = Challenge.objects.filter(
        kind=ChallengeKind.REPRESENTATION, received_on__gte=period.start, received_on__lt=period.end
    ).exclude(outcome="")
    counts = dict(qs.values_list("outcome").annotate(n=Count("pk")))
    return {
        "total": sum(counts.values()),
        "by_outcome": counts,
        "complaints": Challenge.objects.filter(
            is_complaint=True, received_on__gte=period.start, received_on__lt=period.end
        ).count(),
    }


def trail_figures(period: Period) -> dict[str, Any]:
    """Trail-data requests by requester and outcome (000 §5.37, Figure 9)."""
    qs = TrailDataRequest.objects.filter(
        requested_at__gte=period.start_at, requested_at__lt=period.end_at
    )
    return {
        "total": qs.count(),
        "by_requester": dict(qs.values_list("requester_kind").annotate(n=Count("pk"))),
        "by_outcome": dict(qs.exclude(outcome="").values_list("outcome").annotate(n=Count("pk"))),
        "awaiting": qs.filter(outcome="").count(),
        "too_broad": qs.filter(too_broad=True).count(),
    }


def service_levels(period: Period) -> list[dict[str, Any]]:
    """The six Figure 12 service levels against their targets, from the supplier's figures."""
    figures = ServiceFigure.objects.filter(
        month__gte=period.start.replace(day=1), month__lt=period.end
    )
    totals: dict[str, list[int]] = {key: [0, 0] for key in rules.SERVICE_LEVELS}
    for figure in figures:
        totals[figure.measure][0] += figure.met
        totals[figure.measure][1] += figure.total
    rows = []
    for key, (label, target) in rules.SERVICE_LEVELS.items():
        met, total = totals[key]
        achieved = None if not total else Decimal(met) / Decimal(total)
        rows.append(
            {
                "measure": key,
                "label": label,
                "target": target,
                "met": met,
                "total": total,
                "achieved": achieved,
                "meets": None if achieved is None else achieved >= target,
            }
        )
    return rows


def service_levels_by_month(period: Period) -> dict[str, Any]:
    """Figure 12 as the inspection laid it out: each service level's rate in each month of the
    period against its target, a month below it marked, and the average of the monthly rates
    (the figure's "Average" column: the mean of the months that have figures, not the pooled
    rate ``service_levels`` gives). A month without the supplier's figures is None."""
    first = period.start.replace(day=1)
    months: list[date] = []
    month = first
    while month < period.end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    cells: dict[tuple[str, date], tuple[int, int]] = {}
    for measure, month_, met, total in ServiceFigure.objects.filter(
        month__gte=first, month__lt=period.end
    ).values_list("measure", "month", "met", "total"):
        old = cells.get((measure, month_), (0, 0))
        cells[(measure, month_)] = (old[0] + met, old[1] + total)
    rows = []
    for key, (label, target) in rules.SERVICE_LEVELS.items():
        rates: list[Decimal | None] = []
        for m in months:
            met, total = cells.get((key, m), (0, 0))
            rates.append(None if not total else Decimal(met) / Decimal(total))
        known = [r for r in rates if r is not None]
        average = sum(known, Decimal(0)) / len(known) if known else None
        rows.append(
            {
                "measure": key,
                "label": label,
                "target": target,
                "months": [
                    {"month": m, "rate": r, "below": r is not None and r < target}
                    for m, r in zip(months, rates, strict=True)
                ],
                "average": average,
                "below_months": sum(1 for r in known if r < target),
            }
        )
    return {"months": months, "rows": rows}


def supplier_measures(period: Period) -> dict[str, Any]:
    """What Waymark measures itself (000 §5.68): order to fitting, slot confirmations, success rate."""
    orders = FittingOrder.objects.filter(
        kind="install", created_at__gte=period.start_at, created_at__lt=period.end_at
    )
    answered = orders.filter(slot_answered_at__isnull=False)
    confirmed = answered.filter(
        Q(status__in=[OrderStatus.SLOT_CONFIRMED, OrderStatus.FITTED, OrderStatus.FAILED])
        & Q(confirmed_slot_start__isnull=False)
    )
    with_outcome = orders.filter(status__in=[OrderStatus.FITTED, OrderStatus.FAILED])
    fitted = orders.filter(status=OrderStatus.FITTED)
    hours = sorted(
        (o.outcome_at - o.created_at).total_seconds() / 3600
        for o in fitted.only("outcome_at", "created_at")
        if o.outcome_at
    )
    median = None if not hours else hours[len(hours) // 2]
    faults = dict(
        DeviceFault.objects.filter(reported_at__gte=period.start_at, reported_at__lt=period.end_at)
        .values_list("cause")
        .annotate(n=Count("pk"))
    )
    return {
        "orders": orders.count(),
        "slot_answers": answered.count(),
        "slots_confirmed": confirmed.count(),
        "slot_confirmation_rate": None
        if not answered.count()
        else round(100 * confirmed.count() / answered.count(), 1),
        "outcomes": with_outcome.count(),
        "fitted": fitted.count(),
        "fitting_success_rate": None
        if not with_outcome.count()
        else round(100 * fitted.count() / with_outcome.count(), 1),
        "median_hours_order_to_fitting": None if median is None else round(median, 1),
        "silent_orders": orders.filter(silence_flagged_at__isnull=False).count(),
        "faults_by_cause": faults,
    }


def bail_em_share(period: Period) -> dict[str, Any]:
    """The share of bail grants by judges and by the Secretary of State with an EM condition
    (000 §5.79: judges 901 of 1,124, 80.2%; Secretary of State 157 of 231, 68%)."""
    grants = BailGrant.objects.filter(granted_at__gte=period.start_at, granted_at__lt=period.end_at)
    with_em = grants.filter(Exists(Condition.objects.filter(bail_grant=OuterRef("pk"))))
    result = {}
    for key, label in (
        ("immigration_judge", "Immigration judge"),
        ("secretary_of_state", "Secretary of State"),
    ):
        total = grants.filter(granted_by=key).count()
        em = with_em.filter(granted_by=key).count()
        result[key] = {
            "label": label,
            "granted": total,
            "with_em": em,
            "share": None if not total else round(100 * em / total, 1),
        }
    return result


def exemption_figures(period: Period) -> dict[str, Any]:
    """How many were exempted, and why (000 §5.22)."""
    qs = Exemption.objects.filter(decided_on__gte=period.start, decided_on__lt=period.end)
    return {
        "total": qs.count(),
        "by_ground": dict(qs.values_list("ground").annotate(n=Count("pk"))),
        "current": current_exemptions().count(),
    }


def awaiting_device_counts(user=None) -> dict[str, int]:
    conditions = Condition.objects.filter(status=ConditionStatus.AWAITING_FITTING).prefetch_related(
        "orders"
    )
    held = conditions.filter(held_in_detention=True, released_at__isnull=True).count()
    released = conditions.filter(Q(released_at__isnull=False) | Q(held_in_detention=False))
    counts = Counter(figure_5_group(c) for c in released)
    return {
        "held": held,
        **{key: counts.get(key, 0) for key, _ in FIGURE_5_GROUPS},
        "released_total": sum(counts.values()),
    }


def mi_figures(period: Period) -> dict[str, Any]:
    """Every figure of brief §7 for the period, live from the records."""
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
        },
        "population": population(period),
        "devices": devices_against_plan(),
        "awaiting_device": awaiting_device_counts(),
        "breaches": breaches_by_type_by_month(period),
        "notifications_and_work": notifications_and_work(period),
        "reviews": reviews_figures(period),
        "representations": representations_by_outcome(period),
        "trail_data": trail_figures(period),
        "service_levels": service_levels(period),
        "supplier_measures": supplier_measures(period),
        "bail_em_share": bail_em_share(period),
        "exemptions": exemption_figures(period),
    }
