"""Writes for governance beyond the tracker (issue 20 item 6; oversight.md §4, §6 "Governance"):
risk registers, risks, their reviews and acceptances; the EM supplier issues log; complaints
(recorded, allocated to a handler as a task on their queue, responded to within 20 working days);
lessons learned; and the two sweeps that turn overdue risk reviews and overdue tracker actions into
tasks on their owner's queue.

Each service is keyword-only, takes ``actor``, checks permission (``permissions.py``), validates
with a message a user can act on, writes in one transaction and audits. Refusals raise
``ValidationError`` (or ``PermissionDenied``) before anything is saved.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    RegisterKind,
    Risk,
    RiskAcceptance,
    RiskRegister,
    RiskReview,
    RiskStatus,
    SupplierIssue,
    SupplierIssueStatus,
)
from waymark.oversight.services.governance_common import (
    _by,
    _not_future,
    _require,
    _review_tasks_close,
    _score,
    _staff,
    _text,
)

# Complaints, lessons and risk edits live in their own modules (the size limit); re-exported here.
from waymark.oversight.services.governance_complaints import (  # noqa: F401
    complaint_allocate,
    complaint_record,
    complaint_respond,
    lesson_record,
)
from waymark.oversight.services.governance_escalations import (  # noqa: F401
    complaint_ombudsman_decide,
    complaint_ombudsman_refer,
    complaint_review_allocate,
    complaint_review_request,
    complaint_review_respond,
)
from waymark.oversight.services.governance_risk_edits import risk_edit  # noqa: F401
from waymark.oversight.workflows import (
    RISK_WORKFLOW,
    SUPPLIER_ISSUE_WORKFLOW,
)

# ------------------------------------------------------------------------------------------------
# Risk registers and risks


def register_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    owner: Any,
    description: str = "",
    contract_owner: Any = None,
    supplier: str = "",
    contract: str = "",
) -> RiskRegister:
    """A new register. A joint register names the contract owner and the supplier (000 rec 4)."""
    _require(actor, perms.MANAGE_RISKS, "keep risk registers")
    name = _text(name, "name", "the register's name", limit=200)
    if kind not in RegisterKind.values:
        raise ValidationError({"kind": "Select the kind of register"})
    _staff(owner, "owner", "Select the register's owner")
    description = _text(description, "description", "the description", required=False)
    supplier = _text(supplier, "supplier", "the supplier", required=False, limit=200)
    contract = _text(contract, "contract", "the contract", required=False, limit=200)
    if kind == RegisterKind.JOINT:
        _staff(contract_owner, "contract_owner", "Select the contract owner of a joint register")
        if not supplier:
            raise ValidationError({"supplier": "Enter the supplier the register is held with"})
    else:
        contract_owner, supplier, contract = None, "", ""
    name_taken = ValidationError({"name": "A register with this name exists already"})
    if RiskRegister.objects.filter(name__iexact=name).exists():
        raise name_taken
    with transaction.atomic():
        try:
            with transaction.atomic():
                register = RiskRegister.objects.create(
                    name=name,
                    kind=kind,
                    description=description,
                    owner=owner,
                    contract_owner=contract_owner,
                    supplier=supplier,
                    contract=contract,
                    created_at=clock.now(),
                    created_by=_by(actor),
                )
        except IntegrityError:
            # The same name added at the same moment (a double-submitted form): the check above
            # passed for both and the unique index refused the second.
            if RiskRegister.objects.filter(name__iexact=name).exists():
                raise name_taken from None
            raise
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.risk_register_created",
            target=register,
            payload={"new": {"name": name, "kind": kind, "owner": owner.pk, "supplier": supplier}},
        )
    return register


def _risk_snapshot(risk: Risk) -> dict:
    return {
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "rating": risk.rating,
        "status": risk.status,
        "next_review_on": risk.next_review_on.isoformat(),
        "owner": risk.owner_id,
    }


def risk_add(
    *,
    actor: Actor,
    register: RiskRegister,
    title: str,
    cause: str,
    effect: str,
    owner: Any,
    likelihood: Any,
    impact: Any,
    target_likelihood: Any,
    target_impact: Any,
    controls: str = "",
    mitigating_actions: str = "",
) -> Risk:
    """A risk on a register: cause and effect, owner, likelihood and impact (1-5) and the target
    it should be brought to. Its first review falls due by its level's cadence."""
    _require(actor, perms.MANAGE_RISKS, "add risks")
    title = _text(title, "title", "the risk's title", limit=200)
    cause = _text(cause, "cause", "the cause")
    effect = _text(effect, "effect", "the effect")
    _staff(owner, "owner", "Select the risk's owner")
    likelihood = _score(likelihood, "likelihood", "likelihood")
    impact = _score(impact, "impact", "impact")
    target_likelihood = _score(target_likelihood, "target_likelihood", "target likelihood")
    target_impact = _score(target_impact, "target_impact", "target impact")
    if target_likelihood * target_impact > likelihood * impact:
        raise ValidationError(
            {"target_impact": "The target rating must not be higher than the current rating"}
        )
    controls = _text(controls, "controls", "the controls", required=False)
    mitigating_actions = _text(
        mitigating_actions, "mitigating_actions", "the mitigating actions", required=False
    )
    today = clock.today()
    with transaction.atomic():
        locked = RiskRegister.objects.select_for_update().get(pk=register.pk)
        number = (locked.risks.aggregate(n=Max("number"))["n"] or 0) + 1
        risk = Risk.objects.create(
            register=locked,
            number=number,
            title=title,
            cause=cause,
            effect=effect,
            owner=owner,
            likelihood=likelihood,
            impact=impact,
            controls=controls,
            mitigating_actions=mitigating_actions,
            target_likelihood=target_likelihood,
            target_impact=target_impact,
            next_review_on=rules.risk_next_review_on(today, likelihood * impact),
            created_at=clock.now(),
            created_by=_by(actor),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.risk_added",
            target=risk,
            payload={"new": {**_risk_snapshot(risk), "register": locked.pk, "title": title}},
        )
    return risk


