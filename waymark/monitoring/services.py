"""Writes for electronic monitoring (brief monitoring.md). Every change is audited and, where it
is about a person, put on their single timeline. Numbers come from ``monitoring.rules``.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from waymark.accounts.rules import grade_at_least
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.clock import LONDON
from waymark.core.models import AuditAction
from waymark.monitoring import rules
from waymark.monitoring.models import (
    EVIDENCE_CHECKLIST,
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    Challenge,
    ChallengeKind,
    ChallengeOutcome,
    Condition,
    ConditionStatus,
    DeviceFault,
    DeviceStock,
    DeviceType,
    Exemption,
    ExemptionGround,
    FailureReason,
    FittingOrder,
    FittingPlace,
    GrantedBy,
    JointLogEntry,
    LadderAction,
    LawfulGround,
    Mitigation,
    MitigationDecision,
    OrderKind,
    OrderStatus,
    ProsecutionReferral,
    ReferralStatus,
    RequesterKind,
    Review,
    ReviewOutcome,
    ReviewStatus,
    ServiceFigure,
    SupplierEvent,
    TrailDataRequest,
    TrailDataView,
    TrailOutcome,
    TrailRequestType,
    TrailStatus,
)
from waymark.people.models import BailGrant, Person, VulnerabilityAssessment
from waymark.people.services import timeline_event_record
from waymark.work import services as work

MODULE = "monitoring"


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}")


def _record(
    *,
    actor,
    verb: str,
    target,
    person: Person | None,
    summary: str,
    new: dict | None = None,
    old: dict | None = None,
    action: str = AuditAction.COLLECTION,
    occurred_at=None,
) -> None:
    """Audit the change and put it on the person's timeline (one call, so neither is forgotten)."""
    payload: dict[str, Any] = {}
    if new is not None:
        payload["new"] = {k: _json(v) for k, v in new.items()}
    if old is not None:
        payload["old"] = {k: _json(v) for k, v in old.items()}
    audit_record(
        actor=actor,
        action=action,
        verb=verb,
        target=target,
        person_id=person.pk if person else None,
        payload=payload,
    )
    if person is not None:
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type=verb,
            summary=summary,
            occurred_at=occurred_at,
            actor=actor,
            related=target,
            detail={k: _json(v) for k, v in (new or {}).items()},
        )


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def _task_close(*, actor, task, outcome: str, note: str = "") -> None:
    if task is not None and task.is_active:
        work.task_complete(actor=actor, task=task, outcome=outcome, note=note)


