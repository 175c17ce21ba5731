"""Importing a file into source records, from upload to its validation report (brief linkage.md §1).

The steps, each audited (``linkage.import_*``)::

    import_upload   -> UPLOADED   (file read, headers kept, a mapping suggested)
    import_map      -> UPLOADED   (the user's column mapping saved)
    import_check    -> VALIDATED  (dry run: rows read, every rejected row with its reasons)
                    -> FAILED     (no rows, wrong columns, every row rejected, too many rows)
    import_confirm  -> QUEUED     (the background task is enqueued after commit)
    import_execute  -> RUNNING -> COMPLETED | FAILED   (what the task runs)
    import_cancel   -> CANCELLED  (before it runs)

Decisions:

- A file that cannot be imported at all (no file, empty, larger than ``rules.max_file_bytes()``,
  not CSV or XLSX, unreadable) is refused by ``import_upload`` with a ``ValidationError`` on the
  ``file`` field: nothing is created, and the upload page shows the reason in the error summary.
  Everything after the upload that goes wrong is kept on the job as FAILED with its
  ``failure_reason`` and its rejected rows: that is the validation report.
- ``import_execute`` writes every source record in ONE transaction: an import either completes or
  leaves nothing but its report. Rows are streamed from the stored file and written in batches of
  ``rules.PROGRESS_EVERY_ROWS``. A source record is found by (source_kind, source_ref): new ones
  are created (``core.bulk_insert``: COPY on PostgreSQL), ones whose ``content_hash`` differs are
  updated (``bulk_update``), the rest are left alone (counted unchanged). ``SourceRecord.person`` stays empty:
  linking is a later step.
- Progress: on PostgreSQL, ``progress_done`` is written every ``rules.PROGRESS_EVERY_ROWS`` rows
  through a second, autocommit connection, so the progress page moves while the import's own
  transaction is still open (the import's transaction never locks the job row until its last
  statement, so the two cannot wait on each other). On SQLite one writer holds the whole database,
  so the progress page shows "Importing" until the import finishes.
- One audit entry per step (with counts), not one per row.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import reverse

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.notifications import notify
from waymark.core.types import Actor
from waymark.linkage import importers, rules
from waymark.linkage.models import ImportJob, ImportRejection, ImportStatus
from waymark.linkage.permissions import IMPORT_RECORDS
from waymark.linkage.services._import_rows import (
    _Counts,
    _ProgressWriter,
    _records_write,
    _Refused,
    _table,
    rejections_replace,
    warnings_replace,
)
from waymark.linkage.services.import_upload import _permission_check
from waymark.linkage.workflows import IMPORT_JOB

logger = logging.getLogger(__name__)

PERMISSION = IMPORT_RECORDS
REMAPPABLE = (ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED)
CANCELLABLE = (ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.QUEUED)
FINISHED = (ImportStatus.COMPLETED, ImportStatus.FAILED, ImportStatus.CANCELLED)


_STATE: dict[str, str] = {
    ImportStatus.UPLOADED: "waiting for its columns to be mapped",
    ImportStatus.VALIDATED: "checked and waiting to be confirmed",
    ImportStatus.QUEUED: "waiting to start",
    ImportStatus.RUNNING: "importing",
    ImportStatus.COMPLETED: "completed",
    ImportStatus.FAILED: "failed (nothing was imported)",
    ImportStatus.CANCELLED: "cancelled (nothing was imported)",
}


def _state(job: ImportJob) -> str:
    """The job's state in a sentence ("This import is …: it cannot be started")."""
    return _STATE.get(job.status, job.get_status_display().lower())


def _status_change(job: ImportJob, status: str) -> dict[str, dict[str, str]]:
    """Move the job through its workflow; the change as the audit payload's old and new."""
    old = IMPORT_JOB.move(job, status)
    return {"old": {"status": old}, "new": {"status": status}}


# --- Mapping and the dry run ----------------------------------------------------------------------


def _remappable_refuse(job: ImportJob, *, has_content: bool) -> None:
    if job.status not in REMAPPABLE or job.started_at is not None or not has_content:
        raise ValidationError(f"This import is {_state(job)}: its columns can no longer be changed")


