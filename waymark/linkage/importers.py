"""Reading an uploaded file and checking its rows (brief linkage.md §1). Pure: no database.

- ``table_read(file_name, content)`` reads a CSV (UTF-8, UTF-8 with a byte-order mark, UTF-16
  with its mark, or Windows-1252 as a fallback; comma, semicolon, tab or pipe separated) or an
  XLSX workbook's table (its first visible sheet with a row of two or more values: a cover or
  notes sheet before the data is passed over) into its header row and an iterator of its rows.
  Title lines above the header row are skipped (``_header_find``). A file it cannot read raises
  ``FileRefused`` with a sentence a user can act on.
- ``SOURCE_FIELDS`` says which fields ("mapping targets") each source kind needs and accepts.
- ``mapping_suggest`` proposes a mapping (file header -> field): the generator's own headers
  through ``standardise.DEFAULT_MAPPINGS``, then a guess for free-form headers ("D.O.B", "Nat.",
  "Surname"...). ``mapping_validate`` lists what is wrong with a mapping.
- ``rows_validate`` standardises every row with ``standardise.record_standardise`` and yields a
  ``RowResult`` per row: the standardised record, or every reason the row is rejected. A source
  reference seen on an earlier row rejects the later row.

Row numbers are the file's, as a spreadsheet shows them (the header is row 1 unless title lines
stand above it). Rows with no value in any cell are not data and are skipped (they are not
counted as read).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from waymark.linkage import rules, standardise

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)

# --- Fields each source kind maps to --------------------------------------------------------------

FIELD_LABELS: dict[str, str] = {
    "source_ref": "Reference in this source",
    "given_names": "Given names",
    "family_name": "Family name",
    "full_name": "Full name (one cell)",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "nationality": "Nationality",
    "postcode": "Postcode",
    "address": "Address",
    "phone": "Phone number",
    "home_office_ref": "Home Office reference",
    "pnc_id": "PNC ID",
    "cid_person_id": "CID person ID",
    "case_type": "Case type",
    "owning_unit": "Owning unit",
    "case_status": "Case status",
    "notes": "Notes",
    "case_owner": "Case owner",
    "next_action": "Next action",
    "cro_number": "CRO number",
    "offence_count": "Number of offences",
    "most_serious_offence": "Most serious offence",
    "last_conviction_date": "Date of last conviction",
    "force": "Police force",
}

COMMON_FIELDS = (
    "given_names",
    "family_name",
    "full_name",
    "date_of_birth",
    "sex",
    "nationality",
    "postcode",
    "address",
    "phone",
    "home_office_ref",
    "pnc_id",
)
NAME_FIELDS = ("given_names", "family_name", "full_name")
DATE_FIELDS = frozenset({"date_of_birth", "last_conviction_date"})


@dataclass(frozen=True)
class SourceFields:
    """The fields a source kind needs (``required``) and may also carry (``optional``). Every kind
    also needs a name: ``family_name`` (with or without ``given_names``) or ``full_name``. On the
    police records file the PNC ID is also the row's reference (``standardise.SOURCE_REF_ALSO``)."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def allowed(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


SOURCE_FIELDS: dict[str, SourceFields] = {
    "legacy_case": SourceFields(
        required=("source_ref",),
        optional=(
            *COMMON_FIELDS,
            "cid_person_id",
            "case_type",
            "owning_unit",
            "case_status",
            "notes",
        ),
    ),
    "casework": SourceFields(required=("source_ref",), optional=COMMON_FIELDS),
    "tracker": SourceFields(
        required=("source_ref",), optional=(*COMMON_FIELDS, "case_owner", "next_action", "notes")
    ),
    "police": SourceFields(
        required=("source_ref",),
        optional=(
            *COMMON_FIELDS,
            "cro_number",
            "offence_count",
            "most_serious_offence",
            "last_conviction_date",
            "force",
        ),
    ),
}

# SourceRecord's column limits (models.SourceRecord): a longer value rejects the row rather than
# failing the whole import at the database.
MAX_LENGTHS: dict[str, int] = {
    "source_ref": 120,
    "given_names": 200,
    "family_name": 200,
    "address": 300,
    "home_office_ref": 30,
    "pnc_id": 30,
}


