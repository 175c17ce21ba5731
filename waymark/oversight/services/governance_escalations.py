"""Writes for a complaint taken further after its stage-1 response (issue 20 item 6): a stage-2
internal review, with its own 20-working-day target, allocated as a task to someone other than
the stage-1 handler and responded to with its outcome; then the Parliamentary and Health Service
Ombudsman, whose reference, finding and any remedy are recorded. Keyword-only, ``actor`` first,
permission checked, validated, one transaction, audited; refusals raise ``ValidationError`` (or
``PermissionDenied``) before anything is saved. Every status change goes through
``workflows.ESCALATION_WORKFLOW``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    Complaint,
    ComplaintEscalation,
    ComplaintOutcome,
    ComplaintStage,
    ComplaintStatus,
    EscalationStatus,
)
from waymark.oversight.services.governance_common import (
    _by,
    _end_of,
    _first_team,
    _not_future,
    _require,
    _staff,
    _text,
)
from waymark.oversight.workflows import ESCALATION_WORKFLOW

REVIEW_SCOPE = "oversight.complaint_review:{pk}"


def _audit(*, actor: Actor, verb: str, escalation: ComplaintEscalation, payload: dict) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.ALTERATION,
        verb=verb,
        target=escalation.complaint,
        person_id=escalation.complaint.person_id,
        payload={"escalation": escalation.pk, "stage": escalation.stage, **payload},
    )


def _not_before(day: date, earliest: date | None, field: str, what: str) -> None:
    if earliest is not None and day < earliest:
        raise ValidationError({field: f"It must be on or after {what} ({earliest:%-d %B %Y})"})


def complaint_review_request(
    *, actor: Actor, complaint: Complaint, requested_on: date | None, reason: str
) -> ComplaintEscalation:
    """The complainant asks for a stage-2 review of a complaint that has had its stage-1
    response; the review's target is ``rules.COMPLAINT_REVIEW_WORKING_DAYS`` working days from
    the request (the complaint's nation's bank holidays)."""
    _require(actor, perms.MANAGE_COMPLAINTS, "escalate complaints")
    requested_on = _not_future(requested_on, "requested_on", "the date the review was asked for")
    reason = _text(reason, "reason", "why the complainant is not satisfied")
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status != ComplaintStatus.RESPONDED:
            raise ValidationError(
                {"requested_on": "A review follows the stage-1 response: record that first"}
            )
        if locked.escalations.filter(stage=ComplaintStage.REVIEW).exists():
            raise ValidationError({"requested_on": "A stage-2 review has been asked for already"})
        _not_before(requested_on, locked.responded_on, "requested_on", "the stage-1 response")
        due_on = rules.complaint_due_on(
            requested_on, locked.nation, days=rules.COMPLAINT_REVIEW_WORKING_DAYS
        )
        escalation = ComplaintEscalation.objects.create(
            complaint=locked,
            stage=ComplaintStage.REVIEW,
            status=EscalationStatus.REQUESTED,
            requested_on=requested_on,
            reason=reason,
            due_on=due_on,
            recorded_at=clock.now(),
            recorded_by=_by(actor),
        )
        _audit(
            actor=actor,
            verb="oversight.complaint_review_requested",
            escalation=escalation,
            payload={
                "requested_on": requested_on.isoformat(),
                "due_on": due_on.isoformat(),
            },
        )
    return escalation


def complaint_review_allocate(
    *, actor: Actor, escalation: ComplaintEscalation, handler: Any
) -> ComplaintEscalation:
    """Give the review to a handler who did not handle stage 1: a task on their team's
    complaints queue, due at the end of the review's target date; reallocating completes the
    last reviewer's task."""
    from waymark.work import services as work

    _require(actor, perms.MANAGE_COMPLAINTS, "allocate complaint reviews")
    _staff(handler, "handler", "Select the member of staff who reviews the complaint")
    team = _first_team(handler)
    if team is None:
        raise ValidationError(
            {"handler": "This person belongs to no team, so the review cannot go on a queue"}
        )
    with transaction.atomic():
        locked = (
            ComplaintEscalation.objects.select_for_update()
            .select_related("complaint")
            .get(pk=escalation.pk)
        )
        if locked.stage != ComplaintStage.REVIEW or locked.status not in (
            EscalationStatus.REQUESTED,
            EscalationStatus.ALLOCATED,
        ):
            raise ValidationError({"handler": "This review is not waiting for a reviewer"})
        if handler.pk == locked.complaint.handler_id:
            raise ValidationError(
                {
                    "handler": "The review must be by someone other than the stage-1 handler "
                    f"({handler.get_full_name() or handler.username})"
                }
            )
        if handler.pk == locked.handler_id:
            raise ValidationError({"handler": "The review is allocated to this person already"})
        old = {"status": locked.status, "handler": locked.handler_id}
        ESCALATION_WORKFLOW.move(locked, EscalationStatus.ALLOCATED)
        now = clock.now()
        locked.handler, locked.allocated_at, locked.allocated_by = handler, now, _by(actor)
        locked.save(update_fields=["status", "handler", "allocated_at", "allocated_by"])
        scope = REVIEW_SCOPE.format(pk=locked.pk)
        work.tasks_close_for(
            actor=actor,
            dedupe_scope=scope,
            task_types=[rules.COMPLAINT_TASK_TYPE],
            outcome="reallocated",
        )
        assert locked.due_on is not None  # a review always has its target
        work.task_create(
            actor=actor,
            task_type=rules.COMPLAINT_TASK_TYPE,
            title=f"Review complaint {locked.complaint.reference} (stage 2)",
            subject=locked.complaint,
            queue=work.queue_for(team=team, kind=rules.COMPLAINT_QUEUE_KIND),
            description=f"Review asked for {locked.requested_on:%-d %B %Y}; respond by "
            f"{locked.due_on:%-d %B %Y} ({rules.COMPLAINT_REVIEW_WORKING_DAYS} working days).",
            start=_end_of(locked.due_on),
            dedupe_key=f"{scope}:{handler.pk}:{now:%Y%m%d%H%M%S%f}",
            assignee=handler,
        )
        _audit(
            actor=actor,
            verb="oversight.complaint_review_allocated",
            escalation=locked,
            payload={"old": old, "new": {"status": locked.status, "handler": handler.pk}},
        )
    return locked


