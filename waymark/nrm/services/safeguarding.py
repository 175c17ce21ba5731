"""Safeguarding advice on decisions with a risk level, and the safeguarding duty line (brief nrm.md
§3; seed 002 rec 7a, 7c). A level on a decision asks the adviser automatically; level 3 for a
person not detained and without a legal representative needs formal advice on service."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import Decision, DutyCallStatus, DutyLineCall, Referral, SafeguardingAdvice
from waymark.nrm.services._dcommon import (
    close_tasks,
    level_of,
    open_task,
    raise_errors,
    record,
    require,
    require_sees,
    text,
)
from waymark.nrm.workflows import DUTY_CALL


def formal_advice_required(*, level: int, referral: Referral) -> bool:
    return (
        level >= rules.FORMAL_ADVICE_LEVEL
        and not referral.detained
        and not referral.has_legal_representative
    )


def safeguarding_advice_request(*, actor: Actor, decision: Decision) -> SafeguardingAdvice:
    """Ask the safeguarding advisers about a decision with a level (called on drafting)."""
    user = require(actor, perms.DECIDE, "ask for safeguarding advice")
    if decision.safeguarding_level is None:
        raise ValidationError({"safeguarding_level": "The decision has no safeguarding level"})
    referral = decision.referral
    with transaction.atomic():
        advice = SafeguardingAdvice.objects.create(
            decision=decision,
            level=decision.safeguarding_level,
            formal_required=formal_advice_required(
                level=decision.safeguarding_level, referral=referral
            ),
            requested_at=clock.now(),
            requested_by=user,
        )
        open_task(
            actor=actor,
            task_type="nrm.safeguarding_advice",
            kind="nrm-safeguarding",
            title=f"Safeguarding advice (level {advice.level}) on {referral.reference}",
            referral=referral,
            subject=advice,
            dedupe_key=f"nrm.safeguarding_advice:{advice.pk}",
        )
        record(
            actor=actor,
            verb="nrm.safeguarding_advice_requested",
            target=advice,
            referral=referral,
            action=AuditAction.COLLECTION,
            summary=f"Safeguarding advice asked for (level {advice.level})",
            new={"level": advice.level, "formal_required": advice.formal_required},
        )
    return advice


def safeguarding_advice_give(
    *,
    actor: Actor,
    advice: SafeguardingAdvice,
    advice_text: str,
    no_action_required: bool,
    service_advice: str = "",
) -> SafeguardingAdvice:
    require(actor, perms.ADVISE, "give safeguarding advice")
    referral = advice.decision.referral
    require_sees(actor, referral)
    errors: dict[str, str] = {}
    if advice.given_at is not None:
        errors["advice"] = "This advice has already been given"
    advice_text = text(errors, "advice_text", advice_text, "Enter your safeguarding advice")
    service_advice = (service_advice or "").strip()
    if advice.formal_required and not service_advice:
        errors["service_advice"] = (
            "Enter formal advice on how the decision is served: level 3, not detained and "
            "no legal representative"
        )
    raise_errors(errors)
    with transaction.atomic():
        # Read the advice again under its lock: a second adviser (or a double submission) at the
        # same moment waits for the first and is refused, never overwrites the advice given.
        SafeguardingAdvice.objects.select_for_update().filter(pk=advice.pk).exists()
        advice.refresh_from_db()
        if advice.given_at is not None:
            raise_errors({"advice": "This advice has already been given"})
        advice.adviser = actor
        advice.advice = advice_text
        advice.no_action_required = bool(no_action_required)
        advice.service_advice = service_advice
        advice.given_at = clock.now()
        advice.save()
        close_tasks(
            actor=actor, scope=f"nrm.safeguarding_advice:{advice.pk}", outcome="advice given"
        )
        record(
            actor=actor,
            verb="nrm.safeguarding_advice_given",
            target=advice,
            referral=referral,
            summary=f"Safeguarding advice given (level {advice.level})",
            new={"no_action_required": advice.no_action_required, "formal": bool(service_advice)},
        )
    return advice


def duty_call_log(
    *,
    actor: Actor,
    caller: str,
    summary: str,
    actions: str = "",
    risk_level: int | None = None,
    referral: Referral | None = None,
) -> DutyLineCall:
    """Log a duty-line call as an incident, with its follow-up due date."""
    user = require(actor, perms.ADVISE, "log duty-line calls")
    if referral is not None:
        require_sees(actor, referral)
    errors: dict[str, str] = {}
    caller = text(errors, "caller", caller, "Enter who called")
    summary = text(errors, "summary", summary, "Enter what the call was about")
    if risk_level not in (None, "", *rules.SAFEGUARDING_LEVELS):
        errors["risk_level"] = "Select risk level 1, 2 or 3, or none"
    raise_errors(errors)
    with transaction.atomic():
        call = DutyLineCall.objects.create(
            received_at=clock.now(),
            call_handler=user,
            caller=caller,
            referral=referral,
            summary=summary,
            risk_level=level_of(risk_level),
            actions=(actions or "").strip(),
            follow_up_due_on=rules.working_days_after(
                clock.today(), rules.DUTY_LINE_FOLLOW_UP_WORKING_DAYS
            ),
        )
        record(
            actor=actor,
            verb="nrm.duty_call_logged",
            target=call,
            referral=referral,
            action=AuditAction.COLLECTION,
            summary="Safeguarding duty-line call logged",
            new={"caller": caller, "risk_level": call.risk_level},
        )
    return call


NOT_OPEN = "Only an open call can be followed up"
ALREADY_CLOSED = "This call is already closed"


def _lock_call(call: DutyLineCall) -> None:
    """Lock the call's row and read it again as committed: two people following up (or
    debriefing) a call at the same moment act one after the other, and the second is refused by
    the same check (never a second audit entry, nor a closed call saved back to followed up)."""
    DutyLineCall.objects.select_for_update().filter(pk=call.pk).exists()
    call.refresh_from_db()


def duty_call_follow_up(*, actor: Actor, call: DutyLineCall, follow_up: str) -> DutyLineCall:
    require(actor, perms.ADVISE, "follow up duty-line calls")
    errors: dict[str, str] = {}
    follow_up = text(errors, "follow_up", follow_up, "Enter the follow-up")
    if call.status != DutyCallStatus.OPEN:
        errors["call"] = NOT_OPEN
    raise_errors(errors)
    with transaction.atomic():
        _lock_call(call)
        if call.status != DutyCallStatus.OPEN:
            raise_errors({"call": NOT_OPEN})
        DUTY_CALL.move(call, DutyCallStatus.FOLLOWED_UP)
        call.follow_up = follow_up
        call.followed_up_at = clock.now()
        call.save()
        record(
            actor=actor,
            verb="nrm.duty_call_followed_up",
            target=call,
            referral=call.referral,
            summary="Duty-line call followed up",
            new={"status": call.status},
        )
    return call


def duty_call_debrief(*, actor: Actor, call: DutyLineCall, debrief: str) -> DutyLineCall:
    """The call handler's debrief closes the call."""
    require(actor, perms.ADVISE, "debrief duty-line calls")
    errors: dict[str, str] = {}
    debrief = text(errors, "debrief", debrief, "Enter the debrief")
    if call.status == DutyCallStatus.CLOSED:
        errors["call"] = ALREADY_CLOSED
    raise_errors(errors)
    with transaction.atomic():
        _lock_call(call)
        if call.status == DutyCallStatus.CLOSED:
            raise_errors({"call": ALREADY_CLOSED})
        DUTY_CALL.move(call, DutyCallStatus.CLOSED)
        call.debrief = debrief
        call.debriefed_at = clock.now()
        call.save()
        record(
            actor=actor,
            verb="nrm.duty_call_closed",
            target=call,
            referral=call.referral,
            summary="Duty-line call debriefed and closed",
            new={"status": call.status},
        )
    return call
