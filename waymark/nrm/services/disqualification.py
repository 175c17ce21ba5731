"""Public order disqualification (Nationality and Borders Act 2022 s63; seed 002 rec 5e): only after
a positive RG has been served; a "minded to" notice stating the consequences with a response
window; the person's response; a separate risk-of-re-trafficking assessment; then the decision,
with reasons, once the window has closed or the person has responded."""

from __future__ import annotations

from django.db import transaction

from waymark.core import clock
from waymark.core.jinja2 import govuk_date
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import Disqualification, DisqualificationStatus, Referral
from waymark.nrm.services._dcommon import (
    close_tasks,
    open_task,
    raise_errors,
    record,
    require,
    require_sees,
    text,
)
from waymark.nrm.services.decisions import served_positive_rg
from waymark.nrm.workflows import DISQUALIFICATION

RISK_LEVELS = {"low": "Low", "medium": "Medium", "high": "High"}
UNDER_WAY = "A disqualification is already under way for this referral"


def _lock(disqualification: Disqualification) -> None:
    """Lock the disqualification's row and read it again as committed: two people taking a step
    at the same moment take it one after the other, and the second is refused by the same check
    (never a second audit entry, nor a stale row saved over the first's)."""
    Disqualification.objects.select_for_update().filter(pk=disqualification.pk).exists()
    disqualification.refresh_from_db()


def _response_refusal(disqualification: Disqualification) -> str | None:
    if disqualification.status == DisqualificationStatus.DECIDED:
        return "This disqualification has been decided"
    if disqualification.response_received_at is not None:
        return "A response has already been recorded"
    return None


def _assess_refusal(disqualification: Disqualification) -> str | None:
    if disqualification.status != DisqualificationStatus.MINDED_TO:
        return "The re-trafficking risk has already been assessed"
    return None


def _decide_refusal(disqualification: Disqualification) -> str | None:
    if disqualification.status == DisqualificationStatus.DECIDED:
        return "This disqualification has already been decided"
    if disqualification.status != DisqualificationStatus.ASSESSED:
        return "Assess the risk of re-trafficking before deciding on disqualification"
    if not rules.disqualification_decidable(
        sent_on=disqualification.notice_sent_at.astimezone(clock.LONDON).date(),
        on=clock.today(),
        response_received=disqualification.response_received_at is not None,
    ):
        return (
            "The person has until "
            f"{govuk_date(disqualification.response_due_on)} to respond: decide after that "
            "unless they respond sooner"
        )
    return None


def _refuse(refusal: str | None) -> None:
    if refusal:
        raise_errors({"disqualification": refusal})


def disqualification_notice_send(
    *, actor: Actor, referral: Referral, grounds: str, consequences_stated: str
) -> Disqualification:
    user = require(actor, perms.DECIDE, "consider public order disqualification")
    require_sees(actor, referral)
    errors: dict[str, str] = {}
    grounds = text(errors, "grounds", grounds, "Enter the public order grounds")
    consequences_stated = text(
        errors,
        "consequences_stated",
        consequences_stated,
        "Enter the consequences of disqualification stated in the notice",
    )
    rg = served_positive_rg(referral)
    if rg is None:
        errors["referral"] = (
            "A minded-to notice can be sent only after a positive reasonable grounds decision "
            "has been served"
        )
    elif referral.disqualifications.exclude(status=DisqualificationStatus.DECIDED).exists():
        errors["referral"] = UNDER_WAY
    raise_errors(errors)
    assert rg is not None  # refused above
    today = clock.today()
    with transaction.atomic():
        # Two notices at once: the referral locked, the second finds the first and is refused.
        Referral.objects.select_for_update().filter(pk=referral.pk).exists()
        if referral.disqualifications.exclude(status=DisqualificationStatus.DECIDED).exists():
            raise_errors({"referral": UNDER_WAY})
        item = Disqualification.objects.create(
            referral=referral,
            rg_decision=rg,
            grounds=grounds,
            consequences_stated=consequences_stated,
            notice_sent_at=clock.now(),
            notice_sent_by=user,
            response_due_on=rules.disqualification_response_due(today),
        )
        open_task(
            actor=actor,
            task_type="nrm.disqualification_decide",
            kind="nrm-decisions",
            title=f"Public order disqualification on {referral.reference}",
            referral=referral,
            subject=item,
            dedupe_key=f"nrm.disqualification_decide:{item.pk}",
            assignee=actor,
        )
        record(
            actor=actor,
            verb="nrm.disqualification_notice_sent",
            target=item,
            referral=referral,
            action=AuditAction.COLLECTION,
            summary="Minded-to notice of public order disqualification sent: response due "
            f"{govuk_date(item.response_due_on)}",
            new={"response_due_on": item.response_due_on},
        )
    return item