def may_respond_review(user: Any, escalation: ComplaintEscalation) -> bool:
    """The reviewer responds; so may anyone who manages complaints, on their behalf."""
    return perms.may_respond_complaint(user, escalation)


def complaint_review_respond(
    *,
    actor: Actor,
    escalation: ComplaintEscalation,
    responded_on: date | None,
    outcome: str,
    response: str,
) -> ComplaintEscalation:
    """Record the review's response and outcome; the reviewer's task is completed."""
    from waymark.work import services as work

    escalation = ComplaintEscalation.objects.select_related("complaint").get(pk=escalation.pk)
    if actor is not None and not may_respond_review(actor, escalation):
        raise PermissionDenied("Only the reviewer, or someone who manages complaints")
    responded_on = _not_future(responded_on, "responded_on", "the date of the review's response")
    _not_before(responded_on, escalation.requested_on, "responded_on", "the review's request")
    if outcome not in ComplaintOutcome.values:
        raise ValidationError({"outcome": "Select whether the complaint was upheld on review"})
    response = _text(response, "response", "the review's response")
    with transaction.atomic():
        locked = (
            ComplaintEscalation.objects.select_for_update()
            .select_related("complaint")
            .get(pk=escalation.pk)
        )
        if locked.stage != ComplaintStage.REVIEW or locked.status != EscalationStatus.ALLOCATED:
            raise ValidationError(
                {"outcome": "Allocate the review to a reviewer before recording its response"}
                if locked.status == EscalationStatus.REQUESTED
                else {"outcome": "This review has been responded to already"}
            )
        ESCALATION_WORKFLOW.move(locked, EscalationStatus.RESPONDED)
        locked.responded_on, locked.outcome, locked.response = responded_on, outcome, response
        locked.responded_by = _by(actor)
        locked.save(update_fields=["status", "responded_on", "outcome", "response", "responded_by"])
        work.tasks_close_for(
            actor=actor,
            dedupe_scope=REVIEW_SCOPE.format(pk=locked.pk),
            task_types=[rules.COMPLAINT_TASK_TYPE],
            outcome="responded",
        )
        _audit(
            actor=actor,
            verb="oversight.complaint_review_responded",
            escalation=locked,
            payload={
                "outcome": outcome,
                "responded_on": responded_on.isoformat(),
                "on_time": locked.on_time,
            },
        )
    return locked


