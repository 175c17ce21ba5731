"""The Hub's working lists (brief §1-§3): the duty cohort and its gaps, people awaiting a device,
breaches to act on, reviews outstanding and data quality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from waymark.core import clock
from waymark.monitoring import rules
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    Condition,
    ConditionStatus,
    Exemption,
    JointLogEntry,
    LadderAction,
    OrderStatus,
    Review,
    ReviewStatus,
)
from waymark.monitoring.selectors.access import em_person_queryset
from waymark.people.models import BailGrant, Person
from waymark.people.selectors import person_visible_queryset


def current_exemptions() -> QuerySet[Exemption]:
    return Exemption.objects.filter(withdrawn_at__isnull=True)


def duty_cohort(user=None) -> QuerySet[Person]:
    """People the EM duty applies to (000 §1.3-1.4): on immigration bail (a grant not ended) and
    subject to deportation proceedings or a deportation order."""
    qs = person_visible_queryset(user) if user is not None else Person.objects.all()
    on_bail = BailGrant.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    return qs.filter(Exists(on_bail)).filter(
        Q(deportation_decision_date__isnull=False) | Q(deportation_order_date__isnull=False)
    )


def duty_gaps(user=None) -> QuerySet[Person]:
    """In the duty cohort with neither a condition nor a current exemption (000 §5.22)."""
    condition = Condition.objects.filter(person=OuterRef("pk")).exclude(
        status=ConditionStatus.CEASED
    )
    exemption = current_exemptions().filter(person=OuterRef("pk"))
    return (
        duty_cohort(user)
        .exclude(Exists(condition))
        .exclude(Exists(exemption))
        .order_by("family_name", "pk")
    )


def held_awaiting_fitting(user, now: datetime | None = None) -> list[dict[str, Any]]:
    """People held in detention awaiting a fitting, with time left on the limit (brief §2)."""
    now = now or clock.now()
    conditions = (
        Condition.objects.filter(
            status=ConditionStatus.AWAITING_FITTING,
            held_in_detention=True,
            released_at__isnull=True,
            person__in=em_person_queryset(user),
        )
        .select_related("person", "bail_grant")
        .order_by("fitting_due_at")
    )
    rows = []
    for condition in conditions:
        left = condition.fitting_due_at - now
        rows.append(
            {
                "condition": condition,
                "person": condition.person,
                "time_left": left,
                "overdue": left.total_seconds() < 0,
                "hours_left": int(left.total_seconds() // 3600),
            }
        )
    return rows


FIGURE_5_GROUPS = [
    ("attempted_unsuccessful", "Attempted and unsuccessful"),
    ("not_yet_attempted", "Not yet attempted"),
    ("arranged", "Arranged"),
]


def scarcity_rank(person: Person) -> tuple[int, str]:
    """The person's place in the scarcity order (000 §5.54): lower is fitted first. The record
    holds harm and nationality; deportation with assurances and entry in breach of a deportation
    order are not recorded yet, so those people rank by harm."""
    eu = any(n.country in rules.EU_NATIONALITIES for n in person.nationalities.all())
    group = rules.scarcity_group(
        harm_level=person.harm_level,
        deportation_with_assurances=False,
        entered_in_breach=False,
        eu_national=eu,
    )
    return rules.SCARCITY_ORDER.index(group), rules.SCARCITY_LABELS[group]


def released_awaiting_device(user) -> dict[str, list[Condition]]:
    """People released who still need a device, split as the report's Figure 5; within each group
    in the scarcity order (000 §5.54), then by fitting deadline."""
    conditions = (
        Condition.objects.filter(status=ConditionStatus.AWAITING_FITTING)
        .filter(Q(released_at__isnull=False) | Q(held_in_detention=False))
        .filter(person__in=em_person_queryset(user))
        .select_related("person")
        .prefetch_related("orders", "person__nationalities")
    )
    groups: dict[str, list[Condition]] = {key: [] for key, _ in FIGURE_5_GROUPS}
    ranks: dict[int, tuple[int, str]] = {}
    for condition in conditions.order_by("fitting_due_at"):
        ranks[condition.pk] = scarcity_rank(condition.person)
        condition.scarcity = ranks[condition.pk]  # type: ignore[attr-defined]  # shown on the list
        groups[figure_5_group(condition)].append(condition)
    for rows in groups.values():
        rows.sort(key=lambda c: (ranks[c.pk][0], c.fitting_due_at))
    return groups


def figure_5_group(condition: Condition) -> str:
    statuses = [order.status for order in condition.orders.all() if order.kind == "install"]
    if any(
        s in (OrderStatus.SENT, OrderStatus.SLOT_CONFIRMED, OrderStatus.QUEUED) for s in statuses
    ):
        return "arranged"
    if any(
        s in (OrderStatus.FAILED, OrderStatus.SLOT_DECLINED, OrderStatus.SEND_FAILED)
        for s in statuses
    ):
        return "attempted_unsuccessful"
    return "not_yet_attempted"


@dataclass
class LadderPosition:
    step: int
    label: str
    actionable: int
    next_label: str


def ladder_position(person: Person) -> LadderPosition:
    """Where the person stands on the published escalation ladder (000 §5.83-5.84)."""
    applied = LadderAction.objects.filter(person=person).order_by("-step").first()
    actionable = (
        Breach.objects.filter(person=person, disposition=BreachDisposition.ACTIONABLE).count()
        + AccumulatedViolation.objects.filter(person=person).count()
    )
    step = applied.step if applied else 0
    label = rules.ESCALATION_LADDER[step - 1].label if step else "No step applied yet"
    following = rules.ESCALATION_LADDER[min(step, len(rules.ESCALATION_LADDER) - 1)].label
    return LadderPosition(step=step, label=label, actionable=actionable, next_label=following)


def breaches_for_triage(user) -> QuerySet[Breach]:
    """Actionable breaches whose work is still open, most urgent first (000 §5.14)."""
    return (
        Breach.objects.filter(
            disposition=BreachDisposition.ACTIONABLE,
            task__status__in=["open", "in_progress", "waiting"],
            person__in=em_person_queryset(user),
        )
        .select_related("person", "task")
        .order_by("-priority", "started_at")
    )


def reviews_outstanding(user, today: date | None = None) -> QuerySet[Review]:
    today = today or clock.today()
    return (
        Review.objects.filter(
            status__in=[ReviewStatus.DUE, ReviewStatus.AWAITING_SIGN_OFF],
            person__in=em_person_queryset(user),
        )
        .select_related("person")
        .order_by("due_on")
    )


def data_quality(user) -> dict[str, QuerySet]:
    """Records that break the module's data rules (issue 3 §12)."""
    people = em_person_queryset(user)
    cutoff = clock.now() - timedelta(days=rules.BREACH_NO_END_FLAG_DAYS)
    return {
        "no_issued_phone": Condition.objects.filter(
            status=ConditionStatus.ACTIVE, issued_phone_number="", person__in=people
        ).select_related("person"),
        "breach_no_end": Breach.objects.filter(
            ended_at__isnull=True, started_at__lt=cutoff, person__in=people
        ).select_related("person"),
        "no_device_serial": Condition.objects.filter(
            status=ConditionStatus.ACTIVE, device_serial="", person__in=people
        ).select_related("person"),
    }


def joint_log_entries() -> QuerySet[JointLogEntry]:
    """The joint issues log and risk register, open entries first (the model's order)."""
    return JointLogEntry.objects.all()


def joint_log_entry_find(pk: str) -> JointLogEntry | None:
    """The entry a form names, or None: only a bigint is looked up, never a crafted value."""
    return (
        JointLogEntry.objects.filter(pk=int(pk)).first()
        if pk.isdecimal() and len(pk) <= 18
        else None
    )
