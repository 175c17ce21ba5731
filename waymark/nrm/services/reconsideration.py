"""Reconsideration of negative decisions (seed 002 rec 5d): requested through a first responder or
support provider within the window (or late with a reason), decided by someone other than the
original decision maker. Overturning makes a new draft decision and reopens the referral. Negative
decisions made under guidance since superseded may be offered reconsideration."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from waymark.core import clock
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import (
    Decision,
    DecisionStage,
    Reconsideration,
    ReconsiderationStatus,
    ReferralStatus,
)
from waymark.nrm.selectors.decisions import superseded_negative_decisions
from waymark.nrm.services._dcommon import (
    close_tasks,
    open_task,
    raise_errors,
    record,
    require,
    require_sees,
    text,
)
from waymark.nrm.services.decisions import OPEN_DECISION, decision_draft, outcomes_for
from waymark.nrm.workflows import RECONSIDERATION, REFERRAL

OFFERED_BY = "The competent authority (guidance superseded)"
NOT_OFFERABLE = (
    "Only a served negative decision made under superseded guidance, not yet "
    "reconsidered, can be offered reconsideration"
)


def _reconsiderable(errors: dict, decision: Decision) -> None:
    if decision.positive or decision.served_at is None:
        errors["decision"] = "Only a served negative decision can be reconsidered"
    elif decision.reconsiderations.filter(status=ReconsiderationStatus.REQUESTED).exists():
        errors["decision"] = "A reconsideration of this decision is already under way"


def _lock_decision(decision: Decision) -> None:
    """Lock the decision asked about: two requests (or offers) at once are made one after the
    other, and the second, checking again, finds the first."""
    Decision.objects.select_for_update().filter(pk=decision.pk).exists()


def _open_work(*, actor: Actor, item: Reconsideration) -> None:
    open_task(
        actor=actor,
        task_type="nrm.reconsider",
        kind="nrm-decisions",
        title=f"Reconsider the negative decision on {item.decision.referral.reference}",
        referral=item.decision.referral,
        subject=item,
        dedupe_key=f"nrm.reconsider:{item.pk}",
    )


def reconsideration_request(
    *,
    actor: Actor,
    decision: Decision,
    requester_type: str,
    requester_name: str,
    grounds: str,
    late_reason: str = "",
) -> Reconsideration:
    if actor is None or not (actor.has_perm(perms.VIEW) or actor.has_perm(perms.REFER)):
        raise PermissionDenied("Your role does not allow you to ask for a reconsideration")
    require_sees(actor, decision.referral)
    errors: dict[str, str] = {}
    if requester_type not in rules.RECONSIDERATION_REQUESTERS:
        errors["requester_type"] = "Select whether a first responder or support provider asks"
    requester_name = text(errors, "requester_name", requester_name, "Enter who is asking")
    grounds = text(errors, "grounds", grounds, "Enter the grounds for reconsideration")
    _reconsiderable(errors, decision)
    in_time = True
    if decision.served_at is not None:
        in_time = rules.reconsideration_in_time(
            served_on=decision.served_at.astimezone(clock.LONDON).date(),
            requested_on=clock.today(),
        )
    late_reason = (late_reason or "").strip()
    if not in_time and not late_reason:
        errors["late_reason"] = (
            f"The request is more than {rules.RECONSIDERATION_WINDOW_DAYS} days after the "
            "decision was served: enter the reason it is late"
        )
    raise_errors(errors)
    with transaction.atomic():
        _lock_decision(decision)
        errors = {}
        _reconsiderable(errors, decision)
        raise_errors(errors)
        item = Reconsideration.objects.create(
            decision=decision,
            requester_type=requester_type,
            requester_name=requester_name,
            grounds=grounds,
            requested_at=clock.now(),
            recorded_by=actor,
            in_time=in_time,
            late_reason=late_reason,
        )
        _open_work(actor=actor, item=item)
        record(
            actor=actor,
            verb="nrm.reconsideration_requested",
            target=item,
            referral=decision.referral,
            action=AuditAction.COLLECTION,
            summary="Reconsideration of a negative decision requested"
            + ("" if in_time else " (late)"),
            new={"requester_type": requester_type, "in_time": in_time},
        )
    return item


def reconsideration_offer(*, actor: Actor, decision: Decision) -> Reconsideration:
    """Offer reconsideration of a negative decision made under guidance since superseded."""
    require(actor, perms.DECIDE, "offer reconsideration")
    require_sees(actor, decision.referral)
    errors: dict[str, str] = {}
    if not superseded_negative_decisions().filter(pk=decision.pk).exists():
        errors["decision"] = NOT_OFFERABLE
    raise_errors(errors)
    with transaction.atomic():
        _lock_decision(decision)
        if not superseded_negative_decisions().filter(pk=decision.pk).exists():
            raise_errors({"decision": NOT_OFFERABLE})
        item = Reconsideration.objects.create(
            decision=decision,
            requester_type="",
            requester_name=OFFERED_BY,
            grounds=f"Made under {decision.guidance}, since superseded",
            requested_at=clock.now(),
            recorded_by=actor,
            offered_for_guidance=True,
        )
        _open_work(actor=actor, item=item)
        record(
            actor=actor,
            verb="nrm.reconsideration_offered",
            target=item,
            referral=decision.referral,
            action=AuditAction.COLLECTION,
            summary="Reconsideration offered: decision made under superseded guidance",
            new={"guidance": decision.guidance.code},
        )
    return item


def reconsideration_decide(
    *,
    actor: Actor,
    reconsideration: Reconsideration,
    upheld: bool,
    reasons: str,
    new_outcome: str = "",
) -> Reconsideration:
    """Uphold the decision, or overturn it: a new draft decision (``new_outcome``, by default the
    stage's first positive outcome) and the referral reopened."""
    require(actor, perms.DECIDE, "decide reconsiderations")
    decision = reconsideration.decision
    referral = decision.referral
    require_sees(actor, referral)
    if decision.decision_maker_id == actor.pk:  # type: ignore[union-attr]
        raise PermissionDenied(
            "A reconsideration is decided by someone other than the original decision maker"
        )
    errors: dict[str, str] = {}
    reasons = text(errors, "reasons", reasons, "Enter the reasons for the reconsideration")
    if upheld not in (True, False):
        errors["upheld"] = "Select whether the decision stands"
    if reconsideration.status != ReconsiderationStatus.REQUESTED:
        errors["reconsideration"] = "This reconsideration has already been decided"
    positives = [k for k in outcomes_for(decision.stage) if k in rules.POSITIVE_OUTCOMES]
    new_outcome = new_outcome or positives[0]
    if not upheld and new_outcome not in positives:
        errors["new_outcome"] = "Select the new (positive) outcome"
    if (
        not upheld
        and referral.decisions.filter(stage=decision.stage, status__in=OPEN_DECISION).exists()
    ):
        errors["reconsideration"] = "A decision at this stage is already in progress"
    raise_errors(errors)
    with transaction.atomic():
        # Read the reconsideration again under its lock: a second decision at the same moment
        # waits for the first and is refused, never overwrites it (or deadlocks with it).
        Reconsideration.objects.select_for_update().filter(pk=reconsideration.pk).exists()
        reconsideration.refresh_from_db()
        if reconsideration.status != ReconsiderationStatus.REQUESTED:
            raise_errors({"reconsideration": "This reconsideration has already been decided"})
        RECONSIDERATION.move(reconsideration, ReconsiderationStatus.DECIDED)
        reconsideration.upheld = upheld
        reconsideration.reasons = reasons
        reconsideration.decided_by = actor
        reconsideration.decided_at = clock.now()
        if not upheld:
            if referral.status == ReferralStatus.CONCLUDED:
                REFERRAL.move(
                    referral,
                    ReferralStatus.RECOVERY
                    if decision.stage == DecisionStage.RG
                    else ReferralStatus.CG_PENDING,
                )
                referral.outcome = ""
                referral.concluded_at = None
                referral.save()
            reconsideration.new_decision = decision_draft(
                actor=actor,
                referral=referral,
                stage=decision.stage,
                outcome=new_outcome,
                evidence_considered=f"{decision.evidence_considered}\n\n"
                f"Reconsideration: {reconsideration.grounds}",
                rationale=reasons,
                reconsideration_of=decision,
            )
        reconsideration.save()
        close_tasks(actor=actor, scope=f"nrm.reconsider:{reconsideration.pk}", outcome="decided")
        record(
            actor=actor,
            verb="nrm.reconsideration_decided",
            target=reconsideration,
            referral=referral,
            summary="Reconsideration decided: "
            + ("the decision stands" if upheld else "overturned, new decision drafted"),
            new={"upheld": upheld, "new_decision": reconsideration.new_decision_id},
        )
    return reconsideration
