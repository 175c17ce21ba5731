"""Criminal casework's decision points for fairness monitoring (issue 20 item 5; 000 §5.25). Each
function returns, for the dates ``start`` to ``end`` inclusive, one row per decision: (person id,
team id, outcome, date), the team being the person's owning team. Registered in
``registrations.register_oversight_feeds``; oversight reads them through ``waymark.core.fairness``
and never imports this module.
"""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q

from waymark.casework.models import (
    AbsconderDeclaration,
    DetentionRequest,
    GatekeepingDecision,
    NonCompliance,
)
from waymark.core.fairness import DecisionRow, local_day, period_bounds


def absconder_declaration_rows(start: date, end: date) -> list[DecisionRow]:
    """Non-compliance opened by a missed reporting event in the period; outcome: the person was
    declared an absconder from it (rather than contact being restored)."""
    low, high = period_bounds(start, end)
    rows = (
        NonCompliance.objects.filter(opened_at__gte=low, opened_at__lt=high)
        .annotate(
            declared=Exists(AbsconderDeclaration.objects.filter(non_compliance=OuterRef("pk")))
        )
        .values_list("person_id", "person__owning_team_id", "declared", "opened_at")
    )
    return [
        DecisionRow(p, t, bool(d), local_day(at)) for p, t, d, at in rows.iterator(chunk_size=20000)
    ]


def absconder_declaration_queryset(start: date, end: date):
    """The same decisions as ``absconder_declaration_rows``, for counting in the database."""
    low, high = period_bounds(start, end)
    return NonCompliance.objects.filter(opened_at__gte=low, opened_at__lt=high).annotate(
        fairness_person_id=F("person_id"),
        fairness_team_id=F("person__owning_team_id"),
        fairness_outcome=Exists(AbsconderDeclaration.objects.filter(non_compliance=OuterRef("pk"))),
    )


def detention_queryset(start: date, end: date):
    """The same decisions as ``detention_rows``, annotated for counting in the database."""
    low, high = period_bounds(start, end)
    return (
        DetentionRequest.objects.filter(decided_at__gte=low, decided_at__lt=high)
        .exclude(decision=GatekeepingDecision.PENDING)
        .annotate(
            fairness_person_id=F("person_id"),
            fairness_team_id=F("person__owning_team_id"),
            fairness_outcome=ExpressionWrapper(
                Q(decision=GatekeepingDecision.ACCEPTED), output_field=BooleanField()
            ),
        )
    )


def detention_rows(start: date, end: date) -> list[DecisionRow]:
    """Detention requests the gatekeeper decided in the period; outcome: detention accepted."""
    low, high = period_bounds(start, end)
    rows = (
        DetentionRequest.objects.filter(decided_at__gte=low, decided_at__lt=high)
        .exclude(decision=GatekeepingDecision.PENDING)
        .values_list("person_id", "person__owning_team_id", "decision", "decided_at")
    )
    return [
        DecisionRow(p, t, decision == GatekeepingDecision.ACCEPTED, local_day(at))
        for p, t, decision, at in rows.iterator(chunk_size=20000)
    ]
