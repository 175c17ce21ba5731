"""Reading files and checking rows (importers.py): no database."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl
import pytest

from waymark.linkage import importers as im

LEGACY = (
    "CASE_ID,CID_PERSON_ID,HO_REF,SURNAME,FORENAMES,DOB,GENDER,NATIONALITY,ADDRESS,POSTCODE,CASE_TYPE,"
    "OWNING_UNIT,CASE_STATUS,NOTES\n"
    "C1,P1,H1234567,HADDAD,Amir,17/05/1990,M,SYR,1 High St,sw1a1aa,asylum,LIT North,open,\n"
    "C2,P2,,Okafor,Chidi,31/02/1985,M,XYZ,,75001 paris,,,,\n"
    "C3,P3,,,,04/04/1984,F,GBR,,,,,,\n"
)


def xlsx_bytes(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def results(kind: str, name: str, content: bytes, mapping: dict | None = None):
    table = im.table_read(name, content)
    mapping = mapping or im.mapping_suggest(kind, table.headers)
    return list(im.rows_validate(kind, table.headers, mapping, table.rows()))


def test_the_report_keeps_the_cells_of_rejected_and_warned_rows_only():
    table = im.table_read("cid.csv", LEGACY.encode())
    mapping = im.mapping_suggest("legacy_case", table.headers)
    good, warned, bad = im.rows_validate("legacy_case", table.headers, mapping, table.rows())
    assert good.values == {}  # a clean row is written, not reported
    assert warned.values["DOB"] == "31/02/1985" and set(warned.values) == set(table.headers)
    assert bad.rejected and set(bad.values) == set(table.headers)


def test_a_legacy_extract_maps_itself_keeps_rows_with_warnings_and_rejects_the_unidentifiable():
    table = im.table_read("cid.csv", LEGACY.encode())
    mapping = im.mapping_suggest("legacy_case", table.headers)
    assert mapping["CASE_ID"] == "source_ref" and mapping["DOB"] == "date_of_birth"
    assert im.mapping_validate("legacy_case", table.headers, mapping) == []
    good, warned, bad = im.rows_validate("legacy_case", table.headers, mapping, table.rows())
    assert good.row_number == 2 and not good.rejected and good.warnings == []
    assert (
        good.record["date_of_birth"] == date(1990, 5, 17) and good.record["postcode"] == "SW1A 1AA"
    )
    assert good.record["extra"]["owning_unit"] == "LIT North" and len(good.content_hash) == 64
    # An impossible date, an unknown nationality and a foreign postcode: kept, each a warning.
    assert warned.row_number == 3 and not warned.rejected
    details = [r["detail"] for r in warned.warnings]
    assert "Date of birth '31/02/1985' is not a real date: kept without a date" in details
    assert "Unknown nationality code 'XYZ': kept without it" in details
    assert "Postcode '75001 paris' is not a UK postcode: kept as written" in details
    assert {r["column"] for r in warned.warnings} == {"DOB", "NATIONALITY", "POSTCODE"}
    assert warned.record["date_of_birth"] is None and warned.record["nationality"] == ""
    assert warned.record["postcode"] == warned.record["postcode_std"] == "75001 PARIS"
    # No name and no identifier: nothing to link, so the row is rejected, saying why.
    assert bad.row_number == 4 and bad.rejected
    assert [(r["column"], r["field"]) for r in bad.reasons] == [("SURNAME", "family_name")]
    assert "no identifier" in bad.reasons[0]["detail"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_in_utf8_with_or_without_bom_or_windows_1252(encoding):
    text = "CASE_ID,SURNAME,FORENAMES\nC1,Müller,José\n"
    table = im.table_read("x.csv", text.encode(encoding))
    assert table.headers == ["CASE_ID", "SURNAME", "FORENAMES"]
    assert [cells for _, cells in table.rows()] == [["C1", "Müller", "José"]]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_excel_unicode_text_utf16_with_its_byte_order_mark_is_read(encoding):
    """Excel's "Unicode Text" save (tab-separated UTF-16) was refused as "not a text CSV file"."""
    hasan, muhammad = "\u0627\u0644\u062d\u0633\u0646", "\u0645\u062d\u0645\u062f"
    text = f"CASE_ID\tSURNAME\tFORENAMES\r\nC1\tMüller\tJosé\r\nC2\t{hasan}\t{muhammad}\r\n"
    content = text.encode(encoding)
    if encoding != "utf-16":  # the plain codec writes its own mark
        content = ("\ufeff".encode(encoding)) + content
    table = im.table_read("extract.txt", content)
    assert table.headers == ["CASE_ID", "SURNAME", "FORENAMES"]
    assert [cells for _, cells in table.rows()] == [
        ["C1", "Müller", "José"],
        ["C2", hasan, muhammad],
    ]


