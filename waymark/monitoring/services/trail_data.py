"""Trail-data requests (000 §5.33-5.37): request, approval by someone else, closure with a
Figure 9 outcome, logged viewing and sealing at the end of retention."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.notifications import notify
from waymark.core.types import Actor
from waymark.monitoring import rules
from waymark.monitoring.models import (
    LawfulGround,
    RequesterKind,
    TrailDataRequest,
    TrailDataView,
    TrailOutcome,
    TrailRequestType,
    TrailStatus,
)
from waymark.monitoring.permissions import (
    APPROVE_TRAIL_REQUEST,
    MANAGE_EM,
    VIEW_TRAIL_DATA,
)
from waymark.monitoring.services._common import (
    _record,
    _require,
    _required_text,
)
from waymark.monitoring.workflows import (
    TRAIL_REQUEST,
)
from waymark.people.models import Person
from waymark.work import services as work

if TYPE_CHECKING:
    from waymark.accounts.models import User


def trail_request_create(
    *,
    actor: User,
    person: Person,
    requester_kind: str,
    requester_name: str,
    request_type: str,
    period_start: datetime,
    period_end: datetime,
    lawful_ground: str,
    justification: str,
) -> TrailDataRequest:
    _require(actor, MANAGE_EM, "record a trail-data request")
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
    *, actor: User, request: TrailDataRequest, confirm_too_broad: bool = False
) -> TrailDataRequest:
    """Approve: a permitted role, never the person who made the request (000 §5.34-5.37)."""
    if not actor.has_perm(APPROVE_TRAIL_REQUEST):
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
        TRAIL_REQUEST.move(request, TrailStatus.APPROVED)
        request.approved_by, request.approved_at = actor, clock.now()
        request.save(update_fields=["status", "approved_by", "approved_at"])
        work.tasks_close_for(
            actor=actor, subject=request, task_types=[rules.TASK_TRAIL_APPROVAL], outcome="approved"
        )
        _record(
            actor=actor,
            verb="em.trail_approved",
            target=request,
            person=request.person,
            summary="Trail-data request approved",
            new={"too_broad_confirmed": confirm_too_broad},
            action=AuditAction.ALTERATION,
        )
        notify(
            user=request.requested_by,
            text=f"Your trail-data request {request.pk} was approved by {actor.display_name}",
            url=reverse("monitoring:trail", args=[request.pk]),
            kind="decision",
        )
    return request


def trail_request_close(
    *,
    actor: Actor,
    request: TrailDataRequest,
    outcome: str,
    reasons: str = "",
    returned_data: list | None = None,
) -> TrailDataRequest:
    """Close with a Figure 9 outcome; data provided is kept until its retention date."""
    _require(actor, MANAGE_EM, "close a trail-data request")
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
        TRAIL_REQUEST.move(request, TrailStatus.CLOSED)
        request.outcome, request.outcome_reasons = outcome, (reasons or "").strip()
        if providing:
            request.returned_data, request.returned_at = returned_data or [], now
            request.retention_until = now + rules.trail_retention()
        request.save()
        work.tasks_close_for(
            actor=actor, subject=request, task_types=[rules.TASK_TRAIL_APPROVAL], outcome=outcome
        )
        _record(
            actor=actor,
            verb="em.trail_closed",
            target=request,
            person=request.person,
            summary=f"Trail-data request closed: {request.get_outcome_display()}",
            new={"outcome": outcome},
            action=AuditAction.DISCLOSURE if providing else AuditAction.ALTERATION,
        )
        if request.requested_by_id != getattr(actor, "pk", None):
            notify(
                user=request.requested_by,
                text=f"Your trail-data request {request.pk} was closed: "
                f"{request.get_outcome_display().lower()}",
                url=reverse("monitoring:trail", args=[request.pk]),
                kind="decision",
            )
    return request


def trail_data_view(*, actor: User, request: TrailDataRequest, purpose: str) -> list:
    """Return the trail data, logging who looked and why (own permission; 000 §5.33-5.37)."""
    if not actor.has_perm(VIEW_TRAIL_DATA):
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


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


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
                payload={"retention_until": _iso(request.retention_until)},
            )
            sealed += 1
    return sealed
