"""Deciding who correspondence is about by hand: match it to a person, mark it as needing no
person, or correct its category."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.correspondence.models import Category, CorrespondenceItem, MatchMethod, MatchStatus
from waymark.correspondence.permissions import may_match
from waymark.correspondence.services._common import _reply_task_create, _timeline_received


def _check_may_match(actor: Actor) -> None:
    if not may_match(actor):
        raise PermissionDenied


def _match_task_close(*, actor: Actor, item: CorrespondenceItem, outcome: str, note: str) -> None:
    if not item.match_task_id:
        return
    from waymark.work.selectors import tasks_for
    from waymark.work.services import task_complete

    # The item's own match-needed task, if it is still active (work's contract, not its tables).
    task = tasks_for(subject=item).filter(pk=item.match_task_id).first()
    if task is not None:
        task_complete(actor=actor, task=task, outcome=outcome, note=note)


def correspondence_match(*, actor: Actor, item: CorrespondenceItem, person) -> CorrespondenceItem:
    """Match an item to a person by hand: file its attachments on the person, put it on their
    timeline, close the match-needed task and open the reply task (deadline from receipt)."""
    _check_may_match(actor)
    with transaction.atomic():
        item = CorrespondenceItem.objects.select_for_update().get(pk=item.pk)
        if item.match_status == MatchStatus.MATCHED:
            if item.person_id == person.pk:
                return item
            raise ValidationError("This correspondence is already matched to someone else")
        if getattr(person, "is_merged", False):
            raise ValidationError(
                "That record has been merged: match to the record it was merged into"
            )
        old = {"person_id": item.person_id, "match_status": item.match_status}
        item.person = person
        item.match_status = MatchStatus.MATCHED
        item.match_method = MatchMethod.MANUAL
        item.match_detail = f"Matched by {getattr(actor, 'display_name', 'the system')}"[:500]
        item.matched_by = actor if getattr(actor, "is_authenticated", False) else None
        item.matched_at = clock.now()
        item.save()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="correspondence.matched",
            target=item,
            person_id=person.pk,
            payload={
                "old": old,
                "new": {"person_id": person.pk, "match_status": item.match_status},
            },
        )
        from waymark.documents.services import document_file

        for attachment in item.attachments.select_related("document").filter(
            document__isnull=False
        ):
            if attachment.document is not None:
                document_file(actor=actor, document=attachment.document, person=person)
        _timeline_received(actor=actor, item=item)
        _match_task_close(
            actor=actor, item=item, outcome="matched", note="Matched to a person"
        )  # no reference: the task has no person, so nothing would mask it
        if not item.task_id:
            _reply_task_create(actor=actor, item=item)
    return item


def correspondence_mark_no_person_needed(
    *, actor: Actor, item: CorrespondenceItem, reason: str
) -> CorrespondenceItem:
    """The message is not about anyone: close the match task and open the reply task without a person."""
    _check_may_match(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter why no person is needed"})
    with transaction.atomic():
        item = CorrespondenceItem.objects.select_for_update().get(pk=item.pk)
        if item.match_status != MatchStatus.MATCH_NEEDED:
            raise ValidationError(
                "Only correspondence waiting to be matched can be marked this way"
            )
        old = {"match_status": item.match_status}
        item.match_status = MatchStatus.NO_PERSON_NEEDED
        item.match_detail = reason.strip()[:500]
        item.matched_by = actor if getattr(actor, "is_authenticated", False) else None
        item.matched_at = clock.now()
        item.save()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="correspondence.no_person_needed",
            target=item,
            payload={
                "old": old,
                "new": {"match_status": item.match_status, "reason": item.match_detail},
            },
        )
        _match_task_close(
            actor=actor, item=item, outcome="no_person_needed", note=item.match_detail
        )
        if not item.task_id:
            _reply_task_create(actor=actor, item=item)
    return item


def correspondence_set_category(
    *, actor: Actor, item: CorrespondenceItem, category: str
) -> CorrespondenceItem:
    """Correct the inferred category (before the reply task exists, so the deadline follows it)."""
    if category not in Category.values:
        raise ValidationError({"category": "Select a category"})
    with transaction.atomic():
        old = item.category
        item.category = category
        item.save(update_fields=["category"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="correspondence.category_changed",
            target=item,
            person_id=item.person_id,
            payload={"old": {"category": old}, "new": {"category": category}},
        )
    return item
