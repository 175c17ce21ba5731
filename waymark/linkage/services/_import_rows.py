"""Writing an import's rows (``imports.import_execute``): streamed from the stored file, validated,
and written in batches of ``rules.PROGRESS_EVERY_ROWS`` (new records with ``core.bulk_insert_rows``,
changed ones with ``core.bulk_update_rows``), keyed by (source_kind, source_ref). The progress writer's
second connection is explained in the ``imports`` module docstring."""

from __future__ import annotations

from typing import Any

from django.db import connections, router, transaction

from waymark.core import clock
from waymark.core.bulk_insert import bulk_insert_rows, bulk_update_rows
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
UPDATE_FIELDS = (*RECORD_FIELDS, "content_hash", "import_job_id", "updated_at")


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


# The columns a new record is written with (``bulk_insert_rows``), RECORD_FIELDS last.
_NEW_COLUMNS = (
    "source_kind",
    "source_ref",
    "import_job_id",
    "content_hash",
    "created_at",
    "updated_at",
    *RECORD_FIELDS,
)

# One index probe a reference on PostgreSQL, whatever the table's statistics say. During a first
# migration the table grows from empty inside the import's transaction, so it has never been
# analysed: the planner then read ``source_ref IN (...)`` as a filter and scanned every record of
# the source kind for each batch of 500 (9 ms at 40,000 records, growing with the table: the import
# of 1M rows took 17x the time of 100,000). The lateral probe on the unique key cannot be planned
# as a scan.
_EXISTING_SQL = (
    "SELECT s.id, s.source_ref, s.content_hash FROM unnest(%s::text[]) AS r(ref) "
    "CROSS JOIN LATERAL (SELECT id, source_ref, content_hash FROM {table} "
    "WHERE source_kind = %s AND source_ref = r.ref LIMIT 1) AS s"
)


def _existing(source_kind: str, refs: list[str]) -> dict[str, tuple[int, str]]:
    """The stored records of ``refs``: reference -> (key, content hash)."""
    connection = connections[router.db_for_read(SourceRecord)]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(SourceRecord._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(_EXISTING_SQL.format(table=table), [refs, source_kind])
            return {ref: (pk, digest) for pk, ref, digest in cursor.fetchall()}
    rows = SourceRecord.objects.filter(source_kind=source_kind, source_ref__in=refs)
    return {
        ref: (pk, digest)
        for pk, ref, digest in rows.values_list("pk", "source_ref", "content_hash")
    }


def _batch_write(job: ImportJob, batch: list[importers.RowResult], counts: _Counts) -> None:
    now = clock.now()
    existing = _existing(job.source_kind, [r.source_ref for r in batch])
    new: list[tuple[Any, ...]] = []
    changed: list[tuple[Any, ...]] = []
    for result in batch:
        assert result.record is not None
        stored = existing.get(result.source_ref)
        if stored is None:
            values = _record_values(result.record)
            new.append(
                (
                    job.source_kind,
                    result.source_ref,
                    job.pk,
                    result.content_hash,
                    now,
                    now,
                    *(values[name] for name in RECORD_FIELDS),
                )
            )
        elif stored[1] != result.content_hash:
            values = _record_values(result.record)
            changed.append(
                (
                    stored[0],
                    *(values[name] for name in RECORD_FIELDS),
                    result.content_hash,
                    job.pk,
                    now,
                )
            )
        else:
            counts.unchanged += 1
    if new:
        # COPY on PostgreSQL from tuples (the platform's bulk path): bulk_create's parameter
        # preparation was half of an import's write time, and making the instances a third of
        # what was left.
        counts.created += bulk_insert_rows(SourceRecord, _NEW_COLUMNS, new)
    if changed:
        # One UPDATE joined to the batch's values (the platform's bulk path): ``bulk_update``'s
        # CASE a row and a column was evaluated row by row, growing with the square of the batch.
        counts.updated += bulk_update_rows(SourceRecord, UPDATE_FIELDS, changed)


def _records_write(job: ImportJob, counts: _Counts, progress: _ProgressWriter) -> None:
    table = _table(job)
    batch: list[importers.RowResult] = []
    every = max(1, rules.PROGRESS_EVERY_ROWS)
    for result in importers.rows_validate(
        job.source_kind,
        job.headers,
        job.column_mapping,
        table.rows(),
        day_first=not job.dates_month_first,
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
