"""Removals (brief casework.md §5): charter flights, removal directions (refused over an open
barrier unless a permitted grade overrides it), their outcome (a failure re-opens the barrier its
reason points to), detention gatekeeping and voluntary-return offers."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.accounts.models import User
from waymark.accounts.rules import grade_at_least
from waymark.casework import permissions as perms
from waymark.casework import rules
from waymark.casework.models import (
    Barrier,
    Case,
    Charter,
    DetentionRequest,
    GatekeepingDecision,
    RemovalDirection,
    ReportingEvent,
    ReportingRestriction,
    VoluntaryReturnOffer,
)
from waymark.casework.services._common import (
    _close_tasks,
    _named_queue,
    _raise,
    _record,
    _require,
    _text,
    _user,
)
from waymark.casework.services.barriers import _barrier_open
from waymark.casework.workflows import CASE, REMOVAL, CaseStatus, RemovalStatus
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import Person
from waymark.people.services import people_lock
from waymark.work import services as work


def blocking_barriers(person: Person):
    return Barrier.objects.filter(person=person, cleared_on__isnull=True, blocks_removal=True)


def charter_create(
    *, actor: Actor, reference: str, destination: str, departs_on: date | None
) -> Charter:
    _require(actor, perms.MANAGE_REMOVALS, "plan charter flights")
    errors: dict[str, str] = {}
    reference = _text(errors, "reference", reference, "Enter the charter reference")
    if Charter.objects.filter(reference=reference).exists():
        errors["reference"] = "A charter with this reference already exists"
    if not destination:
        errors["destination"] = "Select the destination"
    if departs_on is None:
        errors["departs_on"] = "Enter the departure date"
    _raise(errors)
    assert departs_on is not None  # refused above when missing
    charter = Charter.objects.create(
        reference=reference,
        destination=destination.upper(),
        departs_on=departs_on,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb="casework.charter_created",
        target=charter,
        payload={
            "new": {
                "reference": reference,
                "destination": destination,
                "departs_on": departs_on.isoformat(),
            }
        },
    )
    return charter


DIRECTIONS_PLANNED = "This person already has removal directions set; record their outcome first"


def _directions_planned(person: Person) -> bool:
    return RemovalDirection.objects.filter(person=person, status=RemovalStatus.PLANNED).exists()


def removal_directions_set(
    *,
    actor: User,
    person: Person,
    route: str,
    planned_for: date | None,
    flight: str = "",
    charter: Charter | None = None,
    escorts: int = 0,
    override_reason: str = "",
) -> RemovalDirection:
    """Refused while a barrier that blocks removal is open, unless a permitted grade overrides it
    with a reason."""
    _require(actor, perms.MANAGE_REMOVALS, "set removal directions")
    errors: dict[str, str] = {}
    if route not in dict(rules.REMOVAL_ROUTES):
        errors["route"] = "Select the removal route"
    if planned_for is None:
        errors["planned_for"] = "Enter the removal date"
    elif planned_for < clock.today():
        errors["planned_for"] = "The removal date cannot be in the past"
    if charter is not None and planned_for is not None and planned_for != charter.departs_on:
        errors["planned_for"] = (
            f"The charter {charter.reference} departs on {charter.departs_on:%d %B %Y}"
        )
    if escorts < 0:
        errors["escorts"] = "Escorts cannot be negative"
    if _directions_planned(person):
        errors["route"] = DIRECTIONS_PLANNED
    override_reason = (override_reason or "").strip()
    open_barriers = list(blocking_barriers(person))
    if open_barriers:
        names = ", ".join(b.get_barrier_type_display().lower() for b in open_barriers)
        if not override_reason:
            errors["override_reason"] = (
                f"This person has an open barrier that blocks removal ({names}). Clear it, or "
                f"an {rules.BARRIER_OVERRIDE_GRADE} or above may override it with a reason"
            )
        elif not grade_at_least(actor, rules.BARRIER_OVERRIDE_GRADE):
            errors["override_reason"] = (
                f"Only an {rules.BARRIER_OVERRIDE_GRADE} or above may set directions over an "
                f"open barrier ({names})"
            )
    _raise(errors)
    assert planned_for is not None  # refused above when missing
    with transaction.atomic():
        # One set of directions at a time: a second at the same moment waits for the first (the
        # person's lock) and is refused.
        people_lock([person.pk])
        if _directions_planned(person):
            raise ValidationError({"route": DIRECTIONS_PLANNED})
        direction = RemovalDirection.objects.create(
            person=person,
            route=route,
            planned_for=planned_for,
            flight=(flight or "").strip(),
            charter=charter,
            escorts=escorts,
            set_by=_user(actor),
            set_at=clock.now(),
            override_reason=override_reason if open_barriers else "",
        )
        _record(
            actor=actor,
            verb="casework.removal_directions_set",
            target=direction,
            person=person,
            summary=f"Removal directions set: {direction.get_route_display()} on {planned_for:%d %b %Y}"
            + (
                f" on charter {charter.reference}"
                if charter
                else (f", flight {flight}" if flight else "")
            )
            + (f" — barrier overridden: {override_reason}" if open_barriers else ""),
            new={
                "route": route,
                "planned_for": planned_for,
                "charter": getattr(charter, "reference", ""),
                "override_reason": direction.override_reason,
            },
        )
    return direction


def removal_outcome_record(
    *,
    actor: Actor,
    direction: RemovalDirection,
    removed: bool,
    failure_reason: str = "",
    note: str = "",
) -> RemovalDirection:
    """Removed, or failed with a reason from the fixed list; a failure re-opens the right barrier."""
    _require(actor, perms.MANAGE_REMOVALS, "record removal outcomes")
    errors: dict[str, str] = {}
    if direction.status != RemovalStatus.PLANNED:
        errors["failure_reason"] = (
            f"The outcome was already recorded ({direction.get_status_display().lower()})"
        )
    if direction.planned_for > clock.today():
        errors["failure_reason"] = "The removal date has not come yet"
    if not removed and failure_reason not in rules.FAILURE_REASON_LABELS:
        errors["failure_reason"] = "Select why the removal failed"
    if not removed and failure_reason == "other" and not (note or "").strip():
        errors["note"] = "Describe why the removal failed"
    _raise(errors)
    person = direction.person
    with transaction.atomic():
        # Recorded once: a second outcome at the same moment waits for the first (the row lock)
        # and is refused rather than overwriting it and re-opening a second barrier.
        status = RemovalDirection.objects.select_for_update().get(pk=direction.pk).status
        if status != RemovalStatus.PLANNED:
            direction.refresh_from_db()
            raise ValidationError(
                {
                    "failure_reason": "The outcome was already recorded "
                    f"({direction.get_status_display().lower()})"
                }
            )
        REMOVAL.move(direction, RemovalStatus.REMOVED if removed else RemovalStatus.FAILED)
        direction.failure_reason = "" if removed else failure_reason
        direction.outcome_note, direction.outcome_recorded_at = (note or "").strip(), clock.now()
        direction.outcome_recorded_by = _user(actor)
        direction.save()
        label = (
            "Removed"
            if removed
            else f"Removal failed: {rules.FAILURE_REASON_LABELS[failure_reason]}"
        )
        _record(
            actor=actor,
            verb="casework.removal_outcome",
            target=direction,
            person=person,
            summary=f"{label} ({direction.get_route_display()}, {direction.planned_for:%d %b %Y})",
            new={"status": direction.status, "failure_reason": direction.failure_reason},
        )
        if removed:
            case = Case.objects.filter(person=person).first()
            if case is not None:
                CASE.move(case, CaseStatus.REMOVED)
                case.updated_at = clock.now()
                case.save(update_fields=["status", "updated_at"])
            ReportingRestriction.objects.filter(person=person, ends_on__isnull=True).update(
                ends_on=direction.planned_for
            )
            ReportingEvent.objects.filter(
                person=person, due_on__gt=direction.planned_for, outcome=""
            ).update(cancelled=True)
        else:
            barrier_type = rules.FAILURE_REOPENS[failure_reason]
            if barrier_type:
                _barrier_open(
                    actor=actor,
                    person=person,
                    barrier_type=barrier_type,
                    started_on=clock.today(),
                    owner=person.case_owner,
                    detail=f"Re-opened by the failed removal of "
                    f"{direction.planned_for:%d %b %Y}. {note}".strip(),
                    reopened_by=direction,
                )
    return direction


DETENTION_PENDING = "A request to detain this person is already awaiting a decision"


def _detention_pending(person: Person) -> bool:
    return DetentionRequest.objects.filter(
        person=person, decision=GatekeepingDecision.PENDING
    ).exists()


def detention_request(*, actor: User, person: Person, grounds: str) -> DetentionRequest:
    _require(actor, perms.MANAGE_CASEWORK, "ask for detention")
    errors: dict[str, str] = {}
    grounds = _text(errors, "grounds", grounds, "Enter the grounds for detention")
    if _detention_pending(person):
        errors["grounds"] = DETENTION_PENDING
    _raise(errors)
    with transaction.atomic():
        # One pending request a person: a second at the same moment waits for the first (the
        # person's lock) and is refused.
        people_lock([person.pk])
        if _detention_pending(person):
            raise ValidationError({"grounds": DETENTION_PENDING})
        request = DetentionRequest.objects.create(
            person=person, requested_by=actor, requested_at=clock.now(), grounds=grounds
        )
        _record(
            actor=actor,
            verb="casework.detention_requested",
            target=request,
            person=person,
            summary=f"Detention requested: {grounds[:200]}",
            new={"grounds": grounds},
        )
        work.task_create(
            actor=actor,
            task_type=rules.TASK_GATEKEEPING,
            title=f"Detention gatekeeping: {person.full_name}",
            person=person,
            subject=request,
            description=grounds,
            queue=_named_queue(rules.QUEUE_REMOVALS, "Removals: detention gatekeeping", "removals"),
            dedupe_key=f"removals.gatekeeping:{request.pk}",
        )
    return request


def detention_decide(
    *,
    actor: Actor,
    request: DetentionRequest,
    accept: bool,
    rejection_reason: str = "",
    note: str = "",
) -> DetentionRequest:
    """004 rec 3: a rejection records its reason from the list, so rejections can be counted."""
    _require(actor, perms.DECIDE_DETENTION, "decide detention requests")
    errors: dict[str, str] = {}
    if request.decision != GatekeepingDecision.PENDING:
        errors["decision"] = (
            f"This request was already {request.get_decision_display().lower()}"
            + (f" by {request.decided_by.display_name}" if request.decided_by else "")
        )
    if not accept and rejection_reason not in dict(rules.GATEKEEPING_REJECTION_REASONS):
        errors["rejection_reason"] = "Select the reason for rejecting the request"
    if not accept and rejection_reason == "other" and not (note or "").strip():
        errors["note"] = "Explain the reason for rejecting the request"
    user = _user(actor)
    if user is not None and request.requested_by_id == user.pk:
        errors["decision"] = (
            "A request to detain must be decided by someone other than the person who made it"
        )
    _raise(errors)
    with transaction.atomic():
        # Decided once: a second decision at the same moment waits for the first (the row lock)
        # and is refused rather than overwriting it.
        locked = DetentionRequest.objects.select_for_update().get(pk=request.pk)
        if locked.decision != GatekeepingDecision.PENDING:
            request.refresh_from_db()
            raise ValidationError(
                {
                    "decision": f"This request was already {request.get_decision_display().lower()}"
                    + (f" by {request.decided_by.display_name}" if request.decided_by else "")
                }
            )
        request.decision = GatekeepingDecision.ACCEPTED if accept else GatekeepingDecision.REJECTED
        request.rejection_reason = "" if accept else rejection_reason
        request.decision_note, request.decided_by, request.decided_at = (
            (note or "").strip(),
            user,
            clock.now(),
        )
        request.save()
        _record(
            actor=actor,
            verb="casework.detention_decided",
            target=request,
            person=request.person,
            summary=(
                "Detention accepted"
                if accept
                else f"Detention rejected: {dict(rules.GATEKEEPING_REJECTION_REASONS)[rejection_reason]}"
            )
            + (f" — {note}" if note else ""),
            new={"decision": request.decision, "reason": request.rejection_reason},
        )
        _close_tasks(
            actor=actor, prefix=f"removals.gatekeeping:{request.pk}", outcome=request.decision
        )
    return request


def voluntary_return_offer(
    *,
    actor: Actor,
    person: Person,
    option: str,
    context: str,
    outcome: str,
    departed_on: date | None = None,
) -> VoluntaryReturnOffer:
    _require(actor, perms.OFFER_VOLUNTARY_RETURN, "record voluntary-return offers")
    errors: dict[str, str] = {}
    if option not in dict(rules.VOLUNTARY_RETURN_OPTIONS):
        errors["option"] = "Select the option offered"
    if context not in ("reporting", "visit", "other"):
        errors["context"] = "Select where it was offered"
    if outcome not in dict(rules.VOLUNTARY_RETURN_OUTCOMES):
        errors["outcome"] = "Select the outcome"
    if outcome == "departed" and departed_on is None:
        errors["departed_on"] = "Enter the date the person departed"
    _raise(errors)
    with transaction.atomic():
        offer = VoluntaryReturnOffer.objects.create(
            person=person,
            option=option,
            offered_at=clock.now(),
            offered_by=_user(actor),
            context=context,
            outcome=outcome,
            departed_on=departed_on if outcome == "departed" else None,
        )
        _record(
            actor=actor,
            verb="casework.voluntary_return",
            target=offer,
            person=person,
            summary=f"Voluntary return offered ({offer.get_option_display()}): {offer.get_outcome_display().lower()}",
            new={"option": option, "context": context, "outcome": outcome},
        )
    return offer
