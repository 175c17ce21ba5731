"""Reading a monitoring supplier's archive of breach notifications for ``em_archive_replay``.

The inspection found breach reports "archived unprocessed" (000 §5.13): this reads such an archive
as the supplier or the old hub kept it, so that every breach in it can be replayed through
``services.breach_archive_replay`` with the same outcome as if it had arrived through the API.

Formats read (by their content, not their name):

- **JSON**: an array, or one object a line (JSON Lines), each either the supplier's webhook body
  (``{"id" or "event_id", "type": "breach.created", "data": {...}}``) or a flat object with the
  fields below;
- **CSV** (UTF-8 with or without its mark, or Windows-1252; comma, semicolon or tab separated)
  with a header row naming the fields below (case, spaces and hyphens ignored; ``id``,
  ``webhook_id``, ``reference``, ``type``, ``start``, ``end`` and ``notes`` are read too).

Fields: ``event_id`` (the supplier's id: a row whose id is already stored is skipped, never stored
twice), ``person_reference``, ``breach_type`` (its code or its label, any case), ``started_at``,
``ended_at`` (optional) and ``details`` (optional). A time is ISO 8601 (``2026-03-01T14:05:00Z``)
or ``01/03/2026 14:05``; a time with no zone is UK time. A row that cannot be read is reported
with its line and why, and the others are replayed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from waymark.core.clock import LONDON
from waymark.monitoring import rules
from waymark.monitoring.models import SupplierEvent
from waymark.people.models import Person

EVENT_TYPE = "breach.created"
FIELDS = ("event_id", "person_reference", "breach_type", "started_at", "ended_at", "details")
REQUIRED = ("event_id", "person_reference", "breach_type", "started_at")
ALIASES = {
    "id": "event_id",
    "webhook_id": "event_id",
    "reference": "person_reference",
    "person": "person_reference",
    "type": "breach_type",
    "start": "started_at",
    "started": "started_at",
    "end": "ended_at",
    "ended": "ended_at",
    "notes": "details",
}
MAX_LENGTHS = {  # as the supplier's API takes them
    "event_id": SupplierEvent._meta.get_field("event_id").max_length or 100,
    "person_reference": Person._meta.get_field("reference").max_length or 20,
    "details": rules.BREACH_DETAILS_MAX_LENGTH,
}
_UK_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_TYPE_BY_LABEL = {label.casefold(): code for code, label in rules.BREACH_TYPES}


class ArchiveRefused(ValueError):
    """The file as a whole cannot be read (the message says why and what to do)."""


@dataclass
class ArchiveRow:
    """One breach of the archive: ``row`` for the replay, or ``errors`` (field -> why)."""

    line: int
    event_id: str
    row: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def archive_read(content: bytes) -> list[ArchiveRow]:
    """Every breach in the file, in its order, each read or refused with why."""
    text = _text(content).lstrip()
    if not text:
        raise ArchiveRefused("The file is empty")
    if text[0] in "[{":
        return [_row(line, item) for line, item in _json_items(text)]
    return [_row(line, item) for line, item in _csv_items(text)]


def _text(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise ArchiveRefused("The file is not a text file: save it as CSV UTF-8 or JSON")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _json_items(text: str) -> list[tuple[int, Any]]:
    if text[0] == "[":
        try:
            items = json.loads(text)
        except json.JSONDecodeError as error:
            raise ArchiveRefused(
                f"The JSON could not be read (line {error.lineno}): {error.msg}"
            ) from error
        return list(enumerate(items, start=1))
    found: list[tuple[int, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found.append((number, json.loads(line)))
        except json.JSONDecodeError as error:
            found.append((number, ValueError(f"the line is not JSON: {error.msg}")))
    return found


def _csv_items(text: str) -> list[tuple[int, Any]]:
    try:
        dialect: Any = csv.Sniffer().sniff(text[:65536].split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ArchiveRefused("The file is empty") from None
    names = [_field_name(cell) for cell in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ArchiveRefused(
            "The header row does not name "
            + ", ".join(missing)
            + f": the columns needed are {', '.join(REQUIRED)} (and optionally ended_at, details)"
        )
    found: list[tuple[int, Any]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            found.append((reader.line_num, dict(zip(names, cells, strict=False))))
    except csv.Error as error:
        raise ArchiveRefused(
            f"The CSV file could not be read after line {reader.line_num}: {error}"
        ) from error
    return found


def _field_name(header: str) -> str:
    key = re.sub(r"[\s\-]+", "_", header.strip().lower())
    return ALIASES.get(key, key)


def _row(line: int, item: Any) -> ArchiveRow:
    if isinstance(item, ValueError):
        return ArchiveRow(line, "", errors={"": str(item)})
    if not isinstance(item, dict):
        return ArchiveRow(line, "", errors={"": "Each entry must be an object with its fields"})
    data = {_field_name(str(k)): v for k, v in item.items()}
    if isinstance(data.get("data"), dict):  # the supplier's webhook body
        if data.get("breach_type", EVENT_TYPE) != EVENT_TYPE:
            return ArchiveRow(
                line,
                _cell(data.get("event_id")),
                errors={
                    "type": f"Only {EVENT_TYPE} events are replayed, not {data['breach_type']!r}"
                },
            )
        data = {
            "event_id": data.get("event_id"),
            **{_field_name(k): v for k, v in data["data"].items()},
        }
    errors: dict[str, str] = {}
    row: dict[str, Any] = {
        name: _cell(data.get(name)) for name in ("event_id", "person_reference", "details")
    }
    for name in ("event_id", "person_reference"):
        if not row[name]:
            errors[name] = f"{name} is blank"
    for name, limit in MAX_LENGTHS.items():
        if len(row[name]) > limit:
            errors[name] = f"{name} is longer than {limit} characters"
    kind = _cell(data.get("breach_type"))
    row["breach_type"] = _TYPE_BY_LABEL.get(kind.casefold(), kind.lower())
    if not kind:
        errors["breach_type"] = "breach_type is blank"
    for name in ("started_at", "ended_at"):
        try:
            row[name] = _when(data.get(name), name)
        except ValueError as error:
            errors[name] = str(error)
    if row.get("started_at") is None and "started_at" not in errors:
        errors["started_at"] = "started_at is blank"
    if errors:
        return ArchiveRow(line, row["event_id"], errors=errors)
    return ArchiveRow(line, row["event_id"], row=row)


def _cell(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _when(value: Any, name: str) -> datetime | None:
    """A time as the archive writes it; one with no zone is UK time."""
    text = _cell(value)
    if not text:
        return None
    match = _UK_TIME.match(text)
    try:
        if match:
            day, month, year, hour, minute, second = (int(g or 0) for g in match.groups())
            when = datetime(year, month, day, hour, minute, second)
        else:
            when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{name} '{text}' is not a date and time (2026-03-01T14:05:00Z or 01/03/2026 14:05)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=LONDON)
