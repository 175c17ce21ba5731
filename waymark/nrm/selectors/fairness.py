"""The competent authority's decision points for fairness monitoring (issue 20 item 5). Each
function returns, for the dates ``start`` to ``end`` inclusive, one row per signed-off decision
(reasonable or conclusive grounds; reconsiderations included): (person id, team id, outcome, date),
the team being the referral's owning team and the outcome a positive decision. Registered in
``registrations.register_oversight_feeds``; oversight never imports this module.
"""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, ExpressionWrapper, F, Q

from waymark.core.fairness import DecisionRow, local_day, period_bounds
from waymark.nrm import rules
from waymark.nrm.models import Decision, DecisionStage, DecisionStatus

DECIDED = (DecisionStatus.READY, DecisionStatus.SERVED)


def _decisions(stage: str, start: date, end: date) -> list[DecisionRow]:
    low, high = period_bounds(start, end)
    rows = Decision.objects.filter(
        stage=stage, status__in=DECIDED, signed_off_at__gte=low, signed_off_at__lt=high
    ).values_list("referral__person_id", "referral__owning_team_id", "outcome", "signed_off_at")
    return [
        DecisionRow(p, t, outcome in rules.POSITIVE_OUTCOMES, local_day(at))
        for p, t, outcome, at in rows.iterator(chunk_size=20000)
    ]


def reasonable_grounds_rows(start: date, end: date) -> list[DecisionRow]:
    """Reasonable grounds decisions signed off in the period; outcome: positive."""
    return _decisions(DecisionStage.RG, start, end)


def conclusive_grounds_rows(start: date, end: date) -> list[DecisionRow]:
    """Conclusive grounds decisions signed off in the period; outcome: positive."""
    return _decisions(DecisionStage.CG, start, end)


def _decisions_queryset(stage: str, start: date, end: date):
    low, high = period_bounds(start, end)
    return Decision.objects.filter(
        stage=stage, status__in=DECIDED, signed_off_at__gte=low, signed_off_at__lt=high
    ).annotate(
        fairness_person_id=F("referral__person_id"),
        fairness_team_id=F("referral__owning_team_id"),
        fairness_outcome=ExpressionWrapper(
            Q(outcome__in=sorted(rules.POSITIVE_OUTCOMES)), output_field=BooleanField()
        ),
    )


def reasonable_grounds_queryset(start: date, end: date):
    return _decisions_queryset(DecisionStage.RG, start, end)


def conclusive_grounds_queryset(start: date, end: date):
    return _decisions_queryset(DecisionStage.CG, start, end)
