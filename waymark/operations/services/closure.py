"""Sealed property sign-off, the debrief and closing the visit (brief operations.md §7)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.operations import rules, workflows
from waymark.operations.models import (
    Debrief,
    Seizure,
    Visit,
    VisitStatus,
)
from waymark.operations.services._field import COMMAND, _assignment, _raise
from waymark.work import services as work_services
from waymark.work.models import ACTIVE_STATUSES, Task


def seizure_property_sign_off(*, actor, seizure: Seizure) -> Seizure:
    """Sign off the property record of a seized item (an assigned officer; before closure)."""
    _assignment(actor=actor, visit=seizure.visit)
    if seizure.visit.status not in workflows.IN_THE_FIELD:
        raise ValidationError("Property is signed off while the visit is open")
    with transaction.atomic():
        seizure = Seizure.objects.select_for_update().get(pk=seizure.pk)
        if seizure.property_signed_off_at:
            raise ValidationError(
                f"The property for exhibit {seizure.exhibit_number} is already signed off"
            )
        seizure.property_signed_off_by, seizure.property_signed_off_at = actor, clock.now()
        seizure.save(update_fields=["property_signed_off_by", "property_signed_off_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="operations.seizure.signed_off",
            target=seizure,
            payload={
                "old": {"property_signed_off_at": None},
                "new": {"property_signed_off_at": seizure.property_signed_off_at.isoformat()},
            },
        )
    return seizure


def _officer_in_charge(*, actor, visit: Visit, doing: str) -> None:
    if actor is None or not actor.has_perm(COMMAND) or visit.officer_in_charge_id != actor.pk:
        raise PermissionDenied(f"Only the officer in charge of this visit may {doing}")


def debrief_submit(*, actor, visit: Visit, **sections) -> Debrief:
    """The structured debrief: every section in ``rules.DEBRIEF_SECTIONS`` and the intelligence
    accuracy, or a refusal naming each missing section. Submitting again replaces it (audited)."""
    _officer_in_charge(actor=actor, visit=visit, doing="submit the debrief")
    if visit.status != VisitStatus.DEPLOYED:
        raise ValidationError(
            "A debrief is submitted while the visit is deployed and not yet closed"
        )
    unknown = set(sections) - set(rules.DEBRIEF_SECTIONS) - {"intelligence_accuracy"}
    if unknown:
        raise ValidationError(f"Unknown debrief sections: {', '.join(sorted(unknown))}")
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for key, label in rules.DEBRIEF_SECTIONS.items():
        value = sections.get(key)
        values[key] = str(value).strip() if value is not None else ""
        if not values[key]:
            errors[key] = f"Enter {label.lower()}: every section of the debrief is required"
    accuracy = str(sections.get("intelligence_accuracy") or "").strip()
    if accuracy not in rules.INTELLIGENCE_ACCURACY:
        errors["intelligence_accuracy"] = "Select how accurate the intelligence was"
    _raise(errors)
    values["intelligence_accuracy"] = accuracy
    with transaction.atomic():
        # The first debrief is created once: a second submission at the same moment waits for the
        # first (the visit's row lock; there is no debrief row to lock yet) and revises it, rather
        # than failing in the database; a visit closed meanwhile is seen.
        if Visit.objects.select_for_update().get(pk=visit.pk).status != VisitStatus.DEPLOYED:
            raise ValidationError(
                "A debrief is submitted while the visit is deployed and not yet closed"
            )
        existing = Debrief.objects.select_for_update().filter(visit=visit).first()
        now = clock.now()
        if existing is None:
            debrief = Debrief.objects.create(
                visit=visit, submitted_by=actor, submitted_at=now, **values
            )
            old = None
        else:
            old = {key: getattr(existing, key) for key in values}
            for key, value in values.items():
                setattr(existing, key, value)
            existing.submitted_by, existing.submitted_at = actor, now
            existing.save()
            debrief = existing
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION if old is None else AuditAction.ALTERATION,
            verb="operations.debrief.submitted" if old is None else "operations.debrief.revised",
            target=debrief,
            payload={"new": values, **({"old": old} if old else {})},
        )
    return debrief


def closure_problems(visit: Visit) -> list[str]:
    """What stops the visit being closed, in words (empty when it may be closed)."""
    from waymark.operations.selectors.field import incomplete_before_closure

    return incomplete_before_closure(visit)


def visit_close(*, actor, visit: Visit) -> Visit:
    """Close the visit (brief §7): the officer in charge, every officer departed, the debrief
    submitted and every form complete. A closure after ``closure_due_at`` is recorded as late."""
    _officer_in_charge(actor=actor, visit=visit, doing="close it")
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if not workflows.transition_allowed(visit.status, VisitStatus.CLOSED):
            raise ValidationError(f"A {visit.get_status_display().lower()} visit cannot be closed")
        problems = closure_problems(visit)
        if problems:
            raise ValidationError(problems)
        now = clock.now()
        late = bool(visit.closure_due_at and now > visit.closure_due_at)
        old = {"status": visit.status}
        visit.status, visit.closed_at, visit.closed_by, visit.updated_at = (
            VisitStatus.CLOSED,
            now,
            actor,
            now,
        )
        visit.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="operations.visit.closed",
            target=visit,
            payload={
                "old": old,
                "new": {
                    "status": visit.status,
                    "closed_at": now.isoformat(),
                    "closure_due_at": visit.closure_due_at.isoformat()
                    if visit.closure_due_at
                    else None,
                    "late": late,
                },
            },
        )
        tasks = Task.objects.filter(
            task_type=rules.TASK_CLOSE,
            subject_type="operations.visit",
            subject_id=str(visit.pk),
            status__in=ACTIVE_STATUSES,
        )
        for task in tasks:
            work_services.task_complete(
                actor=actor,
                task=task,
                outcome="closed_late" if late else "closed",
                note="Closed after the 48-hour closure deadline" if late else "",
            )
    return visit
