"""Writes for complaints (recorded by any channel, allocated to a handler as a task on their
queue, responded to within 20 working days) and lessons learned (issue 20 item 6; oversight.md §4).
Each service is keyword-only, takes ``actor``, checks permission, validates, writes in one
transaction and audits; refusals raise ``ValidationError`` (or ``PermissionDenied``) before anything
is saved."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from waymark.core import calendars, clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    Complaint,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
    ComplaintTheme,
    ComplaintThemeTag,
    Lesson,
    LessonSource,
)
from waymark.oversight.services.governance_common import (
    _by,
    _end_of,
    _first_team,
    _not_future,
    _require,
    _staff,
    _text,
)
from waymark.oversight.workflows import (
    COMPLAINT_WORKFLOW,
)

# ------------------------------------------------------------------------------------------------
# Complaints


def _person_for_reference(actor: Actor, reference: str) -> int | None:
    """The id of the person with this Waymark reference (read, never written). A record marked
    restricted is answered as no one to an actor who may not see restricted records, with the
    same words: the refusal said whether a restricted person's reference existed."""
    from waymark.people.permissions import VIEW_RESTRICTED_PERSON
    from waymark.people.selectors import person_by_reference

    reference = (reference or "").strip().upper()
    if not reference:
        return None
    found = person_by_reference(reference)
    hidden = actor is None or not actor.has_perm(VIEW_RESTRICTED_PERSON)
    if found is not None and found.restricted_access and hidden:
        found = None
    if found is None:
        raise ValidationError(
            {
                "person_reference": "No one you may record a complaint for has this Waymark "
                "reference: check it, or leave it blank"
            }
        )
    return int(found.pk)


def _correspondence_item(actor: Actor, pk: int | None) -> int | None:
    """The id of the correspondence item a complaint is recorded from, checked: one the actor
    may read (read through correspondence's selector), not yet recorded as a complaint."""
    if pk is None:
        return None
    from django.http import Http404

    from waymark.correspondence.selectors import access_correspondence_item

    try:
        if actor is not None:
            access_correspondence_item(actor, pk)
    except Http404:
        raise ValidationError(
            {"correspondence_item": "No correspondence item you may read has this number"}
        ) from None
    existing = Complaint.objects.filter(correspondence_item_id=pk).first()
    if existing is not None:
        raise ValidationError(
            {
                "correspondence_item": "This correspondence is recorded as complaint "
                f"{existing.reference} already"
            }
        )
    return int(pk)


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
    correspondence_item: int | None = None,
) -> Complaint:
    """Record a complaint received by any channel. Its response target is 20 working days from
    receipt, counted with the platform's calendar (``rules.complaint_due_on``). Recorded from a
    correspondence item (``correspondence_item``, its id), the item must be one the actor may
    read and not already a complaint; the complaint keeps its id. The complaints team records
    any complaint; whoever reads correspondence records one from an item (``RECORD_COMPLAINTS``)."""
    if correspondence_item is None or actor is None or not actor.has_perm(perms.RECORD_COMPLAINTS):
        _require(actor, perms.MANAGE_COMPLAINTS, "record complaints")
    item_id = _correspondence_item(actor, correspondence_item)
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
    person_id = _person_for_reference(actor, person_reference)
    due_on = rules.complaint_due_on(received_on, nation)
    with transaction.atomic():
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    reference=f"new-{uuid.uuid4().hex[:16]}",
                    channel=channel,
                    received_on=received_on,
                    complainant=complainant,
                    person_id=person_id,
                    correspondence_item_id=item_id,
                    summary=summary,
                    nation=nation,
                    due_on=due_on,
                    recorded_at=clock.now(),
                    recorded_by=_by(actor),
                )
        except IntegrityError:
            # The same item recorded at the same moment (a double-submitted form, two readers):
            # the check above passed for both and the unique index refused the second.
            if item_id is not None:
                _correspondence_item(None, item_id)  # names the complaint now recorded
            raise
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
                    "correspondence_item": item_id,
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
