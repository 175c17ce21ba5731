"""The EM Hub's fairness decision points (issue 20 item 5): registered with the platform, and each
row function returning one row per decision in the period with the right outcome."""

from __future__ import annotations

from datetime import timedelta

from waymark.core import clock
from waymark.core.fairness import decision_point
from waymark.monitoring.models import (
    Breach,
    BreachDisposition,
    Exemption,
    LadderAction,
    Review,
    ReviewOutcome,
    ReviewStatus,
)
from waymark.monitoring.selectors import fairness
from waymark.monitoring.tests.conftest import condition_make, em_person


def test_the_decision_points_are_registered():
    for key in (
        "monitoring.breach_escalation",
        "monitoring.breach_prosecution",
        "monitoring.em_imposition",
        "monitoring.em_removal",
    ):
        point = decision_point(key)
        assert point is not None and point.module == "monitoring", key


def _breach(person, *, at, disposition=BreachDisposition.ACTIONABLE):
    return Breach.objects.create(
        person=person,
        breach_type="full_curfew",
        started_at=at,
        received_at=at,
        disposition=disposition,
    )


def test_breach_rows_count_actionable_breaches_and_their_escalation(frozen, caseworker, hub):
    person = em_person(hub)
    now = clock.now()
    warned = _breach(person, at=now)
    prosecuted = _breach(person, at=now)
    _breach(person, at=now)  # not escalated
    _breach(person, at=now, disposition=BreachDisposition.BATTERY_BELOW)  # not actionable
    _breach(person, at=now - timedelta(days=400))  # outside the period
    LadderAction.objects.create(
        person=person, breach=warned, step=1, step_key="warning", applied_at=now
    )
    LadderAction.objects.create(
        person=person, breach=prosecuted, step=3, step_key="prosecution", applied_at=now
    )
    start, end = clock.today() - timedelta(days=30), clock.today()
    rows = fairness.breach_escalation_rows(start, end)
    assert sorted(r.outcome for r in rows) == [False, True, True]
    assert {(r.person_id, r.team_id, r.on) for r in rows} == {(person.pk, hub.pk, clock.today())}
    _queryset_agrees("monitoring.breach_escalation", start, end)
    _queryset_agrees("monitoring.breach_prosecution", start, end)
    rows = fairness.breach_prosecution_rows(start, end)
    assert sorted(r.outcome for r in rows) == [False, False, True]


def test_imposition_rows_are_conditions_against_exemptions(frozen, caseworker, hub):
    imposed = em_person(hub)
    condition_make(caseworker, imposed)
    exempt = em_person(hub, family_name="Berisha")
    Exemption.objects.create(
        person=exempt,
        ground="impractical",
        reasons="r",
        evidence="e",
        decided_by=caseworker,
        decided_on=clock.today(),
        recorded_at=clock.now(),
    )
    rows = fairness.em_imposition_rows(clock.today() - timedelta(days=1), clock.today())
    assert sorted((r.person_id, r.outcome) for r in rows) == sorted(
        [(imposed.pk, True), (exempt.pk, False)]
    )


def test_removal_rows_are_completed_reviews_ceasing_em(frozen, caseworker, hub):
    person = em_person(hub)
    condition = condition_make(caseworker, person)
    for i, outcome in enumerate([ReviewOutcome.CEASE, ReviewOutcome.CONTINUE]):
        Review.objects.create(
            person=person,
            condition=condition,
            due_on=clock.today() + timedelta(days=i),
            status=ReviewStatus.COMPLETED,
            outcome=outcome,
            decided_at=clock.now(),
            created_at=clock.now(),
        )
    Review.objects.create(
        person=person,
        condition=condition,
        due_on=clock.today() + timedelta(days=5),
        created_at=clock.now(),
    )  # due, not decided
    _queryset_agrees("monitoring.em_removal", clock.today(), clock.today())
    rows = fairness.em_removal_rows(clock.today(), clock.today())
    assert sorted(r.outcome for r in rows) == [False, True]


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