def field_choices(source_kind: str) -> list[tuple[str, str]]:
    """(field, label) for the mapping page's selects, the empty choice first."""
    spec = SOURCE_FIELDS[source_kind]
    return [("", "Do not import this column"), *((f, FIELD_LABELS[f]) for f in spec.allowed)]


# --- Reading the file ----------------------------------------------------------------------------


class FileRefused(Exception):
    """The file cannot be imported at all; the message says why in a user's words."""


@dataclass
class TableFile:
    """A file's header row and a way to read its rows (each time from the start)."""

    file_format: str
    headers: list[str]
    _rows: Any  # callable returning an iterator of (row_number, cells)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, cells) for every row below the header that has a value in any cell."""
        return self._rows()


def format_detect(file_name: str, content: bytes) -> str:
    """'csv' or 'xlsx' from the file's name and first bytes, or ``FileRefused``."""
    name = file_name.lower().rsplit("/", 1)[-1]
    is_zip = content[:4] == b"PK\x03\x04"
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        if not is_zip:
            raise FileRefused(
                f"{file_name} is named as an Excel workbook but is not one: save it again "
                "as .xlsx or .csv"
            )
        return XLSX
    if name.endswith(".xls"):
        raise FileRefused(
            f"{file_name} is an old-style Excel file (.xls): save it as .xlsx or .csv"
        )
    if name.endswith((".csv", ".txt", ".tsv")):
        if is_zip:
            raise FileRefused(
                f"{file_name} is named as a CSV file but is a workbook: name it .xlsx"
            )
        return CSV
    raise FileRefused("The selected file must be a CSV file (.csv) or an Excel workbook (.xlsx)")


def table_read(file_name: str, content: bytes) -> TableFile:
    """Read a file's header row (and prepare its rows), or raise ``FileRefused``."""
    if not content:
        raise FileRefused("The selected file is empty")
    file_format = format_detect(file_name, content)
    if file_format == XLSX:
        return _xlsx_read(content)
    return _csv_read(content)


def _text_decode(content: bytes) -> str:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with its byte order mark: Excel's
        try:  # "Unicode Text" (tab-separated), the save that keeps every alphabet
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileRefused(
                "The file's text could not be read: save it as CSV UTF-8 and upload it again"
            ) from exc
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            "The file's text could not be read: save it as CSV UTF-8 and upload it again"
        ) from exc


DELIMITERS = ",;\t|"


def _csv_read(content: bytes) -> TableFile:
    text = _text_decode(content)
    if "\x00" in text[:65536]:
        raise FileRefused(
            "The file is not a text CSV file: save it as CSV UTF-8 and upload it again"
        )
    dialect = _dialect(text)

    def reader() -> Iterator[tuple[int, list[Any]]]:
        return enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1)

    try:
        found = _header_find(reader())
    except csv.Error as exc:
        raise FileRefused(f"The CSV file could not be read: {exc}") from exc
    if found is None:
        raise FileRefused("The selected file is empty")
    header_row, header_number = found
    headers = headers_clean(header_row)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in reader():
                if number <= header_number or not any(str(c).strip() for c in cells):
                    continue
                yield number, cells
        except csv.Error as exc:
            raise FileRefused(f"The CSV file could not be read after row {number}: {exc}") from exc

    return TableFile(CSV, headers, rows)


_QUOTED = re.compile(r'"[^"\n]*"')


def _dialect(text: str) -> Any:
    """The file's CSV dialect. The separator is the one the most lines hold the same number of
    times (outside quotes): a title line above the header ("Extract, November 2026" over a
    semicolon-separated table) has its own and is outvoted. The quoting is then sniffed from the
    lines that hold that separator."""
    lines = [
        line for line in text[:65536].split("\n")[: rules.SEPARATOR_SNIFF_LINES] if line.strip()
    ]
    best, agreeing = "", 0
    for delimiter in DELIMITERS:
        counts = Counter(_QUOTED.sub("", line).count(delimiter) for line in lines)
        counts.pop(0, None)
        if counts:
            lines_agreeing = counts.most_common(1)[0][1]
            if lines_agreeing > agreeing:
                best, agreeing = delimiter, lines_agreeing
    if not best:
        return csv.excel
    sample = "\n".join([line for line in lines if best in line][:10])
    try:
        return csv.Sniffer().sniff(sample, delimiters=best)
    except csv.Error:
        return type("Sniffed", (csv.excel,), {"delimiter": best})


