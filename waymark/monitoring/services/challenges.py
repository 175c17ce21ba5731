"""Representations, pre-action letters and judicial reviews against EM (brief monitoring §4)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.monitoring import rules
from waymark.monitoring.models import (
    Challenge,
    ChallengeKind,
    ChallengeOutcome,
)
from waymark.monitoring.permissions import (
    MANAGE_EM,
)
from waymark.monitoring.services._common import (
    _current_condition,
    _record,
    _require,
    _required_text,
    _task_close,
    _user,
)
from waymark.people.models import Person
from waymark.work import services as work


def challenge_record(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    received_on: date,
    from_party: str,
    summary: str,
    is_complaint: bool = False,
    court_deadline: datetime | None = None,
) -> Challenge:
    """Representations, pre-action letters (14 days) and judicial reviews (court's deadline)."""
    _require(actor, MANAGE_EM, "record a challenge")
    errors: dict[str, str] = {}
    if kind not in ChallengeKind.values:
        errors["kind"] = "Select what kind of challenge this is"
    from_party = _required_text(errors, "from_party", from_party, "Enter who it is from")
    summary = _required_text(errors, "summary", summary, "Enter a summary")
    if received_on is None or received_on > clock.today():
        errors["received_on"] = "Enter the date it was received, today or in the past"
    if kind == ChallengeKind.JUDICIAL_REVIEW and court_deadline is None:
        errors["court_deadline"] = "Enter the court's deadline for the response"
    if errors:
        raise ValidationError(errors)
    received_at = datetime.combine(received_on, time(9, 0), tzinfo=LONDON)
    intake: dict[str, tuple[str, datetime | None, str]] = {
        ChallengeKind.REPRESENTATION: (
            rules.TASK_REPRESENTATIONS,
            received_at,
            "5 working days (general standard)",
        ),
        ChallengeKind.PRE_ACTION: (
            rules.TASK_PRE_ACTION,
            received_at,
            f"{rules.PRE_ACTION_DAYS} days (Pre-Action Protocol)",
        ),
        ChallengeKind.JUDICIAL_REVIEW: (
            rules.TASK_JUDICIAL_REVIEW,
            court_deadline,
            "The court's deadline",
        ),
    }
    task_type, start, basis = intake[kind]
    with transaction.atomic():
        challenge = Challenge(
            person=person,
            condition=_current_condition(person),
            kind=kind,
            received_on=received_on,
            from_party=from_party,
            summary=summary,
            is_complaint=is_complaint,
            deadline_basis=basis,
            recorded_by=_user(actor),
            recorded_at=clock.now(),
            due_at=received_at,
        )
        challenge.save()
        challenge.task = work.task_create(
            actor=actor,
            task_type=task_type,
            title=f"{challenge.get_kind_display()}: {person.full_name}",
            person=person,
            subject=challenge,
            start=start,
            dedupe_key=f"em-challenge-{challenge.pk}",
        )
        if challenge.task.due_at is not None:  # every challenge's task type has a deadline rule
            challenge.due_at = challenge.task.due_at
        challenge.save(update_fields=["task", "due_at"])
        _record(
            actor=actor,
            verb="em.challenge_received",
            target=challenge,
            person=person,
            summary=f"{challenge.get_kind_display()} received from {from_party}"
            + (" (a complaint)" if is_complaint else ""),
            new={"kind": kind, "due_at": challenge.due_at, "is_complaint": is_complaint},
        )
    return challenge


def challenge_respond(
    *, actor: Actor, challenge: Challenge, outcome: str, reasons: str
) -> Challenge:
    _require(actor, MANAGE_EM, "respond to a challenge")
    errors: dict[str, str] = {}
    if challenge.outcome:
        errors["outcome"] = "This has already been answered"
    if outcome not in ChallengeOutcome.values or not outcome:
        errors["outcome"] = "Select the outcome"
    reasons = _required_text(errors, "reasons", reasons, "Enter the reasons for the outcome")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Answered once: a second answer at the same moment waits for the first (the row lock)
        # and is refused rather than overwriting it.
        if Challenge.objects.select_for_update().get(pk=challenge.pk).outcome:
            raise ValidationError({"outcome": "This has already been answered"})
        challenge.outcome, challenge.outcome_reasons, challenge.responded_at = (
            outcome,
            reasons,
            clock.now(),
        )
        challenge.save(update_fields=["outcome", "outcome_reasons", "responded_at"])
        _task_close(actor=actor, task=challenge.task, outcome=outcome)
        _record(
            actor=actor,
            verb="em.challenge_answered",
            target=challenge,
            person=challenge.person,
            summary=f"{challenge.get_kind_display()}: {challenge.get_outcome_display()}",
            new={"outcome": outcome, "reasons": reasons},
            action=AuditAction.ALTERATION,
        )
    return challenge
