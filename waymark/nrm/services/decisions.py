"""Reasonable and conclusive grounds decisions (brief nrm.md §2; seed 002 rec 3b, 6, 7a).

A decision is drafted by a decision maker against the legal test and the guidance edition in force
(both recorded), signed off (a safeguarding level needs the adviser's advice first; a negative
goes to a technical specialist's check), and served. Serving a positive RG starts the recovery
period; a negative RG, or any CG, concludes the referral. The sweep ``nrm.recovery_ended`` opens
the conclusive grounds work when the recovery period has run.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from waymark.core import clock
from waymark.core.jinja2 import govuk_date
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.documents.models import Document, ServiceMethod
from waymark.documents.services import letter_record_service
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import (
    CheckStatus,
    Decision,
    DecisionStage,
    DecisionStatus,
    GuidanceEdition,
    Referral,
    ReferralStatus,
    SpecialistCheck,
)
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
from waymark.nrm.services.safeguarding import safeguarding_advice_request
from waymark.nrm.workflows import DECISION, REFERRAL

RG_STATUSES = frozenset({ReferralStatus.RECEIVED, ReferralStatus.RG_PENDING})
CG_STATUSES = frozenset({ReferralStatus.RECOVERY, ReferralStatus.CG_PENDING})
OPEN_DECISION = frozenset(
    {
        DecisionStatus.DRAFT,
        DecisionStatus.AWAITING_CHECK,
        DecisionStatus.RETURNED,
        DecisionStatus.READY,
    }
)


def guidance_in_force(on: date | None = None) -> GuidanceEdition | None:
    """The latest edition in force on ``on`` (from its date, and not yet superseded)."""
    on = on or clock.today()
    return (
        GuidanceEdition.objects.filter(in_force_from__lte=on)
        .filter(Q(superseded_on__isnull=True) | Q(superseded_on__gt=on))
        .order_by("-in_force_from")
        .first()
    )


def outcomes_for(stage: str) -> dict[str, str]:
    return rules.RG_OUTCOMES if stage == DecisionStage.RG else rules.CG_OUTCOMES


def served_positive_rg(referral: Referral) -> Decision | None:
    return (
        referral.decisions.filter(
            stage=DecisionStage.RG,
            status=DecisionStatus.SERVED,
            outcome__in=rules.POSITIVE_OUTCOMES,
        )
        .order_by("-served_at")
        .first()
    )


def cg_first_day(referral: Referral) -> date | None:
    """The first day a CG decision may be made (``None`` without a served positive RG)."""
    rg = served_positive_rg(referral)
    if rg is None or rg.served_at is None:
        return None
    return rules.recovery_ends_on(rg.served_at.astimezone(clock.LONDON).date())


def _validate(errors: dict, *, stage: str, outcome: str, evidence: str, rationale: str, level):
    if outcome not in outcomes_for(stage):
        errors["outcome"] = "Select the outcome of the decision"
    text(errors, "evidence_considered", evidence, "Enter the evidence considered")
    text(errors, "rationale", rationale, "Enter the rationale for the decision")
    if level not in (None, "", *rules.SAFEGUARDING_LEVELS):
        errors["safeguarding_level"] = "Select safeguarding level 1, 2 or 3, or none"


def decision_draft(
    *,
    actor: Actor,
    referral: Referral,
    stage: str,
    outcome: str,
    evidence_considered: str,
    rationale: str,
    safeguarding_level: int | None = None,
    reconsideration_of: Decision | None = None,
) -> Decision:
    """Draft an RG or CG decision (decision makers only). Refused for a referral not at that
    stage, and for a CG before the recovery period after the positive RG has run."""
    user = require(actor, perms.DECIDE, "make reasonable or conclusive grounds decisions")
    require_sees(actor, referral)
    errors: dict[str, str] = {}
    if stage not in DecisionStage.values:
        raise ValidationError({"stage": "Select reasonable grounds or conclusive grounds"})
    _validate(
        errors,
        stage=stage,
        outcome=outcome,
        evidence=evidence_considered,
        rationale=rationale,
        level=safeguarding_level,
    )
    level = level_of(safeguarding_level)
    today = clock.today()
    if reconsideration_of is None:
        if stage == DecisionStage.RG and referral.status not in RG_STATUSES:
            errors["stage"] = (
                "A reasonable grounds decision can be made only on a referral received or "
                f"awaiting one; this referral is {referral.get_status_display().lower()}"
            )
        if stage == DecisionStage.CG:
            first = cg_first_day(referral)
            if referral.status not in CG_STATUSES or first is None:
                errors["stage"] = (
                    "A conclusive grounds decision needs a positive reasonable grounds decision "
                    "served and the referral in its recovery period"
                )
            elif today < first:
                errors["stage"] = (
                    "A conclusive grounds decision may not be made before the recovery period "
                    f"ends: it may be made from {govuk_date(first)}"
                )
        if referral.decisions.filter(stage=stage, status__in=OPEN_DECISION).exists():
            errors["stage"] = "This referral already has a decision at this stage in progress"
    guidance = guidance_in_force(today)
    if guidance is None:
        errors["guidance"] = "No statutory guidance edition is in force: record one first"
    raise_errors(errors)
    assert guidance is not None  # refused above
    with transaction.atomic():
        if reconsideration_of is None:
            # Two drafts at once (a double-submitted form, two decision makers): lock the referral
            # and look again, so that the second is refused instead of opening a second decision.
            Referral.objects.select_for_update().filter(pk=referral.pk).exists()
            if referral.decisions.filter(stage=stage, status__in=OPEN_DECISION).exists():
                raise_errors(
                    {"stage": "This referral already has a decision at this stage in progress"}
                )
        decision = Decision.objects.create(
            referral=referral,
            stage=stage,
            outcome=outcome,
            decision_maker=user,
            legal_test=guidance.rg_test if stage == DecisionStage.RG else rules.CG_TEST,  # type: ignore[union-attr]
            guidance=guidance,
            evidence_considered=evidence_considered.strip(),
            rationale=rationale.strip(),
            safeguarding_level=level,
            reconsideration_of=reconsideration_of,
            made_at=clock.now(),
        )
        if referral.decision_maker_id is None:
            referral.decision_maker = actor
            referral.save(update_fields=["decision_maker"])
        record(
            actor=actor,
            verb="nrm.decision_drafted",
            target=decision,
            referral=referral,
            action=AuditAction.COLLECTION,
            summary=f"{decision.get_stage_display()} decision drafted",
            new={"stage": stage, "outcome": outcome, "guidance": guidance.code, "level": level},  # type: ignore[union-attr]
        )
        if level is not None:
            safeguarding_advice_request(actor=actor, decision=decision)
    return decision


def decision_revise(
    *,
    actor: Actor,
    decision: Decision,
    outcome: str,
    evidence_considered: str,
    rationale: str,
    safeguarding_level: int | None = None,
) -> Decision:
    """A decision returned by the specialist goes back to draft with the new text."""
    require(actor, perms.DECIDE, "revise decisions")
    require_sees(actor, decision.referral)
    errors: dict[str, str] = {}
    if decision.status not in (DecisionStatus.RETURNED, DecisionStatus.DRAFT):
        errors["decision"] = "Only a draft or returned decision can be revised"
    _validate(
        errors,
        stage=decision.stage,
        outcome=outcome,
        evidence=evidence_considered,
        rationale=rationale,
        level=safeguarding_level,
    )
    raise_errors(errors)
    level = level_of(safeguarding_level)
    with transaction.atomic():
        if decision.status == DecisionStatus.RETURNED:
            DECISION.move(decision, DecisionStatus.DRAFT)
        level_changed = level is not None and level != decision.safeguarding_level
        decision.outcome = outcome
        decision.evidence_considered = evidence_considered.strip()
        decision.rationale = rationale.strip()
        decision.safeguarding_level = level
        decision.save()
        close_tasks(
            actor=actor, scope=f"nrm.revise:{decision.pk}", outcome="revised", note="Revised"
        )
        record(
            actor=actor,
            verb="nrm.decision_revised",
            target=decision,
            referral=decision.referral,
            summary=f"{decision.get_stage_display()} decision revised",
            new={"outcome": outcome, "level": level},
        )
        if level_changed:
            safeguarding_advice_request(actor=actor, decision=decision)
    return decision


def sign_off_blockers(decision: Decision) -> list[str]:
    """Why the decision cannot be signed off yet (empty when it can)."""
    reasons = []
    if decision.safeguarding_level is not None:
        advice = decision.safeguarding_advice.order_by("-requested_at").first()
        if advice is None or advice.given_at is None:
            reasons.append(
                f"Safeguarding level {decision.safeguarding_level} needs a safeguarding "
                "adviser's advice before the decision is signed off"
            )
        elif advice.level != decision.safeguarding_level:
            reasons.append("The safeguarding advice was given for another level: ask again")
        elif advice.formal_required and not advice.service_advice.strip():
            reasons.append(
                "Level 3 for a person not detained and without a legal representative needs "
                "formal advice on how the decision is served"
            )
    return reasons


def _lock(decision: Decision) -> None:
    """Lock the decision's row and read it again as committed (its checks are then made again)."""
    Decision.objects.select_for_update().filter(pk=decision.pk).exists()
    decision.refresh_from_db()