def _required_text(errors: dict, field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


# ------------------------------------------------------------------------------------------------
# §1 Duty, exemptions, bail grants and conditions


def bail_grant_record(
    *, actor, person: Person, granted_by: str, granted_at: datetime, conditions: str = ""
) -> BailGrant:
    """Record a grant of immigration bail on the platform's record of it (people.BailGrant)."""
    _require(actor, "monitoring.manage_em", "record a bail grant")
    errors = {}
    if granted_by not in GrantedBy.values:
        errors["granted_by"] = "Select who granted bail"
    if granted_at is None:
        errors["granted_at"] = "Enter when bail was granted"
    elif granted_at > clock.now() + timedelta(minutes=5):
        errors["granted_at"] = "The date bail was granted must be today or in the past"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        grant = BailGrant.objects.create(
            person=person,
            granted_by=granted_by,
            granted_at=granted_at,
            conditions=conditions.strip(),
        )
        _record(
            actor=actor,
            verb="bail.granted",
            target=grant,
            person=person,
            summary=f"Bail granted by the {grant.get_granted_by_display()}",
            new={"granted_by": granted_by, "granted_at": granted_at},
            occurred_at=granted_at,
        )
    return grant


def release_record(*, actor, condition: Condition, released_at: datetime) -> Condition:
    """The person left detention: a condition still awaiting fitting moves to "released, awaiting a
    device" (000 Figure 5)."""
    _require(actor, "monitoring.manage_em", "record a release")
    if released_at is None or released_at < condition.bail_grant.granted_at:
        raise ValidationError({"released_at": "The release must be after bail was granted"})
    if released_at > clock.now() + timedelta(minutes=5):
        raise ValidationError({"released_at": "The release must be today or in the past"})
    with transaction.atomic():
        condition.released_at = released_at
        condition.save(update_fields=["released_at"])
        _record(
            actor=actor,
            verb="em.released",
            target=condition,
            person=condition.person,
            summary="Released from detention on bail",
            new={"released_at": released_at},
            action=AuditAction.ALTERATION,
            occurred_at=released_at,
        )
    return condition


def exemption_decide(
    *,
    actor,
    person: Person,
    ground: str,
    reasons: str,
    evidence: str,
    decided_on: date,
    review_on: date | None = None,
) -> Exemption:
    """Record that EM is impractical or contrary to Convention rights (000 §1.3-1.4, §5.22)."""
    _require(actor, "monitoring.manage_em", "record an EM exemption")
    errors: dict[str, str] = {}
    if ground not in ExemptionGround.values:
        errors["ground"] = "Select the ground for the exemption"
    reasons = _required_text(errors, "reasons", reasons, "Enter the reasons for the exemption")
    evidence = _required_text(
        errors, "evidence", evidence, "Enter the evidence the decision rests on"
    )
    if decided_on is None:
        errors["decided_on"] = "Enter the date of the decision"
    elif decided_on > clock.today():
        errors["decided_on"] = "The date of the decision must be today or in the past"
    if review_on is not None and decided_on is not None and review_on <= decided_on:
        errors["review_on"] = "The review date must be after the decision"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        exemption = Exemption.objects.create(
            person=person,
            ground=ground,
            reasons=reasons,
            evidence=evidence,
            decided_by=actor,
            decided_on=decided_on,
            review_on=review_on,
            recorded_at=clock.now(),
        )
        _record(
            actor=actor,
            verb="em.exemption_decided",
            target=exemption,
            person=person,
            summary=f"Exempted from electronic monitoring: {exemption.get_ground_display()}",
            new={"ground": ground, "reasons": reasons, "decided_on": decided_on},
        )
    return exemption


def exemption_withdraw(*, actor, exemption: Exemption, reason: str) -> Exemption:
    _require(actor, "monitoring.manage_em", "withdraw an EM exemption")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter why the exemption is withdrawn"})
    if exemption.withdrawn_at is not None:
        raise ValidationError("This exemption has already been withdrawn")
    with transaction.atomic():
        exemption.withdrawn_at = clock.now()
        exemption.withdrawn_reason = reason.strip()
        exemption.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        _record(
            actor=actor,
            verb="em.exemption_withdrawn",
            target=exemption,
            person=exemption.person,
            summary="EM exemption withdrawn",
            new={"reason": exemption.withdrawn_reason},
            action=AuditAction.ALTERATION,
        )
    return exemption


def recommendation_for(person: Person) -> rules.Recommendation:
    """The recommender's advice for this person, from their record (000 §5.30)."""
    longest = (
        person.convictions.filter(sentence_length_days__isnull=False)
        .order_by("-sentence_length_days")
        .first()
    )
    sentence_months = None if longest is None else longest.sentence_length_days // 30
    breaches = Breach.objects.filter(
        person=person, disposition=BreachDisposition.ACTIONABLE
    ).count()
    compliance = (
        person.em_ladder_actions.exists()
        or person.flags.filter(ended_at__isnull=True, flag_type="warning_marker").exists()
    )
    stock = {s.device_type: s.available for s in DeviceStock.objects.all()}
    return rules.device_recommend(
        harm_level=person.harm_level,
        sentence_months=sentence_months,
        breach_count=breaches,
        compliance_concerns=compliance,
        vulnerable=person.vulnerability_assessment == VulnerabilityAssessment.VULNERABLE,
        fitted_available=stock.get(DeviceType.GPS_FITTED, 1),
        non_fitted_available=stock.get(DeviceType.NON_FITTED, 1),
    )


def fitting_limit(grant: BailGrant) -> tuple[datetime, str, int]:
    """When the device must be fitted, by whom bail was granted: (due, rule name, hours)."""
    if grant.granted_by == GrantedBy.IMMIGRATION_JUDGE:
        return (
            grant.granted_at + timedelta(hours=rules.JUDGE_FITTING_HOURS),
            rules.DEADLINE_JUDGE_FITTING,
            rules.JUDGE_FITTING_HOURS,
        )
    hours = rules.sos_fitting_target_hours()
    return grant.granted_at + timedelta(hours=hours), rules.DEADLINE_SOS_FITTING, hours


def condition_impose(
    *,
    actor,
    person: Person,
    bail_grant: BailGrant,
    device_type: str,
    start_date: date,
    held_in_detention: bool = True,
    release_expected_at: datetime | None = None,
    curfew_days: list[int] | None = None,
    curfew_start: time | None = None,
    curfew_end: time | None = None,
    conditions_text: str = "",
    departure_reasons: str = "",
) -> Condition:
    """Impose an EM condition on a bail grant. The fitting deadline follows who granted bail
    (72 hours for a judge); the person has 3 days to make representations (000 §1.24)."""
    _require(actor, "monitoring.manage_em", "impose an EM condition")
    errors: dict[str, str] = {}
    if bail_grant.person_id != person.pk:
        errors["bail_grant"] = "The bail grant is not this person's"
    if device_type not in DeviceType.values:
        errors["device_type"] = "Select the device type"
    if start_date is None:
        errors["start_date"] = "Enter the start date"
    if (curfew_start is None) != (curfew_end is None):
        errors["curfew_start"] = "Enter both the curfew start and end times, or neither"
    days = sorted(set(curfew_days or []))
    if any(d not in range(1, 8) for d in days):
        errors["curfew_days"] = "Curfew days must be days of the week"
    if curfew_start is not None and not days:
        errors["curfew_days"] = "Select the days the curfew applies"
    if Condition.objects.filter(
        person=person, status__in=[ConditionStatus.AWAITING_FITTING, ConditionStatus.ACTIVE]
    ).exists():
        errors["device_type"] = "This person already has an EM condition in force"
    advice = recommendation_for(person)
    if device_type and device_type != advice.device_type and not (departure_reasons or "").strip():
        errors["departure_reasons"] = (
            f"The recommendation is a {DeviceType(advice.device_type).label.lower()}: give your reasons for "
            "choosing a different device"
        )
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    due, rule_name, _hours = fitting_limit(bail_grant)
    with transaction.atomic():
        condition = Condition.objects.create(
            person=person,
            bail_grant=bail_grant,
            device_type=device_type,
            curfew_days=days,
            held_in_detention=held_in_detention,
            release_expected_at=release_expected_at,
            curfew_start=curfew_start,
            curfew_end=curfew_end,
            start_date=start_date,
            conditions_text=conditions_text.strip(),
            decided_at=now,
            decided_by=_user(actor),
            representations_due_at=now + timedelta(days=rules.REPRESENTATIONS_WINDOW_DAYS),
            fitting_due_at=due,
            fitting_limit_rule=rule_name,
            recommended_device_type=advice.device_type,
            recommended_review_months=advice.review_months,
            recommendation_reasons=advice.reasons,
            recommender_version=advice.version,
            departure_reasons=(departure_reasons or "").strip(),
        )
        task_type = (
            rules.TASK_FITTING_JUDGE
            if bail_grant.granted_by == GrantedBy.IMMIGRATION_JUDGE
            else rules.TASK_FITTING_SOS
        )
        work.task_create(
            actor=actor,
            task_type=task_type,
            title=f"Arrange fitting for {person.full_name}",
            person=person,
            subject=condition,
            start=bail_grant.granted_at,
            dedupe_key=f"em-fitting-{condition.pk}",
        )
        _record(
            actor=actor,
            verb="em.condition_imposed",
            target=condition,
            person=person,
            summary=f"EM condition imposed: {condition.get_device_type_display()}",
            new={
                "device_type": device_type,
                "fitting_due_at": due,
                "recommended": advice.device_type,
                "recommender_version": advice.version,
                "departure_reasons": condition.departure_reasons,
                "representations_due_at": condition.representations_due_at,
            },
        )
    return condition


# ------------------------------------------------------------------------------------------------
# §2 Fitting


def _order_reference() -> str:
    last = FittingOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return f"FO-{last + 1:07d}"


def fitting_order_create(
    *,
    actor,
    condition: Condition,
    place: str,
    place_details: str,
    requested_slot_start: datetime,
    language: str = "",
    interpreter_needed: bool = False,
    accept_slot_warning: bool = False,
    kind: str = OrderKind.INSTALL,
) -> FittingOrder:
    """Create an order for the supplier; a background job sends it (``order_send``).

    A slot that cannot meet both the release and the fitting limit is refused with the warning
    (000 §5.12) unless the caseworker confirms it anyway."""
    _require(actor, "monitoring.manage_em", "order a fitting")
    errors: dict[str, str] = {}
    if place not in FittingPlace.values:
        errors["place"] = "Select where the device is to be fitted"
    place_details = _required_text(
        errors, "place_details", place_details, "Enter the address or establishment"
    )
    if requested_slot_start is None:
        errors["requested_slot_start"] = "Enter the requested slot"
    if kind == OrderKind.INSTALL and condition.status != ConditionStatus.AWAITING_FITTING:
        errors["place"] = "This condition is not awaiting a fitting"
    if errors:
        raise ValidationError(errors)
    grant = condition.bail_grant
    warning = ""
    if kind == OrderKind.INSTALL:
        _due, _rule, hours = fitting_limit(grant)
        warning = rules.slot_conflict(
            granted_at=grant.granted_at,
            release_at=condition.release_expected_at,
            slot_start=requested_slot_start,
            at_prison=place == FittingPlace.PRISON,
            limit_hours=hours if grant.granted_by == GrantedBy.IMMIGRATION_JUDGE else None,
        )
        if warning and not accept_slot_warning:
            raise ValidationError({"requested_slot_start": warning})
    with transaction.atomic():
        order = FittingOrder.objects.create(
            reference=_order_reference(),
            condition=condition,
            person=condition.person,
            kind=kind,
            place=place,
            place_details=place_details,
            language=language.strip(),
            interpreter_needed=interpreter_needed,
            requested_slot_start=requested_slot_start,
            slot_warning=warning,
            created_by=_user(actor),
            created_at=clock.now(),
        )
        _record(
            actor=actor,
            verb="em.order_created",
            target=order,
            person=condition.person,
            summary=f"{order.get_kind_display()} order {order.reference} for the supplier",
            new={
                "reference": order.reference,
                "place": place,
                "slot": requested_slot_start,
                "slot_warning": warning,
            },
        )
        transaction.on_commit(lambda: _order_send_enqueue(order.pk))
    return order


def _order_send_enqueue(order_id: int) -> None:
    from waymark.monitoring.tasks import order_send_task

    order_send_task.enqueue(order_id)


def order_payload(order: FittingOrder) -> dict[str, Any]:
    person = order.person
    return {
        "order_reference": order.reference,
        "kind": order.kind,
        "person_reference": person.reference,
        "name": person.full_name,
        "place": order.place,
        "place_details": order.place_details,
        "language": order.language,
        "interpreter_needed": order.interpreter_needed,
        "requested_slot_start": order.requested_slot_start.isoformat(),
        "device_type": order.condition.device_type,
        "curfew": None
        if not order.condition.has_curfew
        else {
            "days": order.condition.curfew_days,
            "start": order.condition.curfew_start.isoformat(),
            "end": order.condition.curfew_end.isoformat(),
        },
    }


class OrderNotSent(Exception):
    """The transport failed; the attempt is recorded and the job retries later."""


def order_send(*, order_id: int, transport) -> FittingOrder:
    """Send one order; ``transport(payload)`` raises on failure. A failed attempt is recorded and
    ``OrderNotSent`` raised so the job retries; after the last attempt the order is marked and a task
    tells the Hub (never silently lost)."""
    error = ""
    with transaction.atomic():
        order = FittingOrder.objects.select_for_update().get(pk=order_id)
        if order.status not in (OrderStatus.QUEUED, OrderStatus.SEND_FAILED):
            return order
        order.send_attempts += 1
        try:
            transport(order_payload(order))
        except Exception as exc:  # any transport failure is recorded and retried
            error = order.last_send_error = str(exc)[:300] or exc.__class__.__name__
            final = order.send_attempts >= rules.OUTBOUND_MAX_ATTEMPTS
            if final:
                order.status = OrderStatus.SEND_FAILED
                work.task_create(
                    actor=None,
                    task_type=rules.TASK_SEND_FAILED,
                    title=f"Order {order.reference} could not be sent",
                    person=order.person,
                    subject=order,
                    dedupe_key=f"em-send-failed-{order.pk}",
                    description=order.last_send_error,
                )
            order.save(update_fields=["send_attempts", "last_send_error", "status"])
            audit_record(
                actor=None,
                action=AuditAction.DISCLOSURE,
                verb="em.order_send_failed",
                target=order,
                person_id=order.person_id,
                payload={
                    "attempt": order.send_attempts,
                    "final": final,
                    "error": order.last_send_error,
                },
                recipient="monitoring supplier",
                purpose="fitting order",
            )
            if final:
                return order
        else:
            order.status = OrderStatus.SENT
            order.sent_at = clock.now()
            order.last_send_error = ""
            order.save(update_fields=["status", "sent_at", "send_attempts", "last_send_error"])
            audit_record(
                actor=None,
                action=AuditAction.DISCLOSURE,
                verb="em.order_sent",
                target=order,
                person_id=order.person_id,
                payload={"reference": order.reference},
                recipient="monitoring supplier",
                purpose=f"{order.get_kind_display()} order",
            )
            return order
    raise OrderNotSent(error)


def slot_answer(
    *,
    actor,
    order: FittingOrder,
    confirmed: bool,
    slot_start: datetime | None = None,
    reason: str = "",
) -> FittingOrder:
    if order.status not in (OrderStatus.SENT, OrderStatus.QUEUED, OrderStatus.SLOT_DECLINED):
        raise ValidationError(
            {"order_reference": f"Order {order.reference} is not waiting for a slot answer"}
        )
    if not confirmed and not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason the slot is declined"})
    with transaction.atomic():
        order.slot_answered_at = clock.now()
        if confirmed:
            order.status = OrderStatus.SLOT_CONFIRMED
            order.confirmed_slot_start = slot_start or order.requested_slot_start
        else:
            order.status = OrderStatus.SLOT_DECLINED
            order.decline_reason = reason.strip()[:300]
        order.save(
            update_fields=["slot_answered_at", "status", "confirmed_slot_start", "decline_reason"]
        )
        _record(
            actor=actor,
            verb="em.slot_answered",
            target=order,
            person=order.person,
            summary=(
                f"Supplier confirmed the slot for {order.reference}"
                if confirmed
                else f"Supplier declined the slot for {order.reference}: {order.decline_reason}"
            ),
            new={"confirmed": confirmed, "slot": order.confirmed_slot_start},
            action=AuditAction.ALTERATION,
        )
    return order


def fitting_outcome_record(
    *,
    actor,
    order: FittingOrder,
    fitted: bool,
    at: datetime,
    device_serial: str = "",
    issued_phone_number: str = "",
    failure_reason: str = "",
    failure_detail: str = "",
) -> FittingOrder:
    """Fitted (serial, issued phone, time) or failed with a reason (brief monitoring §2)."""
    errors: dict[str, str] = {}
    if order.status in (
        OrderStatus.FITTED,
        OrderStatus.FAILED,
        OrderStatus.COMPLETED,
        OrderStatus.CANCELLED,
    ):
        errors["order_reference"] = f"Order {order.reference} already has an outcome"
    if at is None:
        errors["at"] = "Enter when the visit took place"
    if fitted:
        device_serial = _required_text(
            errors, "device_serial", device_serial, "Enter the device serial number"
        )
    elif failure_reason not in FailureReason.values:
        errors["failure_reason"] = "Select why the fitting failed"
    if errors:
        raise ValidationError(errors)
    condition = order.condition
    with transaction.atomic():
        order.outcome_at = at
        if fitted:
            order.status = (
                OrderStatus.FITTED if order.kind == OrderKind.INSTALL else OrderStatus.COMPLETED
            )
            if order.kind == OrderKind.INSTALL:
                condition.status = ConditionStatus.ACTIVE
                condition.device_serial = device_serial
                condition.issued_phone_number = (issued_phone_number or "").strip()
                condition.fitted_at = at
                condition.save(
                    update_fields=["status", "device_serial", "issued_phone_number", "fitted_at"]
                )
                for task in condition_tasks(
                    condition, [rules.TASK_FITTING_JUDGE, rules.TASK_FITTING_SOS]
                ):
                    _task_close(
                        actor=actor, task=task, outcome="fitted", note=f"Device {device_serial}"
                    )
        else:
            order.status = OrderStatus.FAILED
            order.failure_reason = failure_reason
            order.failure_detail = (failure_detail or "").strip()[:300]
        order.save(update_fields=["outcome_at", "status", "failure_reason", "failure_detail"])
        _record(
            actor=actor,
            verb="em.fitting_outcome",
            target=order,
            person=order.person,
            summary=(
                f"Device fitted ({device_serial})"
                if fitted
                else f"Fitting failed: {order.get_failure_reason_display()}"
            ),
            new={
                "fitted": fitted,
                "device_serial": device_serial,
                "issued_phone_number": issued_phone_number,
                "failure_reason": failure_reason,
            },
            occurred_at=at,
        )
    return order


def condition_tasks(condition: Condition, task_types: list[str]):
    from waymark.work.models import Task

    return Task.objects.filter(
        subject_type=condition._meta.label_lower,
        subject_id=str(condition.pk),
        task_type__in=task_types,
    )


def conveyance_confirmation_store(
    *, actor, condition: Condition, file_name: str, content: bytes, content_type: str = ""
):
    """A confirmation of conveyance served in prison, stored as a document (000 §5.29, note 24)."""
    from waymark.documents.models import DocumentType
    from waymark.documents.services import document_store

    _require(actor, "monitoring.manage_em", "store a confirmation of conveyance")
    return document_store(
        actor=actor,
        person=condition.person,
        file_name=file_name,
        content=content,
        content_type=content_type,
        document_type=DocumentType.EVIDENCE,
        source="monitoring",
        title="Confirmation of conveyance",
        related=condition,
    )


def slot_silence_flag() -> int:
    """Sweep: orders sent with no slot answer past the configured time get a chasing task."""
    cutoff = clock.now() - rules.slot_answer_silence()
    flagged = 0
    for order in FittingOrder.objects.filter(
        status=OrderStatus.SENT, sent_at__lt=cutoff, silence_flagged_at__isnull=True
    ).select_related("person"):
        with transaction.atomic():
            updated = FittingOrder.objects.filter(
                pk=order.pk, silence_flagged_at__isnull=True
            ).update(silence_flagged_at=clock.now())
            if not updated:
                continue
            work.task_create(
                actor=None,
                task_type=rules.TASK_SLOT_SILENCE,
                title=f"No slot answer for {order.reference}",
                person=order.person,
                subject=order,
                dedupe_key=f"em-slot-silence-{order.pk}",
                description=f"Sent {order.sent_at:%d %b %Y %H:%M}; no answer from the supplier.",
            )
            flagged += 1
    return flagged


# ------------------------------------------------------------------------------------------------
# Supplier events (inbound). The event id is unique: a repeat is a replay of the first answer.


class EventConflict(Exception):
    """The same event id arrived with a different body."""


def supplier_event_receive(
    *,
    client_label: str,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    body: bytes,
    idempotency_key: str = "",
    handler,
) -> tuple[SupplierEvent, bool]:
    """Store the event and apply it in one transaction; return ``(event, created)``.

    ``handler(event)`` applies it and returns the response body. A ValidationError from the handler
    rolls everything back, so nothing is stored. A concurrent duplicate waits on the unique index,
    then finds the first and replays its answer."""
    sha = hashlib.sha256(body).hexdigest()
    existing = SupplierEvent.objects.filter(client_label=client_label, event_id=event_id).first()
    if existing is not None:
        return _replay(existing, sha), False
    try:
        with transaction.atomic():
            event = SupplierEvent.objects.create(
                event_id=event_id,
                event_type=event_type,
                idempotency_key=idempotency_key,
                body_sha256=sha,
                payload=payload,
                received_at=clock.now(),
                client_label=client_label,
            )
            event.response_body = handler(event)
            event.save(update_fields=["response_body"])
            audit_record(
                actor=None,
                action=AuditAction.COLLECTION,
                verb=f"em.supplier.{event_type}",
                target=event,
                person_id=event.response_body.get("person_id"),
                payload={"new": {"event_id": event_id}},
            )
        return event, True
    except IntegrityError:
        existing = SupplierEvent.objects.filter(
            client_label=client_label, event_id=event_id
        ).first()
        if existing is None:
            raise
        return _replay(existing, sha), False


def _replay(event: SupplierEvent, sha: str) -> SupplierEvent:
    if event.body_sha256 != sha:
        raise EventConflict(f"Event {event.event_id} was already received with a different body")
    return event


def person_by_reference(reference: str) -> Person:
    person = Person.objects.filter(reference=reference).first()
    if person is None:
        raise ValidationError({"person_reference": f"No person with the reference {reference!r}"})
    if person.merged_into_id:
        person = Person.objects.get(pk=person.merged_into_id)
    return person


def order_by_reference(reference: str) -> FittingOrder:
    order = (
        FittingOrder.objects.select_related("condition", "person")
        .filter(reference=reference)
        .first()
    )
    if order is None:
        raise ValidationError({"order_reference": f"No order with the reference {reference!r}"})
    return order


# ------------------------------------------------------------------------------------------------
# §3 Breaches


def _current_condition(person: Person) -> Condition | None:
    return (
        Condition.objects.filter(person=person)
        .exclude(status=ConditionStatus.CEASED)
        .order_by("-decided_at")
        .first()
    )


def breach_ingest(
    *,
    event: SupplierEvent | None,
    person: Person,
    breach_type: str,
    started_at: datetime,
    ended_at: datetime | None,
    details: str = "",
) -> Breach:
    """Store one breach; battery breaches accumulate (000 §5.16), the rest become prioritised work
    (000 §5.14). The first breach after fitting also prompts a phone call (000 §5.92)."""
    errors: dict[str, str] = {}
    if breach_type not in rules.BREACH_TYPE_LABELS:
        errors["breach_type"] = f"Unknown breach type {breach_type!r}"
    if ended_at is not None and started_at is not None and ended_at < started_at:
        errors["ended_at"] = "The end of a breach must not be before its start"
    if started_at is not None and started_at > clock.now() + rules.SIGNATURE_TOLERANCE:
        errors["started_at"] = "A breach cannot start in the future"
    if errors:
        raise ValidationError(errors)
    condition = _current_condition(person)
    first_since_fitting = (
        condition is not None
        and condition.fitted_at is not None
        and not Breach.objects.filter(person=person, started_at__gte=condition.fitted_at).exists()
    )
    is_battery = breach_type == rules.BATTERY
    breach = Breach.objects.create(
        event=event,
        person=person,
        condition=condition,
        breach_type=breach_type,
        started_at=started_at,
        ended_at=ended_at,
        received_at=clock.now(),
        details=(details or "")[:2000],
        disposition=BreachDisposition.BATTERY_BELOW if is_battery else BreachDisposition.ACTIONABLE,
    )
    timeline_event_record(
        person=person,
        module=MODULE,
        event_type="em.breach_received",
        summary=f"Breach reported: {rules.BREACH_TYPE_LABELS[breach_type]}",
        occurred_at=started_at,
        related=breach,
        detail={"started_at": started_at, "ended_at": ended_at},
    )
    if is_battery:
        battery_evaluate(person=person)
    else:
        _breach_make_actionable(breach)
    if first_since_fitting:
        phone = condition.issued_phone_number
        work.task_create(
            actor=None,
            task_type=rules.TASK_FIRST_BREACH_CONTACT,
            title=f"Phone {person.full_name} about their first breach",
            person=person,
            subject=breach,
            dedupe_key=f"em-first-breach-{condition.pk}",
            description=(
                f"Call the phone issued at fitting: {phone}"
                if phone
                else "No phone number was recorded at fitting: record it, then call (data quality)"
            ),
        )
    return breach


def _actionable_count(person: Person) -> int:
    """Actionable breaches and accumulated violations so far, less any whose mitigation was accepted."""
    breaches = (
        Breach.objects.filter(person=person, disposition=BreachDisposition.ACTIONABLE)
        .exclude(mitigations__decision=MitigationDecision.ACCEPTED)
        .count()
    )
    return breaches + AccumulatedViolation.objects.filter(person=person).count()


def _breach_make_actionable(breach: Breach) -> None:
    oc = breach.duration if breach.breach_type == "out_of_contact" else None
    breach.priority, breach.priority_reason = rules.breach_priority(breach.breach_type, oc)
    step = rules.ladder_step_for(_actionable_count(breach.person), breach.breach_type)
    breach.ladder_step = step.number
    breach.task = work.task_create(
        actor=None,
        task_type=rules.TASK_BREACH,
        title=f"{rules.BREACH_TYPE_LABELS[breach.breach_type]}: {breach.person.full_name}",
        person=breach.person,
        subject=breach,
        priority=breach.priority,
        priority_reason=breach.priority_reason,
        dedupe_key=f"em-breach-{breach.pk}",
        description=f"Escalation ladder: step {step.number}, {step.label}.",
    )
    breach.save(update_fields=["priority", "priority_reason", "ladder_step", "task"])


def battery_evaluate(*, person: Person) -> AccumulatedViolation | None:
    """The accumulated battery rule (000 §5.16, note 20): uncounted, ended battery breaches are
    summed over a rolling window; when a window's sum reaches the threshold, one violation is raised
    and those breaches are counted (each breach is counted once)."""
    pending = list(
        Breach.objects.select_for_update()
        .filter(
            person=person,
            breach_type=rules.BATTERY,
            disposition=BreachDisposition.BATTERY_BELOW,
            ended_at__isnull=False,
        )
        .order_by("started_at", "pk")
    )
    raised = None
    for first, last, total in rules.battery_violations(
        [(b.started_at, b.ended_at) for b in pending]
    ):
        raised = _violation_raise(person, pending[first : last + 1], total)
    return raised


def _violation_raise(
    person: Person, counted: list[Breach], total: timedelta
) -> AccumulatedViolation:
    longest = max(b.ended_at - b.started_at for b in counted)
    violation = AccumulatedViolation.objects.create(
        person=person,
        window_start=counted[0].started_at,
        window_end=counted[-1].ended_at,
        total_seconds=int(total.total_seconds()),
        raised_at=clock.now(),
    )
    Breach.objects.filter(pk__in=[b.pk for b in counted]).update(
        disposition=BreachDisposition.BATTERY_COUNTED, accumulated=violation
    )
    priority, reason = rules.breach_priority(rules.BATTERY, longest)
    if priority == rules.PRIORITY_OTHER:
        reason = (
            f"{total.total_seconds() / 3600:.1f} hours out of contact (battery) within "
            f"{rules.battery_window().days} days: one accumulated violation (000 §5.16)"
        )
    step = rules.ladder_step_for(_actionable_count(person), rules.BATTERY)
    violation.task = work.task_create(
        actor=None,
        task_type=rules.TASK_ACCUMULATED_BATTERY,
        title=f"Accumulated battery violation: {person.full_name}",
        person=person,
        subject=violation,
        priority=priority,
        priority_reason=reason,
        dedupe_key=f"em-accumulated-{violation.pk}",
        description=f"{len(counted)} battery breaches. Escalation ladder: step {step.number}, {step.label}.",
    )
    violation.save(update_fields=["task"])
    timeline_event_record(
        person=person,
        module=MODULE,
        event_type="em.accumulated_violation",
        summary=f"Accumulated battery violation ({total.total_seconds() / 3600:.1f} hours)",
        related=violation,
        detail={"breaches": len(counted)},
    )
    return violation


def breach_end_record(*, breach: Breach, ended_at: datetime) -> Breach:
    if breach.ended_at is not None:
        if breach.ended_at == ended_at:
            return breach
        raise ValidationError({"ended_at": "This breach already has an end time"})
    if ended_at < breach.started_at:
        raise ValidationError({"ended_at": "The end of a breach must not be before its start"})
    breach.ended_at = ended_at
    breach.save(update_fields=["ended_at"])
    if breach.breach_type == rules.BATTERY:
        battery_evaluate(person=breach.person)
    return breach


def mitigation_record(
    *, actor, breach: Breach, given_by: str, explanation: str, received_on: date
) -> Mitigation:
    _require(actor, "monitoring.manage_em", "record mitigation")
    errors: dict[str, str] = {}
    if given_by not in ("person", "representative"):
        errors["given_by"] = "Select who gave the explanation"
    explanation = _required_text(errors, "explanation", explanation, "Enter the explanation given")
    if received_on is None or received_on > clock.today():
        errors["received_on"] = "Enter the date it was received, today or in the past"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        mitigation = Mitigation.objects.create(
            breach=breach,
            given_by=given_by,
            explanation=explanation,
            received_on=received_on,
            recorded_by=_user(actor),
            recorded_at=clock.now(),
        )
        _record(
            actor=actor,
            verb="em.mitigation_received",
            target=mitigation,
            person=breach.person,
            summary="Explanation received for a breach",
            new={"given_by": given_by},
        )
    return mitigation


def mitigation_decide(
    *,
    actor,
    mitigation: Mitigation,
    decision: str,
    reasons: str,
    communicated_on: date,
    method: str,
) -> Mitigation:
    """Decide the explanation and record that the person was told (000 §1.33, §5.82)."""
    _require(actor, "monitoring.manage_em", "decide mitigation")
    errors: dict[str, str] = {}
    if mitigation.decision:
        errors["decision"] = "This explanation has already been decided"
    if decision not in (MitigationDecision.ACCEPTED, MitigationDecision.REJECTED):
        errors["decision"] = "Select whether the explanation is accepted"
    reasons = _required_text(errors, "reasons", reasons, "Enter the reasons for the decision")
    method = _required_text(errors, "method", method, "Enter how the person was told")
    if communicated_on is None or communicated_on > clock.today():
        errors["communicated_on"] = "Enter the date the person was told, today or in the past"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        mitigation.decision, mitigation.decision_reasons = decision, reasons
        mitigation.decided_by, mitigation.decided_at = actor, clock.now()
        mitigation.communicated_on, mitigation.communicated_by_method = communicated_on, method
        mitigation.save()
        _record(
            actor=actor,
            verb="em.mitigation_decided",
            target=mitigation,
            person=mitigation.breach.person,
            summary=f"Explanation for a breach: {mitigation.get_decision_display()}",
            new={"decision": decision, "reasons": reasons, "communicated_on": communicated_on},
            action=AuditAction.ALTERATION,
        )
    return mitigation


def ladder_apply(*, actor, breach: Breach) -> LadderAction:
    """Apply the breach's step of the published ladder: a warning letter (generated and stored) or a
    prosecution referral case file (000 §5.83-5.84, §5.19)."""
    from waymark.documents.models import LetterTemplate
    from waymark.documents.services import letter_generate

    _require(actor, "monitoring.manage_em", "apply the escalation ladder")
    if breach.disposition != BreachDisposition.ACTIONABLE or breach.ladder_step is None:
        raise ValidationError("Only an actionable breach has a step on the ladder")
    if LadderAction.objects.filter(breach=breach).exists():
        raise ValidationError("The ladder has already been applied for this breach")
    if breach.mitigations.filter(decision=MitigationDecision.ACCEPTED).exists():
        raise ValidationError("The explanation for this breach was accepted: no further action")
    step = rules.ESCALATION_LADDER[breach.ladder_step - 1]
    with transaction.atomic():
        letter = None
        if step.letter_template:
            template = (
                LetterTemplate.objects.filter(key=step.letter_template).order_by("-version").first()
            )
            if template is None:
                raise ValidationError(f"The letter template {step.letter_template} is missing")
            letter = letter_generate(
                actor=actor,
                template=template,
                person=breach.person,
                extra={
                    "breach_type": rules.BREACH_TYPE_LABELS[breach.breach_type],
                    "breach_date": breach.started_at.astimezone(LONDON).strftime("%-d %B %Y"),
                },
            )
        action = LadderAction.objects.create(
            person=breach.person,
            breach=breach,
            step=step.number,
            step_key=step.key,
            letter=letter,
            applied_by=_user(actor),
            applied_at=clock.now(),
        )
        if step.key == "prosecution":
            referral_open(actor=actor, person=breach.person, breaches=[breach])
        _record(
            actor=actor,
            verb="em.ladder_applied",
            target=action,
            person=breach.person,
            summary=f"Escalation ladder step {step.number}: {step.label}",
            new={"step": step.number, "letter": letter.pk if letter else None},
        )
    return action


def referral_open(*, actor, person: Person, breaches: list[Breach]) -> ProsecutionReferral:
    referral = ProsecutionReferral.objects.create(
        person=person,
        opened_by=_user(actor),
        opened_at=clock.now(),
        checklist={key: False for key, _ in EVIDENCE_CHECKLIST},
    )
    referral.breaches.set(breaches)
    _record(
        actor=actor,
        verb="em.referral_opened",
        target=referral,
        person=person,
        summary="Prosecution referral case file opened",
        new={"breaches": [b.pk for b in breaches]},
    )
    return referral


def referral_update(
    *,
    actor,
    referral: ProsecutionReferral,
    status: str,
    checklist: dict[str, bool],
    compliance_attempts: str = "",
    outcome_note: str = "",
) -> ProsecutionReferral:
    _require(actor, "monitoring.manage_em", "update a prosecution referral")
    errors: dict[str, str] = {}
    if status not in ReferralStatus.values:
        errors["status"] = "Select the status"
    clean = {key: bool(checklist.get(key)) for key, _ in EVIDENCE_CHECKLIST}
    if status == ReferralStatus.REFERRED and not all(clean.values()):
        missing = [label for key, label in EVIDENCE_CHECKLIST if not clean[key]]
        errors["checklist"] = "The case file is not complete: " + "; ".join(missing)
    if status == ReferralStatus.REFERRED and not (compliance_attempts or "").strip():
        errors["compliance_attempts"] = "Describe the compliance attempts made before referring"
    if errors:
        raise ValidationError(errors)
    old = {"status": referral.status}
    with transaction.atomic():
        referral.status, referral.checklist = status, clean
        referral.compliance_attempts = (compliance_attempts or "").strip()
        referral.outcome_note = (outcome_note or "").strip()
        if status == ReferralStatus.REFERRED and referral.referred_at is None:
            referral.referred_at = clock.now()
        if status in (
            ReferralStatus.DECLINED,
            ReferralStatus.NO_FURTHER_ACTION,
            ReferralStatus.CONVICTED,
            ReferralStatus.ACQUITTED,
        ):
            referral.closed_at = clock.now()
        referral.save()
        _record(
            actor=actor,
            verb="em.referral_updated",
            target=referral,
            person=referral.person,
            summary=f"Prosecution referral: {referral.get_status_display()}",
            old=old,
            new={"status": status},
            action=AuditAction.ALTERATION,
        )
    return referral


def device_fault_record(
    *, event: SupplierEvent | None, device_serial: str, cause: str, reported_at: datetime
) -> DeviceFault:
    from waymark.monitoring.models import FaultCause

    if cause not in FaultCause.values:
        raise ValidationError({"cause": f"Unknown fault cause {cause!r}"})
    condition = (
        Condition.objects.filter(device_serial=device_serial).order_by("-decided_at").first()
    )
    return DeviceFault.objects.create(
        event=event,
        person=condition.person if condition else None,
        device_serial=device_serial,
        cause=cause,
        reported_at=reported_at,
    )


def service_figures_record(
    *, event: SupplierEvent | None, month: date, figures: dict[str, dict]
) -> list[ServiceFigure]:
    errors = {}
    for measure, values in figures.items():
        if measure not in rules.SERVICE_LEVELS:
            errors[f"figures.{measure}"] = f"Unknown service level {measure!r}"
        elif not (0 <= int(values.get("met", -1)) <= int(values.get("total", -1))):
            errors[f"figures.{measure}"] = "met must be between 0 and total"
    if errors:
        raise ValidationError(errors)
    month = month.replace(day=1)
    rows = []
    for measure, values in figures.items():
        row, _ = ServiceFigure.objects.update_or_create(
            month=month,
            measure=measure,
            defaults={"met": values["met"], "total": values["total"], "event": event},
        )
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------------------------
# §4 Reviews and challenges


def next_review_due(condition: Condition) -> date | None:
    last = condition.reviews.order_by("-due_on").first()
    base = (
        last.due_on
        if last
        else (condition.fitted_at.astimezone(LONDON).date() if condition.fitted_at else None)
    )
    return None if base is None else base + relativedelta(months=rules.REVIEW_INTERVAL_MONTHS)


def reviews_schedule(*, today: date | None = None) -> int:
    """Sweep: every active condition has its next 3-monthly review scheduled once it is within the
    lead time (000 §5.17). The unique (condition, due date) constraint makes a rerun harmless."""
    today = today or clock.today()
    created = 0
    active = (
        Condition.objects.filter(status=ConditionStatus.ACTIVE, fitted_at__isnull=False)
        .exclude(reviews__status__in=[ReviewStatus.DUE, ReviewStatus.AWAITING_SIGN_OFF])
        .select_related("person")
    )
    for condition in active.iterator(chunk_size=500):
        due_on = next_review_due(condition)
        if due_on is None or due_on - timedelta(days=rules.REVIEW_LEAD_DAYS) > today:
            continue
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    person=condition.person,
                    condition=condition,
                    due_on=due_on,
                    created_at=clock.now(),
                )
                start = datetime.combine(due_on, time(17, 0), tzinfo=LONDON)
                review.task = work.task_create(
                    actor=None,
                    task_type=rules.TASK_REVIEW,
                    title=f"EM review: {condition.person.full_name}",
                    person=condition.person,
                    subject=review,
                    start=start,
                    dedupe_key=f"em-review-{review.pk}",
                )
                review.save(update_fields=["task"])
                audit_record(
                    actor=None,
                    action=AuditAction.COLLECTION,
                    verb="em.review_scheduled",
                    target=review,
                    person_id=review.person_id,
                    payload={"new": {"due_on": due_on.isoformat()}},
                )
                created += 1
        except IntegrityError:
            continue
    return created