def disqualification_response_record(
    *, actor: Actor, disqualification: Disqualification, response: str
) -> Disqualification:
    require(actor, perms.DECIDE, "record responses to minded-to notices")
    require_sees(actor, disqualification.referral)
    errors: dict[str, str] = {}
    response = text(errors, "response", response, "Enter the person's response")
    refusal = _response_refusal(disqualification)
    if refusal:
        errors["disqualification"] = refusal
    raise_errors(errors)
    with transaction.atomic():
        _lock(disqualification)
        _refuse(_response_refusal(disqualification))
        disqualification.response = response
        disqualification.response_received_at = clock.now()
        disqualification.save(update_fields=["response", "response_received_at"])
        record(
            actor=actor,
            verb="nrm.disqualification_response_recorded",
            target=disqualification,
            referral=disqualification.referral,
            summary="Response to the minded-to notice recorded",
            new={"late": clock.today() > disqualification.response_due_on},
        )
    return disqualification


def disqualification_assess(
    *, actor: Actor, disqualification: Disqualification, risk: str, assessment: str
) -> Disqualification:
    """The separate risk-of-re-trafficking assessment, made before any decision."""
    require(actor, perms.DECIDE, "assess the risk of re-trafficking")
    require_sees(actor, disqualification.referral)
    errors: dict[str, str] = {}
    if risk not in RISK_LEVELS:
        errors["risk"] = "Select the risk of re-trafficking"
    assessment = text(errors, "assessment", assessment, "Enter the re-trafficking risk assessment")
    refusal = _assess_refusal(disqualification)
    if refusal:
        errors["disqualification"] = refusal
    raise_errors(errors)
    with transaction.atomic():
        _lock(disqualification)
        _refuse(_assess_refusal(disqualification))
        DISQUALIFICATION.move(disqualification, DisqualificationStatus.ASSESSED)
        disqualification.retrafficking_risk = risk
        disqualification.retrafficking_assessment = assessment
        disqualification.assessed_by = actor
        disqualification.assessed_at = clock.now()
        disqualification.save()
        record(
            actor=actor,
            verb="nrm.disqualification_assessed",
            target=disqualification,
            referral=disqualification.referral,
            summary=f"Risk of re-trafficking assessed: {RISK_LEVELS[risk].lower()}",
            new={"risk": risk},
        )
    return disqualification


def disqualification_decide(
    *, actor: Actor, disqualification: Disqualification, disqualified: bool, reasons: str
) -> Disqualification:
    require(actor, perms.DECIDE, "decide public order disqualification")
    require_sees(actor, disqualification.referral)
    errors: dict[str, str] = {}
    reasons = text(errors, "reasons", reasons, "Enter the reasons for the decision")
    if disqualified not in (True, False):
        errors["disqualified"] = "Select whether the person is disqualified"
    refusal = _decide_refusal(disqualification)
    if refusal:
        errors["disqualification"] = refusal
    raise_errors(errors)
    with transaction.atomic():
        _lock(disqualification)
        _refuse(_decide_refusal(disqualification))
        DISQUALIFICATION.move(disqualification, DisqualificationStatus.DECIDED)
        disqualification.disqualified = disqualified
        disqualification.reasons = reasons
        disqualification.decided_by = actor
        disqualification.decided_at = clock.now()
        disqualification.save()
        close_tasks(
            actor=actor,
            scope=f"nrm.disqualification_decide:{disqualification.pk}",
            outcome="decided",
        )
        record(
            actor=actor,
            verb="nrm.disqualification_decided",
            target=disqualification,
            referral=disqualification.referral,
            summary="Public order disqualification decided: "
            + ("disqualified" if disqualified else "not disqualified"),
            new={"disqualified": disqualified},
        )
    return disqualification
