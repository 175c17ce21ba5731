"""The import services: upload, map, check, confirm, execute, cancel (brief linkage.md §1; issue 6
"Bad input": a validation report naming every rejected row and why, nothing half-imported)."""

from __future__ import annotations

import io
import itertools
from datetime import date

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.accounts.models import User
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync
from waymark.core.models import AuditEvent
from waymark.core.rules import BULK_INSERT_COPY_FROM
from waymark.linkage import importers, rules
from waymark.linkage.models import (
    ImportJob,
    ImportRejection,
    ImportStatus,
    ImportWarning,
    SourceRecord,
)
from waymark.linkage.services import imports as s
from waymark.linkage.services.import_upload import import_upload
from waymark.people.models import Person

_seq = itertools.count(1)

HEADER = (
    "CASE_ID,CID_PERSON_ID,HO_REF,SURNAME,FORENAMES,DOB,GENDER,NATIONALITY,POSTCODE,OWNING_UNIT\n"
)
ROWS = [
    "C1,P1,H1111111,HADDAD,Amir,17/05/1990,M,SYR,SW1A 1AA,LIT North\n",
    "C2,P2,H2222222,OKAFOR,Chidi,01/02/1985,M,NGA,E1 6AN,\n",
    "C3,P3,,MUHAMMAD,Ali,03/03/1979,M,PAK,,no unit\n",
]
BAD_DATE = "C4,P4,,SMITH,Jo,31/02/1985,F,GBR,,\n"
BAD_NATIONALITY = "C5,P5,,JONES,Ann,04/04/1984,F,XYZ,,\n"
# No name and no identifier: nothing to link a person by, so rejected (issue 18 item 4).
NO_NAME = "C7,P7,,,,05/05/1975,M,GBR,,\n"
NO_NAME_AGAIN = "C8,P8,,  ,--,06/06/1976,F,GBR,,\n"
FOREIGN_POSTCODE = "C6,P6,,DUBOIS,Marie,01/01/1980,F,FRA, 75001  paris,\n"


def legacy(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def user_with_role(role_key: str) -> User:
    roles_sync()
    n = next(_seq)
    user = User.objects.create_user(
        username=f"{role_key}-{n}",
        password="a-long-test-password-123",
        grade=ROLES[role_key].demo_grade,
    )
    user.groups.add(Group.objects.get(name=role_key))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def manager(db) -> User:
    return user_with_role("records_manager")


def upload(actor, content: bytes, *, kind: str = "legacy_case", name: str = "cid.csv") -> ImportJob:
    return import_upload(
        actor=actor, source_kind=kind, label="CID extract", file_name=name, content=content
    )


def run(
    actor,
    content: bytes,
    *,
    accept: bool = False,
    kind: str = "legacy_case",
    name: str = "cid.csv",
    mapping: dict | None = None,
) -> ImportJob:
    """Upload, map, check, confirm and execute, as the wizard and the task do."""
    job = upload(actor, content, kind=kind, name=name)
    if mapping is not None:
        job = s.import_map(actor=actor, job=job, mapping=mapping)
    job = s.import_check(actor=actor, job=job)
    assert job.status == ImportStatus.VALIDATED, job.failure_reason
    s.import_confirm(actor=actor, job=job, accept_valid_rows=accept)
    return s.import_execute(job.pk)


def verbs(job: ImportJob) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="linkage.importjob", target_id=str(job.pk))
        .order_by("sequence")
        .values_list("verb", flat=True)
    )