def review_decide(
    *,
    actor,
    review: Review,
    outcome: str,
    reasons_vulnerability: str,
    reasons_medical: str,
    reasons_convention_rights: str,
    reasons_harm: str,
) -> Review:
    """Record the review's outcome with reasons on each head. Continue completes it; cease or vary
    completes only with HEO sign-off (000 §3.11, §5.77), at once if the decider is HEO or above."""
    _require(actor, "monitoring.manage_em", "record an EM review")
    errors: dict[str, str] = {}
    if review.status != ReviewStatus.DUE:
        errors["outcome"] = "This review has already been decided"
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = "Select the outcome of the review"
    texts = {
        "reasons_vulnerability": (
            reasons_vulnerability,
            "Enter your consideration of vulnerability",
        ),
        "reasons_medical": (reasons_medical, "Enter your consideration of medical evidence"),
        "reasons_convention_rights": (
            reasons_convention_rights,
            "Enter your consideration of Convention rights",
        ),
        "reasons_harm": (reasons_harm, "Enter your consideration of harm"),
    }
    clean = {
        field: _required_text(errors, field, value, message)
        for field, (value, message) in texts.items()
    }
    if errors:
        raise ValidationError(errors)
    needs_sign_off = outcome != ReviewOutcome.CONTINUE
    with transaction.atomic():
        for field, value in clean.items():
            setattr(review, field, value)
        review.outcome, review.decided_by, review.decided_at = outcome, actor, clock.now()
        review.status = ReviewStatus.AWAITING_SIGN_OFF if needs_sign_off else ReviewStatus.COMPLETED
        review.save()
        _task_close(
            actor=actor, task=review.task, outcome="decided", note=review.get_outcome_display()
        )
        _record(
            actor=actor,
            verb="em.review_decided",
            target=review,
            person=review.person,
            summary=f"EM review: {review.get_outcome_display()}",
            new={"outcome": outcome, **clean},
            action=AuditAction.ALTERATION,
        )
        if needs_sign_off:
            if grade_at_least(actor, rules.SIGN_OFF_GRADE):
                review_sign_off(
                    actor=actor, review=review, agree=True, note="Decided at HEO or above"
                )
            else:
                work.task_create(
                    actor=actor,
                    task_type=rules.TASK_REVIEW_SIGN_OFF,
                    title=f"Sign off EM review: {review.person.full_name}",
                    person=review.person,
                    subject=review,
                    dedupe_key=f"em-review-sign-off-{review.pk}",
                )
    return review


