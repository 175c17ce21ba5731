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

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from waymark.core import calendars, clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    Action,
    ActionStatus,
    Complaint,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
    ComplaintTheme,
    ComplaintThemeTag,
    Lesson,
    LessonSource,
    RegisterKind,
    Risk,
    RiskAcceptance,
    RiskRegister,
    RiskReview,
    RiskStatus,
    SupplierIssue,
    SupplierIssueStatus,
)
from waymark.oversight.workflows import (
    COMPLAINT_WORKFLOW,
    RISK_WORKFLOW,
    SUPPLIER_ISSUE_WORKFLOW,
)

# ------------------------------------------------------------------------------------------------
# Shared checks


def _require(actor: Actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {doing}")


def _text(value: str, field: str, label: str, *, required: bool = True, limit: int = 0) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"Enter {label}"})
    limit = limit or rules.TEXT_MAX_CHARS
    if len(value) > limit:
        raise ValidationError({field: f"Keep {label} to {limit:,} characters or fewer"})
    return value


def _staff(user: Any, field: str, message: str) -> Any:
    if user is None or not getattr(user, "is_active", False) or getattr(user, "is_machine", False):
        raise ValidationError({field: message})
    return user


def _score(value: Any, field: str, label: str) -> int:
    if value in (None, ""):
        raise ValidationError({field: f"Select the {label}, from 1 to 5"})  # noqa: S608
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not rules.risk_score_valid(number) or str(number) != str(value).strip():
        raise ValidationError(
            {
                field: f"The {label} must be a whole number from {rules.RISK_SCORE_MIN} "
                f"to {rules.RISK_SCORE_MAX}"
            }
        )
    return number


def _not_future(day: date | None, field: str, label: str) -> date:
    if day is None:
        raise ValidationError({field: f"Enter {label}"})
    if day > clock.today():
        raise ValidationError(
            {field: f"{label[:1].upper() + label[1:]} must be today or in the past"}
        )
    return day


def _by(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _first_team(user: Any):
    return user.teams.order_by("pk").first() if user is not None else None


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.LONDON)


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
    if RiskRegister.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A register with this name exists already"})
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


# ------------------------------------------------------------------------------------------------
# Complaints


def _person_for_reference(reference: str) -> int | None:
    """The id of the person with this Waymark reference (read, never written)."""
    from waymark.people.models import Person

    reference = (reference or "").strip().upper()
    if not reference:
        return None
    found = Person.objects.filter(reference=reference).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationError(
            {"person_reference": "No one has this Waymark reference: check it, or leave it blank"}
        )
    return int(found)


def complaint_record(
    *,
    actor: Actor,
    channel: str,
    received_on: date | None,
    complainant: str,
    summary: str,
    themes: list[str],
    person_reference: str = "",
    nation: str = rules.COMPLAINT_DEFAULT_NATION,
) -> Complaint:
    """Record a complaint received by any channel. Its response target is 20 working days from
    receipt, counted with the platform's calendar (``rules.complaint_due_on``)."""
    _require(actor, perms.MANAGE_COMPLAINTS, "record complaints")
    if channel not in ComplaintChannel.values:
        raise ValidationError({"channel": "Select how the complaint was received"})
    received_on = _not_future(received_on, "received_on", "the date the complaint was received")
    complainant = _text(complainant, "complainant", "who complained", limit=200)
    summary = _text(summary, "summary", "what the complaint is about")
    themes = sorted(set(themes or []))
    if not themes:
        raise ValidationError({"themes": "Select at least one theme"})
    if any(t not in ComplaintTheme.values for t in themes):
        raise ValidationError({"themes": "Select themes from the list"})
    if nation not in calendars.NATIONS:
        raise ValidationError({"nation": "Select the nation whose bank holidays apply"})
    person_id = _person_for_reference(person_reference)
    due_on = rules.complaint_due_on(received_on, nation)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            reference=f"new-{uuid.uuid4().hex[:16]}",
            channel=channel,
            received_on=received_on,
            complainant=complainant,
            person_id=person_id,
            summary=summary,
            nation=nation,
            due_on=due_on,
            recorded_at=clock.now(),
            recorded_by=_by(actor),
        )
        complaint.reference = f"CMP-{complaint.pk:06d}"
        complaint.save(update_fields=["reference"])
        ComplaintThemeTag.objects.bulk_create(
            [ComplaintThemeTag(complaint=complaint, theme=t) for t in themes]
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.complaint_recorded",
            target=complaint,
            person_id=person_id,
            payload={
                "new": {
                    "reference": complaint.reference,
                    "channel": channel,
                    "received_on": received_on.isoformat(),
                    "due_on": due_on.isoformat(),
                    "themes": themes,
                }
            },
        )
    return complaint