def _active_acceptance(risk: Risk, today: date) -> RiskAcceptance | None:
    return risk.acceptances.filter(expires_on__gte=today).order_by("-expires_on").first()


def risk_review_record(
    *,
    actor: Actor,
    risk: Risk,
    reviewed_on: date | None,
    likelihood: Any,
    impact: Any,
    note: str,
) -> RiskReview:
    """Record a review: the rating then (likelihood x impact) and a note. The next review falls
    due by the new level's cadence from the review date (or earlier, when an acceptance expires
    first); the owner's open review task is completed."""
    if actor is not None and not perms.may_review_risk(actor, risk):
        raise PermissionDenied("Only the risk's owner, or someone who keeps the registers, reviews")
    reviewed_on = _not_future(reviewed_on, "reviewed_on", "the date of the review")
    likelihood = _score(likelihood, "likelihood", "likelihood")
    impact = _score(impact, "impact", "impact")
    note = _text(note, "note", "what the review found")
    with transaction.atomic():
        locked = Risk.objects.select_for_update().get(pk=risk.pk)
        if locked.status != RiskStatus.OPEN:
            raise ValidationError("This risk is closed: reopen it before reviewing it")
        created_on = locked.created_at.astimezone(clock.LONDON).date()
        if reviewed_on < created_on:
            raise ValidationError(
                {"reviewed_on": "The review cannot be earlier than the day the risk was added"}
            )
        if locked.last_reviewed_on and reviewed_on < locked.last_reviewed_on:
            raise ValidationError(
                {"reviewed_on": "The review cannot be earlier than the risk's last review"}
            )
        old = _risk_snapshot(locked)
        rating = rules.risk_rating(likelihood, impact)
        next_on = rules.risk_next_review_on(reviewed_on, rating)
        acceptance = _active_acceptance(locked, clock.today())
        if acceptance is not None and acceptance.expires_on < next_on:
            next_on = acceptance.expires_on
        review = RiskReview.objects.create(
            risk=locked,
            reviewed_on=reviewed_on,
            reviewed_by=_by(actor),
            likelihood=likelihood,
            impact=impact,
            rating=rating,
            level=rules.risk_level(rating),
            note=note,
            next_review_on=next_on,
            recorded_at=clock.now(),
        )
        locked.likelihood, locked.impact = likelihood, impact
        locked.last_reviewed_on, locked.next_review_on = reviewed_on, next_on
        locked.save(update_fields=["likelihood", "impact", "last_reviewed_on", "next_review_on"])
        _review_tasks_close(actor=actor, risk=locked, outcome="reviewed")
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.risk_reviewed",
            target=locked,
            payload={"old": old, "new": _risk_snapshot(locked), "review": review.pk},
        )
    risk.refresh_from_db()
    return review


