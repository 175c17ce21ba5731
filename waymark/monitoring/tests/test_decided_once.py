"""A breach's explanation is decided once and its ladder step applied once, when two people act
at the same moment (a double-submitted confirmation, two managers on one breach). Without the
person's breach lock both decisions were saved, the second silently overwriting the first with
two audit entries each claiming the decision; two applications of the ladder both generated a
letter and the second failed in the database (an error page). Now the second waits for the
first and is refused with the reason. A pause after each writer's audit entry, before it
commits, makes the overlap happen every time (PostgreSQL, real threads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.documents.models import Document
from waymark.monitoring import services
from waymark.monitoring.models import Breach, LadderAction, Mitigation
from waymark.monitoring.services import breaches
from waymark.monitoring.tests.conftest import (
    NOW,
    em_person,
    em_reference_data,
    em_user,
    fitted_make,
)

pytestmark = [
    *WRITERS_AT_ONCE,
]


def _paused_record(monkeypatch):
    pause_after(monkeypatch, breaches, "_record")


def _breach():
    hub = em_reference_data()
    caseworker = em_user("em_caseworker", hub)
    person = em_person(hub)
    fitted_make(caseworker, person, fitted_at=NOW - timedelta(days=10))
    with clock.frozen(NOW), transaction.atomic():
        breach = services.breach_ingest(
            event=None,
            person=person,
            breach_type="full_curfew",
            started_at=NOW - timedelta(hours=3),
            ended_at=NOW - timedelta(hours=2),
        )
    return hub, caseworker, breach


def test_two_decisions_on_one_explanation_at_once_store_one(monkeypatch):
    hub, caseworker, breach = _breach()
    other = em_user("em_caseworker", hub)
    with clock.frozen(NOW):
        mitigation = services.mitigation_record(
            actor=caseworker,
            breach=breach,
            given_by="person",
            explanation="I was in hospital",
            received_on=clock.today(),
        )
    _paused_record(monkeypatch)

    def decide(actor, decision):
        def work():
            services.mitigation_decide(
                actor=actor,
                mitigation=Mitigation.objects.select_related("breach").get(pk=mitigation.pk),
                decision=decision,
                reasons=f"{decision}: letter from the hospital read",
                communicated_on=clock.today(),
                method="Phone call",
            )

        return work

    errors = run_at_once([decide(caseworker, "accepted"), decide(other, "rejected")], at=NOW)
    assert len(errors) == 1, errors
    assert "already been decided" in errors[0]
    mitigation.refresh_from_db()
    decided = AuditEvent.objects.filter(verb="em.mitigation_decided", target_id=mitigation.pk)
    assert decided.count() == 1
    assert decided.get().payload["new"]["decision"] == mitigation.decision


def test_the_ladder_applied_twice_at_once_is_applied_once_and_the_second_told_why(monkeypatch):
    _, caseworker, breach = _breach()
    _paused_record(monkeypatch)

    def apply():
        services.ladder_apply(actor=caseworker, breach=Breach.objects.get(pk=breach.pk))

    errors = run_at_once([apply, apply], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already been applied" in errors[0]
    assert LadderAction.objects.filter(breach=breach).count() == 1
    assert Document.objects.filter(person=breach.person).count() == 1
    assert AuditEvent.objects.filter(verb="em.ladder_applied").count() == 1


def test_refusals_inside_the_lock_still_refuse_alone():
    """The checks moved inside the transaction refuse as before when nothing is concurrent."""
    _, caseworker, breach = _breach()
    with clock.frozen(NOW):
        services.ladder_apply(actor=caseworker, breach=breach)
        with pytest.raises(ValidationError, match="already been applied"):
            services.ladder_apply(actor=caseworker, breach=breach)
