"""Enforcement operations' fairness decision points (issue 20 item 5): registered with the
platform (carrying sector and nationality), and each row function returning one row per person
encountered in the period with the visit's team, the premises' sector and the right outcome."""

from __future__ import annotations

import uuid
from datetime import timedelta

from waymark.core import clock
from waymark.core.fairness import decision_point
from waymark.operations import models as m
from waymark.operations.selectors import fairness


def test_the_decision_points_are_registered_with_sector_and_nationality():
    for key in ("operations.encounter_offender", "operations.encounter_arrest"):
        point = decision_point(key)
        assert point is not None and point.module == "operations", key
        assert point.carries == ("nationality", "sector")


def _encounter(visit, officer, *, result, action="", person=None, nationality="", at=None):
    entry = m.FieldEntry.objects.create(
        visit=visit,
        officer=officer,
        entry_type="encounter",
        client_uuid=uuid.uuid4(),
        recorded_at=at or clock.now(),
        received_at=at or clock.now(),
        summary="Encounter",
    )
    return m.Encounter.objects.create(
        entry=entry,
        visit=visit,
        person=person,
        name_given="A person",
        nationality=nationality,
        result=result,
        action=action,
    )


def test_encounter_rows_carry_team_sector_nationality_and_outcomes(
    frozen, visit_deployed, field_officer, subject, ice_team
):
    _encounter(visit_deployed, field_officer, result="offender", action="arrest", person=subject)
    _encounter(
        visit_deployed, field_officer, result="offender", action="papers_served", nationality="IND"
    )
    _encounter(visit_deployed, field_officer, result="right_to_work", nationality="GBR")
    _encounter(
        visit_deployed, field_officer, result="british_irish", at=clock.now() - timedelta(days=400)
    )  # outside the period
    start, end = clock.today() - timedelta(days=30), clock.today()
    for key in ("operations.encounter_offender", "operations.encounter_arrest"):
        _queryset_agrees(key, start, end, extra=("sector", "nationality"))
    rows = fairness.encounter_offender_rows(start, end)
    assert sorted(r.outcome for r in rows) == [False, True, True]
    assert {r.team_id for r in rows} == {ice_team.pk}
    assert {r.sector for r in rows} == {visit_deployed.premises.sector.name}
    assert sorted(r.nationality for r in rows) == ["", "GBR", "IND"]
    assert sorted(r.person_id or 0 for r in rows) == [0, 0, subject.pk]
    arrests = fairness.encounter_arrest_rows(start, end)
    assert sorted(r.outcome for r in arrests) == [False, False, True]


def _queryset_agrees(key, start, end, extra=()):
    """The point's QuerySet (counted in the database at volume) holds the same decisions."""
    point = decision_point(key)
    fields = ["person_id", "team_id", "outcome", *extra]

    def order(row):
        return [(v is None, v if v is not None else 0) for v in row]

    rows = sorted((tuple(getattr(r, f) for f in fields) for r in point.rows(start, end)), key=order)
    counted = sorted(
        point.queryset_fn(start, end).values_list(*[f"fairness_{f}" for f in fields]), key=order
    )
    assert rows and rows == [tuple(r) for r in counted], key