def risk_accept(
    *, actor: Actor, risk: Risk, expires_on: date | None, reason: str
) -> RiskAcceptance:
    """Accept the risk at its current rating until ``expires_on`` (CISO Assistant's acceptances
    that expire): by someone who may accept risks and is not its owner, for at most
    ``rules.RISK_ACCEPTANCE_MAX_DAYS``. The risk is due for review on the expiry date at the
    latest."""
    if actor is None:
        raise PermissionDenied("A risk is accepted by a person, never by the system")
    _require(actor, perms.ACCEPT_RISKS, "accept risks")
    if risk.owner_id == actor.pk:
        raise ValidationError("You own this risk: someone other than its owner must accept it")
    today = clock.today()
    if expires_on is None:
        raise ValidationError({"expires_on": "Enter the date the acceptance expires"})
    if expires_on <= today:
        raise ValidationError({"expires_on": "The acceptance must expire after today"})
    if expires_on > today + timedelta(days=rules.RISK_ACCEPTANCE_MAX_DAYS):
        raise ValidationError(
            {
                "expires_on": f"A risk may be accepted for at most "
                f"{rules.RISK_ACCEPTANCE_MAX_DAYS} days"
            }
        )
    reason = _text(reason, "reason", "why the risk is accepted")
    with transaction.atomic():
        locked = Risk.objects.select_for_update().get(pk=risk.pk)
        if locked.status != RiskStatus.OPEN:
            raise ValidationError("This risk is closed: a closed risk is not accepted")
        old = _risk_snapshot(locked)
        acceptance = RiskAcceptance.objects.create(
            risk=locked,
            accepted_by=actor,
            accepted_on=today,
            expires_on=expires_on,
            rating=locked.rating,
            reason=reason,
            recorded_at=clock.now(),
        )
        if expires_on < locked.next_review_on:
            locked.next_review_on = expires_on
            locked.save(update_fields=["next_review_on"])
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.risk_accepted",
            target=locked,
            payload={
                "old": old,
                "new": {**_risk_snapshot(locked), "accepted_until": expires_on.isoformat()},
            },
        )
    risk.refresh_from_db()
    return acceptance


def risk_close(*, actor: Actor, risk: Risk, reason: str) -> Risk:
    """Close a risk that no longer applies, with the reason; its open review task is completed."""
    _require(actor, perms.MANAGE_RISKS, "close risks")
    reason = _text(reason, "reason", "why the risk is closed")
    with transaction.atomic():
        locked = Risk.objects.select_for_update().get(pk=risk.pk)
        if locked.status == RiskStatus.CLOSED:
            # The workflow lets a risk "move" to the state it is in; a second close (a
            # double-submitted form) would rewrite the first's date and reason.
            raise ValidationError({"reason": "This risk is closed already"})
        old = RISK_WORKFLOW.move(locked, RiskStatus.CLOSED)
        locked.closed_at, locked.closed_reason = clock.now(), reason
        locked.save(update_fields=["status", "closed_at", "closed_reason"])
        _review_tasks_close(actor=actor, risk=locked, outcome="risk closed")
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.risk_closed",
            target=locked,
            payload={"old": {"status": old}, "new": {"status": locked.status, "reason": reason}},
        )
    return locked