def complaint_allocate(*, actor: Actor, complaint: Complaint, handler: Any) -> Complaint:
    """Give the complaint to a handler: a task on their team's complaints queue, assigned to them,
    due at the end of the response target date. Reallocating completes the last handler's task."""
    from waymark.work import services as work

    _require(actor, perms.MANAGE_COMPLAINTS, "allocate complaints")
    _staff(handler, "handler", "Select the member of staff who handles the complaint")
    team = _first_team(handler)
    if team is None:
        raise ValidationError(
            {"handler": "This person belongs to no team, so the complaint cannot go on a queue"}
        )
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status == ComplaintStatus.RESPONDED:
            raise ValidationError("This complaint has been responded to already")
        if locked.handler_id == handler.pk:
            raise ValidationError({"handler": "The complaint is allocated to this person already"})
        old = {"status": locked.status, "handler": locked.handler_id}
        COMPLAINT_WORKFLOW.move(locked, ComplaintStatus.ALLOCATED)
        now = clock.now()
        locked.handler, locked.allocated_at, locked.allocated_by = handler, now, _by(actor)
        locked.save(update_fields=["status", "handler", "allocated_at", "allocated_by"])
        scope = f"oversight.complaint:{locked.pk}"
        work.tasks_close_for(
            actor=actor,
            dedupe_scope=scope,
            task_types=[rules.COMPLAINT_TASK_TYPE],
            outcome="reallocated",
        )
        work.task_create(
            actor=actor,
            task_type=rules.COMPLAINT_TASK_TYPE,
            title=f"Respond to complaint {locked.reference}",
            subject=locked,
            queue=work.queue_for(team=team, kind=rules.COMPLAINT_QUEUE_KIND),
            description=f"Received {locked.received_on:%-d %B %Y}; respond by "
            f"{locked.due_on:%-d %B %Y} ({rules.COMPLAINT_RESPONSE_WORKING_DAYS} working days).",
            start=_end_of(locked.due_on),
            dedupe_key=f"{scope}:{handler.pk}:{now:%Y%m%d%H%M%S%f}",
            assignee=handler,
        )
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.complaint_allocated",
            target=locked,
            person_id=locked.person_id,
            payload={"old": old, "new": {"status": locked.status, "handler": handler.pk}},
        )
    return locked


def complaint_respond(
    *,
    actor: Actor,
    complaint: Complaint,
    responded_on: date | None,
    outcome: str,
    response: str,
) -> Complaint:
    """Record the response and its outcome (upheld, partly upheld, not upheld); the handler's task
    is completed. A response dated before the complaint was received is refused."""
    complaint = Complaint.objects.get(pk=complaint.pk)  # the handler as it is now
    if actor is not None and not perms.may_respond_complaint(actor, complaint):
        raise PermissionDenied("Only the complaint's handler, or someone who manages complaints")
    responded_on = _not_future(responded_on, "responded_on", "the date of the response")
    if responded_on < complaint.received_on:
        raise ValidationError(
            {
                "responded_on": "The response date must be on or after the date the complaint "
                f"was received ({complaint.received_on:%-d %B %Y})"
            }
        )
    if outcome not in ComplaintOutcome.values:
        raise ValidationError({"outcome": "Select whether the complaint was upheld"})
    response = _text(response, "response", "the response")
    from waymark.work import services as work

    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status == ComplaintStatus.RECEIVED:
            raise ValidationError("Allocate the complaint to a handler before recording a response")
        if locked.status == ComplaintStatus.RESPONDED:
            raise ValidationError("This complaint has been responded to already")
        old = {"status": locked.status}
        COMPLAINT_WORKFLOW.move(locked, ComplaintStatus.RESPONDED)
        locked.responded_on, locked.outcome, locked.response = responded_on, outcome, response
        locked.responded_by = _by(actor)
        locked.save(update_fields=["status", "responded_on", "outcome", "response", "responded_by"])
        work.tasks_close_for(
            actor=actor,
            dedupe_scope=f"oversight.complaint:{locked.pk}",
            task_types=[rules.COMPLAINT_TASK_TYPE],
            outcome="responded",
        )
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.complaint_responded",
            target=locked,
            person_id=locked.person_id,
            payload={
                "old": old,
                "new": {
                    "status": locked.status,
                    "outcome": outcome,
                    "responded_on": responded_on.isoformat(),
                    "on_time": responded_on <= locked.due_on,
                },
            },
        )
    return locked


# ------------------------------------------------------------------------------------------------
# Lessons learned


def lesson_record(
    *,
    actor: Actor,
    title: str,
    source_type: str,
    source_reference: str,
    summary: str,
    lesson: str,
    owner: Any,
    learned_on: date | None,
    actions: str = "",
) -> Lesson:
    """A lesson learned from a review, litigation or an incident, shared with everyone."""
    _require(actor, perms.MANAGE_LESSONS, "record lessons")
    title = _text(title, "title", "a title", limit=200)
    if source_type not in LessonSource.values:
        raise ValidationError({"source_type": "Select where the lesson came from"})
    source_reference = _text(
        source_reference, "source_reference", "the source's reference", limit=200
    )
    summary = _text(summary, "summary", "what happened")
    lesson = _text(lesson, "lesson", "the lesson")
    actions = _text(actions, "actions", "the actions", required=False)
    _staff(owner, "owner", "Select the lesson's owner")
    learned_on = _not_future(learned_on, "learned_on", "the date the lesson was learned")
    with transaction.atomic():
        record = Lesson.objects.create(
            title=title,
            source_type=source_type,
            source_reference=source_reference,
            summary=summary,
            lesson=lesson,
            actions=actions,
            owner=owner,
            learned_on=learned_on,
            recorded_at=clock.now(),
            recorded_by=_by(actor),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.lesson_recorded",
            target=record,
            payload={"new": {"title": title, "source_type": source_type, "owner": owner.pk}},
        )
    return record