def decision_sign_off(*, actor: Actor, decision: Decision) -> Decision:
    """Sign off a draft: a negative goes to a technical specialist's check, a positive is ready."""
    require(actor, perms.DECIDE, "sign off decisions")
    require_sees(actor, decision.referral)
    if decision.decision_maker_id != actor.pk:  # type: ignore[union-attr]
        raise PermissionDenied("Only the decision maker who made the decision signs it off")
    errors: dict[str, str] = {}
    if decision.status != DecisionStatus.DRAFT:
        errors["decision"] = "Only a draft decision can be signed off"
    blockers = sign_off_blockers(decision)
    if blockers:
        errors["safeguarding_level"] = " ".join(blockers)
    raise_errors(errors)
    with transaction.atomic():
        # Read the decision again under its lock: a second sign-off at the same moment (a double
        # submission) waits for the first and is refused, never a second check or audit entry.
        _lock(decision)
        if decision.status != DecisionStatus.DRAFT:
            raise_errors({"decision": "Only a draft decision can be signed off"})
        blockers = sign_off_blockers(decision)
        if blockers:
            raise_errors({"safeguarding_level": " ".join(blockers)})
        decision.signed_off_at = clock.now()
        if decision.positive:
            DECISION.move(decision, DecisionStatus.READY)
            decision.save()
        else:
            DECISION.move(decision, DecisionStatus.AWAITING_CHECK)
            decision.save()
            check = SpecialistCheck.objects.create(decision=decision, requested_at=clock.now())
            open_task(
                actor=actor,
                task_type="nrm.check",
                kind="nrm-check",
                title=f"Check negative {decision.get_stage_display().lower()} decision "
                f"on {decision.referral.reference}",
                referral=decision.referral,
                subject=check,
                dedupe_key=f"nrm.check:{check.pk}",
            )
        record(
            actor=actor,
            verb="nrm.decision_signed_off",
            target=decision,
            referral=decision.referral,
            summary=f"{decision.get_stage_display()} decision signed off"
            + ("" if decision.positive else ": sent for a specialist check"),
            new={"status": decision.status},
        )
    return decision


