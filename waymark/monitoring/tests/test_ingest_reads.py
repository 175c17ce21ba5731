"""The ingest path's reads written once (PostgreSQL): each gives what the ORM's query gave, in
every case that query distinguishes. The ORM's queries are kept here as the reference."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from waymark.core import clock
from waymark.monitoring import models as m
from waymark.monitoring import rules
from waymark.monitoring.services import breaches, supplier_events
from waymark.monitoring.tests.conftest import condition_make, em_person, fitted_make
from waymark.people.models import Person
from waymark.people.services import person_merge

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the statements written once run on PostgreSQL (elsewhere the ORM's query runs)",
    ),
]


def _orm_condition(person):
    found = (
        m.Condition.objects.filter(person=person)
        .exclude(status=m.ConditionStatus.CEASED)
        .annotate(
            breach_since_fitting=Exists(
                m.Breach.objects.filter(person=person, started_at__gte=OuterRef("fitted_at"))
            )
        )
        .order_by("-decided_at")
        .first()
    )
    return found, bool(getattr(found, "breach_since_fitting", False))


def _orm_count(person) -> int:
    breaches_n = (
        m.Breach.objects.filter(person=OuterRef("pk"), disposition=m.BreachDisposition.ACTIONABLE)
        .exclude(mitigations__decision=m.MitigationDecision.ACCEPTED)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    violations = (
        m.AccumulatedViolation.objects.filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    b, v = (
        Person._base_manager.filter(pk=person.pk)
        .annotate(
            b=Coalesce(Subquery(breaches_n), Value(0)),
            v=Coalesce(Subquery(violations), Value(0)),
        )
        .values_list("b", "v")
        .get()
    )
    return b + v


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _same_condition(person) -> tuple:
    got, since = breaches._condition_current(person)
    want, want_since = _orm_condition(person)
    assert (got is None) == (want is None)
    if want is not None:
        assert type(got) is m.Condition and _values(got) == _values(want)
        assert not got._state.adding
    assert since == want_since
    return got, since


def _breach(person, breach_type="strap_tamper", hours_ago=1):
    return breaches.breach_ingest(
        event=None,
        person=person,
        breach_type=breach_type,
        started_at=clock.now() - timedelta(hours=hours_ago),
        ended_at=clock.now() - timedelta(hours=hours_ago) + timedelta(minutes=30),
    )


def test_the_current_condition_read_is_the_orm_read(frozen, caseworker, hub):
    person = em_person(hub, family_name="Nocondition")
    assert _same_condition(person) == (None, False)  # no condition at all
    condition = condition_make(caseworker, person)  # imposed, not fitted
    assert _same_condition(person)[0].pk == condition.pk
    fitted_person = em_person(hub, family_name="Fitted")
    fitted = fitted_make(caseworker, fitted_person, fitted_at=clock.now() - timedelta(days=2))
    got, since = _same_condition(fitted_person)
    assert got.pk == fitted.pk and not since  # fitted, no breach since
    _breach(fitted_person, hours_ago=72)  # before the fitting: still none since
    assert not _same_condition(fitted_person)[1]
    _breach(fitted_person, hours_ago=1)
    assert _same_condition(fitted_person)[1]  # a breach since the fitting
    m.Condition.objects.filter(pk=fitted.pk).update(status=m.ConditionStatus.CEASED)
    assert _same_condition(fitted_person) == (None, False)  # ceased: not current


def test_the_actionable_count_is_the_orm_count(frozen, caseworker, hub):
    person = em_person(hub, family_name="Counted")
    other = em_person(hub, family_name="Other")
    fitted_make(caseworker, person)
    fitted_make(caseworker, other)
    assert breaches._actionable_count(person) == _orm_count(person) == 0
    first, second, third = (_breach(person, hours_ago=h) for h in (5, 4, 3))
    _breach(other)  # another person's: not counted
    assert breaches._actionable_count(person) == _orm_count(person) == 3
    for breach, decision in [
        (first, m.MitigationDecision.ACCEPTED),  # no longer counted
        (second, m.MitigationDecision.REJECTED),  # still counted
    ]:
        m.Mitigation.objects.create(
            breach=breach,
            received_on=clock.today(),
            given_by="person",
            explanation="Explained",
            decision=decision,
            recorded_at=clock.now(),
        )
    m.Mitigation.objects.create(  # undecided: still counted
        breach=third,
        received_on=clock.today(),
        given_by="person",
        explanation="Explained",
        recorded_at=clock.now(),
    )
    assert breaches._actionable_count(person) == _orm_count(person) == 2
    _breach(person, breach_type=rules.BATTERY, hours_ago=2)  # battery: not actionable alone
    assert breaches._actionable_count(person) == _orm_count(person) == 2
    m.AccumulatedViolation.objects.create(
        person=person,
        window_start=clock.now() - timedelta(days=3),
        window_end=clock.now(),
        total_seconds=13 * 3600,
        raised_at=clock.now(),
    )
    assert breaches._actionable_count(person) == _orm_count(person) == 3


def test_the_person_a_supplier_names_is_the_survivor_of_a_merge(frozen, caseworker, hub):
    survivor = em_person(hub, family_name="Survivor")
    merged = em_person(hub, family_name="Merged")
    assert supplier_events.person_by_reference(merged.reference).pk == merged.pk
    person_merge(actor=None, survivor=survivor, merged=merged, reason="The same person")
    found = supplier_events.person_by_reference(merged.reference)
    assert _values(found) == _values(Person.objects.get(pk=survivor.pk))
    with pytest.raises(ValidationError, match="No person with the reference"):
        supplier_events.person_by_reference("NOT-A-REFERENCE")


def test_the_pending_battery_breaches_are_the_orm_s_in_its_order(frozen, caseworker, hub):
    person = em_person(hub, family_name="Battery")
    fitted_make(caseworker, person, fitted_at=clock.now() - timedelta(days=3))
    for hours in (30, 5, 20, 5):  # two starting at the same moment: ordered by id
        _breach(person, breach_type=rules.BATTERY, hours_ago=hours)
    _breach(person, hours_ago=2)  # not battery
    m.Breach.objects.create(  # battery, not ended: not pending
        person=person,
        breach_type=rules.BATTERY,
        started_at=clock.now() - timedelta(hours=1),
        received_at=clock.now(),
        disposition=m.BreachDisposition.BATTERY_BELOW,
    )
    got = breaches._battery_pending_locked(person)
    want = list(
        m.Breach.objects.filter(
            person=person,
            breach_type=rules.BATTERY,
            disposition=m.BreachDisposition.BATTERY_BELOW,
            ended_at__isnull=False,
        ).order_by("started_at", "pk")
    )
    assert [_values(b) for b in got] == [_values(b) for b in want]
    assert len(got) == 4
