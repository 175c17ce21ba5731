"""Every CSV and XLSX export goes through here (issue 14 item 11).

    @requires("linkage.link_records")
    @export_view
    def report_csv(request):
        rows = ...  # an iterable of lists, one per data row
        return export_csv(request, filename="report.csv", header=[...], rows=rows, count=n,
                          disclosure=Disclosure(verb="linkage.report_exported", purpose="...",
                                                query={...}, people=person_ids))

What the door does, so that no export can forget it:

- **Streamed.** CSV is written row by row (``csv.writer`` over a generator into a
  ``StreamingHttpResponse``); a large export never sits whole in memory. XLSX is a zip, which
  cannot be written forwards, so the rows go through an openpyxl *write-only* workbook into a
  spooled temporary file (memory up to ``XLSX_SPOOL_BYTES``, then disk) that is streamed in chunks.
- **No formulae.** Every cell, header row included, whose text starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading single quote (OWASP, "CSV Injection"), so a
  spreadsheet shows ``'=HYPERLINK(...)`` as text and never runs it. Numbers stay numbers: a value
  that is an ``int``, ``float``, ``Decimal`` or ``bool`` in Python is written as itself (``-5`` is a
  real number, which a spreadsheet reads as the number -5, and no formula can hide in one). The
  decision is made by the Python type, never by the text: a *string* that looks like a number
  (``"-5"`` read from an imported file) is neutralised like any other text, because only the code
  knows that a column is numeric. Dates and times are written as ISO 8601 text. Any other object is
  turned into text first (``str``) and then neutralised.
- **Not cached.** ``Cache-Control: no-store`` (the file holds personal data or figures about
  people).
- **A safe file name.** ``Content-Disposition: attachment`` with a name of ASCII letters, digits,
  ``.``, ``_`` and ``-`` only; anything else becomes ``-``.
- **Audited as a disclosure.** One ``AuditAction.DISCLOSURE`` entry per export, never one per row,
  written through ``audit_record`` *before* the first byte is streamed (after the view returns the
  request's acting context is gone). The recipient is the signed-in user, the purpose says what
  the export is for, and the payload holds the row count, the query or filter, the file name and
  format, and the people in the file: their ids (at most ``PEOPLE_LISTED_MAX``) and their count,
  or ``None`` when the rows name no Waymark person (aggregate figures; an import's rejected rows,
  whose row count is then the measure of what was disclosed). The row count is counted before the
  stream starts: the caller passes ``count`` (with ``people`` counted by the same query) or the
  rows are materialised and counted here.
- **Declared.** Only a view marked ``@export_view`` may call it (checked on every call), and
  ``waymark/core/tests/test_exports_end_to_end.py`` lists every such view's route, so a new
  export without the crafted-value test fails.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import StreamingHttpResponse

from waymark.core.audit import audit_record
from waymark.core.models import AuditAction

# Cell starts a spreadsheet would run as a formula (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISING_PREFIX = "'"
NUMBER_TYPES = (bool, int, float, Decimal)
PEOPLE_LISTED_MAX = 5000
XLSX_SPOOL_BYTES = 8 * 1024 * 1024
STREAM_CHUNK_BYTES = 64 * 1024
CSV_CONTENT_TYPE = "text/csv"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def export_view(view: Callable) -> Callable:
    """Mark a view as an export: the only views that may call ``export_csv`` / ``export_xlsx``."""
    view.waymark_export = True  # type: ignore[attr-defined]
    return view


@dataclass(frozen=True)
class Disclosure:
    """What an export discloses, for its audit entry."""

    verb: str  # e.g. "linkage.new_criminality_exported"
    purpose: str  # what the export is for, in words
    query: dict[str, Any] = field(default_factory=dict)  # the filter the rows were chosen by
    # The ids of the Waymark people in the file; None when its rows name no Waymark person
    # (aggregate figures, or an import's rejected rows, which were never linked to anyone).
    people: Sequence[int] | None = None
    # Without ids: how many people the figures are about, if known (the measures of effect).
    people_count: int | None = None
    target: Any = None  # the object exported from, if any (an import job, a bulk check)


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet will hold it: numbers as themselves, ``None`` as ``None``, dates
    and times as ISO text, any other value as text with a leading quote if it starts a formula."""
    if value is None or isinstance(value, NUMBER_TYPES):
        return value
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    return NEUTRALISING_PREFIX + text if text.startswith(FORMULA_START) else text