def review_sign_off(*, actor, review: Review, agree: bool, note: str = "") -> Review:
    """HEO sign-off of a cease or vary outcome (000 §3.11, §5.77). Disagreeing returns it as due."""
    if not grade_at_least(actor, rules.SIGN_OFF_GRADE):
        raise PermissionDenied(
            f"Ceasing or varying EM needs sign-off by a {rules.SIGN_OFF_GRADE.label} or above"
        )
    _require(actor, "monitoring.manage_em", "sign off an EM review")
    if review.status != ReviewStatus.AWAITING_SIGN_OFF:
        raise ValidationError("This review is not awaiting sign-off")
    if not agree and not (note or "").strip():
        raise ValidationError({"note": "Say why you do not agree"})
    with transaction.atomic():
        for task in condition_tasks_for(review, [rules.TASK_REVIEW_SIGN_OFF]):
            _task_close(
                actor=actor, task=task, outcome="signed_off" if agree else "returned", note=note
            )
        if not agree:
            review.status, review.outcome = ReviewStatus.DUE, ""
            review.save(update_fields=["status", "outcome"])
            _record(
                actor=actor,
                verb="em.review_returned",
                target=review,
                person=review.person,
                summary="EM review returned at sign-off",
                new={"note": note},
                action=AuditAction.ALTERATION,
            )
            return review
        review.status, review.signed_off_by, review.signed_off_at = (
            ReviewStatus.COMPLETED,
            actor,
            clock.now(),
        )
        review.save(update_fields=["status", "signed_off_by", "signed_off_at"])
        condition = review.condition
        if review.outcome == ReviewOutcome.CEASE:
            condition.status, condition.ended_at = ConditionStatus.CEASED, clock.now()
            condition.end_reason = f"Ceased at review {review.pk}"
            condition.save(update_fields=["status", "ended_at", "end_reason"])
        elif review.outcome == ReviewOutcome.VARY_CURFEW_REMOVED:
            condition.curfew_days, condition.curfew_start, condition.curfew_end = [], None, None
            condition.save(update_fields=["curfew_days", "curfew_start", "curfew_end"])
        _record(
            actor=actor,
            verb="em.review_signed_off",
            target=review,
            person=review.person,
            summary=f"EM review signed off: {review.get_outcome_display()}",
            new={"outcome": review.outcome},
            action=AuditAction.ALTERATION,
        )
    return review