def _xlsx_read(content: bytes) -> TableFile:
    import openpyxl

    def workbook():
        try:
            return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
            raise FileRefused(
                "The Excel workbook could not be opened: save it again as .xlsx or .csv"
            ) from exc

    def sheet_rows(index: int) -> Iterator[tuple[int, list[Any]]]:
        wb = workbook()
        try:
            sheet = wb.worksheets[index]
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        finally:
            wb.close()

    wb = workbook()
    try:  # visible sheets first, in order; then hidden ones
        order = sorted(
            range(len(wb.worksheets)), key=lambda i: wb.worksheets[i].sheet_state != "visible"
        )
    finally:
        wb.close()
    chosen: tuple[int, tuple[list[Any], int]] | None = None
    for index in order:
        found = _header_find(sheet_rows(index))
        if found is None:
            continue
        if chosen is None:
            chosen = (index, found)  # a sheet of one column, if no sheet holds a table
        if sum(not _blank(c) for c in found[0]) >= 2:
            chosen = (index, found)
            break
    if chosen is None:
        raise FileRefused("The workbook is empty: no sheet has a value in it")
    index, (header_row, header_number) = chosen
    headers = headers_clean(header_row)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in sheet_rows(index):
            if number <= header_number or all(_blank(c) for c in cells):
                continue
            yield number, cells

    return TableFile(XLSX, headers, rows)


def _header_find(numbered: Iterator[tuple[int, list[Any]]]) -> tuple[list[Any], int] | None:
    """The header row and its number: the first row with a value, unless it holds one value only
    (a title) and a row with two or more follows within ``rules.HEADER_SEARCH_ROWS`` rows of it;
    the one-value rows above that row are then titles, and it is the header. A file of one column
    keeps its first row. ``None`` when every row is blank."""
    first: tuple[list[Any], int] | None = None
    for number, cells in numbered:
        filled = sum(not _blank(c) for c in cells)
        if not filled:
            continue
        if first is None:
            first = (cells, number)
        if filled >= 2:
            return cells, number
        if number - first[1] >= rules.HEADER_SEARCH_ROWS:
            break
    return first


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def column_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def headers_clean(cells: list[Any]) -> list[str]:
    """Header texts: trailing blank headers dropped, a blank one named by its column, a repeated
    one given its column so that every header is distinct."""
    texts = ["" if _blank(c) else str(c).strip() for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    headers: list[str] = []
    seen: set[str] = set()
    for index, text in enumerate(texts):
        name = text or f"Column {column_letter(index)}"
        if name.lower() in seen:
            name = f"{name} (column {column_letter(index)})"
        seen.add(name.lower())
        headers.append(name)
    if not headers:
        raise FileRefused("The file has no header row: its first row must name the columns")
    return headers


# --- Mapping --------------------------------------------------------------------------------------


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


# Free-form headers a person types in a tracker, by field (compared without case or punctuation).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "source_ref": (
        "ourref",
        "ref",
        "reference",
        "ourreference",
        "caseid",
        "caseref",
        "casereference",
        "casenumber",
        "caseno",
        "trackerref",
        "recordid",
        "id",
        "refno",
        "rowref",
    ),
    "given_names": (
        "forenames",
        "forename",
        "firstname",
        "firstnames",
        "givenname",
        "givennames",
        "christianname",
        "othernames",
    ),
    "family_name": ("surname", "lastname", "familyname"),
    "full_name": (
        "name",
        "fullname",
        "personsname",
        "clientname",
        "applicantname",
        "subjectname",
        "nameofperson",
    ),
    "date_of_birth": ("dob", "dateofbirth", "birthdate", "born", "birthday", "datebirth"),
    "sex": ("sex", "gender", "mf"),
    "nationality": (
        "nat",
        "nationality",
        "nationalitycode",
        "country",
        "countryofnationality",
        "citizenship",
    ),
    "postcode": ("postcode", "postalcode", "pcode", "zip"),
    "address": ("address", "homeaddress", "lastknownaddress", "currentaddress", "addr"),
    "phone": (
        "phone",
        "phonenumber",
        "phoneno",
        "telephone",
        "telephonenumber",
        "tel",
        "telno",
        "mobile",
        "mobilenumber",
        "mobileno",
        "contactnumber",
    ),
    "home_office_ref": (
        "horef",
        "hoeref",
        "homeofficeref",
        "homeofficereference",
        "horeference",
        "horefno",
        "ho",
    ),
    "pnc_id": ("pnc", "pncid", "pncno", "pncnumber"),
    "cid_person_id": ("cidpersonid", "cidid", "personid"),
    "case_type": ("casetype", "type"),
    "owning_unit": ("owningunit", "unit", "team", "owningteam"),
    "case_status": ("casestatus", "status"),
    "notes": ("notes", "note", "comments", "comment", "remarks"),
    "case_owner": ("caseowner", "owner", "caseworker", "officer"),
    "next_action": ("nextaction", "action", "nextstep", "todo"),
    "cro_number": ("cro", "crono", "cronumber"),
    "offence_count": ("offencecount", "offences", "nooffences", "numberofoffences"),
    "most_serious_offence": ("mostseriousoffence", "seriousoffence", "offence"),
    "last_conviction_date": (
        "lastconvictiondate",
        "lastconviction",
        "convictiondate",
        "dateoflastconviction",
    ),
    "force": ("force", "policeforce"),
}


