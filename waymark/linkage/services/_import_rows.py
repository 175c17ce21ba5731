"""Writing an import's rows (``imports.import_execute``): streamed from the stored file, validated,
and written in batches of ``rules.PROGRESS_EVERY_ROWS`` (new records with ``core.bulk_insert``,
changed ones with ``bulk_update``), keyed by (source_kind, source_ref). The progress writer's
second connection is explained in the ``imports`` module docstring."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from waymark.core import clock
from waymark.core.bulk_insert import bulk_insert
from waymark.linkage import importers, rules
from waymark.linkage.models import ImportJob, ImportRejection, ImportWarning, SourceRecord
from waymark.linkage.services._progress import ProgressWriter

# The SourceRecord columns an import writes from a standardised record.
RECORD_FIELDS = (
    "given_names",
    "family_name",
    "date_of_birth",
    "sex",
    "nationality",
    "postcode",
    "address",
    "phone",
    "home_office_ref",
    "pnc_id",
    "given_std",
    "middle_std",
    "family_std",
    "given_phonetic",
    "family_phonetic",
    "postcode_std",
    "extra",
)
UPDATE_FIELDS = (*RECORD_FIELDS, "content_hash", "import_job", "updated_at")


def _table(job: ImportJob) -> importers.TableFile:
    if job.content is None:
        raise importers.FileRefused("The uploaded file is no longer held: upload it again")
    return importers.table_read(job.file_name, bytes(job.content))


class _Refused(Exception):
    """Rows were rejected and the import was not told to accept only the valid rows."""


class _ProgressWriter(ProgressWriter):
    """Saves ``progress_done`` while the import's transaction is open (module docstring)."""

    def __init__(self, job_id: int):
        super().__init__(ImportJob, job_id)


_MAX_LENGTHS = {
    f.name: f.max_length
    for f in SourceRecord._meta.concrete_fields
    if f.max_length and f.name in RECORD_FIELDS
}


def _record_values(record: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        value = record.get(name)
        if name == "date_of_birth":
            values[name] = value or None
        elif name == "extra":
            values[name] = value or {}
        else:
            text = "" if value is None else str(value)
            limit = _MAX_LENGTHS.get(name)
            values[name] = text[:limit] if limit else text
    return values


def rejections_replace(job: ImportJob, rejected: list[importers.RowResult]) -> None:
    """The import's rejected rows with every reason, replacing those of an earlier check."""
    with transaction.atomic():
        job.rejections.all().delete()
        batch = rules.PROGRESS_EVERY_ROWS
        for start in range(0, len(rejected), batch):
            ImportRejection.objects.bulk_create(
                [
                    ImportRejection(
                        job=job, row_number=r.row_number, reasons=r.reasons, values=r.values
                    )
                    for r in rejected[start : start + batch]
                ]
            )


def warnings_replace(job: ImportJob, warned: list[importers.RowResult]) -> None:
    """The import's rows kept with a warning, replacing those of an earlier check (the report)."""
    with transaction.atomic():
        job.row_warnings.all().delete()
        batch = rules.PROGRESS_EVERY_ROWS
        for start in range(0, len(warned), batch):
            ImportWarning.objects.bulk_create(
                [
                    ImportWarning(
                        job=job, row_number=r.row_number, reasons=r.warnings, values=r.values
                    )
                    for r in warned[start : start + batch]
                ]
            )


class _Counts:
    def __init__(self) -> None:
        self.read = self.created = self.updated = self.unchanged = 0
        self.rejected: list[importers.RowResult] = []
        self.warned: list[importers.RowResult] = []
        self.last_row = 0
        self.whole_file = False  # every row was read: the rejections found are the full list


def _batch_write(job: ImportJob, batch: list[importers.RowResult], counts: _Counts) -> None:
    now = clock.now()
    existing = {
        r.source_ref: r
        for r in SourceRecord.objects.filter(
            source_kind=job.source_kind, source_ref__in=[r.source_ref for r in batch]
        )
    }
    new, changed = [], []
    for result in batch:
        assert result.record is not None
        record = existing.get(result.source_ref)
        if record is None:
            new.append(
                SourceRecord(
                    source_kind=job.source_kind,
                    source_ref=result.source_ref,
                    import_job=job,
                    content_hash=result.content_hash,
                    created_at=now,
                    updated_at=now,
                    **_record_values(result.record),
                )
            )
        elif record.content_hash != result.content_hash:
            for name, value in _record_values(result.record).items():
                setattr(record, name, value)
            record.content_hash, record.import_job, record.updated_at = (
                result.content_hash,
                job,
                now,
            )
            changed.append(record)
        else:
            counts.unchanged += 1
    if new:
        # COPY on PostgreSQL (the platform's bulk path): bulk_create's parameter preparation was
        # half of an import's write time.
        bulk_insert(SourceRecord, new)
        counts.created += len(new)
    if changed:
        SourceRecord.objects.bulk_update(changed, UPDATE_FIELDS)
        counts.updated += len(changed)


def _records_write(job: ImportJob, counts: _Counts, progress: _ProgressWriter) -> None:
    table = _table(job)
    batch: list[importers.RowResult] = []
    every = max(1, rules.PROGRESS_EVERY_ROWS)
    for result in importers.rows_validate(
        job.source_kind, job.headers, job.column_mapping, table.rows()
    ):
        counts.read += 1
        counts.last_row = result.row_number
        if result.warnings:
            counts.warned.append(result)
        if result.rejected:
            counts.rejected.append(result)
        elif (
            job.accept_valid_rows or not counts.rejected
        ):  # without acceptance, stop writing: it will fail
            batch.append(result)
        if len(batch) >= every:
            _batch_write(job, batch, counts)
            batch = []
        if counts.read % every == 0:
            progress.save(counts.read)
    counts.whole_file = True
    if batch:
        _batch_write(job, batch, counts)
    if counts.rejected and not job.accept_valid_rows:
        raise _Refused(
            f"{len(counts.rejected):,} of {counts.read:,} rows were rejected and the import was "
            "not told to import only the valid rows: nothing was imported"
        )