def complaint_ombudsman_refer(
    *, actor: Actor, complaint: Complaint, referred_on: date | None, reference: str
) -> ComplaintEscalation:
    """Record that the complainant took the complaint to the Ombudsman after the stage-2
    review's response, with the Ombudsman's reference."""
    _require(actor, perms.MANAGE_COMPLAINTS, "record Ombudsman referrals")
    referred_on = _not_future(referred_on, "referred_on", "the date the Ombudsman took it up")
    reference = _text(reference, "reference", "the Ombudsman's reference", limit=60)
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        review = locked.escalations.filter(stage=ComplaintStage.REVIEW).first()
        if review is None or review.status != EscalationStatus.RESPONDED:
            raise ValidationError(
                {"referred_on": "The Ombudsman considers a complaint after its stage-2 review"}
            )
        if locked.escalations.filter(stage=ComplaintStage.OMBUDSMAN).exists():
            raise ValidationError({"referred_on": "The Ombudsman referral is recorded already"})
        _not_before(referred_on, review.responded_on, "referred_on", "the review's response")
        escalation = ComplaintEscalation.objects.create(
            complaint=locked,
            stage=ComplaintStage.OMBUDSMAN,
            status=EscalationStatus.WITH_OMBUDSMAN,
            requested_on=referred_on,
            ombudsman_reference=reference,
            recorded_at=clock.now(),
            recorded_by=_by(actor),
        )
        _audit(
            actor=actor,
            verb="oversight.complaint_ombudsman_referred",
            escalation=escalation,
            payload={"referred_on": referred_on.isoformat(), "reference": reference},
        )
    return escalation


def complaint_ombudsman_decide(
    *,
    actor: Actor,
    escalation: ComplaintEscalation,
    decided_on: date | None,
    outcome: str,
    finding: str,
    remedy: str = "",
) -> ComplaintEscalation:
    """Record the Ombudsman's finding (upheld, partly upheld, not upheld) and any remedy they
    recommend; this closes the complaint's escalation."""
    _require(actor, perms.MANAGE_COMPLAINTS, "record the Ombudsman's finding")
    decided_on = _not_future(decided_on, "decided_on", "the date of the Ombudsman's finding")
    if outcome not in ComplaintOutcome.values:
        raise ValidationError({"outcome": "Select whether the Ombudsman upheld the complaint"})
    finding = _text(finding, "finding", "the Ombudsman's finding")
    remedy = _text(remedy, "remedy", "the remedy", required=False)
    with transaction.atomic():
        locked = (
            ComplaintEscalation.objects.select_for_update()
            .select_related("complaint")
            .get(pk=escalation.pk)
        )
        if locked.stage != ComplaintStage.OMBUDSMAN or locked.status != (
            EscalationStatus.WITH_OMBUDSMAN
        ):
            raise ValidationError({"outcome": "The Ombudsman's finding is recorded already"})
        _not_before(decided_on, locked.requested_on, "decided_on", "the referral")
        ESCALATION_WORKFLOW.move(locked, EscalationStatus.DECIDED)
        locked.responded_on, locked.outcome = decided_on, outcome
        locked.response, locked.remedy, locked.responded_by = finding, remedy, _by(actor)
        locked.save(
            update_fields=[
                "status",
                "responded_on",
                "outcome",
                "response",
                "remedy",
                "responded_by",
            ]
        )
        _audit(
            actor=actor,
            verb="oversight.complaint_ombudsman_decided",
            escalation=locked,
            payload={"outcome": outcome, "decided_on": decided_on.isoformat()},
        )
    return locked