def risk_reopen(*, actor: Actor, risk: Risk, reason: str) -> Risk:
    """Reopen a closed risk; it is due for review at once."""
    _require(actor, perms.MANAGE_RISKS, "reopen risks")
    reason = _text(reason, "reason", "why the risk is reopened")
    with transaction.atomic():
        locked = Risk.objects.select_for_update().get(pk=risk.pk)
        if locked.status == RiskStatus.OPEN:
            raise ValidationError({"reason": "This risk is open already"})
        old = RISK_WORKFLOW.move(locked, RiskStatus.OPEN)
        locked.closed_at, locked.closed_reason = None, ""
        locked.next_review_on = clock.today()
        locked.save(update_fields=["status", "closed_at", "closed_reason", "next_review_on"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.risk_reopened",
            target=locked,
            payload={"old": {"status": old}, "new": {"status": locked.status, "reason": reason}},
        )
    return locked


# ------------------------------------------------------------------------------------------------
# The EM supplier issues log


def supplier_issue_raise(
    *,
    actor: Actor,
    register: RiskRegister,
    title: str,
    description: str,
    owner: Any,
    raised_on: date | None,
    supplier_contact: str = "",
    target_on: date | None = None,
    risk: Risk | None = None,
) -> SupplierIssue:
    """An issue raised with the supplier, on a joint register's issues log (000 rec 4)."""
    _require(actor, perms.MANAGE_RISKS, "log supplier issues")
    if register.kind != RegisterKind.JOINT:
        raise ValidationError("Issues are logged on a joint register held with a supplier")
    title = _text(title, "title", "the issue's title", limit=200)
    description = _text(description, "description", "what the issue is")
    _staff(owner, "owner", "Select who owns the issue on our side")
    raised_on = _not_future(raised_on, "raised_on", "the date the issue was raised")
    if target_on is not None and target_on < raised_on:
        raise ValidationError(
            {"target_on": "The target date must be on or after the date the issue was raised"}
        )
    supplier_contact = _text(
        supplier_contact, "supplier_contact", "the supplier's contact", required=False, limit=200
    )
    if risk is not None and risk.register_id != register.pk:
        raise ValidationError({"risk": "Select a risk on this register"})
    with transaction.atomic():
        locked = RiskRegister.objects.select_for_update().get(pk=register.pk)
        number = (locked.issues.aggregate(n=Max("number"))["n"] or 0) + 1
        issue = SupplierIssue.objects.create(
            register=locked,
            number=number,
            title=title,
            description=description,
            raised_on=raised_on,
            raised_by=_by(actor),
            owner=owner,
            supplier_contact=supplier_contact,
            target_on=target_on,
            status_changed_on=raised_on,
            risk=risk,
            history=[
                {
                    "on": raised_on.isoformat(),
                    "by": getattr(_by(actor), "pk", None),
                    "from": "",
                    "to": SupplierIssueStatus.OPEN,
                    "note": "Raised with the supplier",
                }
            ],
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.supplier_issue_raised",
            target=issue,
            payload={"new": {"register": locked.pk, "title": title, "owner": owner.pk}},
        )
    return issue


def supplier_issue_move(
    *, actor: Actor, issue: SupplierIssue, status: str, note: str
) -> SupplierIssue:
    """Move an issue on (with the supplier, resolved, closed, reopened), with a note; resolving it
    records the note as its resolution."""
    _require(actor, perms.MANAGE_RISKS, "update supplier issues")
    if status not in SupplierIssueStatus.values:
        raise ValidationError({"status": "Select the issue's new status"})
    note = _text(note, "note", "a note of what happened")
    today = clock.today()
    with transaction.atomic():
        locked = SupplierIssue.objects.select_for_update().get(pk=issue.pk)
        if locked.status == status:
            raise ValidationError({"status": "The issue has this status already"})
        old = SUPPLIER_ISSUE_WORKFLOW.move(locked, status)
        locked.status_changed_on = today
        if status == SupplierIssueStatus.RESOLVED:
            locked.resolved_on, locked.resolution = today, note
        elif status == SupplierIssueStatus.OPEN:
            locked.resolved_on, locked.resolution = None, ""
        locked.history = [
            *locked.history,
            {
                "on": today.isoformat(),
                "by": getattr(_by(actor), "pk", None),
                "from": old,
                "to": status,
                "note": note,
            },
        ]
        locked.save()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.supplier_issue_moved",
            target=locked,
            payload={"old": {"status": old}, "new": {"status": status}},
        )
    return locked


# The sweeps live in their own module (the size limit); re-exported here.
from waymark.oversight.services.governance_sweeps import (  # noqa: E402, F401
    actions_overdue_sweep,
    risk_reviews_sweep,
)
