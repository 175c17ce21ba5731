"""Removals and gatekeeping pages: asking to detain, voluntary-return offers, removal directions and
their outcome, the removals home page, charters, and gatekeepers' decisions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from waymark.casework import forms as f
from waymark.casework import rules, selectors, services
from waymark.casework.models import Charter, DetentionRequest, RemovalDirection
from waymark.casework.permissions import (
    DECIDE_DETENTION,
    MANAGE_CASEWORK,
    MANAGE_REMOVALS,
    OFFER_VOLUNTARY_RETURN,
    VIEW_CASE,
)
from waymark.casework.views._common import _data, _form, _get
from waymark.core.exports import Disclosure, export_csv, export_view, export_xlsx
from waymark.core.forms import form_add_service_errors
from waymark.core.permissions import requires
from waymark.people.selectors import person_visible_queryset


@requires(MANAGE_CASEWORK)
@require_http_methods(["GET", "POST"])
def detention_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.DetentionRequestForm(_data(request)),
        title="Ask to detain",
        submit="Send to gatekeeping",
        action=lambda d: services.detention_request(
            actor=request.user, person=subject, grounds=d["grounds"]
        ),
    )


@requires(VIEW_CASE, OFFER_VOLUNTARY_RETURN)
@require_http_methods(["GET", "POST"])
def voluntary_return_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    return _form(
        request,
        subject,
        f.VoluntaryReturnForm(_data(request)),
        title="Record a voluntary-return offer",
        submit="Record",
        action=lambda d: services.voluntary_return_offer(
            actor=request.user,
            person=subject,
            option=d["option"],
            context=d["context"],
            outcome=d["outcome"],
            departed_on=d["departed_on"],
        ),
    )


@requires(MANAGE_REMOVALS)
@require_http_methods(["GET", "POST"])
def directions_new(request, pk: int):
    subject = selectors.access_case_person(request.user, pk)
    blocking = list(services.blocking_barriers(subject))
    intro = (
        "Open barriers that block removal: "
        + ", ".join(b.get_barrier_type_display() for b in blocking)
        + f". Directions can be set only by an {rules.BARRIER_OVERRIDE_GRADE} or above with a reason."
        if blocking
        else "No open barrier blocks removal."
    )
    return _form(
        request,
        subject,
        f.DirectionsForm(_data(request)),
        title="Set removal directions",
        submit="Set directions",
        intro=intro,
        action=lambda d: services.removal_directions_set(
            actor=request.user,
            person=subject,
            route=d["route"],
            planned_for=d["planned_for"],
            flight=d["flight"],
            charter=d["charter"],
            escorts=d["escorts"] or 0,
            override_reason=d["override_reason"],
        ),
    )


@requires(MANAGE_REMOVALS)
@require_http_methods(["GET", "POST"])
def removal_outcome(request, pk: int):
    direction = _get(RemovalDirection, request, pk)
    return _form(
        request,
        direction.person,
        f.RemovalOutcomeForm(_data(request)),
        title="Record the removal outcome",
        submit="Record",
        intro="A failed removal re-opens the barrier its reason points to.",
        action=lambda d: services.removal_outcome_record(
            actor=request.user,
            direction=direction,
            removed=d["removed"] == "yes",
            failure_reason=d["failure_reason"],
            note=d["note"],
        ),
    )


REMOVALS_HEADER = ["Date", "Reference", "Person", "Route", "Flight", "Charter", "Escorts"]


@requires(MANAGE_REMOVALS)
@export_view
def removals_export(request):
    """The whole removals plan (the page shows the first 100), as CSV or XLSX, audited as one
    disclosure naming everyone in it."""
    planned = list(selectors.removals_planned(request.user))
    rows = [
        [
            d.planned_for,
            d.person.reference,
            d.person.full_name,
            d.get_route_display(),
            d.flight,
            d.charter.reference if d.charter else "",
            d.escorts,
        ]
        for d in planned
    ]
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    options = {
        "filename": f"removals-plan.{file_format}",
        "header": REMOVALS_HEADER,
        "rows": rows,
        "count": len(rows),
        "disclosure": Disclosure(
            verb="casework.removals_plan_exported",
            purpose=f"The removals plan, as {file_format.upper()}",
            query={"status": "planned"},
            people=sorted({d.person_id for d in planned}),
        ),
    }
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title="Removals plan", **options)
    return export_csv(request, **options)


@requires(MANAGE_REMOVALS)
def removals(request):
    user = request.user
    return render(
        request,
        "casework/removals.html",
        {
            "planned": selectors.removals_planned(user)[: rules.REMOVALS_SHOWN],
            "planned_count": selectors.removals_planned(user).count(),
            "removals_shown": rules.REMOVALS_SHOWN,
            "gatekeeping": selectors.gatekeeping_pending(user)
            if user.has_perm(DECIDE_DETENTION)
            else [],
            "charters": [
                selectors.charter_summary(c) for c in Charter.objects.order_by("-departs_on")[:20]
            ],
            "can_gatekeep": user.has_perm(DECIDE_DETENTION),
        },
    )


@requires(MANAGE_REMOVALS)
def charter(request, pk: int):
    found = Charter.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No such charter")
    manifest = found.manifest.filter(
        person__in=person_visible_queryset(request.user)
    ).select_related("person")
    return render(
        request,
        "casework/charter.html",
        {
            "summary": selectors.charter_summary(found),
            "manifest": manifest,
            "labels": rules.FAILURE_REASON_LABELS,
        },
    )


@requires(MANAGE_REMOVALS)
@require_http_methods(["GET", "POST"])
def charter_new(request):
    form = f.CharterForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.charter_create(
                actor=request.user,
                reference=form.cleaned_data["reference"],
                destination=form.cleaned_data["destination"],
                departs_on=form.cleaned_data["departs_on"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Charter {created.reference} created")
            return redirect("casework:charter", created.pk)
    from waymark.core.forms import form_fields

    return render(
        request,
        "casework/simple_form.html",
        {
            "form": form,
            "fields": form_fields(form),
            "title": "Plan a charter flight",
            "submit": "Create",
            "back": reverse("casework:removals"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(DECIDE_DETENTION)
@require_http_methods(["GET", "POST"])
def detention_decide(request, pk: int):
    row = _get(DetentionRequest, request, pk)
    return _form(
        request,
        row.person,
        f.DetentionDecisionForm(_data(request)),
        title="Decide the request to detain",
        submit="Record the decision",
        intro=f"Grounds: {row.grounds}",
        done=reverse("casework:removals"),
        action=lambda d: services.detention_decide(
            actor=request.user,
            request=row,
            accept=d["decision"] == "accept",
            rejection_reason=d["rejection_reason"],
            note=d["note"],
        ),
    )