def _default_mapping(source_kind: str) -> dict[str, str]:
    """The generator's headers for this kind, compared without case (standardise.DEFAULT_MAPPINGS)."""
    mappings = getattr(standardise, "DEFAULT_MAPPINGS", {}) or {}
    return {_key(h): f for h, f in (mappings.get(source_kind) or {}).items()}


def _guess(header: str, allowed: Iterable[str]) -> str:
    key = _key(header)
    if not key:
        return ""
    candidates = {syn: f for f in allowed for syn in HEADER_SYNONYMS.get(f, ())}
    if key in candidates:
        return candidates[key]
    # "Date of birth (dd/mm/yyyy)", "Surname / family name": the longest synonym the header starts with.
    starts = sorted(
        (s for s in candidates if len(s) >= 4 and key.startswith(s)), key=len, reverse=True
    )
    if starts:
        return candidates[starts[0]]
    close = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.85)
    return candidates[close[0]] if close else ""


def mapping_suggest(source_kind: str, headers: list[str]) -> dict[str, str]:
    """A mapping for every header (field, or '' for a column not imported), each field used once:
    the source kind's default headers first, then a guess from free-form headers."""
    spec = SOURCE_FIELDS[source_kind]
    defaults = _default_mapping(source_kind)
    mapping = dict.fromkeys(headers, "")
    used: set[str] = set()
    for header in headers:
        target = defaults.get(_key(header), "")
        if target in spec.allowed and target not in used:
            mapping[header] = target
            used.add(target)
    for header in headers:
        if mapping[header]:
            continue
        target = _guess(header, [f for f in spec.allowed if f not in used])
        if target:
            mapping[header] = target
            used.add(target)
    # A full name and separate names together: keep the separate ones.
    if "full_name" in used and "family_name" in used:
        mapping = {h: ("" if f == "full_name" else f) for h, f in mapping.items()}
    return mapping


