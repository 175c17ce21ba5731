"""Enforcement operations' decision points for fairness monitoring (issue 20 item 5; 003
§5.30-5.31: who is encountered, and in which sectors). Each function returns, for the dates
``start`` to ``end`` inclusive, one row per person encountered on a visit: (person id, team id,
outcome, date, sector, nationality as given). The team is the visit's team, the sector the
premises' business sector; the person may be unlinked (``None``), in which case the nationality
given at the encounter stands in for the record's. Registered in
``registrations.register_oversight_feeds``; oversight never imports this module.
"""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, ExpressionWrapper, F, Q

from waymark.core.fairness import DecisionRow, local_day, period_bounds
from waymark.operations.models import Encounter

OFFENDER = "offender"
ARREST = "arrest"


def _encounters(start: date, end: date):
    low, high = period_bounds(start, end)
    return Encounter.objects.filter(
        entry__recorded_at__gte=low, entry__recorded_at__lt=high
    ).values_list(
        "person_id",
        "visit__team_id",
        "result",
        "action",
        "entry__recorded_at",
        "visit__premises__sector__name",
        "nationality",
    )


def encounter_offender_rows(start: date, end: date) -> list[DecisionRow]:
    """Everyone encountered on a visit in the period; outcome: found to be an immigration
    offender."""
    return [
        DecisionRow(p, t, result == OFFENDER, local_day(at), sector or "", nat or "")
        for p, t, result, _action, at, sector, nat in _encounters(start, end).iterator(
            chunk_size=20000
        )
    ]


def encounter_arrest_rows(start: date, end: date) -> list[DecisionRow]:
    """Everyone encountered on a visit in the period; outcome: arrested."""
    return [
        DecisionRow(p, t, action == ARREST, local_day(at), sector or "", nat or "")
        for p, t, _result, action, at, sector, nat in _encounters(start, end).iterator(
            chunk_size=20000
        )
    ]


def _encounters_queryset(start: date, end: date, outcome: Q):
    low, high = period_bounds(start, end)
    return Encounter.objects.filter(
        entry__recorded_at__gte=low, entry__recorded_at__lt=high
    ).annotate(
        fairness_person_id=F("person_id"),
        fairness_team_id=F("visit__team_id"),
        fairness_outcome=ExpressionWrapper(outcome, output_field=BooleanField()),
        fairness_sector=F("visit__premises__sector__name"),
        fairness_nationality=F("nationality"),
    )


def encounter_offender_queryset(start: date, end: date):
    """The same decisions as ``encounter_offender_rows``, for counting in the database."""
    return _encounters_queryset(start, end, Q(result=OFFENDER))


def encounter_arrest_queryset(start: date, end: date):
    """The same decisions as ``encounter_arrest_rows``, for counting in the database."""
    return _encounters_queryset(start, end, Q(action=ARREST))