def condition_tasks_for(obj, task_types: list[str]):
    from waymark.work.models import Task

    return Task.objects.filter(
        subject_type=obj._meta.label_lower, subject_id=str(obj.pk), task_type__in=task_types
    )


def challenge_record(
    *,
    actor,
    person: Person,
    kind: str,
    received_on: date,
    from_party: str,
    summary: str,
    is_complaint: bool = False,
    court_deadline: datetime | None = None,
) -> Challenge:
    """Representations, pre-action letters (14 days) and judicial reviews (court's deadline)."""
    _require(actor, "monitoring.manage_em", "record a challenge")
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
    task_type, start, basis = {
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
    }[kind]
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


def challenge_respond(*, actor, challenge: Challenge, outcome: str, reasons: str) -> Challenge:
    _require(actor, "monitoring.manage_em", "respond to a challenge")
    errors: dict[str, str] = {}
    if challenge.outcome:
        errors["outcome"] = "This has already been answered"
    if outcome not in ChallengeOutcome.values or not outcome:
        errors["outcome"] = "Select the outcome"
    reasons = _required_text(errors, "reasons", reasons, "Enter the reasons for the outcome")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
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


# ------------------------------------------------------------------------------------------------
# §5 Trail data


def trail_request_create(
    *,
    actor,
    person: Person,
    requester_kind: str,
    requester_name: str,
    request_type: str,
    period_start: datetime,
    period_end: datetime,
    lawful_ground: str,
    justification: str,
) -> TrailDataRequest:
    _require(actor, "monitoring.manage_em", "record a trail-data request")
    errors: dict[str, str] = {}
    if requester_kind not in RequesterKind.values:
        errors["requester_kind"] = "Select who is asking"
    requester_name = _required_text(
        errors, "requester_name", requester_name, "Enter the requester's name"
    )
    if request_type not in TrailRequestType.values:
        errors["request_type"] = "Select the type of data"
    if lawful_ground not in LawfulGround.values:
        errors["lawful_ground"] = "Select the lawful ground from the list"
    justification = _required_text(
        errors, "justification", justification, "Enter the justification"
    )
    if period_start is None or period_end is None:
        errors["period_start"] = "Enter the period requested"
    elif period_end <= period_start:
        errors["period_end"] = "The end of the period must be after its start"
    elif period_end > clock.now() + timedelta(days=1):
        errors["period_end"] = "The period cannot end in the future"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = TrailDataRequest.objects.create(
            person=person,
            requester_kind=requester_kind,
            requester_name=requester_name,
            request_type=request_type,
            period_start=period_start,
            period_end=period_end,
            lawful_ground=lawful_ground,
            justification=justification,
            too_broad=(period_end - period_start) > rules.trail_max_period(),
            requested_by=actor,
            requested_at=clock.now(),
        )
        work.task_create(
            actor=actor,
            task_type=rules.TASK_TRAIL_APPROVAL,
            title=f"Trail-data request from {requester_name}",
            person=person,
            subject=request,
            dedupe_key=f"em-trail-{request.pk}",
        )
        _record(
            actor=actor,
            verb="em.trail_requested",
            target=request,
            person=person,
            summary=f"Trail-data request from {request.get_requester_kind_display()}",
            new={
                "lawful_ground": lawful_ground,
                "too_broad": request.too_broad,
                "period_start": period_start,
                "period_end": period_end,
            },
        )
    return request


