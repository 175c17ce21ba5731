"""Writes for documents and letters. Each validates, writes atomically, audits and adds a
timeline event on the person.

``document_store`` is the one way a file enters Waymark: it checks the size
(``rules.MAX_DOCUMENT_BYTES``), refuses macro-enabled Office files and polyglots (bytes that are
more than one type), checks the extension and the content agree on an allowed type
(``rules.ALLOWED_CONTENT_TYPES``) and runs the virus scanner, and stores nothing if any check
fails. ``upload_read`` reads an uploaded file in chunks and stops as soon as it is too large.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.documents import scanning
from waymark.documents.letters import (
    letter_render_text,
    letter_text_to_html,
    merge_context,
    template_check,
)
from waymark.documents.models import (
    Document,
    DocumentSource,
    DocumentType,
    LetterService,
    LetterTemplate,
    ServiceMethod,
    document_storage_name,
)
from waymark.documents.rules import (
    ALLOWED_CONTENT_TYPES,
    GENERATED_LETTER_CONTENT_TYPE,
    MAX_DOCUMENT_BYTES,
    UPLOAD_CHUNK_BYTES,
)
from waymark.documents.sniffing import (
    TYPE_NAMES,
    agreed_content_type,
    content_types_found,
    has_macros,
)


def _timeline(
    *,
    person,
    event_type: str,
    summary: str,
    actor: Actor,
    detail=None,
    related=None,
    occurred_at=None,
):
    from waymark.people.services import timeline_event_record

    timeline_event_record(
        person=person,
        module="documents",
        event_type=event_type,
        summary=summary,
        occurred_at=occurred_at,
        actor=actor,
        detail=detail,
        related=related,
    )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _too_large(limit: int = MAX_DOCUMENT_BYTES) -> ValidationError:
    return ValidationError({"file": f"The selected file must be smaller than {_mib(limit)}"})


def upload_read(upload, *, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of an uploaded file, read in chunks; ValidationError as soon as it passes ``limit``.

    A known size over the limit is refused without reading anything; otherwise no more than one
    chunk past the limit is ever read, so a huge (or endless) file is never held in memory.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    buffer = bytearray()
    for chunk in upload.chunks(UPLOAD_CHUNK_BYTES):
        buffer += chunk
        if len(buffer) > limit:
            raise _too_large(limit)
    return bytes(buffer)


_FILE_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_KNOWN_EXTENSIONS = {ext for exts in ALLOWED_CONTENT_TYPES.values() for ext in exts}


def file_name_clean(file_name: str, *, limit: int | None = None) -> str:
    """The name a file is kept under (as data only: never part of a path): without control
    characters (a NUL cannot be stored in PostgreSQL, a newline breaks a download's header), and
    cut to ``limit`` characters keeping the extension, so a very long name still downloads as the
    type it was checked as."""
    limit = limit or Document._meta.get_field("original_name").max_length or len(file_name or "")
    name = _FILE_NAME_CONTROL.sub("", file_name or "").strip()
    if len(name) > limit:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and f".{extension.lower()}" in _KNOWN_EXTENSIONS:
            name = f"{stem[: limit - len(extension) - 1]}.{extension}"
        else:
            name = name[:limit]
    return name


def document_validate(*, file_name: str, content: bytes) -> str:
    """The agreed content type of an acceptable file; a ValidationError saying why otherwise."""
    if not content:
        raise ValidationError({"file": "The selected file is empty"})
    if len(content) > MAX_DOCUMENT_BYTES:
        raise _too_large()
    if has_macros(file_name, content):
        raise ValidationError(
            {
                "file": "The selected file must not contain macros. Save it without macros "
                "(as a DOCX or XLSX) and upload it again"
            }
        )
    content_type = agreed_content_type(file_name, content)
    if content_type is None:
        allowed = ", ".join(
            ext.lstrip(".").upper() for exts in ALLOWED_CONTENT_TYPES.values() for ext in exts[:1]
        )
        raise ValidationError({"file": f"The selected file must be a {allowed}"})
    found = content_types_found(content)
    if len(found) > 1:
        names = [TYPE_NAMES.get(t, t) for t in found]
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        raise ValidationError(
            {"file": f"The selected file must be only one type of file. This one is {listed}"}
        )
    return content_type


def _document_write(
    *,
    actor: Actor,
    person,
    file_name: str,
    content: bytes,
    content_type: str,
    document_type: str,
    source: str,
    title: str,
    related: Any = None,
    letter_template: LetterTemplate | None = None,
    timeline: bool = True,
) -> Document:
    result = scanning.scan(content)
    if result.status == scanning.INFECTED:
        raise ValidationError({"file": "The selected file contains a virus"})
    if result.status == scanning.ERROR:  # fail closed: no verdict, no file
        raise ValidationError(
            {"file": "The selected file could not be checked for viruses. Try again later"}
        )
    now = clock.now()
    document = Document(
        person=person,
        document_type=document_type,
        title=(title or file_name)[:300],
        original_name=file_name[:255],
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=now,
        filed_at=now if person is not None else None,
        source=source,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
        scan_status=scanning.CLEAN if result.status == scanning.CLEAN else scanning.NOT_SCANNED,
        scan_detail=result.detail[:300],
        letter_template=letter_template,
    )
    document.file.save(document_storage_name(content_type), ContentFile(content), save=False)
    document.save()
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb="document.stored",
        target=document,
        person_id=person.pk if person is not None else None,
        payload={
            "new": {
                "title": document.title,
                "document_type": document_type,
                "source": source,
                "content_type": content_type,
                "size": document.size,
                "sha256": document.sha256,
                "scan_status": document.scan_status,
            }
        },
    )
    if person is not None and timeline:
        _timeline(
            person=person,
            event_type="document.added",
            actor=actor,
            related=document,
            summary=f"Document added: {document.title}",
            detail={"document_id": document.pk, "document_type": document_type, "source": source},
        )
    return document


def document_store(
    *,
    actor: Actor,
    person,
    file_name: str,
    content: bytes,
    content_type: str = "",
    document_type: str = DocumentType.OTHER,
    source: str = "",
    title: str = "",
    related: Any = None,
    refuse_same_file: bool = False,
) -> Document:
    """Validate and store one file. ``content_type`` as declared by the sender is not trusted: the
    stored type is the one the extension and the bytes agree on. ``person`` may be None only for
    correspondence attachments waiting to be matched (see ``document_file``). The file name is
    kept as ``file_name_clean`` gives it.

    ``refuse_same_file`` (the upload page): the very same bytes already on the person's record are
    refused with the document they are, so an upload sent twice (a double click, a second try
    after a slow answer) is stored once. Checked again under the person's lock.
    """
    if document_type not in DocumentType.values:
        raise ValidationError({"document_type": "Select the type of document"})
    file_name = file_name_clean(file_name)
    agreed = document_validate(file_name=file_name, content=content)
    with transaction.atomic():
        if refuse_same_file and person is not None:
            _same_file_refuse(person=person, content=content)
        return _document_write(
            actor=actor,
            person=person,
            file_name=file_name,
            content=content,
            content_type=agreed,
            document_type=document_type,
            source=source or DocumentSource.UPLOAD,
            title=title,
            related=related,
        )


def _same_file_refuse(*, person, content: bytes) -> None:
    from waymark.people.services import people_lock

    people_lock([person.pk])
    sha256 = hashlib.sha256(content).hexdigest()
    existing = Document.objects.filter(person=person, sha256=sha256).order_by("pk").first()
    if existing is not None:
        added = existing.uploaded_at.astimezone(clock.LONDON)
        raise ValidationError(
            {
                "file": f"This file is already on the record as \u201c{existing.title}\u201d, "
                f"added {added.day} {added:%B %Y at %H:%M}. It has not been added again"
            }
        )


def document_file(*, actor: Actor, document: Document, person) -> Document:
    """File an unfiled document (a correspondence attachment) on a person's record."""
    if document.person_id is not None:
        if document.person_id == person.pk:
            return document
        raise ValidationError("This document is already filed on another person")
    with transaction.atomic():
        document.person = person
        document.filed_at = clock.now()
        document.save(update_fields=["person", "filed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="document.filed",
            target=document,
            person_id=person.pk,
            payload={"old": {"person_id": None}, "new": {"person_id": person.pk}},
        )
        _timeline(
            person=person,
            event_type="document.added",
            actor=actor,
            related=document,
            summary=f"Document added: {document.title}",
            detail={
                "document_id": document.pk,
                "document_type": document.document_type,
                "source": document.source,
            },
        )
    return document


def document_download_record(*, actor: Actor, document: Document) -> None:
    """A download is a consultation of personal data (DPA 2018 s62)."""
    audit_record(
        actor=actor,
        action=AuditAction.CONSULTATION,
        verb="document.downloaded",
        target=document,
        person_id=document.person_id,
        payload={"title": document.title, "sha256": document.sha256},
    )


def letter_template_create(
    *, actor: Actor, key: str, name: str, body: str, description: str = ""
) -> LetterTemplate:
    """Add a template, or a new version of an existing one (older versions stay for old letters)."""
    template_check(body)
    with transaction.atomic():
        latest = (
            LetterTemplate.objects.select_for_update().filter(key=key).order_by("-version").first()
        )
        template = LetterTemplate.objects.create(
            key=key,
            version=(latest.version + 1) if latest else 1,
            name=name,
            body=body,
            description=description,
            created_at=clock.now(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="letter_template.saved",
            target=template,
            payload={
                "old": {"version": latest.version if latest else None},
                "new": {"key": key, "version": template.version},
            },
        )
    return template


def letter_preview(
    *, actor: Actor, template: LetterTemplate, person, extra: dict | None = None
) -> str:
    return letter_render_text(
        template.body, merge_context(person=person, sender=actor, extra=extra)
    )


def letter_generate(
    *, actor: Actor, template: LetterTemplate, person, extra: dict | None = None
) -> Document:
    """Render ``template`` for ``person`` and store the letter as a document on their record."""
    text = letter_preview(actor=actor, template=template, person=person, extra=extra)
    title = f"{template.name} - {person.full_name}"
    content = letter_text_to_html(title=title, text=text).encode("utf-8")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationError("The letter is too large to store")
    with transaction.atomic():
        document = _document_write(
            actor=actor,
            person=person,
            file_name=f"{template.key}.html",
            content=content,
            content_type=GENERATED_LETTER_CONTENT_TYPE,
            document_type=DocumentType.LETTER,
            source=DocumentSource.LETTER,
            title=title,
            letter_template=template,
            timeline=False,  # the letter.generated event below says it
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="letter.generated",
            target=document,
            person_id=person.pk,
            payload={
                "new": {
                    "template": template.key,
                    "version": template.version,
                    "extra": {str(k): str(v) for k, v in (extra or {}).items()},
                }
            },
        )
        _timeline(
            person=person,
            event_type="letter.generated",
            actor=actor,
            related=document,
            summary=f"Letter generated: {template.name}",
            detail={
                "document_id": document.pk,
                "template": template.key,
                "version": template.version,
            },
        )
    return document


def letter_record_service(
    *, actor: Actor, document: Document, method: str, served_on: date, note: str = ""
) -> LetterService:
    """Record that a letter was served, and put it on the person's timeline."""
    errors = {}
    if document.person_id is None:
        errors["document"] = "Only a letter on a person's record can be served"
    if method not in ServiceMethod.values:
        errors["method"] = "Select how the letter was served"
    if served_on is None:
        errors["served_on"] = "Enter the date the letter was served"
    elif served_on > clock.today():
        errors["served_on"] = "The date the letter was served must be today or in the past"
    elif served_on < document.uploaded_at.astimezone(clock.LONDON).date():
        errors["served_on"] = (
            "The date the letter was served must be on or after the date it was made"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        service = LetterService.objects.create(
            document=document,
            method=method,
            served_on=served_on,
            note=note,
            served_by=actor if getattr(actor, "is_authenticated", False) else None,
            recorded_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="letter.served",
            target=service,
            person_id=document.person_id,
            payload={
                "new": {
                    "document_id": document.pk,
                    "method": method,
                    "served_on": served_on.isoformat(),
                }
            },
        )
        _timeline(
            person=document.person,
            event_type="letter.served",
            actor=actor,
            related=document,
            summary=f"{document.title} served ({ServiceMethod(method).label.lower()}) on {served_on:%d %B %Y}",
            detail={
                "document_id": document.pk,
                "method": method,
                "served_on": served_on.isoformat(),
            },
        )
    return service