# ------------------------------------------------------------------------------------------------
# Sweeps: overdue risk reviews and overdue tracker actions become tasks on the owner's queue


def _review_tasks_close(*, actor: Actor, risk: Risk, outcome: str) -> None:
    from waymark.work import services as work

    work.tasks_close_for(
        actor=actor,
        dedupe_scope=f"{rules.RISK_REVIEW_TASK_TYPE}:{risk.pk}",
        task_types=[rules.RISK_REVIEW_TASK_TYPE],
        outcome=outcome,
    )


def _owner_task(
    *, task_type: str, owner: Any, subject: Any, title: str, description: str, key: str
) -> bool:
    """One task for ``key`` on the owner's first team's governance queue, assigned to them; False
    when the owner belongs to no team (nothing to put it on)."""
    from waymark.work import services as work

    team = _first_team(owner)
    if team is None:
        return False
    work.task_create(
        actor=None,
        task_type=task_type,
        title=title[:300],
        subject=subject,
        queue=work.queue_for(team=team, kind=rules.GOVERNANCE_QUEUE_KIND),
        description=description[:2000],
        dedupe_key=key[:200],
        assignee=owner,
    )
    return True


def _stale_close(prefix: str, task_type: str, current: set[str], outcome: str) -> int:
    """Complete the sweep's active tasks whose key is no longer due (the item was brought up to
    date, closed, or its date moved)."""
    from waymark.work import selectors as work_selectors
    from waymark.work import services as work

    closed = 0
    for task in work_selectors.tasks_for(dedupe_prefix=prefix, task_types=[task_type]):
        if task.dedupe_key not in current:
            work.task_complete(actor=None, task=task, outcome=outcome)
            closed += 1
    return closed


def risk_reviews_sweep() -> dict[str, int]:
    """Every open risk past its review date gets one review task (keyed by the risk and the date
    it was due, so a second run creates nothing); a task whose review is no longer due closes."""
    today = clock.today()
    keys: set[str] = set()
    raised = no_team = 0
    overdue = Risk.objects.filter(status=RiskStatus.OPEN, next_review_on__lt=today)
    for risk in overdue.select_related("register", "owner").order_by("pk"):
        key = f"{rules.RISK_REVIEW_TASK_TYPE}:{risk.pk}:{risk.next_review_on.isoformat()}"
        keys.add(key)
        made = _owner_task(
            task_type=rules.RISK_REVIEW_TASK_TYPE,
            owner=risk.owner,
            subject=risk,
            title=f"Review risk {risk.number} on {risk.register.name}: {risk.title}",
            description=f"The review was due on {risk.next_review_on:%-d %B %Y} "
            f"({risk.level} risks are reviewed every {rules.RISK_REVIEW_DAYS[risk.level]} days).",
            key=key,
        )
        raised += made
        no_team += not made
    closed = _stale_close(
        f"{rules.RISK_REVIEW_TASK_TYPE}:", rules.RISK_REVIEW_TASK_TYPE, keys, "no longer due"
    )
    return {"overdue": len(keys), "tasks": raised, "owners_without_team": no_team, "closed": closed}


def actions_overdue_sweep() -> dict[str, int]:
    """Every open tracker action past its due date gets one task on its owner's queue (keyed by
    the action and its due date: a revised date is a new deadline); a task whose action closed or
    whose date moved is completed. Idempotent."""
    today = clock.today()
    keys: set[str] = set()
    raised = no_team = 0
    overdue = Action.objects.filter(status=ActionStatus.OPEN, due_on__lt=today)
    for action in overdue.select_related("recommendation", "owner").order_by("pk"):
        key = f"{rules.ACTION_OVERDUE_TASK_TYPE}:{action.pk}:{action.due_on.isoformat()}"
        keys.add(key)
        rec = action.recommendation
        made = _owner_task(
            task_type=rules.ACTION_OVERDUE_TASK_TYPE,
            owner=action.owner,
            subject=action,
            title=f"Overdue action on report {rec.seed} recommendation {rec.number}",
            description=f"Due {action.due_on:%-d %B %Y}: {action.description}. Post an update "
            "(with a revised date if it has moved) or ask for it to be signed off.",
            key=key,
        )
        raised += made
        no_team += not made
    closed = _stale_close(
        f"{rules.ACTION_OVERDUE_TASK_TYPE}:", rules.ACTION_OVERDUE_TASK_TYPE, keys, "up to date"
    )
    return {"overdue": len(keys), "tasks": raised, "owners_without_team": no_team, "closed": closed}