def trail_request_approve(
    *, actor, request: TrailDataRequest, confirm_too_broad: bool = False
) -> TrailDataRequest:
    """Approve: a permitted role, never the person who made the request (000 §5.34-5.37)."""
    if not actor.has_perm("monitoring.approve_trail_request"):
        raise PermissionDenied("Your role does not allow you to approve trail-data requests")
    if request.requested_by_id == actor.pk:
        raise PermissionDenied("You made this request, so someone else must approve it")
    if request.status != TrailStatus.AWAITING_APPROVAL:
        raise ValidationError("This request is not awaiting approval")
    if request.too_broad and not confirm_too_broad:
        raise ValidationError(
            {
                "confirm_too_broad": (
                    f"The period is longer than {rules.trail_max_period().days} days: confirm it is necessary, "
                    "or reject it as too broad"
                )
            }
        )
    with transaction.atomic():
        request.status, request.approved_by, request.approved_at = (
            TrailStatus.APPROVED,
            actor,
            clock.now(),
        )
        request.save(update_fields=["status", "approved_by", "approved_at"])
        for task in condition_tasks_for(request, [rules.TASK_TRAIL_APPROVAL]):
            _task_close(actor=actor, task=task, outcome="approved")
        _record(
            actor=actor,
            verb="em.trail_approved",
            target=request,
            person=request.person,
            summary="Trail-data request approved",
            new={"too_broad_confirmed": confirm_too_broad},
            action=AuditAction.ALTERATION,
        )
    return request