def mapping_validate(source_kind: str, headers: list[str], mapping: dict[str, str]) -> list[str]:
    """Every problem with a mapping (header -> field), in a user's words; empty when it will do."""
    spec = SOURCE_FIELDS[source_kind]
    problems: list[str] = []
    for header in mapping:
        if header not in headers:
            problems.append(f"The file has no column '{header}'")
    by_field: dict[str, list[str]] = {}
    for header, target in mapping.items():
        if not target:
            continue
        if target not in spec.allowed:
            problems.append(
                f"'{header}' is mapped to '{target}', which a {_kind_label(source_kind)} "
                "does not have"
            )
            continue
        by_field.setdefault(target, []).append(header)
    for target, mapped_headers in by_field.items():
        if len(mapped_headers) > 1:
            problems.append(
                f"{FIELD_LABELS[target]} is mapped from more than one column "
                f"({', '.join(mapped_headers)}): choose one"
            )
    for target in spec.required:
        if target not in by_field:
            problems.append(f"No column is mapped to {FIELD_LABELS[target]}: every row needs one")
    if "family_name" not in by_field and "full_name" not in by_field:
        problems.append(
            "No column is mapped to a name: map Family name (and Given names), or Full name"
        )
    if "full_name" in by_field and ({"family_name", "given_names"} & by_field.keys()):
        problems.append("Map either Full name or Given names and Family name, not both")
    return problems


def _kind_label(source_kind: str) -> str:
    return {
        "legacy_case": "legacy case extract",
        "casework": "new casework extract",
        "tracker": "tracker spreadsheet",
        "police": "police records file",
    }.get(source_kind, source_kind)


# --- Rows -----------------------------------------------------------------------------------------


