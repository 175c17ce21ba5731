"""Training records (issue 20 item 2; 002 rec 2a-b): courses whose content someone other than the
author approves and that are reviewed every year, and sessions delivered by a signed-off trainer,
with who completed them. Every refusal is a ``ValidationError`` naming the field, nothing saved."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    TrainingCourse,
    TrainingCourseStatus,
    TrainingRecord,
    TrainingSession,
)
from waymark.oversight.services.governance_common import _require, _staff, _text
from waymark.oversight.workflows import TRAINING_COURSE_WORKFLOW
from waymark.work import rules as work_rules
from waymark.work import selectors as work_selectors
from waymark.work.registry import competence_label


def training_course_add(*, actor: Actor, topic: str, title: str, description: str = "") -> Any:
    """A draft course for one training topic; its content needs someone else's approval."""
    _require(actor, perms.TRAINING_RECORD, "add training courses")
    if actor is None:
        raise PermissionDenied("A course is added by a member of staff, its author")
    if topic not in rules.TRAINING_TOPICS:
        raise ValidationError({"topic": "Select the training topic the course covers"})
    title = _text(title, "title", "the course title", limit=200)
    description = _text(description, "description", "what the course covers", required=False)
    with transaction.atomic():
        course = TrainingCourse.objects.create(
            topic=topic,
            title=title,
            description=description,
            created_by=actor,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.training_course_added",
            target=course,
            payload={"new": {"topic": topic, "title": title, "status": course.status}},
        )
    return course


def training_course_approve(*, actor: Actor, course: TrainingCourse) -> TrainingCourse:
    """Approve the course's content (again at its yearly review): never by its author."""
    _require(actor, perms.TRAINING_APPROVE, "approve training content")
    with transaction.atomic():
        locked = TrainingCourse.objects.select_for_update().get(pk=course.pk)
        if locked.status == TrainingCourseStatus.WITHDRAWN:
            raise ValidationError("A withdrawn course cannot be approved: add it again")
        if actor is not None and locked.created_by_id == actor.pk:
            raise ValidationError(
                "You wrote this course: its content must be approved by someone else"
            )
        today = clock.today()
        old = {"status": locked.status, "review_due_on": _iso(locked.review_due_on)}
        TRAINING_COURSE_WORKFLOW.move(locked, TrainingCourseStatus.APPROVED)
        locked.approved_by = actor
        locked.approved_on = today
        locked.review_due_on = today + timedelta(days=rules.TRAINING_CONTENT_REVIEW_DAYS)
        locked.save(update_fields=["status", "approved_by", "approved_on", "review_due_on"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.training_course_approved",
            target=locked,
            payload={
                "old": old,
                "new": {"status": locked.status, "review_due_on": _iso(locked.review_due_on)},
            },
        )
    return locked


def training_course_withdraw(
    *, actor: Actor, course: TrainingCourse, reason: str
) -> TrainingCourse:
    _require(actor, perms.TRAINING_APPROVE, "withdraw training courses")
    reason = _text(reason, "reason", "why the course is withdrawn")
    with transaction.atomic():
        locked = TrainingCourse.objects.select_for_update().get(pk=course.pk)
        if locked.status == TrainingCourseStatus.WITHDRAWN:
            raise ValidationError("This course is already withdrawn")
        old = {"status": locked.status}
        TRAINING_COURSE_WORKFLOW.move(locked, TrainingCourseStatus.WITHDRAWN)
        locked.withdrawn_reason = reason
        locked.save(update_fields=["status", "withdrawn_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.training_course_withdrawn",
            target=locked,
            payload={"old": old, "new": {"status": locked.status}, "reason": reason},
        )
    return locked


def training_session_record(
    *,
    actor: Actor,
    course: TrainingCourse,
    trainer: Any,
    delivered_on: date | None,
    completed_by: Iterable[Any],
    place: str = "",
) -> TrainingSession:
    """A delivery of ``course`` and who completed it. Refused: a course not approved (or past its
    yearly review) on the day, a trainer without a signed-off trainer competence valid on the day
    (002 rec 2a), a trainer among those trained, a day in the future or more than a year back,
    nobody trained."""
    _require(actor, perms.TRAINING_RECORD, "record training sessions")
    if actor is None:
        raise PermissionDenied("A session is recorded by a member of staff")
    errors: dict[str, str] = {}
    today = clock.today()
    if delivered_on is None:
        errors["delivered_on"] = "Enter the day the session was delivered"
    elif delivered_on > today:
        errors["delivered_on"] = "The day the session was delivered must be today or in the past"
    elif delivered_on < today - timedelta(days=rules.TRAINING_SESSION_BACKDATE_DAYS):
        errors["delivered_on"] = (
            f"Sessions can be recorded up to {rules.TRAINING_SESSION_BACKDATE_DAYS} days after "
            "they were delivered"
        )
    trained = list({u.pk: u for u in completed_by}.values())
    if not trained:
        errors["completed_by"] = "Select at least one person who completed the session"
    try:
        _staff(trainer, "trainer", "Select the trainer who delivered the session")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        trainer = None
    if trainer is not None and any(u.pk == trainer.pk for u in trained):
        errors["completed_by"] = "The trainer cannot be recorded as trained by their own session"
    if (
        trainer is not None
        and "delivered_on" not in errors
        and delivered_on is not None
        and not work_selectors.competence_held_on(
            trainer, work_rules.COMPETENCE_ASSESSOR, delivered_on
        )
    ):
        errors["trainer"] = (
            f"{trainer.get_full_name() or trainer.username} did not hold a signed-off "
            f"{competence_label(work_rules.COMPETENCE_ASSESSOR).lower()} competence on that "
            "day: a trainer must be trained and assessed first"
        )
    place = place.strip()
    if len(place) > 200:
        errors["place"] = "Keep the place to 200 characters or fewer"
    if errors:
        raise ValidationError(errors)
    assert delivered_on is not None
    with transaction.atomic():
        locked = TrainingCourse.objects.select_for_update().get(pk=course.pk)
        if (
            locked.status != TrainingCourseStatus.APPROVED
            or locked.approved_on is None
            or locked.review_due_on is None
        ):
            raise ValidationError("Only a course whose content is approved can be delivered")
        if not (locked.approved_on <= delivered_on < locked.review_due_on):
            raise ValidationError(
                {
                    "delivered_on": "The course's content was not approved on that day "
                    f"(approved {locked.approved_on:%-d %B %Y}, review due "
                    f"{locked.review_due_on:%-d %B %Y})"
                }
            )
        session = TrainingSession.objects.create(
            course=locked,
            trainer=trainer,
            delivered_on=delivered_on,
            place=place,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        TrainingRecord.objects.bulk_create(
            TrainingRecord(session=session, person=u) for u in trained
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.training_session_recorded",
            target=session,
            payload={
                "new": {
                    "course": locked.pk,
                    "trainer": trainer.pk,
                    "delivered_on": delivered_on.isoformat(),
                    "completed_by": sorted(u.pk for u in trained),
                }
            },
        )
    return session


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