def decision_serve(
    *,
    actor: Actor,
    decision: Decision,
    method: str,
    letter: Document | None = None,
) -> Decision:
    """Serve a decision. A negative is served only once a specialist agreed, or under a manager's
    urgent service authority (the check then stays open until done)."""
    if actor is None or not (actor.has_perm(perms.DECIDE) or actor.has_perm(perms.MANAGE)):
        raise PermissionDenied("Your role does not allow you to serve decisions")
    referral = decision.referral
    require_sees(actor, referral)
    errors: dict[str, str] = {}
    urgent = decision.status == DecisionStatus.AWAITING_CHECK and decision.urgent_service_by_id
    if decision.status == DecisionStatus.SERVED:
        errors["decision"] = "This decision has already been served"
    elif decision.status == DecisionStatus.AWAITING_CHECK and not urgent:
        errors["decision"] = (
            "A negative decision is served only after a technical specialist agrees with it, "
            "or a manager authorises urgent service"
        )
    elif decision.status != DecisionStatus.READY and not urgent:
        errors["decision"] = "Only a signed-off decision can be served"
    if method not in ServiceMethod.values:
        errors["method"] = "Select how the decision was served"
    if letter is not None and letter.person_id != referral.person_id:
        errors["letter"] = "The letter is not on this person's record"
    raise_errors(errors)
    now = clock.now()
    with transaction.atomic():
        # Read the decision again under a lock: a specialist's disagreement or another service
        # committed since the checks above must refuse this one (nothing saved).
        Decision.objects.select_for_update().filter(pk=decision.pk).exists()
        decision.refresh_from_db()
        urgent = decision.status == DecisionStatus.AWAITING_CHECK and decision.urgent_service_by_id
        if decision.status == DecisionStatus.SERVED:
            raise_errors({"decision": "This decision has already been served"})
        if decision.status != DecisionStatus.READY and not urgent:
            raise_errors({"decision": "This decision is no longer ready to serve"})
        DECISION.move(decision, DecisionStatus.SERVED)
        decision.served_at = now
        decision.served_by = actor
        decision.service_method = method
        if letter is not None:
            decision.letter_document_id = letter.pk
            letter_record_service(
                actor=actor, document=letter, method=method, served_on=clock.today()
            )
        decision.save()
        _referral_after_service(actor=actor, decision=decision)
        close_tasks(
            actor=actor, scope=f"nrm.decide_{decision.stage}:{referral.pk}", outcome="served"
        )
        record(
            actor=actor,
            verb="nrm.decision_served",
            target=decision,
            referral=referral,
            summary=f"{decision.get_stage_display()} decision served: "
            f"{outcomes_for(decision.stage).get(decision.outcome, decision.outcome)}",
            new={"method": method, "letter": decision.letter_document_id, "urgent": bool(urgent)},
        )
    return decision


