"""The EM Hub's decision points for fairness monitoring (issue 20 item 5; 000 §5.25: "no
monitoring ... of a relationship between breaches or compliance, and those with vulnerabilities or
protected characteristics"). Each function returns, for the dates ``start`` to ``end`` inclusive,
one row per decision: (person id, team id, outcome, date). The team is the person's owning team.
Registered in ``registrations.register_oversight_feeds``; oversight reads them through
``waymark.core.fairness`` and never imports this module.
"""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q

from waymark.core.fairness import DecisionRow
from waymark.core.fairness import local_day as _day
from waymark.core.fairness import period_bounds as _bounds
from waymark.monitoring.models import (
    Breach,
    BreachDisposition,
    Condition,
    Exemption,
    LadderAction,
    Review,
    ReviewOutcome,
    ReviewStatus,
)

PROSECUTION_STEP = "prosecution"


def _actionable_breaches(start: date, end: date):
    low, high = _bounds(start, end)
    return Breach.objects.filter(
        disposition=BreachDisposition.ACTIONABLE, received_at__gte=low, received_at__lt=high
    )


def breach_escalation_rows(start: date, end: date) -> list[DecisionRow]:
    """Actionable breaches received in the period; outcome: a step of the escalation ladder was
    applied (a warning letter or a prosecution referral), rather than no further action."""
    rows = (
        _actionable_breaches(start, end)
        .annotate(escalated=Exists(LadderAction.objects.filter(breach=OuterRef("pk"))))
        .values_list("person_id", "person__owning_team_id", "escalated", "received_at")
    )
    return [DecisionRow(p, t, bool(e), _day(at)) for p, t, e, at in rows.iterator(chunk_size=20000)]


def breach_prosecution_rows(start: date, end: date) -> list[DecisionRow]:
    """Actionable breaches received in the period; outcome: considered for prosecution (the
    ladder's last step applied)."""
    rows = (
        _actionable_breaches(start, end)
        .annotate(
            prosecuted=Exists(
                LadderAction.objects.filter(breach=OuterRef("pk"), step_key=PROSECUTION_STEP)
            )
        )
        .values_list("person_id", "person__owning_team_id", "prosecuted", "received_at")
    )
    return [DecisionRow(p, t, bool(e), _day(at)) for p, t, e, at in rows.iterator(chunk_size=20000)]


def em_imposition_rows(start: date, end: date) -> list[DecisionRow]:
    """Decisions on the EM duty in the period: an EM condition imposed (outcome True) or an
    exemption decided (False)."""
    low, high = _bounds(start, end)
    imposed = Condition.objects.filter(decided_at__gte=low, decided_at__lt=high).values_list(
        "person_id", "person__owning_team_id", "decided_at"
    )
    exempted = Exemption.objects.filter(decided_on__gte=start, decided_on__lte=end).values_list(
        "person_id", "person__owning_team_id", "decided_on"
    )
    rows = [DecisionRow(p, t, True, _day(at)) for p, t, at in imposed.iterator(chunk_size=20000)]
    rows += [DecisionRow(p, t, False, on) for p, t, on in exempted.iterator(chunk_size=20000)]
    return rows


def em_removal_rows(start: date, end: date) -> list[DecisionRow]:
    """Completed 3-monthly EM reviews decided in the period; outcome: EM ceased (removed)."""
    low, high = _bounds(start, end)
    rows = Review.objects.filter(
        status=ReviewStatus.COMPLETED, decided_at__gte=low, decided_at__lt=high
    ).values_list("person_id", "person__owning_team_id", "outcome", "decided_at")
    return [
        DecisionRow(p, t, outcome == ReviewOutcome.CEASE, _day(at)) for p, t, outcome, at in rows
    ]


# The same decisions as QuerySets, for counting groups in the database (``core.fairness``).


def breach_escalation_queryset(start: date, end: date):
    return _actionable_breaches(start, end).annotate(
        fairness_person_id=F("person_id"),
        fairness_team_id=F("person__owning_team_id"),
        fairness_outcome=Exists(LadderAction.objects.filter(breach=OuterRef("pk"))),
    )


def breach_prosecution_queryset(start: date, end: date):
    return _actionable_breaches(start, end).annotate(
        fairness_person_id=F("person_id"),
        fairness_team_id=F("person__owning_team_id"),
        fairness_outcome=Exists(
            LadderAction.objects.filter(breach=OuterRef("pk"), step_key=PROSECUTION_STEP)
        ),
    )


def em_removal_queryset(start: date, end: date):
    low, high = _bounds(start, end)
    return Review.objects.filter(
        status=ReviewStatus.COMPLETED, decided_at__gte=low, decided_at__lt=high
    ).annotate(
        fairness_person_id=F("person_id"),
        fairness_team_id=F("person__owning_team_id"),
        fairness_outcome=ExpressionWrapper(
            Q(outcome=ReviewOutcome.CEASE), output_field=BooleanField()
        ),
    )