def trail_request_close(
    *,
    actor,
    request: TrailDataRequest,
    outcome: str,
    reasons: str = "",
    returned_data: list | None = None,
) -> TrailDataRequest:
    """Close with a Figure 9 outcome; data provided is kept until its retention date."""
    _require(actor, "monitoring.manage_em", "close a trail-data request")
    errors: dict[str, str] = {}
    if request.status == TrailStatus.CLOSED:
        errors["outcome"] = "This request is already closed"
    if outcome not in TrailOutcome.values or not outcome:
        errors["outcome"] = "Select the outcome"
    providing = outcome in (TrailOutcome.PROVIDED, TrailOutcome.PARTIAL)
    if providing and request.status != TrailStatus.APPROVED:
        errors["outcome"] = "Data can only be provided on an approved request"
    if not providing and not (reasons or "").strip():
        errors["reasons"] = "Enter the reasons"
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    with transaction.atomic():
        request.status, request.outcome, request.outcome_reasons = (
            TrailStatus.CLOSED,
            outcome,
            (reasons or "").strip(),
        )
        if providing:
            request.returned_data, request.returned_at = returned_data or [], now
            request.retention_until = now + rules.trail_retention()
        request.save()
        for task in condition_tasks_for(request, [rules.TASK_TRAIL_APPROVAL]):
            _task_close(actor=actor, task=task, outcome=outcome)
        _record(
            actor=actor,
            verb="em.trail_closed",
            target=request,
            person=request.person,
            summary=f"Trail-data request closed: {request.get_outcome_display()}",
            new={"outcome": outcome},
            action=AuditAction.DISCLOSURE if providing else AuditAction.ALTERATION,
        )
    return request


def trail_data_view(*, actor, request: TrailDataRequest, purpose: str) -> list:
    """Return the trail data, logging who looked and why (own permission; 000 §5.33-5.37)."""
    if not actor.has_perm("monitoring.view_trail_data"):
        raise PermissionDenied("Your role does not allow you to view trail data")
    if not (purpose or "").strip():
        raise ValidationError({"purpose": "State why you need to see the trail data"})
    if request.sealed_at is not None or request.returned_data is None:
        raise ValidationError(
            "There is no trail data to view: none was returned, or it has been sealed"
        )
    TrailDataView.objects.create(
        request=request, viewed_by=actor, viewed_at=clock.now(), purpose=purpose.strip()[:500]
    )
    audit_record(
        actor=actor,
        action=AuditAction.CONSULTATION,
        verb="em.trail_viewed",
        target=request,
        person_id=request.person_id,
        payload={"purpose": purpose.strip()},
        purpose=purpose.strip()[:200],
    )
    return request.returned_data


