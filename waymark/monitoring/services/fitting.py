"""Fitting orders to the supplier: creating, sending (a background job, retried), slot answers
and fitting outcomes, and the chase when the supplier is silent (brief monitoring §2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.monitoring import rules
from waymark.monitoring.models import (
    Condition,
    ConditionStatus,
    FailureReason,
    FittingOrder,
    FittingPlace,
    GrantedBy,
    OrderKind,
    OrderStatus,
)
from waymark.monitoring.permissions import (
    MANAGE_EM,
)
from waymark.monitoring.services._common import (
    _record,
    _require,
    _required_text,
    _user,
    condition_tasks_for,
)
from waymark.monitoring.services.conditions import fitting_limit
from waymark.monitoring.workflows import (
    CONDITION,
    FITTING_ORDER,
)
from waymark.work import services as work

if TYPE_CHECKING:
    from waymark.work.models import Task


def _order_reference() -> str:
    last = FittingOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return f"FO-{last + 1:07d}"


def fitting_order_create(
    *,
    actor: Actor,
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
    _require(actor, MANAGE_EM, "order a fitting")
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
    person, condition = order.person, order.condition
    curfew_start, curfew_end = condition.curfew_start, condition.curfew_end  # set together
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
        "device_type": condition.device_type,
        "curfew": None
        if curfew_start is None or curfew_end is None
        else {
            "days": condition.curfew_days,
            "start": curfew_start.isoformat(),
            "end": curfew_end.isoformat(),
        },
    }


class OrderNotSent(Exception):
    """The transport failed; the attempt is recorded and the job retries later."""


def order_send(*, order_id: int, transport: Callable[[dict[str, Any]], Any]) -> FittingOrder:
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
                FITTING_ORDER.move(order, OrderStatus.SEND_FAILED)
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
            FITTING_ORDER.move(order, OrderStatus.SENT)
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
    actor: Actor,
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
            FITTING_ORDER.move(order, OrderStatus.SLOT_CONFIRMED)
            order.confirmed_slot_start = slot_start or order.requested_slot_start
        else:
            FITTING_ORDER.move(order, OrderStatus.SLOT_DECLINED)
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
    actor: Actor,
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
            FITTING_ORDER.move(
                order,
                OrderStatus.FITTED if order.kind == OrderKind.INSTALL else OrderStatus.COMPLETED,
            )
            if order.kind == OrderKind.INSTALL:
                CONDITION.move(condition, ConditionStatus.ACTIVE)
                condition.device_serial = device_serial
                condition.issued_phone_number = (issued_phone_number or "").strip()
                condition.fitted_at = at
                condition.save(
                    update_fields=["status", "device_serial", "issued_phone_number", "fitted_at"]
                )
                work.tasks_close_for(
                    actor=actor,
                    subject=condition,
                    task_types=[rules.TASK_FITTING_JUDGE, rules.TASK_FITTING_SOS],
                    outcome="fitted",
                    note=f"Device {device_serial}",
                )
        else:
            FITTING_ORDER.move(order, OrderStatus.FAILED)
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


def condition_tasks(condition: Condition, task_types: list[str]) -> QuerySet[Task]:
    """Every task (active or not) about the condition of these types."""
    return condition_tasks_for(condition, task_types)


def conveyance_confirmation_store(
    *, actor: Actor, condition: Condition, file_name: str, content: bytes, content_type: str = ""
):
    """A confirmation of conveyance served in prison, stored as a document (000 §5.29, note 24)."""
    from waymark.documents.models import DocumentType
    from waymark.documents.services import document_store

    _require(actor, MANAGE_EM, "store a confirmation of conveyance")
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
