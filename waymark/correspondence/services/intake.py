"""Registering correspondence: one message however many times it arrives (de-duplicated by
Message-ID or content within ``rules.DUPLICATE_WINDOW``), matched to a person when it names one
unambiguously, its attachments stored as documents, and its reply or match-needed task opened."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.correspondence import rules
from waymark.correspondence.matching import person_match_find
from waymark.correspondence.models import (
    Attachment,
    Channel,
    CorrespondenceCopy,
    CorrespondenceItem,
    Mailbox,
    MatchMethod,
    MatchStatus,
)
from waymark.correspondence.parsing import (
    EmlError,
    WinmailError,
    eml_parse,
    winmail_dat_is,
    winmail_dat_unpack,
)
from waymark.correspondence.services._common import (
    _reply_task_create,
    _task_create,
    _task_title,
    _timeline_received,
)


def content_fingerprint(*, sender: str, subject: str, body: str) -> str:
    """sha256 of sender, subject and body with case and whitespace normalised."""

    def norm(value: str) -> str:
        return re.sub(r"\s+", " ", (value or "").strip().lower())

    return hashlib.sha256("\n".join([norm(sender), norm(subject), norm(body)]).encode()).hexdigest()


def _attachment_tuples(attachments: Iterable[Any]) -> list[tuple[str, bytes, str]]:
    result = []
    for attachment in attachments:
        if isinstance(attachment, dict):
            result.append(
                (attachment["file_name"], attachment["content"], attachment.get("content_type", ""))
            )
        elif hasattr(attachment, "file_name"):
            result.append(
                (attachment.file_name, attachment.content, getattr(attachment, "content_type", ""))
            )
        else:
            name, content, *rest = attachment
            result.append((name, content, rest[0] if rest else ""))
    return result


def _winmail_dat_refusal(why: str) -> str:
    return (
        f"winmail.dat is Outlook's packaging of the attachments (TNEF) and {why}: "
        "ask the sender to send the files again as ordinary attachments"
    )


def _attachments_unpacked(
    attachments: list[tuple[str, bytes, str]],
) -> list[tuple[str, bytes, str, str]]:
    """Each attachment as (name, content, declared type, why refused or ""), with an Outlook
    winmail.dat (TNEF) replaced by the files packed inside it, which are then stored or refused
    like any other attachment. A winmail.dat that cannot be opened is refused saying why."""
    result = []
    for name, content, declared in attachments:
        if not winmail_dat_is(file_name=name, content_type=declared, content=content):
            result.append((name, content, declared, ""))
            continue
        try:
            files = winmail_dat_unpack(content)
        except WinmailError as exc:
            result.append((name, content, declared, _winmail_dat_refusal(str(exc))))
            continue
        result.extend((file.file_name, file.content, file.content_type, "") for file in files)
    return result


def _file_attachments(*, actor: Actor, item: CorrespondenceItem, attachments, person) -> None:
    from waymark.documents.models import DocumentSource, DocumentType
    from waymark.documents.services import document_store, file_name_clean

    for original_name, content, declared, refused_reason in attachments:
        file_name = file_name_clean(original_name) or "attachment"
        record = Attachment(
            item=item,
            file_name=file_name,
            declared_content_type=declared[:120],
            size=len(content),
        )
        if refused_reason:
            record.refused_reason = refused_reason[:300]
            record.save()
            continue
        try:
            with transaction.atomic():
                record.document = document_store(
                    actor=actor,
                    person=person,
                    file_name=file_name,
                    content=content,
                    content_type=declared,
                    document_type=DocumentType.CORRESPONDENCE,
                    source=DocumentSource.CORRESPONDENCE,
                    title=f"{file_name} (attached to: {item.subject or 'correspondence'})",
                    related=item,
                )
        except ValidationError as exc:
            record.refused_reason = "; ".join(exc.messages)[:300]
        record.save()


def _copy_add(
    *, actor: Actor, item, mailbox, address, received_at, message_id
) -> CorrespondenceCopy | None:
    """Record another arrival; importing the very same file again records nothing new."""
    same = item.copies.filter(address=address, message_id=message_id, received_at=received_at)
    if message_id and same.exists():
        return None
    copy = CorrespondenceCopy.objects.create(
        item=item,
        mailbox=mailbox,
        address=address,
        received_at=received_at,
        message_id=message_id,
        registered_at=clock.now(),
        registered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return copy


def _existing(
    *, message_id: str, fingerprint: str, received_at: datetime
) -> CorrespondenceItem | None:
    if message_id:
        item = CorrespondenceItem.objects.filter(message_id=message_id).first()
        if item is not None:
            return item
    return (
        CorrespondenceItem.objects.filter(
            content_fingerprint=fingerprint,
            received_at__gte=received_at - rules.DUPLICATE_WINDOW,
            received_at__lte=received_at + rules.DUPLICATE_WINDOW,
        )
        .order_by("received_at", "pk")
        .first()
    )


def correspondence_register(
    *,
    actor: Actor,
    channel: str,
    sender: str,
    recipients: Iterable[str],
    subject: str,
    body: str,
    received_at: datetime,
    message_id: str = "",
    attachments: Iterable[Any] = (),
    mailbox: Mailbox | None = None,
    address: str = "",
    sender_name: str = "",
) -> tuple[CorrespondenceItem, bool]:
    """Register one inbound message. Returns ``(item, created)``: ``created`` is False when the
    message is a copy of one already registered (same Message-ID, or same sender, subject and
    body within ``rules.DUPLICATE_WINDOW``); the copy is linked to the existing item."""
    sender = (sender or "").strip()
    subject = (subject or "").strip()
    message_id = (message_id or "").strip()[:500]
    errors = {}
    if channel not in Channel.values:
        errors["channel"] = "Select how the correspondence arrived"
    if not sender:
        errors["sender"] = "Enter who sent the correspondence"
    attachment_list = _attachment_tuples(attachments)
    if not subject and not (body or "").strip() and not attachment_list:
        errors["body"] = "Enter the subject or the text of the correspondence"
    if received_at is None:
        errors["received_at"] = "Enter when the correspondence was received"
    elif received_at > clock.now() + rules.CLOCK_SKEW:
        errors["received_at"] = "The date received must be today or in the past"
    if errors:
        raise ValidationError(errors)
    address = address or (mailbox.address if mailbox else "")
    fingerprint = content_fingerprint(sender=sender, subject=subject, body=body)

    files = _attachments_unpacked(attachment_list)  # a winmail.dat opened outside the transaction
    for _attempt in range(2):
        try:
            with transaction.atomic():
                existing = _existing(
                    message_id=message_id, fingerprint=fingerprint, received_at=received_at
                )
                if existing is not None:
                    copy = _copy_add(
                        actor=actor,
                        item=existing,
                        mailbox=mailbox,
                        address=address,
                        received_at=received_at,
                        message_id=message_id,
                    )
                    audit_record(
                        actor=actor,
                        action=AuditAction.COLLECTION,
                        verb="correspondence.copy_received",
                        target=existing,
                        person_id=existing.person_id,
                        payload={
                            "new": {
                                "copy_id": copy.pk if copy else None,
                                "address": address,
                                "message_id": message_id,
                                "repeat_import": copy is None,
                            }
                        },
                    )
                    return existing, False
                return _item_create(
                    actor=actor,
                    channel=channel,
                    sender=sender,
                    sender_name=" ".join((sender_name or "").split())[:200],
                    recipients=list(recipients or []),
                    subject=subject,
                    body=body or "",
                    received_at=received_at,
                    message_id=message_id,
                    fingerprint=fingerprint,
                    attachments=files,
                    mailbox=mailbox,
                    address=address,
                ), True
        except IntegrityError:
            # Someone registered the same Message-ID at the same moment: go round once more and
            # find theirs.
            if not message_id:
                raise
    raise RuntimeError("unreachable")  # pragma: no cover


def _item_create(
    *,
    actor: Actor,
    channel,
    sender,
    sender_name,
    recipients,
    subject,
    body,
    received_at,
    message_id,
    fingerprint,
    attachments,
    mailbox,
    address,
) -> CorrespondenceItem:
    match = person_match_find(subject=subject, body=body)
    person = None
    if match.matched and match.person_id is not None:
        from waymark.people.models import Person

        person = Person.objects.get(pk=match.person_id)
    now = clock.now()
    item = CorrespondenceItem.objects.create(
        channel=channel,
        sender=sender[:320],
        sender_name=sender_name,
        recipients=[str(r) for r in recipients],
        subject=subject[:500],
        body=body,
        received_at=received_at,
        message_id=message_id,
        content_fingerprint=fingerprint,
        person=person,
        match_status=MatchStatus.MATCHED if person else MatchStatus.MATCH_NEEDED,
        match_method=match.method if person else MatchMethod.NONE,
        match_detail=match.detail[:500],
        matched_at=now if person else None,
        category=rules.category_infer(subject, body),
        registered_by=actor if getattr(actor, "is_authenticated", False) else None,
        registered_at=now,
    )
    _copy_add(
        actor=actor,
        item=item,
        mailbox=mailbox,
        address=address,
        received_at=received_at,
        message_id=message_id,
    )
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb="correspondence.registered",
        target=item,
        person_id=item.person_id,
        payload={
            "new": {
                "channel": channel,
                "sender": sender,
                "subject": subject,
                "category": item.category,
                "match_status": item.match_status,
                "match_method": item.match_method,
                "match_detail": item.match_detail,
                "attachments": len(attachments),
            }
        },
    )
    _file_attachments(actor=actor, item=item, attachments=attachments, person=person)
    if person is not None:
        _timeline_received(actor=actor, item=item)
        _reply_task_create(actor=actor, item=item)
    else:
        task = _task_create(
            actor=actor,
            item=item,
            task_type=rules.TASK_MATCH_NEEDED,
            title=_task_title(item, match_needed=True),
        )
        item.match_task_id = task.pk
        item.save(update_fields=["match_task_id"])
    return item


def correspondence_register_eml(
    *,
    actor: Actor,
    raw: bytes,
    mailbox: Mailbox | str | None = None,
    channel: str = Channel.EMAIL,
    notes: list[str] | None = None,
) -> tuple[CorrespondenceItem, bool]:
    """Parse an .eml file and register it. A file that is not an email, is larger than
    ``rules.MAX_MESSAGE_BYTES``, or has nothing in it to register raises ValidationError.

    The received time is the message's date, or the date its mail server received it, passing
    over one in the future (a sender's clock set wrong): the message is kept, not refused. With no
    date Waymark can use, it is the time of the import. ``notes`` (a list, if given) gets a
    sentence for each such choice and for each attachment refused, for the import report.
    """
    try:
        parsed = eml_parse(raw)
    except EmlError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    if not parsed.subject and not parsed.body.strip() and not parsed.attachments:
        raise ValidationError(
            {
                "file": "The email has no subject, no text and no attachments: "
                "there is nothing to register"
            }
        )
    notes = notes if notes is not None else []
    notes.extend(parsed.notes)
    address = ""
    if isinstance(mailbox, str):
        address = mailbox.strip().lower()
        mailbox = Mailbox.objects.filter(address__iexact=address).first()
    now = clock.now()
    usable = [(when, source) for when, source in parsed.dates if when <= now + rules.CLOCK_SKEW]
    if usable:
        received_at, source = usable[0]
        if source != "Date header":
            notes.append(f"received time taken from the {source}")
    else:
        received_at = now
        notes.append("no date Waymark could use: received time recorded as the time of import")
    if len(usable) < len(parsed.dates):
        future = parsed.dates[0][0].astimezone(clock.LONDON)
        notes.append(f"its date ({future:%d/%m/%Y %H:%M}) is in the future, so it was not used")
    item, created = correspondence_register(
        actor=actor,
        channel=channel,
        sender=parsed.sender,
        sender_name=parsed.sender_name,
        recipients=parsed.recipients,
        subject=parsed.subject,
        body=parsed.body,
        received_at=received_at,
        message_id=parsed.message_id,
        attachments=parsed.attachments,
        mailbox=mailbox,
        address=address or (mailbox.address if mailbox else ""),
    )
    if created:
        notes.extend(
            f"attachment {attachment.file_name} refused: {attachment.refused_reason}"
            for attachment in item.attachments.exclude(refused_reason="")
        )
    return item, created