def test_title_lines_above_the_header_row_are_skipped():
    """A title and an "exported by" line above the header (one value each) were taken for the
    header; the rows keep their numbers in the file."""
    csv_file = (
        b"CID extract November 2026\nExported by A. Clerk\n\nCASE_ID;SURNAME;FORENAMES\n"
        b"C1;Smith;John\n"
    )
    workbook = xlsx_bytes(
        [["Police extract, November 2026"], [], ["PNC_ID", "SURNAME"], ["19/1X", "Smith"]]
    )
    for name, content, headers, first in [
        ("x.csv", csv_file, ["CASE_ID", "SURNAME", "FORENAMES"], (5, ["C1", "Smith", "John"])),
        ("x.xlsx", workbook, ["PNC_ID", "SURNAME"], (4, ["19/1X", "Smith"])),
    ]:
        table = im.table_read(name, content)
        assert table.headers == headers
        assert next(iter(table.rows())) == first


def test_a_title_with_another_separator_does_not_decide_the_files_separator():
    """The separator was taken from the first line that had one: the title's comma over a
    semicolon-separated table, so every row read as one value and nothing could be mapped."""
    for title, separator in [
        (b"Extract, November 2026", b";"),
        (b"Exported by: A. Clerk | 30/11/2026", b","),
        (b"CID; restricted", b"\t"),
    ]:
        content = title + b"\n" + separator.join([b"CASE_ID", b"SURNAME", b"FORENAMES"]) + b"\n"
        content += separator.join([b"C1", b'"SMITH, John"', b"John"]) + b"\n"
        content += separator.join([b"C2", b"Jones", b"Ann"]) + b"\n"
        table = im.table_read("x.csv", content)
        assert table.headers == ["CASE_ID", "SURNAME", "FORENAMES"], title
        assert list(table.rows()) == [
            (3, ["C1", "SMITH, John", "John"]),
            (4, ["C2", "Jones", "Ann"]),
        ], title


def test_date_order_is_month_first_only_when_no_date_is_day_first():
    """A spreadsheet saved on a machine set to US English writes 12/31/1990: read day first, 03/04
    was silently 3 April, and every date after the 12th of its month was refused."""
    mapping = {"CASE_ID": "source_ref", "DOB": "date_of_birth", "CONVICTED": "last_conviction_date"}
    headers = ["CASE_ID", "DOB", "CONVICTED"]

    def order(*rows):
        return im.date_order(headers, mapping, enumerate(rows, start=2))

    assert order(["C1", "03/04/1990", ""], ["C2", "05/06/1991", ""]) == im.DateOrder()
    assert order(["C1", "25/12/1990", ""], ["C2", "01/02/1991", ""]) == im.DateOrder()
    month_first = order(["C1", "03/04/1990", ""], ["C2", "", "12/25/2019"])
    assert not month_first.day_first
    assert month_first.note == (
        "Dates are read month first (12/31/1990): CONVICTED '12/25/2019' on row 3 can only be "
        "read that way, and no date is written day first"
    )
    both = order(["C1", "12/25/1990", ""], ["C2", "1990-01-01", ""], ["C3", "13/01/1985", ""])
    assert both.day_first and "DOB '13/01/1985' on row 4 is day first" in both.note
    assert "DOB '12/25/1990' on row 2 month first" in both.note
    # Columns that are not mapped to a date are not read for it.
    assert im.date_order(
        ["CASE_ID", "NOTE"], {"CASE_ID": "source_ref"}, [(2, ["C1", "12/25/1990"])]
    ) == (im.DateOrder())
    rows = [(2, ["C1", "03/04/1990", "Smith"])]
    named = {**mapping, "SURNAME": "family_name"}
    headers = ["CASE_ID", "DOB", "SURNAME"]
    validated = im.rows_validate("legacy_case", headers, named, rows, day_first=False)
    assert next(validated).record["date_of_birth"] == date(1990, 3, 4)


