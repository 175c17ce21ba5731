"""The tracker's pages: the list (filter by seed, status and owner; slipping actions highlighted
with their history), one recommendation with its actions and updates, the forms to add an action,
post an update, close (sign off) and reopen one, and the CSV export. Thin: reads through
``selectors``, writes through ``services``.

The tracker holds governance records, not records of the people Waymark manages, so its pages are
marked ``no_personal_data``; the export is still audited as a disclosure by the export helper."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import no_personal_data, requires
from waymark.oversight import forms as f
from waymark.oversight import permissions as perms
from waymark.oversight import selectors, services
from waymark.oversight.models import ActionStatus
from waymark.oversight.workflows import CLOSED_STATES

EXPORT_PURPOSE = "The recommendations and actions tracker, for governance reporting"
CSV_HEADER = [
    "Source",
    "Recommendation",
    "Theme",
    "Recommendation text",
    "Home Office response",
    "Action",
    "Owner",
    "Milestone",
    "Due date",
    "Original due date",
    "Times the due date moved",
    "Status",
    "Evidence check",
    "Signed off by",
    "Signed off on",
]


def _filters(request) -> dict:
    owner = request.GET.get("owner", "")
    return {
        "seed": request.GET.get("seed", "")[:3],
        "status": request.GET.get("status", "")
        if request.GET.get("status", "") in selectors.REC_STATUS_LABELS
        else "",
        "owner_id": int(owner) if owner.isdecimal() else None,
        "slipping_only": request.GET.get("slipping") == "1",
    }


@requires(perms.VIEW)
@no_personal_data
def tracker(request):
    filters = _filters(request)
    return render(
        request,
        "oversight/tracker.html",
        {
            "rows": selectors.tracker_rows(**filters),
            "filters": filters,
            "sources": selectors.tracker_sources(),
            "owners": selectors.tracker_owners(),
            "statuses": selectors.REC_STATUS_LABELS,
            "counts": selectors.tracker_counts(),
            "can_export": request.user.has_perm(perms.EXPORT),
        },
    )


@requires(perms.VIEW)
@no_personal_data
def recommendation(request, pk: int):
    row = selectors.access_recommendation(request.user, pk)
    return render(
        request,
        "oversight/recommendation.html",
        {
            "row": row,
            "rec": row.recommendation,
            "can_manage": request.user.has_perm(perms.MANAGE),
            "can_sign_off": request.user.has_perm(perms.SIGN_OFF),
            "closed_states": CLOSED_STATES,
            "user_pk": request.user.pk,
        },
    )


def _form_page(request, form, *, title, submit, back, status=200, intro="", warning=""):
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "fields": form_fields(form),
            "title": title,
            "submit": submit,
            "back": back,
            "intro": intro,
            "warning": warning,
        },
        status=status,
    )


@requires(perms.MANAGE)
@no_personal_data
@require_http_methods(["GET", "POST"])
def action_add(request, pk: int):
    rec = selectors.access_recommendation(request.user, pk).recommendation
    form = f.ActionAddForm(request.POST or None, owners=selectors.action_owner_choices())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["owner"] = selectors.action_owner_get(data["owner"])
        try:
            services.action_add(actor=request.user, recommendation=rec, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Action added")
            return redirect("oversight:recommendation", rec.pk)
    return _form_page(
        request,
        form,
        title=f"Add an action to recommendation {rec.number}",
        submit="Add the action",
        back=f"/oversight/recommendations/{rec.pk}/",
        intro=rec.text,
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(perms.VIEW)
@no_personal_data
@require_http_methods(["GET", "POST"])
def action_update(request, pk: int):
    action = selectors.access_action(request.user, pk)
    if not perms.may_update_action(request.user, action):
        raise PermissionDenied
    form = f.ActionUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update_post(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Update posted")
            return redirect("oversight:recommendation", action.recommendation_id)
    return _form_page(
        request,
        form,
        title="Post an update",
        submit="Post the update",
        back=f"/oversight/recommendations/{action.recommendation_id}/",
        intro=action.description,
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(perms.SIGN_OFF)
@no_personal_data
@require_http_methods(["GET", "POST"])
def action_close(request, pk: int):
    action = selectors.access_action(request.user, pk)
    form = f.ActionCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_close(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Action signed off")
            return redirect("oversight:recommendation", action.recommendation_id)
    warning = ""
    if action.owner_id == request.user.pk:
        warning = "You own this action: someone other than its owner must sign it off."
    elif action.status in CLOSED_STATES:
        warning = "This action is already closed."
    return _form_page(
        request,
        form,
        title="Close and sign off the action",
        submit="Sign off",
        back=f"/oversight/recommendations/{action.recommendation_id}/",
        intro=action.description,
        warning=warning,
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(perms.SIGN_OFF)
@no_personal_data
@require_http_methods(["GET", "POST"])
def action_reopen(request, pk: int):
    action = selectors.access_action(request.user, pk)
    form = f.ActionReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_reopen(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Action reopened")
            return redirect("oversight:recommendation", action.recommendation_id)
    return _form_page(
        request,
        form,
        title="Reopen the action",
        submit="Reopen",
        back=f"/oversight/recommendations/{action.recommendation_id}/",
        intro=action.description,
        warning="" if action.status in CLOSED_STATES else "This action is open already.",
        status=400 if form.is_bound and form.errors else 200,
    )


def _csv_rows(rows):
    for row in rows:
        rec = row.recommendation
        base = [
            rec.seed,
            rec.number,
            rec.theme,
            rec.text,
            rec.get_response_display(),
        ]
        if not row.actions:
            yield [*base, "", "", "", None, None, 0, "No actions yet", "", "", None]
        for a in row.actions:
            action = a.action
            yield [
                *base,
                action.description,
                action.owner.get_full_name() or action.owner.username,
                action.milestone,
                action.due_on,
                action.original_due_on,
                len(a.revisions),
                ActionStatus(action.status).label,
                a.evidence_label,
                (action.signed_off_by.get_full_name() or action.signed_off_by.username)
                if action.signed_off_by
                else "",
                action.signed_off_at.date() if action.signed_off_at else None,
            ]


@requires(perms.EXPORT)
@export_view
def tracker_export(request):
    filters = _filters(request)
    rows = selectors.tracker_rows(**filters)
    lines = list(_csv_rows(rows))
    return export_csv(
        request,
        filename="recommendations-and-actions.csv",
        header=CSV_HEADER,
        rows=lines,
        count=len(lines),
        disclosure=Disclosure(
            verb="oversight.tracker_exported",
            purpose=EXPORT_PURPOSE,
            query={k: v for k, v in filters.items() if v},
            people=None,
        ),
    )


urlpatterns = [
    path("", tracker, name="tracker"),
    path("export.csv", tracker_export, name="tracker-export"),
    path("recommendations/<int:pk>/", recommendation, name="recommendation"),
    path("recommendations/<int:pk>/actions/new/", action_add, name="action-add"),
    path("actions/<int:pk>/update/", action_update, name="action-update"),
    path("actions/<int:pk>/close/", action_close, name="action-close"),
    path("actions/<int:pk>/reopen/", action_reopen, name="action-reopen"),
]
