"""An import's first step: the uploaded file kept with its header row and a suggested mapping, or
refused with the reason (``imports`` holds the steps after it; its docstring, the decisions)."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.linkage import importers, rules
from waymark.linkage.models import ImportJob, ImportStatus, SourceKind
from waymark.linkage.permissions import may_import
from waymark.linkage.services._common import _user


def _permission_check(actor: Actor) -> None:
    if not may_import(actor):
        raise PermissionDenied("You may not import files")


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f}MB"
    if size >= 1024:
        return f"{size / 1024:.0f}KB"
    return f"{size} bytes"


def file_too_large_message(size: int) -> str:
    limit = rules.max_file_bytes()
    return (
        f"The selected file must be smaller than {_size_text(limit)} (it is {_size_text(size)}): "
        "split it into smaller files"
    )


def import_upload(
    *, actor: Actor, source_kind: str, label: str, file_name: str, content: bytes
) -> ImportJob:
    """Keep an uploaded file with its header row and a suggested mapping, or refuse it
    (``ValidationError``; nothing is created)."""
    _permission_check(actor)
    errors: dict[str, str] = {}
    if source_kind not in SourceKind.values:
        errors["source_kind"] = "Select what kind of file this is"
    label = (label or "").strip()
    if not label:
        errors["label"] = "Enter a name for this import, for example 'CID extract, November 2026'"
    elif len(label) > 200:
        errors["label"] = "The name must be 200 characters or fewer"
    limit = rules.max_file_bytes()
    table = None
    if not content:
        errors["file"] = "The selected file is empty"
    elif len(content) > limit:
        errors["file"] = file_too_large_message(len(content))
    else:
        try:
            table = importers.table_read(file_name, content)
        except importers.FileRefused as exc:
            errors["file"] = str(exc)
    if errors:
        raise ValidationError(errors)
    assert table is not None
    job = ImportJob.objects.create(
        source_kind=source_kind,
        label=label,
        file_name=file_name[:255],
        file_format=table.file_format,
        file_size=len(content),
        file_sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        headers=table.headers,
        column_mapping=importers.mapping_suggest(source_kind, table.headers),
        status=ImportStatus.UPLOADED,
        created_by=_user(actor),
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb="linkage.import_uploaded",
        target=job,
        payload={
            "source_kind": source_kind,
            "label": label,
            "file_name": job.file_name,
            "file_size": job.file_size,
            "file_sha256": job.file_sha256,
            "headers": job.headers,
        },
    )
    return job