def test_a_one_column_file_keeps_its_first_row_as_the_header():
    table = im.table_read("x.csv", b"CASE_ID\nC1\nC2\n")
    assert table.headers == ["CASE_ID"] and [n for n, _ in table.rows()] == [2, 3]
    # A single value far above the first wider row is not a title: it stays the header.
    far = b"CASE_ID\n" + b"".join(b"C%d\n" % i for i in range(25)) + b"C99,late\n"
    assert im.table_read("x.csv", far).headers == ["CASE_ID"]


def test_semicolon_separated_csv_and_blank_rows_are_skipped():
    table = im.table_read("x.csv", b"CASE_ID;SURNAME\n\nC1;Smith\n;\nC2;Jones\n")
    assert table.headers == ["CASE_ID", "SURNAME"]
    assert [n for n, _ in table.rows()] == [3, 5]


def test_a_repeated_source_ref_rejects_the_later_row():
    text = "CASE_ID,SURNAME,FORENAMES\nC1,Smith,John\nC2,Jones,Ann\nC1,Smith,Jon\n"
    rows = results("legacy_case", "x.csv", text.encode())
    assert [r.rejected for r in rows] == [False, False, True]
    assert rows[2].reasons[0]["detail"] == "CASE_ID C1 also on row 2"


def test_blank_reference_and_missing_name_are_reasons():
    rows = results(
        "legacy_case", "x.csv", b"CASE_ID,SURNAME,FORENAMES,DOB\n,Smith,John,\nC2,,,01/01/1980\n"
    )
    assert rows[0].reasons == [
        {
            "field": "source_ref",
            "column": "CASE_ID",
            "detail": "CASE_ID is blank: every row needs its own reference",
        }
    ]
    assert rows[1].rejected and rows[1].reasons[0]["field"] == "family_name"


def test_a_row_with_more_cells_than_headers_is_rejected():
    rows = results("legacy_case", "x.csv", b"CASE_ID,SURNAME\nC1,Smith,oops\n")
    assert rows[0].rejected and "stray separator" in rows[0].reasons[0]["detail"]


def test_values_longer_than_the_record_holds_are_rejected_not_truncated():
    rows = results("legacy_case", "x.csv", f"CASE_ID,SURNAME\nC1,{'A' * 201}\n".encode())
    assert "SURNAME is longer than 200 characters" in [r["detail"] for r in rows[0].reasons]


def test_police_pnc_id_is_the_reference_and_the_pnc_id():
    rows = results(
        "police",
        "pnc.csv",
        b"PNC_ID,SURNAME,FORENAMES,DOB,OFFENCE_COUNT\n2001/0012345A,Haddad,Amir,1990-05-17,3\n",
    )
    assert rows[0].source_ref == "2001/0012345A"
    assert (
        rows[0].record["pnc_id"] == "2001/0012345A"
        and rows[0].record["extra"]["offence_count"] == 3
    )


def test_xlsx_tracker_with_free_form_headers_is_mapped_by_guessing():
    content = xlsx_bytes(
        [
            [
                "Our ref",
                "Name",
                "D.O.B",
                "Nat.",
                "HO Ref",
                "Case owner",
                "Next action",
                "Comments",
                None,
            ],
            [
                "T-1",
                "HADDAD, Amir",
                datetime(1990, 5, 17),
                "Syrian",
                "H1234567",
                "J Bloggs",
                "Call",
                "ok",
            ],
            [None, None, None, None],
            ["T-2", "Chidi OKAFOR", 32874, "NGA", None, None, None, None],
        ]
    )
    table = im.table_read("tracker.xlsx", content)
    assert table.file_format == "xlsx" and table.headers[-1] == "Comments"
    mapping = im.mapping_suggest("tracker", table.headers)
    assert mapping == {
        "Our ref": "source_ref",
        "Name": "full_name",
        "D.O.B": "date_of_birth",
        "Nat.": "nationality",
        "HO Ref": "home_office_ref",
        "Case owner": "case_owner",
        "Next action": "next_action",
        "Comments": "notes",
    }
    first, second = im.rows_validate("tracker", table.headers, mapping, table.rows())
    assert (first.row_number, second.row_number) == (2, 4)
    assert first.record["family_name"] == "HADDAD" and first.record["nationality"] == "SYR"
    assert first.record["date_of_birth"] == date(1990, 5, 17)
    assert second.record["family_name"] == "OKAFOR" and second.record["date_of_birth"] == date(
        1990, 1, 1
    )


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Date of birth", "date_of_birth"),
        ("DoB", "date_of_birth"),
        ("Date of birth (dd/mm/yyyy)", "date_of_birth"),
        ("Surname", "family_name"),
        ("First name", "given_names"),
        ("Nationality", "nationality"),
        ("Gender", "sex"),
        ("Reference", "source_ref"),
        ("Post code", "postcode"),
        ("Notes", "notes"),
        ("Something else", ""),
    ],
)
def test_mapping_suggest_guesses_free_form_headers(header, field):
    assert im.mapping_suggest("tracker", [header])[header] == field


