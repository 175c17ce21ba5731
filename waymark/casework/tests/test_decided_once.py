"""Further submissions are decided once and a barrier cleared once, when two people act at the same
moment (a double-submitted form, two caseworkers on one case). Without a lock on the row and a
re-check inside the transaction both passed the check made before it: the second overwrote the
first, with two audit entries each claiming the decision. Now the second waits for the first and
is refused with the reason. A pause after each writer's audit entry, before it commits, makes the
overlap happen every time (PostgreSQL, real threads)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.casework import services
from waymark.casework.models import Barrier, FurtherSubmission
from waymark.casework.services import barriers
from waymark.casework.tests.conftest import (
    NOW,
    TODAY,
    casework_reference_data,
    person_make,
    user_make,
)
from waymark.core import clock
from waymark.core.models import AuditEvent

pytestmark = [
    *WRITERS_AT_ONCE,
]


def _paused_record(monkeypatch):
    pause_after(monkeypatch, barriers, "_record")


def _setting():
    teams = casework_reference_data()
    owner = user_make("case_owner", teams["owning"])
    other = user_make("case_owner", teams["owning"])
    return owner, other, person_make(teams["owning"], owner)


def test_two_decisions_on_one_further_submission_at_once_store_one(monkeypatch):
    owner, other, person = _setting()
    with clock.frozen(NOW):
        submission = services.further_submission_record(
            actor=owner,
            person=person,
            received_on=TODAY,
            grounds=["protection"],
            summary="New claim",
        )
    _paused_record(monkeypatch)

    def decide(actor, decision):
        def work():
            services.further_submission_decide(
                actor=actor,
                submission=FurtherSubmission.objects.get(pk=submission.pk),
                decision=decision,
            )

        return work

    errors = run_at_once([decide(owner, "rejected"), decide(other, "fresh_claim")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already decided" in errors[0]
    submission.refresh_from_db()
    decided = AuditEvent.objects.filter(
        verb="casework.further_submission_decided", target_id=submission.pk
    )
    assert decided.count() == 1
    assert decided.get().payload["new"]["decision"] == submission.decision


def test_a_barrier_cleared_twice_at_once_is_cleared_once(monkeypatch):
    owner, other, person = _setting()
    with clock.frozen(NOW):
        barrier = services.barrier_add(
            actor=owner, person=person, barrier_type="appeal", started_on=TODAY, owner=owner
        )
    _paused_record(monkeypatch)

    def clear(actor, note):
        def work():
            services.barrier_clear(
                actor=actor,
                barrier=Barrier.objects.get(pk=barrier.pk),
                cleared_on=TODAY,
                note=note,
            )

        return work

    errors = run_at_once([clear(owner, "Appeal dismissed"), clear(other, "Withdrawn")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already cleared" in errors[0]
    barrier.refresh_from_db()
    cleared = AuditEvent.objects.filter(verb="casework.barrier_cleared", target_id=barrier.pk)
    assert cleared.count() == 1
    assert cleared.get().payload["new"]["note"] == barrier.cleared_note


def test_refusals_inside_the_lock_still_refuse_alone():
    """The checks repeated inside the transaction refuse as before when nothing is concurrent."""
    owner, _, person = _setting()
    with clock.frozen(NOW):
        submission = services.further_submission_record(
            actor=owner,
            person=person,
            received_on=TODAY,
            grounds=["protection"],
            summary="New claim",
        )
        services.further_submission_decide(actor=owner, submission=submission, decision="granted")
        with pytest.raises(ValidationError, match="already decided"):
            services.further_submission_decide(
                actor=owner, submission=submission, decision="rejected"
            )
