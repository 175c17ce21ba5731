"""The export helper (issue 14 item 11): neutralised cells, safe names, streaming, no caching, one
disclosure per export; and a scan that no module writes a spreadsheet into a response by itself.
Every export route is exercised with crafted values in ``test_exports_end_to_end.py``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from waymark.accounts.models import User
from waymark.core import exports
from waymark.core.models import AuditAction, AuditEvent

CRAFTED = ['=HYPERLINK("http://x","y")', "@SUM(1+1)", "+1", "-1+2", "\t=1", "\r=1"]


class _Shouting:
    def __str__(self) -> str:
        return "=CMD()"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *((v, "'" + v) for v in CRAFTED),
        (
            "-5",
            "'-5",
        ),  # text that looks like a number is still text: only the code knows a column is numeric
        ("Amir Haddad", "Amir Haddad"),
        ("", ""),
        ("a=b", "a=b"),
        ("'already", "'already"),
        (-5, -5),
        (-2.5, -2.5),
        (Decimal("-1.10"), Decimal("-1.10")),
        (True, True),
        (0, 0),
        (None, None),
        (dt.date(2026, 11, 18), "2026-11-18"),
        (dt.datetime(2026, 11, 18, 9, 30), "2026-11-18T09:30:00"),
        (_Shouting(), "'=CMD()"),
    ],
)
def test_cells_that_would_start_a_formula_are_neutralised(value, expected):
    assert exports.neutralise(value) == expected


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("em-figures-2026-01-01-2026-03-31.csv", "csv", "em-figures-2026-01-01-2026-03-31.csv"),
        ('a"b\r\nContent-Type: text/html.csv', "csv", "a-b-Content-Type-text-html.csv"),
        ("../../etc/passwd", "csv", "etc-passwd.csv"),
        ("Zoë's figures", "xlsx", "Zoe-s-figures.xlsx"),
        ('""', "csv", "export.csv"),
    ],
)
def test_file_names_are_safe(name, extension, expected):
    assert exports.safe_filename(name, extension=extension) == expected


@pytest.fixture
def request_(db):
    user = User.objects.create_user(username="exporter", password="a-long-test-password-123")
    request = RequestFactory().get("/somewhere/export.csv", {"team": "x"})
    request.user = user
    return request


def _disclosure(**overrides) -> exports.Disclosure:
    values = {
        "verb": "test.exported",
        "purpose": "A test export",
        "query": {"team": "x"},
        "people": [3, 4],
    }
    return exports.Disclosure(**{**values, **overrides})


def test_a_csv_export_is_streamed_neutralised_uncached_and_one_disclosure(request_):
    consumed = []

    def rows():
        for i, value in enumerate(CRAFTED):
            consumed.append(i)
            yield [value, -i, None]

    response = exports.export_csv(
        request_,
        filename="report.csv",
        header=["=Name", "+Count", "@Empty"],
        rows=rows(),
        count=len(CRAFTED),
        disclosure=_disclosure(),
    )
    assert response.streaming and consumed == []  # nothing read until the file streams
    entries = list(AuditEvent.objects.all())
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == AuditAction.DISCLOSURE and entry.verb == "test.exported"
    assert entry.recipient == "exporter" and entry.purpose == "A test export"
    assert entry.payload == {
        "rows": 6,
        "query": {"team": "x"},
        "file": "report.csv",
        "format": "csv",
        "people": [3, 4],
        "people_count": 2,
    }
    assert response["Content-Type"] == "text/csv" and response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0] == ["'=Name", "'+Count", "'@Empty"]
    assert [row[0] for row in table[1:]] == ["'" + v for v in CRAFTED]
    assert [row[1] for row in table[1:]] == [
        "0",
        "-1",
        "-2",
        "-3",
        "-4",
        "-5",
    ]  # real numbers stay numbers
    assert AuditEvent.objects.count() == 1  # one entry per export, not per row


def test_rows_without_a_count_are_counted_before_the_entry_is_written(request_):
    response = exports.export_csv(
        request_,
        filename="x",
        header=["a"],
        rows=iter([["1"], ["2"], ["3"]]),
        disclosure=_disclosure(people=None),
    )
    entry = AuditEvent.objects.get()
    assert (
        entry.payload["rows"] == 3
        and entry.payload["people"] is None
        and entry.payload["people_count"] is None
    )
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert b"".join(response.streaming_content).decode().splitlines() == ["a", "1", "2", "3"]


def test_a_long_list_of_people_is_recorded_with_its_count(request_):
    people = list(range(1, exports.PEOPLE_LISTED_MAX + 11))
    exports.export_csv(
        request_,
        filename="x.csv",
        header=["a"],
        rows=[],
        count=0,
        disclosure=_disclosure(people=people),
    )
    payload = AuditEvent.objects.get().payload
    assert len(payload["people"]) == exports.PEOPLE_LISTED_MAX and payload["people_count"] == len(
        people
    )


def test_one_person_is_recorded_as_the_entry_person(request_):
    exports.export_csv(
        request_,
        filename="x.csv",
        header=["a"],
        rows=[],
        count=0,
        disclosure=_disclosure(people=[7]),
    )
    assert AuditEvent.objects.get().person_id == 7


def test_an_xlsx_export_holds_no_formula(request_):
    from openpyxl import load_workbook

    response = exports.export_xlsx(
        request_,
        filename="report.xlsx",
        header=["=Name", "Count"],
        rows=[[v, -1] for v in CRAFTED] + [["\x01=1", Decimal("2.5")]],
        disclosure=_disclosure(),
        sheet_title="Report",
    )
    assert response.streaming and response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="report.xlsx"'
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Report"]
    cells = list(sheet.iter_rows())
    assert all(cell.data_type != "f" for row in cells for cell in row)
    assert [c.value for c in cells[0]] == ["'=Name", "Count"]
    # XML turns a carriage return into a line feed on reading; the cell still starts with the quote.
    assert [row[0].value for row in cells[1:]] == ["'" + v.replace("\r", "\n") for v in CRAFTED] + [
        "'=1"
    ]
    assert [row[1].value for row in cells[1:]] == [-1] * 6 + [2.5]
    assert all(row[1].data_type == "n" for row in cells[1:])
    entry = AuditEvent.objects.get()
    assert entry.payload["rows"] == 7 and entry.payload["format"] == "xlsx"


def test_only_a_view_marked_as_an_export_may_use_the_helper(request_):
    def unmarked(request):
        return None

    request_.resolver_match = SimpleNamespace(func=unmarked, view_name="somewhere:unmarked")
    with pytest.raises(ImproperlyConfigured, match="export_view"):
        exports.export_csv(
            request_, filename="x.csv", header=["a"], rows=[], count=0, disclosure=_disclosure()
        )
    assert not AuditEvent.objects.exists()
    request_.resolver_match = SimpleNamespace(
        func=exports.export_view(unmarked), view_name="somewhere:marked"
    )
    exports.export_csv(
        request_, filename="x.csv", header=["a"], rows=[], count=0, disclosure=_disclosure()
    )


# Modules that write CSV or XLSX files that are not downloads (generated test data written to disk,
# demo import files built in memory).
NOT_DOWNLOADS = {"waymark/linkage/generator.py", "waymark/linkage/demo.py"}
WRITES_A_SHEET = re.compile(r"csv\.(writer|DictWriter)\(|Workbook\(|\bopenpyxl\b.*write_only")
ANSWERS = re.compile(r"\b(HttpResponse|StreamingHttpResponse|FileResponse)\b|Content-Disposition")


def test_no_module_writes_a_spreadsheet_into_a_response_by_itself():
    root = Path(__file__).resolve().parents[3]
    offenders = []
    for path in sorted((root / "waymark").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if (
            "/tests/" in relative
            or "/migrations/" in relative
            or relative == "waymark/core/exports.py"
        ):
            continue
        text = path.read_text()
        if relative in NOT_DOWNLOADS:
            assert not ANSWERS.search(text), (
                f"{relative} now answers requests: use waymark.core.exports"
            )
            continue
        if WRITES_A_SHEET.search(text) or ('text/csv"' in text and ANSWERS.search(text)):
            offenders.append(relative)
    assert offenders == [], "write CSV and XLSX downloads through waymark.core.exports"