def safe_filename(name: str, *, extension: str) -> str:
    """ASCII letters, digits, ``.``, ``_`` and ``-`` only, ending in ``.extension``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = (
        ascii_name[: -len(extension) - 1]
        if ascii_name.lower().endswith("." + extension)
        else ascii_name
    )
    stem = _FILENAME_UNSAFE.sub("-", stem).strip(".-_")[:150] or "export"
    return f"{stem}.{extension}"


def _guard(request) -> None:
    match = getattr(request, "resolver_match", None)
    if match is not None and not getattr(match.func, "waymark_export", False):
        raise ImproperlyConfigured(
            f"{match.view_name} exports a file: mark it @export_view and add its "
            "route to waymark/core/tests/test_exports_end_to_end.py"
        )


def _counted(
    rows: Iterable[Sequence[Any]], count: int | None
) -> tuple[Iterable[Sequence[Any]], int]:
    if count is not None:
        return rows, count
    materialised = list(rows)
    return materialised, len(materialised)


def _disclose(
    request, disclosure: Disclosure, *, rows: int, filename: str, file_format: str
) -> None:
    people = None if disclosure.people is None else list(disclosure.people)
    payload: dict[str, Any] = {
        "rows": rows,
        "query": disclosure.query,
        "file": filename,
        "format": file_format,
        "people": None if people is None else people[:PEOPLE_LISTED_MAX],
        "people_count": disclosure.people_count if people is None else len(people),
    }
    user = request.user
    audit_record(
        actor=user,
        action=AuditAction.DISCLOSURE,
        verb=disclosure.verb,
        target=disclosure.target,
        person_id=people[0] if people is not None and len(people) == 1 else None,
        payload=payload,
        recipient=user.get_username() if user.is_authenticated else "",
        purpose=disclosure.purpose,
    )


def _attach(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class _Echo:
    """A file-like object whose ``write`` returns what it is given: ``csv.writer`` over it yields
    each formatted line instead of buffering."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, excel_bom: bool
) -> Iterator[str]:
    writer = csv.writer(_Echo())
    if excel_bom:
        yield "\ufeff"  # so that Excel reads the file as UTF-8
    yield writer.writerow([neutralise(v) for v in header])
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


def csv_file_write(path: Any, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> int:
    """A report a management command writes to a file (not a download: nothing is disclosed to
    a browser), with the same neutralised cells and Excel's byte-order mark. Returns the rows."""
    written = 0

    def counted() -> Iterator[Sequence[Any]]:
        nonlocal written
        for row in rows:
            written += 1
            yield row

    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.writelines(_csv_lines(header, counted(), excel_bom=True))
    return written


def export_csv(
    request,
    *,
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    disclosure: Disclosure,
    count: int | None = None,
    excel_bom: bool = False,
) -> StreamingHttpResponse:
    """A streamed CSV download, audited as one disclosure before it streams."""
    _guard(request)
    name = safe_filename(filename, extension="csv")
    rows, count = _counted(rows, count)
    _disclose(request, disclosure, rows=count, filename=name, file_format="csv")
    response = StreamingHttpResponse(
        _csv_lines(header, rows, excel_bom=excel_bom), content_type=CSV_CONTENT_TYPE
    )
    return _attach(response, name)


def _xlsx_chunks(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, sheet_title: str
) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cells(values: Sequence[Any]) -> list[Any]:
        # Control characters an XLSX file cannot hold are dropped (openpyxl would refuse the cell
        # mid-stream), and the text is neutralised again after, so that dropping one cannot
        # uncover a formula ("\x01=1" -> "'=1").
        out = []
        for value in values:
            cell = neutralise(value)
            if isinstance(cell, str):
                cell = neutralise(ILLEGAL_CHARACTERS_RE.sub("", cell))
            out.append(cell)
        return out

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Export")
    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    with tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES) as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(STREAM_CHUNK_BYTES):
            yield chunk


def export_xlsx(
    request,
    *,
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    disclosure: Disclosure,
    count: int | None = None,
    sheet_title: str = "Export",
) -> StreamingHttpResponse:
    """A streamed XLSX download (openpyxl write-only workbook), audited as one disclosure first.
    Every text cell is neutralised like a CSV cell, so none is stored as a formula."""
    _guard(request)
    name = safe_filename(filename, extension="xlsx")
    rows, count = _counted(rows, count)
    _disclose(request, disclosure, rows=count, filename=name, file_format="xlsx")
    response = StreamingHttpResponse(
        _xlsx_chunks(header, rows, sheet_title=sheet_title), content_type=XLSX_CONTENT_TYPE
    )
    return _attach(response, name)
