"""An EM review is decided once, a challenge answered once and an exemption withdrawn once, when
two people act at the same moment (a double-submitted form, two caseworkers on one record).
Without a lock on the row and a re-check inside the transaction both passed the check made before
it: the second overwrote the first (two audit entries each claiming the decision) or failed on
the closed task with a message that is not the reason. Now the second waits for the first and is
refused with the reason. A pause after each writer's audit entry, before it commits, makes the
overlap happen every time (PostgreSQL, real threads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.concurrency import WRITERS_AT_ONCE, pause_after, run_at_once
from waymark.accounts.models import Grade
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.monitoring import services
from waymark.monitoring.models import (
    Challenge,
    ChallengeKind,
    Exemption,
    Review,
    ReviewOutcome,
    ReviewStatus,
)
from waymark.monitoring.services import challenges, conditions, reviews
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

REASONS = {
    "reasons_vulnerability": "None known",
    "reasons_medical": "No evidence",
    "reasons_convention_rights": "Article 8 considered",
    "reasons_harm": "High harm",
}


def _paused_record(monkeypatch, module):
    pause_after(monkeypatch, module, "_record")


def _setting():
    hub = em_reference_data()
    return hub, em_user("em_caseworker", hub), em_user("em_caseworker", hub), em_person(hub)


def test_two_decisions_on_one_review_at_once_store_one(monkeypatch):
    _, caseworker, other, person = _setting()
    with clock.frozen(NOW - timedelta(days=85)):
        fitted_make(caseworker, person)
    with clock.frozen(NOW):
        services.reviews_schedule()
    review = Review.objects.get()
    _paused_record(monkeypatch, reviews)

    def decide(actor, note):
        def work():
            services.review_decide(
                actor=actor,
                review=Review.objects.get(pk=review.pk),
                outcome=ReviewOutcome.CONTINUE,
                **{**REASONS, "reasons_harm": note},
            )

        return work

    errors = run_at_once([decide(caseworker, "First"), decide(other, "Second")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already been decided" in errors[0]
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED
    decided = AuditEvent.objects.filter(verb="em.review_decided", target_id=review.pk)
    assert decided.count() == 1
    assert decided.get().payload["new"]["reasons_harm"] == review.reasons_harm
    assert decided.get().actor_id == review.decided_by_id


def test_two_sign_offs_of_one_review_at_once_store_one(monkeypatch):
    hub, caseworker, _, person = _setting()
    seniors = [em_user("em_caseworker", hub, grade=Grade.HEO) for _ in range(2)]
    with clock.frozen(NOW - timedelta(days=85)):
        fitted_make(caseworker, person)
    with clock.frozen(NOW):
        services.reviews_schedule()
        review = Review.objects.get()
        services.review_decide(
            actor=caseworker, review=review, outcome=ReviewOutcome.CEASE, **REASONS
        )
    _paused_record(monkeypatch, reviews)

    def sign_off(actor, agree):
        def work():
            services.review_sign_off(
                actor=actor,
                review=Review.objects.get(pk=review.pk),
                agree=agree,
                note="" if agree else "Curfew still needed",
            )

        return work

    errors = run_at_once([sign_off(seniors[0], True), sign_off(seniors[1], False)], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "not awaiting sign-off" in errors[0]
    review.refresh_from_db()
    verbs = ["em.review_signed_off", "em.review_returned"]
    signed = AuditEvent.objects.filter(verb__in=verbs, target_id=review.pk)
    assert signed.count() == 1
    assert review.status == (
        ReviewStatus.COMPLETED if signed.get().verb == verbs[0] else ReviewStatus.DUE
    )


def test_two_answers_to_one_challenge_at_once_store_one(monkeypatch):
    _, caseworker, other, person = _setting()
    with clock.frozen(NOW):
        fitted_make(caseworker, person)
        challenge = services.challenge_record(
            actor=caseworker,
            person=person,
            kind=ChallengeKind.REPRESENTATION,
            received_on=clock.today(),
            from_party="Person",
            summary="Unfair",
        )
    _paused_record(monkeypatch, challenges)

    def answer(actor, outcome):
        def work():
            services.challenge_respond(
                actor=actor,
                challenge=Challenge.objects.get(pk=challenge.pk),
                outcome=outcome,
                reasons=f"{outcome}: considered",
            )

        return work

    errors = run_at_once(
        [answer(caseworker, "curfew_removed"), answer(other, "maintained")], at=NOW
    )
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already been answered" in errors[0]
    challenge.refresh_from_db()
    answered = AuditEvent.objects.filter(verb="em.challenge_answered", target_id=challenge.pk)
    assert answered.count() == 1
    assert answered.get().payload["new"]["outcome"] == challenge.outcome


def test_an_exemption_withdrawn_twice_at_once_is_withdrawn_once(monkeypatch):
    _, caseworker, other, person = _setting()
    with clock.frozen(NOW):
        exemption = services.exemption_decide(
            actor=caseworker,
            person=person,
            ground="impractical",
            reasons="Bedbound",
            evidence="GP letter",
            decided_on=clock.today(),
        )
    _paused_record(monkeypatch, conditions)

    def withdraw(actor, reason):
        def work():
            services.exemption_withdraw(
                actor=actor, exemption=Exemption.objects.get(pk=exemption.pk), reason=reason
            )

        return work

    errors = run_at_once([withdraw(caseworker, "Recovered"), withdraw(other, "Moved")], at=NOW)
    assert len(errors) == 1, errors
    assert errors[0].startswith("ValidationError(") and "already been withdrawn" in errors[0]
    exemption.refresh_from_db()
    withdrawn = AuditEvent.objects.filter(verb="em.exemption_withdrawn", target_id=exemption.pk)
    assert withdrawn.count() == 1
    assert withdrawn.get().payload["new"]["reason"] == exemption.withdrawn_reason


def test_refusals_inside_the_lock_still_refuse_alone():
    """The checks repeated inside the transaction refuse as before when nothing is concurrent."""
    _, caseworker, _, person = _setting()
    with clock.frozen(NOW):
        exemption = services.exemption_decide(
            actor=caseworker,
            person=person,
            ground="impractical",
            reasons="Bedbound",
            evidence="GP letter",
            decided_on=clock.today(),
        )
        services.exemption_withdraw(actor=caseworker, exemption=exemption, reason="Recovered")
        with pytest.raises(ValidationError, match="already been withdrawn"):
            services.exemption_withdraw(actor=caseworker, exemption=exemption, reason="Again")