def trail_retention_seal() -> int:
    """Sweep: returned trail data past its retention date is deleted and the request sealed."""
    sealed = 0
    for request in TrailDataRequest.objects.filter(
        retention_until__lt=clock.now(), sealed_at__isnull=True
    ):
        with transaction.atomic():
            request.returned_data, request.sealed_at = None, clock.now()
            request.save(update_fields=["returned_data", "sealed_at"])
            audit_record(
                actor=None,
                action=AuditAction.ERASURE,
                verb="em.trail_sealed",
                target=request,
                person_id=request.person_id,
                payload={"retention_until": request.retention_until.isoformat()},
            )
            sealed += 1
    return sealed


# ------------------------------------------------------------------------------------------------
# §6 Joint issues log and risk register


def joint_log_add(
    *,
    actor,
    kind: str,
    title: str,
    description: str,
    owner: str,
    likelihood: int | None = None,
    impact: int | None = None,
    mitigation: str = "",
) -> JointLogEntry:
    _require(actor, "monitoring.manage_supplier", "add to the issues log or risk register")
    errors: dict[str, str] = {}
    if kind not in ("issue", "risk"):
        errors["kind"] = "Select issue or risk"
    title = _required_text(errors, "title", title, "Enter a title")
    description = _required_text(errors, "description", description, "Enter a description")
    owner = _required_text(errors, "owner", owner, "Enter who owns it")
    if kind == "risk":
        for field, value in (("likelihood", likelihood), ("impact", impact)):
            if value is None or not 1 <= int(value) <= 5:
                errors[field] = f"Enter the {field} from 1 to 5"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = JointLogEntry.objects.create(
            kind=kind,
            title=title,
            description=description,
            owner=owner,
            likelihood=likelihood,
            impact=impact,
            mitigation=mitigation.strip(),
            raised_by=_user(actor),
            raised_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="em.joint_log_added",
            target=entry,
            payload={"new": {"kind": kind, "title": title}},
        )
    return entry


def joint_log_close(*, actor, entry: JointLogEntry) -> JointLogEntry:
    _require(actor, "monitoring.manage_supplier", "close an issue or risk")
    if entry.status == "closed":
        raise ValidationError("This entry is already closed")
    with transaction.atomic():
        entry.status, entry.closed_at = "closed", clock.now()
        entry.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="em.joint_log_closed",
            target=entry,
            payload={"new": {"status": "closed"}},
        )
    return entry


def breaches_open_too_long() -> Any:
    """Data quality: breaches with no end time 7 days after they started."""
    cutoff = clock.now() - timedelta(days=rules.BREACH_NO_END_FLAG_DAYS)
    return Breach.objects.filter(ended_at__isnull=True, started_at__lt=cutoff)


# ------------------------------------------------------------------------------------------------
# Bulk replay of a supplier archive (000 §5.13: breach reports "archived unprocessed")


def breach_archive_replay(
    *, rows: list[dict[str, Any]], client_label: str = "archive"
) -> dict[str, int]:
    """Ingest many breach notifications at once, with the same outcome as one by one: each event id
    stored once (repeats skipped), battery breaches accumulated, the rest prioritised work.

    ``rows``: dicts with event_id, person_reference, breach_type, started_at, ended_at (aware
    datetimes or None), details. Invalid rows are reported back, not stored."""
    from waymark.work.models import Queue, Task
    from waymark.work.rules import deadline_compute

    now = clock.now()
    ids = [row["event_id"] for row in rows]
    seen = set(
        SupplierEvent.objects.filter(client_label=client_label, event_id__in=ids).values_list(
            "event_id", flat=True
        )
    )
    people = {
        p.reference: p
        for p in Person.objects.filter(reference__in={row["person_reference"] for row in rows})
    }
    conditions = {}
    for condition in (
        Condition.objects.filter(person__in=people.values())
        .exclude(status=ConditionStatus.CEASED)
        .order_by("decided_at")
    ):
        conditions[condition.person_id] = condition
    events, breaches, rejected, fresh = [], [], 0, set()
    for row in rows:
        person = people.get(row["person_reference"])
        bad = (
            person is None
            or row["breach_type"] not in rules.BREACH_TYPE_LABELS
            or (row.get("ended_at") and row["ended_at"] < row["started_at"])
        )
        if row["event_id"] in seen or row["event_id"] in fresh:
            continue
        if bad:
            rejected += 1
            continue
        fresh.add(row["event_id"])
        body = "|".join(
            str(value)
            for value in (
                row["event_id"],
                row["person_reference"],
                row["breach_type"],
                row["started_at"],
                row.get("ended_at"),
            )
        )
        event = SupplierEvent(
            event_id=row["event_id"],
            event_type="breach.created",
            body_sha256=hashlib.sha256(body.encode()).hexdigest(),
            payload={"archive": True},
            received_at=now,
            client_label=client_label,
            response_body={"replayed_from_archive": True},
        )
        events.append(event)
        is_battery = row["breach_type"] == rules.BATTERY
        breach = Breach(
            event=event,
            person=person,
            condition=conditions.get(person.pk),
            breach_type=row["breach_type"],
            started_at=row["started_at"],
            ended_at=row.get("ended_at"),
            received_at=now,
            details=(row.get("details") or "")[:2000],
            disposition=BreachDisposition.BATTERY_BELOW
            if is_battery
            else BreachDisposition.ACTIONABLE,
        )
        if not is_battery:
            oc = breach.duration if breach.breach_type == "out_of_contact" else None
            breach.priority, breach.priority_reason = rules.breach_priority(breach.breach_type, oc)
        breaches.append(breach)
    with transaction.atomic():
        SupplierEvent.objects.bulk_create(events, batch_size=2000)
        for breach in breaches:
            breach.event_id = breach.event.pk
        Breach.objects.bulk_create(breaches, batch_size=2000)
        queue = Queue.objects.select_related("team").get(slug=rules.QUEUE_BREACHES)
        tasks = []
        due_at, inputs = deadline_compute(
            "em_next_working_day", now, queue.team.nation
        )  # same for every row
        for breach in breaches:
            if breach.disposition != BreachDisposition.ACTIONABLE:
                continue
            task = Task(
                task_type=rules.TASK_BREACH,
                queue=queue,
                person=breach.person,
                subject_type="monitoring.breach",
                subject_id=str(breach.pk),
                title=f"{rules.BREACH_TYPE_LABELS[breach.breach_type]}: {breach.person.full_name}",
                created_at=now,
                priority=breach.priority,
                priority_reason=breach.priority_reason,
                dedupe_key=f"em-breach-{breach.pk}",
                deadline_rule="em_next_working_day",
            )
            task.due_at, task.deadline_inputs = due_at, dict(inputs)
            tasks.append(task)
        Task.objects.bulk_create(tasks, batch_size=2000)
        violations = 0
        for person in {b.person for b in breaches if b.breach_type == rules.BATTERY}:
            before = AccumulatedViolation.objects.filter(person=person).count()
            battery_evaluate(person=person)
            violations += AccumulatedViolation.objects.filter(person=person).count() - before
        audit_record(
            actor=None,
            action=AuditAction.COLLECTION,
            verb="em.archive_replayed",
            payload={
                "new": {
                    "stored": len(breaches),
                    "skipped": len(rows) - len(breaches) - rejected,
                    "rejected": rejected,
                    "client": client_label,
                }
            },
        )
    return {
        "stored": len(breaches),
        "skipped": len(rows) - len(breaches) - rejected,
        "rejected": rejected,
        "work_items": len(tasks) + violations,
    }