def _referral_after_service(*, actor: Actor, decision: Decision) -> None:
    referral = decision.referral
    if decision.stage == DecisionStage.RG and decision.positive:
        if referral.status == ReferralStatus.RECEIVED:
            REFERRAL.move(referral, ReferralStatus.RG_PENDING)
        if referral.status != ReferralStatus.RECOVERY:
            REFERRAL.move(referral, ReferralStatus.RECOVERY)
        referral.recovery_ends_on = rules.recovery_ends_on(clock.today())
        referral.outcome = ""
        referral.concluded_at = None
    else:
        if referral.status == ReferralStatus.RECEIVED:
            REFERRAL.move(referral, ReferralStatus.RG_PENDING)
        if referral.status != ReferralStatus.CONCLUDED:
            REFERRAL.move(referral, ReferralStatus.CONCLUDED)
        referral.outcome = f"{decision.stage}_{decision.outcome}"
        referral.concluded_at = clock.now()
    referral.save()


def recovery_ended_sweep() -> int:
    """Referrals whose recovery period has run move to cg_pending with the decision maker's
    ``nrm.decide_cg`` task. Idempotent: a referral moves once and the task's key is its own."""
    today = clock.today()
    moved = 0
    for referral in Referral.objects.filter(
        status=ReferralStatus.RECOVERY, recovery_ends_on__lte=today
    ).select_related("person"):
        with transaction.atomic():
            REFERRAL.move(referral, ReferralStatus.CG_PENDING)
            referral.save(update_fields=["status"])
            open_task(
                actor=None,
                task_type="nrm.decide_cg",
                kind="nrm-decisions",
                title=f"Conclusive grounds decision on {referral.reference}",
                referral=referral,
                subject=referral,
                dedupe_key=f"nrm.decide_cg:{referral.pk}",
                assignee=referral.decision_maker,
            )
            record(
                actor=None,
                verb="nrm.recovery_ended",
                target=referral,
                referral=referral,
                summary="Recovery period ended: conclusive grounds decision due",
                new={"recovery_ends_on": referral.recovery_ends_on},
            )
        moved += 1
    return moved


def pending_check(decision: Decision) -> SpecialistCheck | None:
    return decision.checks.filter(status=CheckStatus.PENDING).first()
