"""Planning pages: the operations home, intelligence, and a visit's plan (brief operations.md
§1-§2). Thin: fetch through selectors (404 for what the user may not see), validate with a
form, call one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from waymark.core import clock
from waymark.core.forms import form_fields
from waymark.core.permissions import requires
from waymark.core.saved_views import filters_remembered, saved_views_panel
from waymark.operations import rules, selectors, services, workflows
from waymark.operations.forms import planning as f
from waymark.operations.models import IntelligenceStatus, VisitStatus
from waymark.operations.views._common import (
    AUTHORISE,
    COMMAND,
    PLAN,
    VIEW,
    _form_page,
    _premises,
    _run,
    _subjects,
    _teams,
)

# The visits list's page key for its saved and remembered filters (core.saved_views).
VISITS_PAGE = "operations:home"


@requires(VIEW)
def home(request):
    """The enforcement visits list; its filters are remembered and may be saved."""
    if (remembered := filters_remembered(request, VISITS_PAGE)) is not None:
        return remembered
    filters = f.VisitFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    visits = selectors.visit_list(
        request.user,
        status=data.get("status", ""),
        rating=data.get("rating", ""),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    page = Paginator(visits, rules.PLANNING_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "operations/home.html",
        {
            "filters": filters,
            "filter_fields": {x["name"]: x for x in form_fields(filters)},
            "page": page,
            "filtered": bool(data and any(data.values())),
            "can_plan": request.user.has_perm(PLAN),
            "can_authorise": request.user.has_perm(AUTHORISE),
            "saved_views": saved_views_panel(request, VISITS_PAGE),
        },
    )


@requires(VIEW)
def intelligence_list(request):
    status = request.GET.get("status", "")
    if status not in IntelligenceStatus.values:
        status = ""
    priority = request.GET.get("priority", "")
    packages = selectors.intelligence_list(
        request.user,
        status=status,
        priority=int(priority) if priority in {"1", "2", "3", "4"} else None,
    )
    page = Paginator(packages, rules.PLANNING_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "operations/plan/intelligence_list.html",
        {
            "page": page,
            "status": status,
            "priority": priority,
            "statuses": IntelligenceStatus.choices,
            "priorities": rules.PRIORITY_LABELS,
            "can_plan": request.user.has_perm(PLAN),
        },
    )


@requires(VIEW, PLAN)
def intelligence_new(request):
    form = f.IntelligenceForm(request.POST or None, teams=_teams(request.user))
    if request.method == "POST" and form.is_valid():
        people = _subjects(request, form)
        premises = _premises(request, form) if people is not None else None
        if premises is not None:
            d = form.cleaned_data
            package = _run(
                request,
                form,
                lambda _: services.intelligence_record(
                    actor=request.user,
                    team=d["team"],
                    source=d["source"],
                    received_on=d["received_on"],
                    premises=premises,
                    summary=d["summary"],
                    harm=d["harm"],
                    reliability=d["reliability"],
                    subjects=people,
                    subject_descriptions=d["subject_descriptions"],
                ),
            )
            if package is not None:
                messages.success(
                    request, f"Intelligence {package.reference} recorded: {package.priority_reason}"
                )
                return redirect("operations:intelligence", package.pk)
    return _form_page(
        request,
        form,
        title="Record intelligence",
        submit="Record intelligence",
        back=reverse("operations:intelligence-list"),
        guidance="operations.intelligence",
    )


@requires(VIEW)
def intelligence_detail(request, pk: int):
    package = selectors.access_intelligence(request.user, pk)
    return render(
        request,
        "operations/plan/intelligence.html",
        {
            "package": package,
            "subjects": package.subjects.all(),
            "visits": package.visits.all(),
            "can_plan": request.user.has_perm(PLAN),
        },
    )


@requires(VIEW, PLAN)
def intelligence_decide(request, pk: int):
    package = selectors.access_intelligence(request.user, pk)
    form = f.DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(
            request,
            form,
            lambda d: services.intelligence_decide(
                actor=request.user,
                package=package,
                accept=d["decision"] == "accept",
                reason=d["reason"],
            ),
        )
        if done is not None:
            messages.success(
                request, f"Intelligence {package.reference}: {done.get_status_display().lower()}"
            )
            return redirect("operations:intelligence", package.pk)
    return _form_page(
        request,
        form,
        title=f"Decide on intelligence {package.reference}",
        submit="Save decision",
        back=reverse("operations:intelligence", args=[package.pk]),
        guidance="operations.intelligence",
    )


def _visit_initial(visit) -> dict:
    p = visit.premises
    local = visit.planned_start.astimezone(clock.LONDON)
    return {
        "team": visit.team_id,
        "region": visit.region,
        "visit_type": visit.visit_type,
        "partner_agencies": visit.partner_agencies,
        "planned_on": local.date(),
        "planned_time": local.time(),
        "business_name": p.business_name,
        "address_line_1": p.address_line_1,
        "town": p.town,
        "postcode": p.postcode,
        "sector": p.sector_id,
        "police_force": p.police_force_id,
        "licensed": p.licensed,
        "licence_reference": p.licence_reference,
        "intended_power": visit.intended_power,
        "community_impact": visit.community_impact,
        "subjects": " ".join(s.reference for s in visit.subjects.all()),
    }


@requires(VIEW, PLAN)
def visit_new(request):
    intelligence = None
    if request.GET.get("intelligence"):
        intelligence = selectors.access_intelligence(request.user, request.GET["intelligence"])
    initial = {}
    if intelligence is not None:
        p = intelligence.premises
        initial = {
            "team": intelligence.team_id,
            "region": intelligence.team.name,
            "business_name": p.business_name,
            "address_line_1": p.address_line_1,
            "town": p.town,
            "postcode": p.postcode,
            "sector": p.sector_id,
            "police_force": p.police_force_id,
            "licensed": p.licensed,
            "licence_reference": p.licence_reference,
            "subjects": " ".join(s.reference for s in intelligence.subjects.all()),
        }
    form = f.VisitForm(request.POST or None, initial=initial, teams=_teams(request.user))
    if request.method == "POST" and form.is_valid():
        people = _subjects(request, form)
        premises = _premises(request, form) if people is not None else None
        if premises is not None:
            d = form.cleaned_data
            visit = _run(
                request,
                form,
                lambda _: services.visit_plan(
                    actor=request.user,
                    team=d["team"],
                    region=d["region"],
                    visit_type=d["visit_type"],
                    planned_start=form.planned_start(),
                    premises=premises,
                    intended_power=d["intended_power"],
                    community_impact=d["community_impact"],
                    subjects=people,
                    partner_agencies=d["partner_agencies"],
                    intelligence=intelligence,
                ),
            )
            if visit is not None:
                messages.success(request, f"Visit {visit.reference} planned")
                return redirect("operations:visit", visit.pk)
    return _form_page(
        request,
        form,
        title="Plan a visit",
        submit="Plan the visit",
        back=reverse("operations:home"),
        guidance="operations.plan",
        intro=f"From intelligence {intelligence.reference}" if intelligence else "",
    )


@requires(VIEW, PLAN)
def visit_edit(request, pk: int):
    visit = selectors.access_visit(request.user, pk)
    if visit.status not in workflows.EDITABLE:
        raise Http404("This visit can no longer be changed")
    form = f.VisitForm(
        request.POST or None, initial=_visit_initial(visit), teams=_teams(request.user)
    )
    if request.method == "POST" and form.is_valid():
        people = _subjects(request, form)
        premises = _premises(request, form) if people is not None else None
        if premises is not None:
            d = form.cleaned_data
            done = _run(
                request,
                form,
                lambda _: services.visit_update(
                    actor=request.user,
                    visit=visit,
                    region=d["region"],
                    visit_type=d["visit_type"],
                    planned_start=form.planned_start(),
                    premises=premises,
                    intended_power=d["intended_power"],
                    community_impact=d["community_impact"],
                    subjects=people,
                    partner_agencies=d["partner_agencies"],
                ),
            )
            if done is not None:
                messages.success(
                    request, f"Visit {visit.reference} changed (plan version {done.plan_version})"
                )
                return redirect("operations:visit", visit.pk)
    return _form_page(
        request,
        form,
        title=f"Change the plan for {visit.reference}",
        submit="Save changes",
        back=reverse("operations:visit", args=[visit.pk]),
        guidance="operations.plan",
        intro="Changing the date, premises, subjects or rating lapses the authorisation and the "
        "briefing acceptances: the visit must be authorised and briefed again.",
    )


@requires(VIEW, PLAN)
def visit_cancel(request, pk: int):
    visit = selectors.access_visit(request.user, pk)
    form = f.CancelForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            request,
            form,
            lambda d: services.visit_cancel(actor=request.user, visit=visit, reason=d["reason"]),
        )
        is not None
    ):
        messages.success(request, f"Visit {visit.reference} cancelled")
        return redirect("operations:visit", visit.pk)
    return _form_page(
        request,
        form,
        title=f"Cancel {visit.reference}",
        submit="Cancel the visit",
        back=reverse("operations:visit", args=[visit.pk]),
        guidance="operations.plan",
    )


@requires(VIEW)
def visit_detail(request, pk: int):
    """The planning page: the readiness checklist and the premises history."""
    visit = selectors.access_visit(request.user, pk)
    steps = selectors.visit_readiness(visit)
    return render(
        request,
        "operations/plan/visit.html",
        {
            "visit": visit,
            "steps": steps,
            "ready": all(s.done for s in steps),
            "history": selectors.premises_history(visit),
            "subjects": visit.subjects.all(),
            "authorisation": selectors.current_authorisation(visit),
            "authorisations": visit.authorisations.select_related("decided_by")[:10],
            "officers": visit.officers.select_related("officer"),
            "can_plan": request.user.has_perm(PLAN) and visit.status in workflows.EDITABLE,
            "can_authorise": request.user.has_perm(AUTHORISE)
            and visit.status == VisitStatus.PLANNING,
            "can_deploy": request.user.has_perm(COMMAND) and visit.status == VisitStatus.AUTHORISED,
        },
    )


@requires(VIEW, PLAN)
@require_POST
def authorisation_request(request, pk: int):
    visit = selectors.access_visit(request.user, pk)
    try:
        services.authorisation_request(actor=request.user, visit=visit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Sent to the authorisation queue")
    return redirect("operations:visit", visit.pk)
