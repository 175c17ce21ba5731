"""Criminal casework's fairness decision points (issue 20 item 5): registered with the platform,
and each row function returning one row per decision in the period with the right outcome."""

from __future__ import annotations

from datetime import time, timedelta

from waymark.casework.models import (
    AbsconderDeclaration,
    DetentionRequest,
    GatekeepingDecision,
    NonCompliance,
    ReportingEvent,
)
from waymark.casework.selectors import fairness
from waymark.casework.tests.conftest import person_make
from waymark.core import clock
from waymark.core.fairness import decision_point


def test_the_decision_points_are_registered():
    for key in ("casework.absconder_declaration", "casework.detention"):
        point = decision_point(key)
        assert point is not None and point.module == "casework", key


def _non_compliance(person, centre, *, days_ago=0):
    event = ReportingEvent.objects.create(
        person=person,
        centre=centre,
        due_on=clock.today() - timedelta(days=days_ago + 1),
        window_start=time(10, 0),
        window_minutes=60,
    )
    return NonCompliance.objects.create(
        person=person, event=event, band=2, opened_at=clock.now() - timedelta(days=days_ago)
    )


def test_absconder_rows_are_non_compliance_and_whether_it_ended_in_a_declaration(
    frozen, teams, owner
):
    person = person_make(teams["owning"], owner)
    declared = _non_compliance(person, teams["centre"])
    _non_compliance(person, teams["centre"], days_ago=1)  # contact restored or still open
    _non_compliance(person, teams["centre"], days_ago=400)  # outside the period
    AbsconderDeclaration.objects.create(
        person=person,
        non_compliance=declared,
        declared_at=clock.now(),
        declared_by=owner,
        steps_taken={},
        consecutive_missed=2,
        out_of_contact_days=10,
        reasons="Not found at any address",
    )
    _queryset_agrees(
        "casework.absconder_declaration", clock.today() - timedelta(days=30), clock.today()
    )
    rows = fairness.absconder_declaration_rows(clock.today() - timedelta(days=30), clock.today())
    assert sorted(r.outcome for r in rows) == [False, True]
    assert {(r.person_id, r.team_id) for r in rows} == {(person.pk, teams["owning"].pk)}


def test_detention_rows_are_decided_requests_and_whether_accepted(frozen, teams, owner):
    person = person_make(teams["owning"], owner)
    for decision, reason in (
        (GatekeepingDecision.ACCEPTED, ""),
        (GatekeepingDecision.REJECTED, "no_realistic_prospect"),
        (GatekeepingDecision.PENDING, ""),
    ):
        DetentionRequest.objects.create(
            person=person,
            requested_by=owner,
            requested_at=clock.now(),
            grounds="Risk of absconding",
            decision=decision,
            rejection_reason=reason,
            decided_at=None if decision == GatekeepingDecision.PENDING else clock.now(),
        )
    _queryset_agrees("casework.detention", clock.today(), clock.today())
    rows = fairness.detention_rows(clock.today(), clock.today())
    assert sorted(r.outcome for r in rows) == [False, True]


def test_detention_counted_in_the_database_agrees_with_the_rows(frozen, teams, owner, monkeypatch):
    """The QuerySet path (used at volume) and the rows path give the same table, for every
    breakdown, protected characteristics included."""
    from dataclasses import replace

    from waymark.core import fairness as core_fairness
    from waymark.oversight.selectors.fairness import DIMENSIONS, fairness_table
    from waymark.people import services as people_services

    people = []
    for i, nationality in enumerate(["JAM"] * 14 + ["ALB"] * 12 + ["NGA"] * 3):
        p = person_make(teams["owning"] if i % 3 else teams["leeds"], owner, family_name=f"F{i}")
        if i % 2:
            people_services.protected_characteristics_record(
                actor=None, person=p, ethnicity="Black"
            )
        people.append((p, nationality))
    from waymark.people.models import PersonNationality

    for p, nationality in people:  # the record's first nationality is the one each group means
        PersonNationality.objects.filter(person=p).update(country=nationality)
    for i, (p, _) in enumerate(people):
        DetentionRequest.objects.create(
            person=p,
            requested_by=owner,
            requested_at=clock.now(),
            grounds="Risk of absconding",
            decision=GatekeepingDecision.ACCEPTED if i % 4 else GatekeepingDecision.REJECTED,
            rejection_reason="" if i % 4 else "no_realistic_prospect",
            decided_at=clock.now(),
        )
    point = decision_point("casework.detention")
    assert point.queryset_fn is not None
    start, end = clock.today() - timedelta(days=1), clock.today()
    for dimension in ("team", "nationality", "vulnerability", "ethnicity"):
        assert dimension in DIMENSIONS
        in_db = fairness_table(
            actor=None, point_key=point.key, dimension_key=dimension, start=start, end=end
        )
        monkeypatch.setitem(core_fairness._POINTS, point.key, replace(point, queryset_fn=None))
        in_python = fairness_table(
            actor=None, point_key=point.key, dimension_key=dimension, start=start, end=end
        )
        monkeypatch.setitem(core_fairness._POINTS, point.key, point)
        shape = [(g.key, g.count, g.outcomes, g.ratio, g.flagged) for g in in_db.groups]
        assert shape == [(g.key, g.count, g.outcomes, g.ratio, g.flagged) for g in in_python.groups]
        assert in_db.decisions == in_python.decisions == len(people)


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