def test_mapping_suggest_uses_each_field_once():
    mapping = im.mapping_suggest("tracker", ["Ref", "Reference", "Surname", "Name"])
    assert list(mapping.values()).count("source_ref") == 1
    assert mapping["Surname"] == "family_name" and mapping["Name"] == ""


def test_mapping_validate_names_every_problem():
    headers = ["A", "B", "C"]
    problems = im.mapping_validate(
        "legacy_case", headers, {"A": "notes", "B": "notes", "Z": "", "C": "force"}
    )
    assert "The file has no column 'Z'" in problems
    assert any("Notes is mapped from more than one column (A, B)" in p for p in problems)
    assert any("'C' is mapped to 'force'" in p for p in problems)
    assert any(p.startswith("No column is mapped to Reference in this source") for p in problems)
    assert any(p.startswith("No column is mapped to a name") for p in problems)
    both = im.mapping_validate(
        "tracker", ["R", "N", "S"], {"R": "source_ref", "N": "full_name", "S": "family_name"}
    )
    assert both == ["Map either Full name or Given names and Family name, not both"]


def test_headers_blank_and_repeated_are_named_by_column():
    assert im.headers_clean(["Name", None, "name", "", None]) == [
        "Name",
        "Column B",
        "name (column C)",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.csv", b"", "The selected file is empty"),
        ("x.csv", b"\n\n  \n", "The selected file is empty"),
        ("x.pdf", b"%PDF-1.4", "must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
        ("x.xls", b"\xd0\xcf\x11\xe0", "old-style Excel file"),
        ("x.xlsx", b"not a zip", "is not one"),
        ("x.xlsx", b"PK\x03\x04broken", "could not be opened"),
        ("x.csv", b"PK\x03\x04", "is a workbook"),
        ("x.csv", b"CASE_ID,SURNAME\x00\n", "not a text CSV"),
    ],
)
def test_files_that_cannot_be_read_are_refused_with_a_reason(name, content, message):
    with pytest.raises(im.FileRefused, match=re.escape(message)):
        im.table_read(name, content)


def test_an_empty_workbook_is_refused():
    with pytest.raises(im.FileRefused, match="The workbook is empty: no sheet has a value in it"):
        im.table_read("x.xlsx", xlsx_bytes([]))


def test_a_cover_sheet_before_the_table_is_passed_over():
    """A notes sheet first ("Read me", one value a row) and the records on the second: the first
    sheet was read, so its notes were taken for the header. A hidden sheet is read last."""
    wb = openpyxl.Workbook()
    wb.active.title = "Read me"
    wb.active.append(["Police extract for the directorate"])
    wb.active.append(["Do not forward"])
    hidden = wb.create_sheet("Lookups")
    hidden.append(["CODE", "MEANING"])
    hidden.sheet_state = "hidden"
    data = wb.create_sheet("Records")
    data.append(["PNC_ID", "SURNAME"])
    data.append(["19/1X", "Smith"])
    out = io.BytesIO()
    wb.save(out)
    table = im.table_read("x.xlsx", out.getvalue())
    assert table.headers == ["PNC_ID", "SURNAME"]
    assert list(table.rows()) == [(2, ["19/1X", "Smith"])]
    # With only notes, the notes sheet is still read (a one-column table).
    assert im.table_read("x.xlsx", xlsx_bytes([["Notes"], ["More"]])).headers == ["Notes"]


def test_cell_text():
    assert im.cell_text(12.0) == "12" and im.cell_text(None) == "" and im.cell_text(" a ") == "a"
    assert (
        im.cell_text(datetime(2020, 1, 2)) == "2020-01-02"
        and im.cell_text(date(2020, 1, 2)) == "2020-01-02"
    )
    assert im.column_letter(0) == "A" and im.column_letter(27) == "AB"