def test_a_clean_file_imports_every_row_and_is_audited_at_each_step(
    manager, django_capture_on_commit_callbacks
):
    job = upload(manager, legacy(*ROWS))
    assert job.status == ImportStatus.UPLOADED and job.headers[0] == "CASE_ID"
    assert job.column_mapping["DOB"] == "date_of_birth"
    job = s.import_check(actor=manager, job=job)
    assert (job.status, job.rows_read, job.rows_rejected, job.progress_total) == (
        ImportStatus.VALIDATED,
        3,
        0,
        3,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        s.import_confirm(actor=manager, job=job, accept_valid_rows=False)
    assert len(callbacks) == 1  # the background task is enqueued after commit
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(args_kwargs__args=[job.pk]).exists()
    job = s.import_execute(job.pk)
    assert job.status == ImportStatus.COMPLETED, job.failure_reason
    assert (job.rows_read, job.rows_created, job.rows_updated, job.rows_unchanged) == (3, 3, 0, 0)
    assert job.content is None and job.finished_at and job.percent_done == 100
    record = SourceRecord.objects.get(source_kind="legacy_case", source_ref="C1")
    assert record.person is None and record.import_job == job
    assert (record.family_std, record.date_of_birth, record.nationality) == (
        "HADDAD",
        date(1990, 5, 17),
        "SYR",
    )
    assert record.extra["owning_unit"] == "LIT North" and record.extra["cid_person_id"] == "P1"
    assert verbs(job) == [
        "linkage.import_uploaded",
        "linkage.import_checked",
        "linkage.import_confirmed",
        "linkage.import_started",
        "linkage.import_completed",
    ]
    assert (
        s.import_execute(job.pk).status == ImportStatus.COMPLETED
    )  # a second run of the task does nothing
    assert SourceRecord.objects.count() == 3


def test_a_rejected_row_appears_in_the_validation_report_with_its_reason(manager):
    job = run(manager, legacy(*ROWS, BAD_DATE, BAD_NATIONALITY, NO_NAME), accept=True)
    assert job.status == ImportStatus.COMPLETED
    assert (job.rows_read, job.rows_rejected, job.rows_created) == (6, 1, 5)
    [rejection] = ImportRejection.objects.filter(job=job)
    assert rejection.row_number == 7 and rejection.values["CASE_ID"] == "C7"
    assert rejection.reasons[0]["column"] == "SURNAME"
    assert "no identifier" in rejection.reasons[0]["detail"]
    assert not SourceRecord.objects.filter(source_ref="C7").exists()


def test_an_impossible_date_or_an_unknown_code_is_a_warning_on_a_kept_row(manager):
    job = run(manager, legacy(*ROWS, BAD_DATE, BAD_NATIONALITY), accept=False)
    assert job.status == ImportStatus.COMPLETED
    assert (job.rows_read, job.rows_rejected, job.rows_warned, job.rows_created) == (5, 0, 2, 5)
    by_row = {w.row_number: w for w in ImportWarning.objects.filter(job=job)}
    assert set(by_row) == {5, 6}
    assert by_row[5].reasons[0]["detail"] == (
        "Date of birth '31/02/1985' is not a real date: kept without a date"
    )
    assert by_row[5].reasons[0]["column"] == "DOB" and by_row[5].values["SURNAME"] == "SMITH"
    assert by_row[6].reasons[0]["detail"] == "Unknown nationality code 'XYZ': kept without it"
    smith = SourceRecord.objects.get(source_ref="C4")
    assert smith.date_of_birth is None and smith.family_std == "SMITH"
    assert SourceRecord.objects.get(source_ref="C5").nationality == ""


def test_a_non_uk_postcode_imports_with_a_warning(manager):
    job = run(manager, legacy(*ROWS, FOREIGN_POSTCODE))
    assert job.status == ImportStatus.COMPLETED and job.rows_warned == 1
    [warning] = ImportWarning.objects.filter(job=job)
    assert warning.row_number == 5 and warning.reasons[0]["column"] == "POSTCODE"
    assert warning.reasons[0]["detail"] == (
        "Postcode '75001  paris' is not a UK postcode: kept as written"
    )
    record = SourceRecord.objects.get(source_ref="C6")
    assert record.postcode == record.postcode_std == "75001 PARIS"


def test_rejected_rows_not_accepted_fail_the_import_and_leave_nothing_but_the_report(manager):
    people_before = Person.objects.count()
    job = run(manager, legacy(*ROWS, NO_NAME), accept=False)
    assert job.status == ImportStatus.FAILED
    assert (
        "1 of 4 rows were rejected" in job.failure_reason
        and "nothing was imported" in job.failure_reason
    )
    assert SourceRecord.objects.count() == 0 and Person.objects.count() == people_before
    assert job.rows_created == 0 and job.content is None
    assert ImportRejection.objects.get(job=job).row_number == 5  # the report stays
    assert verbs(job)[-1] == "linkage.import_failed"


def test_an_error_mid_import_rolls_back_every_row_already_written(manager, monkeypatch):
    people_before = Person.objects.count()
    job = upload(manager, legacy(*ROWS))
    job = s.import_check(actor=manager, job=job)
    s.import_confirm(actor=manager, job=job, accept_valid_rows=False)
    monkeypatch.setattr(rules, "PROGRESS_EVERY_ROWS", 1)  # write each row in its own batch
    real = importers.standardise.record_standardise_warned
    calls = itertools.count(1)

    def breaks_on_the_third_row(mapped, **kwargs):
        if next(calls) == 3:
            raise RuntimeError("disk full")
        return real(mapped, **kwargs)

    monkeypatch.setattr(importers.standardise, "record_standardise_warned", breaks_on_the_third_row)
    job = s.import_execute(job.pk)
    assert job.status == ImportStatus.FAILED
    assert "RuntimeError: disk full" in job.failure_reason and "after row 3" in job.failure_reason
    assert SourceRecord.objects.count() == 0 and Person.objects.count() == people_before
    assert (job.rows_created, job.rows_updated, job.rows_unchanged) == (0, 0, 0)


def test_reimporting_the_same_file_changes_nothing_and_a_changed_file_updates(manager):
    first = run(manager, legacy(*ROWS))
    assert first.rows_created == 3
    again = run(manager, legacy(*ROWS))
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    assert SourceRecord.objects.count() == 3
    assert SourceRecord.objects.get(source_ref="C1").import_job == first  # untouched
    moved = ROWS[0].replace("SW1A 1AA", "M1 1AE")
    updated = run(manager, legacy(moved, *ROWS[1:], "C9,P9,,NEW,Person,01/01/2000,F,GBR,,\n"))
    assert (updated.rows_created, updated.rows_updated, updated.rows_unchanged) == (1, 1, 2)
    record = SourceRecord.objects.get(source_ref="C1")
    assert record.postcode == "M1 1AE" and record.import_job == updated
    assert SourceRecord.objects.count() == 4


def _letters(i: int) -> str:
    """A different run of letters for each number (names lose their digits when standardised)."""
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i % 26] * (1 + i // 26)


def test_a_reimport_changing_many_records_updates_each_with_its_own_values(manager):
    """More changed rows than the bulk path's COPY threshold (PostgreSQL stages them and joins
    them on the key): each record takes its own row's values, the rest are left alone."""
    count = 2 * BULK_INSERT_COPY_FROM  # three in four change: above the threshold
    rows = [
        f"M{i},Q{i},,FAMILY{i},Given,01/02/19{60 + i % 30},F,GBR,SW1A 1AA,\n" for i in range(count)
    ]
    first = run(manager, legacy(*rows))
    assert first.rows_created == count
    changed = [
        row.replace("SW1A 1AA", "M1 1AE").replace("Given", f"Renamed{_letters(i)}")
        if i % 4
        else row
        for i, row in enumerate(rows)
    ]
    second = run(manager, legacy(*changed))
    moved = sum(1 for i in range(count) if i % 4)
    assert (second.rows_updated, second.rows_unchanged) == (moved, count - moved)
    for i in range(count):
        record = SourceRecord.objects.get(source_ref=f"M{i}")
        if i % 4:
            assert (record.postcode, record.given_names) == ("M1 1AE", f"Renamed{_letters(i)}")
            assert record.given_std == f"RENAMED{_letters(i)}" and record.import_job == second
        else:
            assert (record.postcode, record.given_names) == ("SW1A 1AA", "Given")
            assert record.import_job == first
        assert record.family_name == f"FAMILY{i}"


def test_wrong_columns_are_refused_at_mapping_and_fail_the_check(manager):
    job = upload(manager, b"colour,size\nred,big\n")
    with pytest.raises(ValidationError) as refused:
        s.import_map(actor=manager, job=job, mapping={"colour": "notes", "size": "notes"})
    messages = refused.value.messages
    assert any("No column is mapped to Reference in this source" in m for m in messages)
    assert any("No column is mapped to a name" in m for m in messages)
    assert any("Notes is mapped from more than one column" in m for m in messages)
    job = s.import_check(actor=manager, job=job)  # the suggested mapping cannot do either
    assert job.status == ImportStatus.FAILED
    assert job.failure_reason.startswith("The file's columns do not fit a legacy case extract")
    assert SourceRecord.objects.count() == 0
    # A check that failed on its columns can be mapped again.
    job = s.import_map(
        actor=manager, job=job, mapping={"colour": "source_ref", "size": "full_name"}
    )
    assert s.import_check(actor=manager, job=job).status == ImportStatus.VALIDATED


def test_an_empty_file_is_refused_and_creates_nothing(manager):
    with pytest.raises(ValidationError) as refused:
        upload(manager, b"")
    assert refused.value.message_dict["file"] == ["The selected file is empty"]
    assert ImportJob.objects.count() == 0


def test_a_file_with_only_a_header_row_fails_its_check(manager):
    job = s.import_check(actor=manager, job=upload(manager, legacy()))
    assert job.status == ImportStatus.FAILED
    assert (
        job.failure_reason
        == "The file has no rows under its header row: there is nothing to import"
    )


def test_a_file_too_large_for_the_configured_limit_is_refused(manager, settings):
    settings.WAYMARK_LINKAGE = {"MAX_FILE_BYTES": 100}
    with pytest.raises(ValidationError) as refused:
        upload(manager, legacy(*ROWS))
    assert refused.value.message_dict["file"][0].startswith(
        "The selected file must be smaller than 100 bytes"
    )
    assert ImportJob.objects.count() == 0


def test_a_file_with_more_rows_than_the_limit_fails_its_check(manager, settings):
    settings.WAYMARK_LINKAGE = {"MAX_ROWS": 2}
    job = s.import_check(actor=manager, job=upload(manager, legacy(*ROWS)))
    assert job.status == ImportStatus.FAILED and "more than 2 rows" in job.failure_reason


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cid.pdf", b"%PDF", "must be a CSV file"),
        ("cid.xlsx", b"PK\x03\x04rubbish", "could not be opened"),
    ],
)
def test_unreadable_files_are_refused(manager, name, content, message):
    with pytest.raises(ValidationError) as refused:
        upload(manager, content, name=name)
    assert message in refused.value.message_dict["file"][0]
    assert ImportJob.objects.count() == 0


