"""The import wizard and its reports (brief linkage.md §1): upload -> map the columns -> check ->
confirm -> progress and the validation report. Thin: validate, call one service, redirect.
Everything needs ``linkage.import_records``."""

from __future__ import annotations

import itertools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from waymark.core.audit import audit_record
from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.models import AuditAction
from waymark.core.permissions import requires
from waymark.linkage import importers, rules, selectors
from waymark.linkage.forms.imports import (
    SOURCE_KIND_HINTS,
    ColumnMappingForm,
    ImportConfirmForm,
    ImportUploadForm,
)
from waymark.linkage.models import ImportJob, ImportStatus
from waymark.linkage.permissions import IMPORT_RECORDS as IMPORT
from waymark.linkage.services import imports as services
from waymark.linkage.services.import_upload import (
    _size_text,
    file_too_large_message,
    import_upload,
)

RUNNING = (ImportStatus.QUEUED, ImportStatus.RUNNING)
STATUS_TAGS = {
    ImportStatus.UPLOADED: "govuk-tag--blue",
    ImportStatus.VALIDATED: "govuk-tag--light-blue",
    ImportStatus.QUEUED: "govuk-tag--grey",
    ImportStatus.RUNNING: "govuk-tag--yellow",
    ImportStatus.COMPLETED: "govuk-tag--green",
    ImportStatus.FAILED: "govuk-tag--red",
    ImportStatus.CANCELLED: "govuk-tag--grey",
}


def _job(pk: int) -> ImportJob:
    return selectors.access_import(pk)


def _run(form, action):
    try:
        return action()
    except ValidationError as exc:
        form_add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "You may not do this")
    return None


def _next_step(job: ImportJob):
    """Where a job's own page is, for its state."""
    if job.status == ImportStatus.UPLOADED:
        return redirect("linkage:import-map", job.pk)
    if job.status == ImportStatus.VALIDATED:
        return redirect("linkage:import-check", job.pk)
    return redirect("linkage:import-detail", job.pk)


# ------------------------------------------------------------------------------------------------
# The list of imports


@requires(IMPORT)
def import_list(request):
    jobs = selectors.import_list()
    page = Paginator(jobs, rules.IMPORT_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "linkage/imports/list.html", {"page": page, "tags": STATUS_TAGS})


# ------------------------------------------------------------------------------------------------
# 1. Upload


@requires(IMPORT)
def import_new(request):
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload = d["file"]
        job = None
        if upload.size > rules.max_file_bytes():  # refused before it is read into memory
            form.add_error("file", file_too_large_message(upload.size))
        else:
            job = _run(
                form,
                lambda: import_upload(
                    actor=request.user,
                    source_kind=d["source_kind"],
                    label=d["label"],
                    file_name=upload.name,
                    content=upload.read(),
                ),
            )
        if job is not None:
            messages.success(
                request, f"{job.file_name} uploaded: check which field each column holds"
            )
            return redirect("linkage:import-map", job.pk)
    form.fields["file"].help_text += f", up to {_size_text(rules.max_file_bytes())}"
    fields = form_fields(form)
    for spec in fields:
        if spec["name"] == "source_kind":
            for item in spec["items"]:
                item["hint"] = {"text": SOURCE_KIND_HINTS.get(item["value"], "")}
    return render(
        request,
        "linkage/imports/new.html",
        {"form": form, "fields": fields},
        status=400 if form.is_bound and form.errors else 200,
    )


# ------------------------------------------------------------------------------------------------
# 2. Column mapping


def _examples(job: ImportJob) -> dict[str, list[str]]:
    try:
        table = services._table(job)
        rows = list(itertools.islice(table.rows(), rules.IMPORT_MAPPING_EXAMPLE_ROWS))
    except importers.FileRefused:
        return {}
    return {
        h: [importers.cell_text(cells[i]) if i < len(cells) else "" for _, cells in rows]
        for i, h in enumerate(job.headers)
    }