@dataclass
class RowResult:
    """One row of the file: either its standardised record (with its source reference and content
    hash) or every reason it was rejected; and its values by header where the validation report
    shows them (a rejected row, a row kept with warnings; empty for a clean row: making them for
    every row of a national file was a sixth of its validation)."""

    row_number: int
    values: dict[str, Any]
    source_ref: str = ""
    record: dict[str, Any] | None = None
    content_hash: str = ""
    reasons: list[dict[str, str]] = field(default_factory=list)
    # A kept row's warnings (a value left out or kept as written), as ``reasons``.
    warnings: list[dict[str, str]] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return self.record is None


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing '.0', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _cell_value(target: str, value: Any) -> Any:
    """What record_standardise gets: dates as read (a datetime or an Excel serial from a workbook),
    everything else as text."""
    if (
        target in DATE_FIELDS
        and isinstance(value, date | int | float)
        and not isinstance(value, bool)
    ):
        return value
    return cell_text(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return cell_text(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _row_values(columns: list[tuple[int, str, str]], cells: list[Any]) -> dict[str, Any]:
    """A row's cells by header, as the validation report keeps them."""
    return {h: _json_value(cells[i] if i < len(cells) else None) for i, h, _ in columns}


def content_hash(record: dict[str, Any]) -> str:
    """Of the standardised record: an unchanged row hashes the same on every import."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


DATE_FIELDS = ("date_of_birth", "last_conviction_date")


@dataclass(frozen=True)
class DateOrder:
    """How a file writes its dates: ``day_first`` (31/12/1990, the default) unless some date can
    only be read month first (12/31/1990) and none only day first. ``note`` says what was found
    when it matters (the file is month first, or writes dates both ways), else ''."""

    day_first: bool = True
    note: str = ""


def date_order(
    headers: list[str], mapping: dict[str, str], rows: Iterable[tuple[int, list[Any]]]
) -> DateOrder:
    """The order of the file's day/month/year dates, from its mapped date columns' first
    ``rules.DATE_ORDER_SAMPLE_ROWS`` rows. A spreadsheet saved on a machine set to US English
    writes 12/31/1990: read day first, every date up to the 12th of its month was silently the
    wrong date, and the rest were refused."""
    columns = [
        (i, header) for i, header in enumerate(headers) if mapping.get(header) in DATE_FIELDS
    ]
    found: dict[str, tuple[int, str, str]] = {}
    if columns:
        for count, (row_number, cells) in enumerate(rows, start=1):
            for i, header in columns:
                value = cells[i] if i < len(cells) else None
                order = standardise.date_order_evidence(value)
                if order and order not in found:
                    found[order] = (row_number, header, str(value).strip())
            if len(found) == 2 or count >= rules.DATE_ORDER_SAMPLE_ROWS:
                break
    day, month = found.get("day"), found.get("month")
    if month and not day:
        return DateOrder(
            day_first=False,
            note=f"Dates are read month first (12/31/1990): {month[1]} '{month[2]}' on row "
            f"{month[0]} can only be read that way, and no date is written day first",
        )
    if month and day:
        return DateOrder(
            note=f"Dates are read day first (31/12/1990), but the file writes them both ways: "
            f"{day[1]} '{day[2]}' on row {day[0]} is day first, {month[1]} '{month[2]}' on row "
            f"{month[0]} month first. Rows whose date cannot be read day first have a warning; "
            "check the others' dates before importing",
        )
    return DateOrder()


def rows_validate(
    source_kind: str,
    headers: list[str],
    mapping: dict[str, str],
    rows: Iterable[tuple[int, list[Any]]],
    *,
    day_first: bool = True,
) -> Iterator[RowResult]:
    """Standardise each row; a rejected row carries every reason (``{"field", "column", "detail"}``).

    A source reference already seen on an earlier row rejects the later row, naming both. Dates
    are read day first unless ``day_first`` is False (the file's ``date_order``)."""
    columns = [(i, h, mapping.get(h, "")) for i, h in enumerate(headers)]
    header_of = {f: h for h, f in mapping.items() if f}
    ref_header = header_of.get("source_ref", "source_ref")
    seen: dict[str, int] = {}
    width = len(headers)
    for row_number, cells in rows:
        reasons: list[dict[str, str]] = []
        extra_cells = [c for c in cells[width:] if not _blank(c)]
        if extra_cells:
            reasons.append(
                {
                    "field": "",
                    "column": "",
                    "detail": f"The row has {width + len(extra_cells)} or more cells but the header "
                    f"row names {width} columns: check for a stray separator",
                }
            )
        mapped: dict[str, Any] = {}
        for i, _header, target in columns:
            if target:
                mapped[target] = _cell_value(target, cells[i] if i < len(cells) else None)
        source_ref = " ".join(cell_text(mapped.get("source_ref")).split())
        mapped["source_ref"] = source_ref
        if not source_ref:
            reasons.append(
                {
                    "field": "source_ref",
                    "column": ref_header,
                    "detail": f"{ref_header} is blank: every row needs its own reference",
                }
            )
        elif source_ref in seen:
            reasons.append(
                {
                    "field": "source_ref",
                    "column": ref_header,
                    "detail": f"{ref_header} {source_ref} also on row {seen[source_ref]}",
                }
            )
        else:
            seen[source_ref] = row_number
        for target, limit in MAX_LENGTHS.items():
            text = mapped.get(target)
            if isinstance(text, str) and len(text) > limit:
                column = header_of.get(target, target)
                reasons.append(
                    {
                        "field": target,
                        "column": column,
                        "detail": f"{column} is longer than {limit} characters",
                    }
                )
        record = None
        warnings: list[dict[str, str]] = []
        try:
            record, warnings = standardise.record_standardise_warned(
                mapped, source_kind=source_kind, day_first=day_first
            )
        except standardise.RowRejected as exc:
            for reason in exc.reasons:
                target = reason.get("field", "")
                if target == "source_ref" and not source_ref:
                    continue  # already said, with the column's name
                reasons.append(
                    {
                        "field": target,
                        "column": header_of.get(target, ""),
                        "detail": reason.get("detail", str(exc)),
                    }
                )
        except standardise.StandardisationError as exc:
            reasons.append(
                {"field": exc.field, "column": header_of.get(exc.field, ""), "detail": str(exc)}
            )
        if reasons:
            yield RowResult(
                row_number, _row_values(columns, cells), source_ref=source_ref, reasons=reasons
            )
            continue
        assert record is not None
        yield RowResult(
            row_number,
            _row_values(columns, cells) if warnings else {},
            source_ref=source_ref,
            record=record,
            content_hash=content_hash(record),
            warnings=[
                {
                    "field": w.get("field", ""),
                    "column": header_of.get(w.get("field", ""), ""),
                    "detail": w.get("detail", ""),
                }
                for w in warnings
            ],
        )