def test_every_row_rejected_fails_the_check_with_the_report(manager):
    """A file that cannot identify anyone (no name and no identifier on any row) is rejected."""
    job = s.import_check(actor=manager, job=upload(manager, legacy(NO_NAME, NO_NAME_AGAIN)))
    assert job.status == ImportStatus.FAILED and job.failure_reason.startswith(
        "Every row (2) was rejected"
    )
    rejections = list(ImportRejection.objects.filter(job=job))
    assert [r.row_number for r in rejections] == [2, 3]
    assert all("no identifier" in r.reasons[0]["detail"] for r in rejections)


def test_an_xlsx_tracker_with_free_form_headers_imports_after_mapping(manager):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref no.", "Client", "Born", "Nationality (ISO)", "Who has it", "Misc"])
    ws.append(["T-001", "HADDAD, Amir", date(1990, 5, 17), "SYR", "J Bloggs", "x"])
    ws.append(["T-002", "Chidi OKAFOR", "01/02/1985", "Nigerian", "A N Other", "y"])
    out = io.BytesIO()
    wb.save(out)
    job = upload(manager, out.getvalue(), kind="tracker", name="team tracker.xlsx")
    assert job.file_format == "xlsx"
    mapping = {
        "Ref no.": "source_ref",
        "Client": "full_name",
        "Born": "date_of_birth",
        "Nationality (ISO)": "nationality",
        "Who has it": "case_owner",
        "Misc": "",
    }
    job = s.import_map(actor=manager, job=job, mapping=mapping)
    job = s.import_check(actor=manager, job=job)
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 0
    s.import_confirm(actor=manager, job=job, accept_valid_rows=False)
    job = s.import_execute(job.pk)
    assert job.status == ImportStatus.COMPLETED and job.rows_created == 2
    amir = SourceRecord.objects.get(source_kind="tracker", source_ref="T-001")
    assert (amir.given_names, amir.family_name, amir.date_of_birth) == (
        "Amir",
        "HADDAD",
        date(1990, 5, 17),
    )
    assert amir.extra == {"case_owner": "J Bloggs"}
    assert SourceRecord.objects.get(source_ref="T-002").nationality == "NGA"