def _job_lock(job: ImportJob, *fields: str) -> bool:
    """Lock the job's row (inside the caller's transaction) and copy ``fields`` from it onto
    ``job``, whatever another writer committed since ``job`` was read; return whether the row
    still holds its file. The file itself (``content``, up to ``rules.max_file_bytes()``) is not
    read again."""
    row = (
        ImportJob.objects.select_for_update()
        .filter(pk=job.pk)
        .annotate(has_content=ExpressionWrapper(Q(content__isnull=False), BooleanField()))
        .values(*fields, "has_content")
        .get()
    )
    for name in fields:
        setattr(job, name, row[name])
    return bool(row["has_content"])


def import_map(*, actor: Actor, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Save the column mapping (file header -> field, '' for a column not imported). A mapping with
    problems is refused with every problem listed; the job goes back to waiting for its check."""
    _permission_check(actor)
    _remappable_refuse(job, has_content=job.content is not None)
    mapping = {h: (mapping.get(h) or "") for h in job.headers} | {
        h: f for h, f in mapping.items() if h not in job.headers
    }
    problems = importers.mapping_validate(job.source_kind, job.headers, mapping)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        # The row is locked and looked at again: a confirmation (queued) or a cancellation (its
        # file discarded) made since the job was read, or at the same moment, is not undone by
        # saving "uploaded" over it; the mapping is refused instead.
        has_content = _job_lock(job, "status", "started_at", "column_mapping")
        _remappable_refuse(job, has_content=has_content)
        old = {"column_mapping": job.column_mapping, "status": job.status}
        job.column_mapping = mapping
        IMPORT_JOB.move(job, ImportStatus.UPLOADED)
        job.failure_reason = ""
        job.rows_read = job.rows_rejected = job.rows_warned = job.progress_total = 0
        job.dates_month_first, job.date_order_note = False, ""  # the next check reads them again
        job.save(
            update_fields=[
                "column_mapping",
                "status",
                "failure_reason",
                "rows_read",
                "rows_rejected",
                "rows_warned",
                "progress_total",
                "dates_month_first",
                "date_order_note",
            ]
        )
        job.rejections.all().delete()
        job.row_warnings.all().delete()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="linkage.import_mapped",
            target=job,
            payload={"old": old, "new": {"column_mapping": mapping, "status": job.status}},
        )
    return job


def _fail(
    job: ImportJob,
    reason: str,
    *,
    actor: Actor,
    verb: str = "linkage.import_failed",
    clear_content: bool = False,
) -> ImportJob:
    change = _status_change(job, ImportStatus.FAILED)
    job.failure_reason = reason
    job.finished_at = clock.now() if clear_content else None
    fields = [
        "status",
        "failure_reason",
        "finished_at",
        "rows_read",
        "rows_rejected",
        "progress_total",
        "progress_done",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
    ]
    if clear_content:
        job.content = None
        fields.append("content")
    job.rows_created = job.rows_updated = job.rows_unchanged = 0
    job.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb=verb,
        target=job,
        payload={
            **change,
            "reason": reason,
            "rows_read": job.rows_read,
            "rows_rejected": job.rows_rejected,
        },
    )
    return job


CHECKABLE = (ImportStatus.UPLOADED, ImportStatus.VALIDATED)


def _checkable_refuse(job: ImportJob) -> None:
    if job.status not in CHECKABLE:
        raise ValidationError(f"This import is {_state(job)}: it cannot be checked again")


def import_check(*, actor: Actor, job: ImportJob) -> ImportJob:
    """The dry run: read and standardise every row, keep every rejected row with its reasons.
    VALIDATED when there is something to import, FAILED (with the reason) otherwise.

    The file is read without a lock (it may take a while); what was found is written in one
    transaction that locks the job's row first and is refused (``ValidationError``, nothing
    written) if the job was cancelled, confirmed or mapped again while the file was being read,
    rather than saving a check over a cancellation, or a stale mapping and its results over the
    new mapping."""
    _permission_check(actor)
    _checkable_refuse(job)
    stored = job.column_mapping
    mapping = stored or importers.mapping_suggest(job.source_kind, job.headers)
    problems = importers.mapping_validate(job.source_kind, job.headers, mapping)
    rejected: list[importers.RowResult] = []
    warned: list[importers.RowResult] = []
    limit = rules.max_rows()
    rows_read = 0
    refused = ""
    order = importers.DateOrder()
    if not problems:
        try:
            table = _table(job)
            order = importers.date_order(job.headers, mapping, table.rows())
            for result in importers.rows_validate(
                job.source_kind, job.headers, mapping, table.rows(), day_first=order.day_first
            ):
                rows_read += 1
                if rows_read > limit:
                    break
                if result.rejected:
                    rejected.append(result)
                elif result.warnings:
                    warned.append(result)
        except importers.FileRefused as exc:
            refused = str(exc)
    with transaction.atomic():
        _job_lock(job, "status", "column_mapping")
        _checkable_refuse(job)
        if job.column_mapping != stored:
            raise ValidationError(
                "The column mapping was changed while the file was being checked: check it again"
            )
        return _check_save(
            job,
            actor=actor,
            mapping=mapping,
            problems=problems,
            refused=refused,
            rows_read=rows_read,
            rejected=rejected,
            warned=warned,
            limit=limit,
            order=order,
        )


def _check_save(
    job: ImportJob,
    *,
    actor: Actor,
    mapping: dict[str, str],
    problems: list[str],
    refused: str,
    rows_read: int,
    rejected: list[importers.RowResult],
    warned: list[importers.RowResult],
    limit: int,
    order: importers.DateOrder,
) -> ImportJob:
    """What ``import_check`` found, saved on the job (its row locked by the caller)."""
    job.column_mapping = mapping
    job.dates_month_first, job.date_order_note = not order.day_first, order.note
    job.rows_read = job.rows_rejected = 0
    if problems:
        job.rejections.all().delete()
        return _fail(
            job,
            "The file's columns do not fit a "
            f"{job.get_source_kind_display().lower()}: " + "; ".join(problems),
            actor=actor,
        )
    job.rows_read = rows_read
    if refused:
        job.rejections.all().delete()
        return _fail(job, refused, actor=actor)
    job.rows_rejected, job.rows_warned = len(rejected), len(warned)
    job.progress_total = job.rows_read
    rejections_replace(job, rejected)
    warnings_replace(job, warned)
    if job.rows_read > limit:
        job.rows_rejected = job.rows_warned = 0
        job.rejections.all().delete()
        job.row_warnings.all().delete()
        return _fail(
            job, f"The file has more than {limit:,} rows: split it into smaller files", actor=actor
        )
    if job.rows_read == 0:
        return _fail(
            job,
            "The file has no rows under its header row: there is nothing to import",
            actor=actor,
        )
    if job.rows_rejected == job.rows_read:
        return _fail(
            job,
            f"Every row ({job.rows_read:,}) was rejected: see the reasons, correct the file "
            "or the column mapping, and try again",
            actor=actor,
        )
    change = _status_change(job, ImportStatus.VALIDATED)
    job.failure_reason = ""
    job.save(
        update_fields=[
            "column_mapping",
            "status",
            "failure_reason",
            "rows_read",
            "rows_rejected",
            "rows_warned",
            "progress_total",
            "dates_month_first",
            "date_order_note",
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.COLLECTION,
        verb="linkage.import_checked",
        target=job,
        payload={
            **change,
            "rows_read": job.rows_read,
            "rows_rejected": job.rows_rejected,
            "rows_warned": job.rows_warned,
            "dates_month_first": job.dates_month_first,
        },
    )
    return job


# --- Confirm, run, cancel -------------------------------------------------------------------------


def _enqueue(job_id: int) -> None:
    from waymark.linkage.tasks import import_run_task

    import_run_task.enqueue(job_id)


def import_confirm(*, actor: Actor, job: ImportJob, accept_valid_rows: bool) -> ImportJob:
    """Queue a checked import. With ``accept_valid_rows`` the valid rows are imported and the
    rejected rows stay on the report; without it, any rejected row fails the whole import."""
    _permission_check(actor)
    if job.status != ImportStatus.VALIDATED:
        raise ValidationError(f"This import is {_state(job)}: it cannot be started")
    with transaction.atomic():
        # Confirmed once: a second confirmation at the same moment waits for the first (the row
        # lock) and is refused, as is one after a cancellation, rather than saving over either.
        job.status = ImportJob.objects.select_for_update().get(pk=job.pk).status
        if job.status != ImportStatus.VALIDATED:
            raise ValidationError(f"This import is {_state(job)}: it cannot be started")
        change = _status_change(job, ImportStatus.QUEUED)
        job.accept_valid_rows = bool(accept_valid_rows)
        job.progress_done = 0
        job.save(update_fields=["status", "accept_valid_rows", "progress_done"])
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="linkage.import_confirmed",
            target=job,
            payload={
                **change,
                "accept_valid_rows": job.accept_valid_rows,
                "rows_read": job.rows_read,
                "rows_rejected": job.rows_rejected,
            },
        )
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue(job_id))
    return job


def import_cancel(*, actor: Actor, job: ImportJob) -> ImportJob:
    """Cancel an import that has not started: the file is discarded, nothing is imported."""
    _permission_check(actor)
    if job.status not in CANCELLABLE:
        raise ValidationError(f"This import is {_state(job)}: it cannot be cancelled")
    now = clock.now()
    with transaction.atomic():
        # Conditional: the task may have started it a moment ago.
        claimed = ImportJob.objects.filter(
            pk=job.pk, status__in=IMPORT_JOB.may_move_from(ImportStatus.CANCELLED)
        ).update(status=ImportStatus.CANCELLED, content=None, finished_at=now)
        if not claimed:
            raise ValidationError("This import has already started: it cannot be cancelled")
        old = job.status
        job.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="linkage.import_cancelled",
            target=job,
            payload={"old": {"status": old}, "new": {"status": job.status}},
        )
    return job


def import_execute(job_id: int) -> ImportJob:
    """Run a queued import (the background task): every record in one transaction, or none."""
    now = clock.now()
    if not ImportJob.objects.filter(
        pk=job_id, status__in=IMPORT_JOB.may_move_from(ImportStatus.RUNNING)
    ).update(status=ImportStatus.RUNNING, started_at=now, progress_done=0):
        return ImportJob.objects.get(pk=job_id)  # cancelled, or already run by another worker
    job = ImportJob.objects.get(pk=job_id)
    audit_record(
        actor=None,
        action=AuditAction.COLLECTION,
        verb="linkage.import_started",
        target=job,
        payload={"old": {"status": ImportStatus.QUEUED}, "new": {"status": ImportStatus.RUNNING}},
    )
    counts = _Counts()
    progress = _ProgressWriter(job.pk)
    failure = ""
    try:
        with transaction.atomic():
            _records_write(job, counts, progress)
            progress.close()
            IMPORT_JOB.move(job, ImportStatus.COMPLETED)
            job.rows_read, job.rows_rejected = counts.read, len(counts.rejected)
            job.rows_warned = len(counts.warned)
            job.rows_created, job.rows_updated, job.rows_unchanged = (
                counts.created,
                counts.updated,
                counts.unchanged,
            )
            job.progress_total = job.progress_done = counts.read
            job.finished_at = clock.now()
            job.failure_reason = ""
            job.content = None
            job.save()
            audit_record(
                actor=None,
                action=AuditAction.COLLECTION,
                verb="linkage.import_completed",
                target=job,
                payload={
                    "old": {"status": ImportStatus.RUNNING},
                    "new": {"status": job.status},
                    "rows_read": job.rows_read,
                    "rows_rejected": job.rows_rejected,
                    "rows_warned": job.rows_warned,
                    "rows_created": job.rows_created,
                    "rows_updated": job.rows_updated,
                    "rows_unchanged": job.rows_unchanged,
                },
            )
            notify(
                user=job.created_by,
                text=f"Import {job.pk} has finished: {job.rows_read:,} rows read, "
                f"{job.rows_rejected:,} rejected",
                url=reverse("linkage:import-detail", args=[job.pk]),
                kind="job_finished",
            )
    except _Refused as exc:
        failure = str(exc)
    except importers.FileRefused as exc:
        failure = f"{exc}: nothing was imported"
    except Exception as exc:  # anything at all: roll back everything and say so on the report
        logger.exception("Import %s failed at row %s", job_id, counts.last_row)
        failure = (
            f"The import stopped with an error after row {counts.last_row} ({type(exc).__name__}: "
            f"{exc}): nothing was imported"
        )
    finally:
        progress.close()
    stored = set(ImportRejection.objects.filter(job_id=job_id).values_list("row_number", flat=True))
    if counts.whole_file and stored != {r.row_number for r in counts.rejected}:
        rejections_replace(job, counts.rejected)
    if counts.whole_file and not failure:
        warnings_replace(job, counts.warned)
    if failure:
        job = ImportJob.objects.get(pk=job_id)
        job.rows_read, job.rows_rejected = (
            counts.read or job.rows_read,
            len(counts.rejected) or job.rows_rejected,
        )
        job.progress_done = counts.read
        return _fail(job, failure, actor=None, clear_content=True)
    return job
