"""The second pair of eyes (seed 002 rec 6): a technical specialist agrees or disagrees with every
negative decision before it is served; a manager may authorise urgent service, which leaves the
check open (and its task in the queue) until it is done."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from waymark.core import clock
from waymark.core.types import Actor
from waymark.nrm import permissions as perms
from waymark.nrm.models import CheckStatus, Decision, DecisionStatus, SpecialistCheck
from waymark.nrm.services._dcommon import (
    close_tasks,
    open_task,
    raise_errors,
    record,
    require,
    require_sees,
    text,
)
from waymark.nrm.services.decisions import _lock
from waymark.nrm.workflows import CHECK, DECISION


def _may_check(actor: Actor, check: SpecialistCheck) -> None:
    require(actor, perms.CHECK, "check decisions")
    require_sees(actor, check.decision.referral)
    if check.decision.decision_maker_id == actor.pk:  # type: ignore[union-attr]
        raise PermissionDenied("A decision is never checked by the decision maker who made it")


def _locked(check: SpecialistCheck) -> tuple[Decision, SpecialistCheck]:
    """Lock the decision, then read its check as committed: two specialists (or a specialist and a
    server) at once cannot both act on one pending check; the second is refused."""
    decision = check.decision
    Decision.objects.select_for_update().filter(pk=decision.pk).exists()
    decision.refresh_from_db()
    check.refresh_from_db()
    check.decision = decision
    if check.status != CheckStatus.PENDING:
        raise_errors({"check": "This check has already been done"})
    return decision, check


def check_agree(*, actor: Actor, check: SpecialistCheck, reasons: str = "") -> SpecialistCheck:
    _may_check(actor, check)
    if check.status != CheckStatus.PENDING:
        raise_errors({"check": "This check has already been done"})
    with transaction.atomic():
        decision, check = _locked(check)
        CHECK.move(check, CheckStatus.AGREED)
        check.specialist = actor
        check.reasons = (reasons or "").strip()
        check.completed_at = clock.now()
        check.save()
        if decision.status == DecisionStatus.AWAITING_CHECK:
            DECISION.move(decision, DecisionStatus.READY)
            decision.save(update_fields=["status"])
        close_tasks(actor=actor, scope=f"nrm.check:{check.pk}", outcome="agreed")
        record(
            actor=actor,
            verb="nrm.check_agreed",
            target=check,
            referral=decision.referral,
            summary="Specialist agreed with the negative decision",
            new={"decision": decision.pk, "decision_status": decision.status},
        )
    return check


def check_disagree(*, actor: Actor, check: SpecialistCheck, reasons: str) -> SpecialistCheck:
    """Return the decision to its maker with the reasons; the maker's task opens again."""
    _may_check(actor, check)
    errors: dict[str, str] = {}
    reasons = text(errors, "reasons", reasons, "Enter why you disagree with the decision")
    if check.status != CheckStatus.PENDING:
        errors["check"] = "This check has already been done"
    raise_errors(errors)
    with transaction.atomic():
        decision, check = _locked(check)
        CHECK.move(check, CheckStatus.DISAGREED)
        check.specialist = actor
        check.reasons = reasons
        check.completed_at = clock.now()
        check.save()
        if decision.status == DecisionStatus.AWAITING_CHECK:
            DECISION.move(decision, DecisionStatus.RETURNED)
            decision.save(update_fields=["status"])
        close_tasks(actor=actor, scope=f"nrm.check:{check.pk}", outcome="disagreed")
        open_task(
            actor=actor,
            task_type="nrm.revise",
            kind="nrm-decisions",
            title=f"Revise the decision on {decision.referral.reference}: returned by specialist",
            referral=decision.referral,
            subject=decision,
            dedupe_key=f"nrm.revise:{decision.pk}:{check.pk}",
            assignee=decision.decision_maker,
        )
        record(
            actor=actor,
            verb="nrm.check_disagreed",
            target=check,
            referral=decision.referral,
            summary="Specialist disagreed: decision returned to its maker",
            new={"decision": decision.pk, "reasons": reasons},
        )
    return check


def _urgent_refusal(decision: Decision) -> str | None:
    if decision.status != DecisionStatus.AWAITING_CHECK:
        return "Urgent service is only for a decision awaiting its specialist check"
    if decision.urgent_service_by_id is not None:
        # The page offers it once (``selectors.decisions``): a second is a resubmission.
        return "Urgent service has already been authorised for this decision"
    return None


def urgent_service_authorise(*, actor: Actor, decision: Decision, reason: str) -> Decision:
    """Let a negative decision awaiting its check be served now. The check stays pending and its
    task stays open until a specialist does it: it is never lost."""
    require(actor, perms.MANAGE, "authorise urgent service")
    require_sees(actor, decision.referral)
    errors: dict[str, str] = {}
    reason = text(
        errors, "reason", reason, "Enter why the decision must be served before its check"
    )
    refusal = _urgent_refusal(decision)
    if refusal:
        errors["decision"] = refusal
    raise_errors(errors)
    with transaction.atomic():
        # Two managers (or a double submission) at once: the second waits for the first, reads
        # the decision again and is refused, never a second audit entry over the first's reason.
        _lock(decision)
        refusal = _urgent_refusal(decision)
        if refusal:
            raise_errors({"decision": refusal})
        decision.urgent_service_by = actor
        decision.urgent_service_reason = reason
        decision.save(update_fields=["urgent_service_by", "urgent_service_reason"])
        record(
            actor=actor,
            verb="nrm.urgent_service_authorised",
            target=decision,
            referral=decision.referral,
            summary="Urgent service authorised before the specialist check",
            new={"reason": reason},
        )
    return decision