def test_the_police_file_keeps_the_pnc_id(manager):
    content = (
        b"PNC_ID,CRO_NO,SURNAME,FORENAMES,DOB,SEX,NATIONALITY,OFFENCE_COUNT,FORCE\n"
        b"2001/0012345A,12345/01A,HADDAD,Amir,1990-05-17,M,SYR,2,Met\n"
    )
    job = run(manager, content, kind="police", name="pnc.csv")
    record = SourceRecord.objects.get(source_kind="police")
    assert job.rows_created == 1 and record.pnc_id == "2001/0012345A"
    assert record.extra["offence_count"] == 2 and record.extra["force"] == "Met"


def test_cancel_before_it_runs_discards_the_file(manager):
    job = s.import_check(actor=manager, job=upload(manager, legacy(*ROWS)))
    s.import_confirm(actor=manager, job=job, accept_valid_rows=False)
    job = s.import_cancel(actor=manager, job=job)
    assert job.status == ImportStatus.CANCELLED and job.content is None
    assert s.import_execute(job.pk).status == ImportStatus.CANCELLED
    assert SourceRecord.objects.count() == 0
    with pytest.raises(ValidationError):
        s.import_cancel(actor=manager, job=job)
    assert verbs(job)[-1] == "linkage.import_cancelled"


