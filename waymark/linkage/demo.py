"""The linkage demo: a legacy migration in miniature, run through the real pipeline.

``linkage_demo_load`` generates the four kinds of source file (legacy case extract, new casework
extract, two tracker spreadsheets, the police records file) with the generator's faults, imports
each through the import services (upload, mapping, check, confirm, execute), runs the linkage with
the generator's truth so the run records its measured accuracy, applies the ownership clean-up
(reproducing 001 Figure 3 at scale 1) and runs a bulk check of everyone linked against the police
file. Review-band pairs and bulk-check matches are left for the demo records manager to decide.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

from waymark.core import clock

# Rows across the four sources at scale 1 (enough people for Figure 3's 337 with room to spare).
DEMO_ROWS = 6_000
MIN_ROWS = 400


def _csv_bytes(rows: list[dict]) -> bytes:
    import csv

    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx_bytes(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Tracker")
    if rows:
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(*, kind: str, label: str, file_name: str, content: bytes):
    from waymark.linkage import importers, services

    job = services.import_upload(
        actor=None, source_kind=kind, label=label, file_name=file_name, content=content
    )
    job = services.import_map(
        actor=None, job=job, mapping=importers.mapping_suggest(kind, job.headers)
    )
    job = services.import_check(actor=None, job=job)
    job = services.import_confirm(actor=None, job=job, accept_valid_rows=False)
    return services.import_execute(job.pk)


def linkage_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    from waymark.linkage import generator, services
    from waymark.linkage.models import SourceKind
    from waymark.linkage.services import bulk_check_execute, bulk_check_start, ownership_cleanup

    rows = max(MIN_ROWS, round(DEMO_ROWS * scale))
    with clock.frozen(anchor):
        try:
            gen = generator.generate(rows, seed=seed, figure3=True)
        except ValueError:  # too few rows for Figure 3 (the small test scales)
            gen = generator.generate(rows, seed=seed)
        counts: dict[str, int] = {}
        files = [
            (
                SourceKind.LEGACY_CASE,
                "CID extract (legacy casework), November 2026",
                "cid_extract.csv",
                _csv_bytes(gen.rows[SourceKind.LEGACY_CASE]),
            ),
            (
                SourceKind.CASEWORK,
                "Atlas person extract, November 2026",
                "atlas_people.csv",
                _csv_bytes(gen.rows[SourceKind.CASEWORK]),
            ),
        ]
        # At the smallest scales a team's tracker can come out with no rows: there is no file then.
        trackers = [(label, rows_) for label, rows_ in sorted(gen.trackers.items()) if rows_]
        for i, (label, tracker_rows) in enumerate(trackers):
            content = _xlsx_bytes(tracker_rows) if i % 2 == 0 else _csv_bytes(tracker_rows)
            extension = "xlsx" if i % 2 == 0 else "csv"
            files.append(
                (
                    SourceKind.TRACKER,
                    f"Team tracker: {label}",
                    f"tracker_{label}.{extension}",
                    content,
                )
            )
        police = None
        files.append(
            (
                SourceKind.POLICE,
                "Police records file for the bulk check",
                "police_records.csv",
                _csv_bytes(gen.rows[SourceKind.POLICE]),
            )
        )
        for kind, label, file_name, content in files:
            job = _import(kind=kind, label=label, file_name=file_name, content=content)
            counts[f"linkage_rows_{kind}"] = counts.get(f"linkage_rows_{kind}", 0) + job.rows_read
            if kind == SourceKind.POLICE:
                police = job
        if progress:
            progress(
                f"Linkage: imported {sum(v for k, v in counts.items() if k.startswith('linkage_rows')):,} rows"
            )
        truth = {f"{kind}:{ref}": person for (kind, ref), person in gen.truth.items()}
        run = services.linkage_run_start(actor=None)
        run = services.linkage_run_execute(run.pk, truth=truth)
        counts["linkage_people_created"] = run.people_created
        counts["linkage_review_pairs"] = run.pairs_review
        summary = ownership_cleanup(actor=None)
        counts["linkage_ownership_to_decide"] = getattr(summary, "to_decide", 0)
        if police is not None and police.status == "completed":
            check = bulk_check_start(
                actor=None,
                name="Everyone linked against the police records file",
                population="all_linked",
                police_import=police,
            )
            check = bulk_check_execute(check.pk, model=run.model)
            counts["linkage_bulk_matches"] = check.potential_matches
        if progress:
            progress(
                f"Linkage: {run.people_created:,} people from {run.records:,} records; "
                f"{run.pairs_review:,} pairs to review"
            )
    return counts