@requires(IMPORT)
def import_map(request, pk: int):
    job = _job(pk)
    if job.status not in services.REMAPPABLE or job.started_at is not None or job.content is None:
        return redirect("linkage:import-detail", job.pk)
    form = ColumnMappingForm(
        request.POST if request.method == "POST" else None,
        headers=job.headers,
        source_kind=job.source_kind,
        examples=_examples(job),
        initial=ColumnMappingForm.initial_from(job.headers, job.column_mapping),
    )
    if request.method == "POST" and form.is_valid():
        mapped = _run(
            form, lambda: services.import_map(actor=request.user, job=job, mapping=form.mapping())
        )
        if mapped is not None:
            # Refused (shown on this page) if a cancellation or another mapping landed between.
            checked = _run(form, lambda: services.import_check(actor=request.user, job=mapped))
            if checked is not None:
                return _next_step(checked)
    return render(
        request,
        "linkage/imports/map.html",
        {
            "form": form,
            "fields": form_fields(form),
            "job": job,
            "required": [
                importers.FIELD_LABELS[f] for f in importers.SOURCE_FIELDS[job.source_kind].required
            ],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# ------------------------------------------------------------------------------------------------
# 3. Check and confirm


@requires(IMPORT)
def import_check(request, pk: int):
    job = _job(pk)
    if job.status != ImportStatus.VALIDATED:
        return _next_step(job)
    form = ImportConfirmForm(
        request.POST if request.method == "POST" else None,
        rows_valid=job.rows_read - job.rows_rejected,
        rows_rejected=job.rows_rejected,
    )
    if request.method == "POST" and form.is_valid():
        confirmed = _run(
            form,
            lambda: services.import_confirm(
                actor=request.user,
                job=job,
                accept_valid_rows=bool(form.cleaned_data.get("accept_valid_rows")),
            ),
        )
        if confirmed is not None:
            messages.success(request, f"Import of {job.file_name} started")
            return redirect("linkage:import-detail", job.pk)
    rejections = list(selectors.import_rejections(job)[: rules.REPORT_PAGE_SIZE])
    warnings = list(selectors.import_warnings(job)[: rules.REPORT_PAGE_SIZE])
    if rejections or warnings:
        _rejections_audit(request, job, verb="linkage.import_rejections_viewed")
    return render(
        request,
        "linkage/imports/check.html",
        {
            "form": form,
            "fields": form_fields(form),
            "job": job,
            "rejections": rejections,
            "warnings": warnings,
            "rows_valid": job.rows_read - job.rows_rejected,
            "page_size": rules.REPORT_PAGE_SIZE,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# ------------------------------------------------------------------------------------------------
# 4. Progress and the validation report


@requires(IMPORT)
def import_detail(request, pk: int):
    job = _job(pk)
    return render(
        request,
        "linkage/imports/detail.html",
        {
            "job": job,
            "tags": STATUS_TAGS,
            "running": job.status in RUNNING,
            "refresh_seconds": rules.PROGRESS_REFRESH_SECONDS,
            "can_cancel": job.status in services.CANCELLABLE,
            "can_remap": job.status == ImportStatus.FAILED
            and job.started_at is None
            and job.content is not None,
            "mapping": [
                (h, importers.FIELD_LABELS.get(job.column_mapping.get(h, ""), ""))
                for h in job.headers
            ],
        },
    )


@requires(IMPORT)
@require_POST
def import_cancel(request, pk: int):
    job = _job(pk)
    try:
        services.import_cancel(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Import of {job.file_name} cancelled: nothing was imported")
    return redirect("linkage:import-detail", job.pk)


def _rejections_audit(request, job: ImportJob, *, verb: str) -> None:
    """Rejected rows hold people's details as typed: viewing them is a consultation."""
    audit_record(
        actor=request.user,
        action=AuditAction.CONSULTATION,
        verb=verb,
        target=job,
        payload={"rows_rejected": job.rows_rejected, "page": request.GET.get("page", "1")},
    )


@requires(IMPORT)
def import_rejections(request, pk: int):
    job = _job(pk)
    page = Paginator(selectors.import_rejections(job), rules.REPORT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if page.object_list:
        _rejections_audit(request, job, verb="linkage.import_rejections_viewed")
    return render(request, "linkage/imports/rejections.html", {"job": job, "page": page})


@requires(IMPORT)
def import_warnings(request, pk: int):
    """The rows kept with a warning (a value left out or kept as written), with the warnings."""
    job = _job(pk)
    page = Paginator(selectors.import_warnings(job), rules.REPORT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if page.object_list:
        _rejections_audit(request, job, verb="linkage.import_warnings_viewed")
    return render(
        request, "linkage/imports/rejections.html", {"job": job, "page": page, "warnings": True}
    )


@requires(IMPORT)
@export_view
def import_report(request, pk: int):
    """The validation report as CSV: every rejected row with its reasons and its values as read.
    Streamed through the export helper, header row included in the neutralising (issue 14 item 11);
    rejected rows are people's details as typed, so the download is a disclosure."""
    job = _job(pk)
    rows = itertools.chain(
        (
            [
                rejection.row_number,
                "; ".join(r.get("detail", "") for r in rejection.reasons),
                *(rejection.values.get(h) for h in job.headers),
            ]
            for rejection in job.rejections.iterator(chunk_size=2000)
        ),
        (  # then the rows kept with a warning (issue 18 item 4)
            [
                kept.row_number,
                "Imported with a warning: " + "; ".join(r.get("detail", "") for r in kept.reasons),
                *(kept.values.get(h) for h in job.headers),
            ]
            for kept in job.row_warnings.iterator(chunk_size=2000)
        ),
    )
    return export_csv(
        request,
        filename=f"import-{job.pk}-rejected-rows.csv",
        header=["Row", "Reasons", *job.headers],
        rows=rows,
        count=job.rejections.count() + job.row_warnings.count(),
        excel_bom=True,
        disclosure=Disclosure(
            verb="linkage.import_report_downloaded",
            target=job,
            query={"import": job.pk, "file": job.file_name},
            purpose="Import report: the rejected rows, to correct the file",
        ),
    )