def test_steps_out_of_order_are_refused(manager):
    job = upload(manager, legacy(*ROWS))
    with pytest.raises(ValidationError, match="cannot be started"):
        s.import_confirm(actor=manager, job=job, accept_valid_rows=True)
    done = run(manager, legacy(*ROWS))
    with pytest.raises(ValidationError, match="can no longer be changed"):
        s.import_map(actor=manager, job=done, mapping=done.column_mapping)
    with pytest.raises(ValidationError, match="cannot be checked again"):
        s.import_check(actor=manager, job=done)


def test_a_user_without_the_permission_may_not_import(db):
    assurance = user_with_role("assurance")
    with pytest.raises(PermissionDenied):
        upload(assurance, legacy(*ROWS))


@pytest.mark.django_db(transaction=True)
def test_progress_is_saved_while_the_import_transaction_is_open(monkeypatch):
    """Outside a test transaction, as the worker runs it: on PostgreSQL another connection sees the
    progress move before the import commits; on SQLite the import simply completes."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    manager = user_with_role("records_manager")
    job = s.import_check(actor=manager, job=upload(manager, legacy(*ROWS)))
    s.import_confirm(actor=manager, job=job, accept_valid_rows=False)
    monkeypatch.setattr(rules, "PROGRESS_EVERY_ROWS", 1)
    seen: list[tuple[int, int]] = []
    real_save = s._ProgressWriter.save

    def save_and_look(self, done):
        real_save(self, done)
        if connection.vendor == "postgresql":
            observer = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with observer.cursor() as cursor:
                    cursor.execute(
                        "SELECT progress_done FROM linkage_importjob WHERE id = %s", [job.pk]
                    )
                    progress = cursor.fetchone()[0]
                    cursor.execute("SELECT count(*) FROM linkage_sourcerecord")
                    seen.append((progress, cursor.fetchone()[0]))
            finally:
                observer.close()

    monkeypatch.setattr(s._ProgressWriter, "save", save_and_look)
    job = s.import_execute(job.pk)
    assert job.status == ImportStatus.COMPLETED and job.rows_created == 3
    if connection.vendor == "postgresql":
        assert seen == [(1, 0), (2, 0), (3, 0)]  # progress visible, records not yet committed
