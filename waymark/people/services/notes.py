"""Notes on the record: append-only; a note is corrected by a new note that keeps the original."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.accounts.models import User
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.people import rules
from waymark.people.models import Note, Person
from waymark.people.services._common import MODULE, _refuse_if_merged, _require
from waymark.people.services.timeline import timeline_event_record


def note_add(*, actor: User, person: Person, text: str) -> Note:
    _require(actor, "people.add_note", "add notes")
    _refuse_if_merged(person)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter the note"})
    with transaction.atomic():
        note = Note.objects.create(person=person, text=text, author=actor, created_at=clock.now())
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="person.note_added",
            target=note,
            person_id=person.pk,
            payload={"new": {"text": text}},
        )
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type="note.added",
            summary=_note_summary(text),
            actor=actor,
            related=note,
        )
    return note


def _note_summary(text: str) -> str:
    first = " ".join(text.split())
    limit = rules.NOTE_SUMMARY_CHARACTERS
    return first if len(first) <= limit else first[: limit - 3] + "..."


def note_correct(*, actor: User, note: Note, text: str, reason: str) -> Note:
    """Correct a note with a new note that points at it; the original stays unchanged."""
    _require(actor, "people.add_note", "add or correct notes")
    _refuse_if_merged(note.person)
    text, reason = (text or "").strip(), (reason or "").strip()
    errors = {}
    if not text:
        errors["text"] = "Enter the corrected note"
    if not reason:
        errors["reason"] = "Enter why the note needs correcting"
    if errors:
        raise ValidationError(errors)
    if text == note.text:
        raise ValidationError({"text": "The corrected note is the same as the original"})
    with transaction.atomic():
        correction = Note.objects.create(
            person=note.person,
            text=text,
            author=actor,
            created_at=clock.now(),
            corrects=note,
            correction_reason=reason[:500],
        )
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="person.note_corrected",
            target=correction,
            person_id=note.person_id,
            payload={
                "old": {"note": note.pk, "text": note.text},
                "new": {"note": correction.pk, "text": text},
                "reason": reason,
            },
        )
        timeline_event_record(
            person=note.person,
            module=MODULE,
            event_type="note.corrected",
            summary=f"Note corrected: {_note_summary(text)}",
            actor=actor,
            related=correction,
            detail={"corrects": note.pk, "reason": reason},
        )
    return correction
