"""Governance exports (issue 20 item 6): a risk register's risks and supplier issues, the
complaints list and the complaint themes, each as CSV or XLSX (``?format=xlsx``) through the one
audited export helper (``core.exports``), so each download is one disclosure entry.

A register's risks name staff (owners), not the people Waymark holds records on: its export is
``people=None``. Complaints concern people: the export lists each one's Waymark reference, and
its disclosure names them. Exporting complaints needs ``manage_complaints`` (the team that runs
the process), not only the right to read them; the themes export is aggregate figures for those
who analyse complaints. Thin: rows from ``selectors.governance``."""

from __future__ import annotations

from typing import Any

from django.urls import path

from waymark.core.exports import Disclosure, export_csv, export_view, export_xlsx
from waymark.core.permissions import requires
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import ComplaintTheme
from waymark.oversight.selectors import governance as sel
from waymark.oversight.views.governance_complaints import _complaint_filters

RISK_HEADER = [
    "Record",
    "Register",
    "Number",
    "Title",
    "Status",
    "Owner",
    "Cause or description",
    "Effect",
    "Likelihood",
    "Impact",
    "Rating",
    "Level",
    "Target rating",
    "Controls",
    "Mitigating actions",
    "Raised on",
    "Last reviewed",
    "Next review or target date",
    "Review overdue",
    "Accepted until",
    "Closed reason or resolution",
    "Linked risk",
]
COMPLAINT_HEADER = [
    "Reference",
    "Channel",
    "Received on",
    "Respond by",
    "Status",
    "Themes",
    "Waymark person",
    "Handler",
    "Responded on",
    "Outcome",
    "On time",
    "Summary",
    "Stage",
    "Review asked for",
    "Review due",
    "Reviewer",
    "Review responded on",
    "Review outcome",
    "Ombudsman reference",
    "Ombudsman finding",
]
THEME_HEADER = ["Theme", "Month", "Complaints received", "Responded", "Responded on time"]


def _format(request) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


def _download(request, *, name: str, header, rows: list[list[Any]], disclosure, sheet: str):
    file_format = _format(request)
    options = {
        "filename": f"{name}.{file_format}",
        "header": header,
        "rows": rows,
        "count": len(rows),
        "disclosure": disclosure,
    }
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title=sheet, **options)
    return export_csv(request, **options)


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


@requires(perms.VIEW_RISKS)
@export_view
def register_export(request, pk: int):
    """The register's risks (open, then closed, highest rating first), then its supplier issues
    (a joint register's issues log), one row each, the "Record" column saying which."""
    register = sel.access_register(request.user, pk)
    rows: list[list[Any]] = []
    for closed in (False, True):
        for r in sel.register_risks(register, closed=closed):
            risk = r.risk
            rows.append(
                [
                    "Risk",
                    register.name,
                    risk.number,
                    risk.title,
                    risk.get_status_display(),
                    _name(risk.owner),
                    risk.cause,
                    risk.effect,
                    risk.likelihood,
                    risk.impact,
                    risk.rating,
                    r.level_label,
                    risk.target_rating,
                    risk.controls,
                    risk.mitigating_actions,
                    risk.created_at.date(),
                    risk.last_reviewed_on,
                    risk.next_review_on,
                    "Yes" if r.review_overdue else "No",
                    r.acceptance.expires_on if r.acceptance else None,
                    risk.closed_reason,
                    None,
                ]
            )
    for issue in sel.register_issues(register, include_closed=True):
        rows.append(
            [
                "Supplier issue",
                register.name,
                issue.number,
                issue.title,
                issue.get_status_display(),
                _name(issue.owner),
                issue.description,
                *([None] * 8),
                issue.raised_on,
                None,
                issue.target_on,
                None,
                None,
                issue.resolution,
                issue.risk.number if issue.risk_id else None,
            ]
        )
    return _download(
        request,
        name=f"risk-register-{register.pk}",
        header=RISK_HEADER,
        rows=rows,
        sheet="Risk register",
        disclosure=Disclosure(
            verb="oversight.risk_register_exported",
            purpose=f"The risk register '{register.name}', as {_format(request).upper()}",
            query={"register": register.pk},
            people=None,
            target=register,
        ),
    )


def _escalation_cells(row) -> list[Any]:
    review, ombudsman = row.review, row.ombudsman
    return [
        row.stage,
        review.requested_on if review else None,
        review.due_on if review else None,
        _name(review.handler) if review else "",
        review.responded_on if review else None,
        review.get_outcome_display() if review and review.outcome else "",
        ombudsman.ombudsman_reference if ombudsman else "",
        ombudsman.get_outcome_display() if ombudsman and ombudsman.outcome else "",
    ]


@requires(perms.MANAGE_COMPLAINTS)
@export_view
def complaints_export(request):
    """The complaints the list's filters choose (all of them, not one page)."""
    filters = _complaint_filters(request)
    rows_in = sel.complaint_rows(sel.complaints_queryset(**filters), request.user)
    rows: list[list[Any]] = []
    for r in rows_in:
        c = r.complaint
        rows.append(
            [
                c.reference,
                c.get_channel_display(),
                c.received_on,
                c.due_on,
                "Overdue" if r.overdue else c.get_status_display(),
                "; ".join(r.themes),
                r.person_reference,
                _name(c.handler),
                c.responded_on,
                c.get_outcome_display() if c.outcome else "",
                "" if c.on_time is None else ("Yes" if c.on_time else "No"),
                c.summary,
                *_escalation_cells(r),
            ]
        )
    return _download(
        request,
        name="complaints",
        header=COMPLAINT_HEADER,
        rows=rows,
        sheet="Complaints",
        disclosure=Disclosure(
            verb="oversight.complaints_exported",
            purpose=f"Complaints and their handling, as {_format(request).upper()}",
            query={k: v for k, v in filters.items() if v},
            people=sorted({r.complaint.person_id for r in rows_in if r.complaint.person_id}),
        ),
    )


@requires(perms.ANALYSE_COMPLAINTS)
@export_view
def complaint_themes_export(request):
    """The themes page's figures: complaints received by theme and month over the last
    ``COMPLAINT_THEMES_MONTHS`` months, with the responses and those on time."""
    analysis = sel.complaint_themes_analysis()
    labels = dict(ComplaintTheme.choices)
    rows: list[list[Any]] = []
    for theme, _label in analysis.themes:
        for month in analysis.months:
            rows.append(
                [
                    labels.get(theme, theme),
                    month.strftime("%Y-%m"),
                    analysis.counts[theme][month],
                    None,
                    None,
                ]
            )
        rows.append(
            [
                labels.get(theme, theme),
                "All months",
                analysis.totals[theme],
                analysis.responded.get(theme, 0),
                analysis.on_time.get(theme, 0),
            ]
        )
    return _download(
        request,
        name="complaint-themes",
        header=THEME_HEADER,
        rows=rows,
        sheet="Complaint themes",
        disclosure=Disclosure(
            verb="oversight.complaint_themes_exported",
            purpose=f"Complaint themes over {rules.COMPLAINT_THEMES_MONTHS} months, as "
            f"{_format(request).upper()}",
            query={"months": rules.COMPLAINT_THEMES_MONTHS},
            people=None,
        ),
    )


urlpatterns = [
    path("risks/registers/<int:pk>/export/", register_export, name="risk-register-export"),
    path("complaints/export/", complaints_export, name="complaints-export"),
    path("complaints/themes/export/", complaint_themes_export, name="complaint-themes-export"),
]
