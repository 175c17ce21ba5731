"""The import wizard's pages: each step for a records manager, 403 without the permission, the
GOV.UK error summary on bad input, the progress page and the validation report."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from waymark.linkage.models import ImportJob, ImportStatus, SourceRecord
from waymark.linkage.services import imports as s
from waymark.linkage.views import imports as views_module

from .test_import_services import (
    BAD_DATE,
    NO_NAME,
    NO_NAME_AGAIN,
    ROWS,
    legacy,
    upload,
    user_with_role,
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager(db):
    return user_with_role("records_manager")


@pytest.fixture
def c(manager) -> Client:
    return client_for(manager)


def post_file(
    c: Client,
    content: bytes,
    *,
    name: str = "cid.csv",
    kind: str = "legacy_case",
    label: str = "CID",
):
    return c.post(
        reverse("linkage:import-new"),
        {"source_kind": kind, "label": label, "file": SimpleUploadedFile(name, content)},
    )


def mapping_post(job: ImportJob, mapping: dict[str, str] | None = None) -> dict[str, str]:
    mapping = job.column_mapping if mapping is None else mapping
    return {f"column_{i}": mapping.get(h, "") for i, h in enumerate(job.headers)}


def test_the_list_page_has_an_empty_state_then_lists_imports(c, manager):
    page = c.get(reverse("linkage:import-list"))
    assert page.status_code == 200 and "No files have been imported yet" in page.content.decode()
    upload(manager, legacy(*ROWS))
    page = c.get(reverse("linkage:import-list")).content.decode()
    assert "CID extract" in page and "Uploaded: columns to map" in page


def test_the_whole_wizard_with_a_rejected_row(c, manager):
    assert c.get(reverse("linkage:import-new")).status_code == 200
    response = post_file(c, legacy(*ROWS, BAD_DATE, NO_NAME))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "linkage:import-map", args=[job.pk]
    )

    page = c.get(response.url).content.decode()
    assert "Column &#39;DOB&#39;" in page or "Column 'DOB'" in page
    assert '<option value="date_of_birth" selected>' in page
    assert "For example: 17/05/1990, 01/02/1985, 03/03/1979" in page

    response = c.post(reverse("linkage:import-map", args=[job.pk]), mapping_post(job))
    assert response.status_code == 302 and response.url == reverse(
        "linkage:import-check", args=[job.pk]
    )
    page = c.get(response.url).content.decode()
    assert "Rows that would be rejected" in page and "the row has no identifier" in page
    assert (
        "Rows that will be imported with a warning" in page
        and "Date of birth &#39;31/02/1985&#39; is not a real date: kept without a date" in page
    )
    assert "Import only the 4 valid rows" in page

    refused = c.post(reverse("linkage:import-check", args=[job.pk]), {})
    assert refused.status_code == 400 and "There is a problem" in refused.content.decode()
    assert ImportJob.objects.get().status == ImportStatus.VALIDATED

    response = c.post(reverse("linkage:import-check", args=[job.pk]), {"accept_valid_rows": "on"})
    assert response.status_code == 302 and response.url == reverse(
        "linkage:import-detail", args=[job.pk]
    )
    page = c.get(response.url).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in page and "waiting to start" in page

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, progress_done=2, progress_total=4
    )
    page = c.get(response.url).content.decode()
    assert '<progress class="waymark-progress" max="100" value="50"' in page and "50% done" in page
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)

    s.import_execute(job.pk)  # what the background task runs
    page = c.get(response.url).content.decode()
    assert 'http-equiv="refresh"' not in page and "Completed" in page
    assert "New records" in page and "See the 1 rejected rows and why" in page
    assert "See the 1 rows imported with a warning" in page
    assert SourceRecord.objects.count() == 4

    page = c.get(reverse("linkage:import-rejections", args=[job.pk])).content.decode()
    assert "the row has no identifier" in page and "C7" in page
    page = c.get(reverse("linkage:import-warnings", args=[job.pk])).content.decode()
    assert "Rows imported with a warning" in page
    assert "Date of birth &#39;31/02/1985&#39; is not a real date" in page and "SMITH" in page
    report = c.get(reverse("linkage:import-report", args=[job.pk]))
    assert report["Content-Type"].startswith("text/csv")
    text = b"".join(report.streaming_content).decode("utf-8-sig")  # streamed (issue 14 item 11)
    lines = text.splitlines()
    assert lines[0].startswith("Row,Reasons,CASE_ID")
    assert lines[1].startswith("6,Family name '' has no letters and the row has no identifier")
    assert lines[1].endswith(",C7,P7,,,,05/05/1975,M,GBR,,")
    assert (
        "5,Imported with a warning: Date of birth '31/02/1985' is not a real date: kept without "
        "a date,C4" in text
    )


def test_a_file_with_us_dates_is_read_month_first_and_the_check_page_says_so(c, manager):
    us_dates = legacy(
        "C1,P1,,HADDAD,Amir,03/04/1990,M,SYR,,\n", "C2,P2,,OKAFOR,Chidi,12/25/1985,M,NGA,,\n"
    )
    post_file(c, us_dates)
    job = ImportJob.objects.get()
    c.post(reverse("linkage:import-map", args=[job.pk]), mapping_post(job))
    page = c.get(reverse("linkage:import-check", args=[job.pk])).content.decode()
    assert "Month first (12/31/1990)" in page and "Every row can be imported" in page
    assert "DOB &#39;12/25/1985&#39; on row 3 can only be read that way" in page
    c.post(reverse("linkage:import-check", args=[job.pk]), {})
    s.import_execute(job.pk)
    births = dict(SourceRecord.objects.values_list("source_ref", "date_of_birth"))
    assert births == {"C1": date(1990, 3, 4), "C2": date(1985, 12, 25)}
    assert (
        "Month first (12/31/1990)"
        in c.get(reverse("linkage:import-detail", args=[job.pk])).content.decode()
    )


def test_upload_errors_are_shown_in_the_error_summary(c, settings):
    response = c.post(reverse("linkage:import-new"), {"source_kind": "legacy_case", "label": "CID"})
    assert response.status_code == 400 and "Select a file" in response.content.decode()
    response = post_file(c, b"", name="empty.csv")
    assert response.status_code == 400 and "The selected file is empty" in response.content.decode()
    response = post_file(c, b"%PDF-1.4", name="letter.pdf")
    assert "must be a CSV file (.csv) or an Excel workbook (.xlsx)" in response.content.decode()
    settings.WAYMARK_LINKAGE = {"MAX_FILE_BYTES": 50}
    response = post_file(c, legacy(*ROWS))
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in page
    assert "The selected file must be smaller than 50 bytes" in page
    assert ImportJob.objects.count() == 0


def test_a_mapping_with_problems_is_refused_on_the_page(c, manager):
    job = upload(manager, legacy(*ROWS))
    response = c.post(
        reverse("linkage:import-map", args=[job.pk]), mapping_post(job, {"CASE_ID": ""})
    )
    page = response.content.decode()
    assert response.status_code == 400 and "No column is mapped to Reference in this source" in page
    assert ImportJob.objects.get().status == ImportStatus.UPLOADED


def test_a_cancellation_between_the_mapping_and_its_check_is_shown_not_an_error_page(
    c, manager, monkeypatch
):
    """Someone cancels the import after this mapping is saved and before its check writes: the
    check is refused and the page says why (it was a 500 when the refusal was added)."""
    job = upload(manager, legacy(*ROWS))
    check = s.import_check

    def cancelled_meanwhile(*, actor, job):
        s.import_cancel(actor=manager, job=ImportJob.objects.get(pk=job.pk))
        return check(actor=actor, job=job)

    monkeypatch.setattr(views_module.services, "import_check", cancelled_meanwhile)
    response = c.post(reverse("linkage:import-map", args=[job.pk]), mapping_post(job))
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in page
    assert "This import is cancelled (nothing was imported): it cannot be checked again" in page
    assert ImportJob.objects.get().status == ImportStatus.CANCELLED


def test_a_failed_check_shows_its_reason_and_can_be_mapped_again(c, manager):
    job = upload(manager, legacy(NO_NAME, NO_NAME_AGAIN))
    response = c.post(reverse("linkage:import-map", args=[job.pk]), mapping_post(job))
    assert response.url == reverse("linkage:import-detail", args=[job.pk])
    page = c.get(response.url).content.decode()
    assert "Every row (2) was rejected" in page and "Change the column mapping" in page
    assert c.get(reverse("linkage:import-map", args=[job.pk])).status_code == 200


def test_an_xlsx_tracker_through_the_pages(c):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Our ref", "Name", "D.O.B", "Nat.", "Case owner", "Spare"])
    ws.append(["T-1", "HADDAD, Amir", date(1990, 5, 17), "SYR", "J Bloggs", ""])
    out = io.BytesIO()
    wb.save(out)
    response = post_file(c, out.getvalue(), name="tracker.xlsx", kind="tracker")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.column_mapping["Name"] == "full_name"
    response = c.post(reverse("linkage:import-map", args=[job.pk]), mapping_post(job))
    assert response.url == reverse("linkage:import-check", args=[job.pk])
    assert "Every row can be imported" in c.get(response.url).content.decode()
    c.post(reverse("linkage:import-check", args=[job.pk]), {})
    s.import_execute(job.pk)
    assert SourceRecord.objects.get(source_kind="tracker").family_name == "HADDAD"


def test_cancel_from_the_page(c, manager):
    job = upload(manager, legacy(*ROWS))
    response = c.post(reverse("linkage:import-cancel", args=[job.pk]))
    assert response.status_code == 302
    assert ImportJob.objects.get().status == ImportStatus.CANCELLED
    assert "cancelled: nothing was imported" in c.get(response.url).content.decode()
    assert c.get(reverse("linkage:import-cancel", args=[job.pk])).status_code == 405


def test_steps_redirect_to_where_the_job_is(c, manager):
    job = upload(manager, legacy(*ROWS))
    assert c.get(reverse("linkage:import-check", args=[job.pk])).url == reverse(
        "linkage:import-map", args=[job.pk]
    )
    s.import_cancel(actor=manager, job=job)
    assert c.get(reverse("linkage:import-map", args=[job.pk])).url == reverse(
        "linkage:import-detail", args=[job.pk]
    )
    assert c.get(reverse("linkage:import-detail", args=[999_999])).status_code == 404


def test_every_import_page_is_refused_without_the_permission(manager):
    job = upload(manager, legacy(*ROWS))
    for role in ("assurance", "case_owner"):
        c = client_for(user_with_role(role))
        for name, args in [
            ("import-list", []),
            ("import-new", []),
            ("import-detail", [job.pk]),
            ("import-map", [job.pk]),
            ("import-check", [job.pk]),
            ("import-rejections", [job.pk]),
            ("import-report", [job.pk]),
        ]:
            assert c.get(reverse(f"linkage:{name}", args=args)).status_code == 403, (role, name)
        assert c.post(reverse("linkage:import-cancel", args=[job.pk])).status_code == 403
        assert post_file(c, legacy(*ROWS)).status_code == 403
    assert ImportJob.objects.get().status == ImportStatus.UPLOADED
