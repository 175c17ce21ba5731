"""Planning and authorisation pages, from intelligence to deployment (brief operations.md §1-§5).

Thin: fetch through selectors (404 for what the user may not see), validate with a form, call one
service, show a refusal as a GOV.UK error summary. Each planning step has its own form page
(``visit-step``) with a link to its guidance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from waymark.core import clock
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import requires
from waymark.operations import forms as f
from waymark.operations import rules, selectors, services, workflows
from waymark.operations.models import IntelligenceStatus, VisitStatus
from waymark.people.selectors import access_person

VIEW = "operations.view_operations"
PLAN = "operations.plan_visits"
AUTHORISE = "operations.authorise_visits"
COMMAND = "operations.command_visits"
ANSWER = "operations.answer_notifications"


def _teams(user):
    from waymark.accounts.models import Team

    if user.has_perm("operations.view_all_operations"):
        return Team.objects.filter(is_active=True).order_by("name")
    return user.teams.filter(is_active=True).order_by("name")


def _run(request, form, action: Callable[[dict], Any]) -> Any:
    """Call one service with the form's data; a refusal goes back onto the form (nothing saved)."""
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        form_add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "You may not do this")
    return None


def _form_page(
    request,
    form,
    *,
    title: str,
    submit: str,
    back: str,
    guidance: str = "",
    intro: str = "",
    extra: dict | None = None,
):
    return render(
        request,
        "operations/plan/form.html",
        {
            "form": form,
            "fields": form_fields(form),
            "title": title,
            "submit": submit,
            "back": back,
            "guidance": guidance,
            "intro": intro,
            **(extra or {}),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _subjects(request, form) -> list | None:
    people = []
    for reference in form.subject_references():
        try:
            people.append(access_person(request.user, reference))
        except Http404:
            form.add_error("subjects", f"No person with the reference {reference} that you may see")
            return None
    return people


def _premises(request, form):
    values = form.premises_values()
    try:
        return services.premises_find_or_record(actor=request.user, **values)
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return None


# ------------------------------------------------------------------------------------------------
# Home: the team's visits


@requires(VIEW)
def home(request):
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
        },
    )


# ------------------------------------------------------------------------------------------------
# Intelligence


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


# ------------------------------------------------------------------------------------------------
# Visits: plan, change, cancel


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


# ------------------------------------------------------------------------------------------------
# Each planning step's form page


@dataclass(frozen=True)
class StepPage:
    title: str
    permission: str
    form: Callable[[Any, Any, Any], Any]  # (request, visit, data) -> form
    action: Callable[[Any, Any, Any], Any]  # (request, visit, form) -> result
    guidance: str
    intro: str = ""


def _phone_check(request, visit, form):
    d = form.cleaned_data
    return services.police_phone_check_record(
        actor=request.user,
        visit=visit,
        spoke_to=d["spoke_to"],
        called_at=f.at(d["called_on"], d["called_time"]),
        warning_markers=d["warning_markers"],
        community_tensions=d["community_tensions"],
        police_force=d["police_force"],
    )


def _check(request, visit, form):
    d = form.cleaned_data
    subject = visit.subjects.filter(pk=d["subject"]).first() if d["subject"] else None
    return services.check_record(
        actor=request.user,
        visit=visit,
        check_type=d["check_type"],
        result=d["result"],
        detail=d["detail"],
        subject=subject,
    )


def _recon(request, visit, form):
    d = form.cleaned_data
    return services.reconnaissance_record(
        actor=request.user,
        visit=visit,
        recon_type=d["recon_type"],
        imagery_date=d["imagery_date"],
        ripa_considered={"yes": True, "no": False}.get(d["ripa_considered"]),
        ripa_rationale=d["ripa_rationale"],
        occupants=d["occupants"],
        entry_exit_points=d["entry_exit_points"],
        changes_since_last_visit=d["changes_since_last_visit"],
    )


STEPS: dict[str, StepPage] = {
    "risk_assessment": StepPage(
        "Enforcement planning assessment",
        PLAN,
        lambda r, v, data: f.RiskAssessmentForm(data),
        lambda r, v, form: services.risk_assessment_record(
            actor=r.user,
            visit=v,
            rating=form.cleaned_data["rating"],
            rationale=form.cleaned_data["rationale"],
            risks=form.risks(),
        ),
        "operations.risk_assessment",
        "Record the identified risks and their mitigations for every rating, green "
        "included. Changing the rating lapses the authorisation.",
    ),
    "ecia": StepPage(
        "Equality and community impact assessment",
        PLAN,
        lambda r, v, data: f.ImpactAssessmentForm(data),
        lambda r, v, form: services.impact_assessment_record(
            actor=r.user, visit=v, **form.cleaned_data
        ),
        "operations.ecia",
        "Needed before a red visit can be authorised.",
    ),
    "plan_assessment": StepPage(
        "PLAN assessment",
        PLAN,
        lambda r, v, data: f.PlanAssessmentForm(data),
        lambda r, v, form: services.plan_assessment_record(
            actor=r.user, visit=v, **form.cleaned_data
        ),
        "operations.plan_assessment",
        "A rationale for each of proportionate, legal, accountable and necessary.",
    ),
    "authorise": StepPage(
        "Authorise the visit",
        AUTHORISE,
        lambda r, v, data: f.AuthoriseForm(data),
        lambda r, v, form: services.visit_authorise(
            actor=r.user,
            visit=v,
            granted=form.cleaned_data["decision"] == "grant",
            reason=form.cleaned_data["reason"],
        ),
        "operations.authorise",
        "Green by HEO or above, amber by SEO or above, red by Grade 7 or above and only "
        "with a completed impact assessment.",
    ),
    "checks": StepPage(
        "Record a mandatory check",
        PLAN,
        lambda r, v, data: f.CheckForm(data, subjects=v.subjects.all()),
        _check,
        "operations.checks",
        "The final status check must be made within 24 hours before the visit.",
    ),
    "notification": StepPage(
        "Send the operational notification form",
        PLAN,
        lambda r, v, data: f.NotificationSendForm(
            data, initial={"police_force": v.premises.police_force_id}
        ),
        lambda r, v, form: services.notification_send(
            actor=r.user, visit=v, police_force=form.cleaned_data["police_force"]
        ),
        "operations.notification",
        "Send at least 3 days before the visit. The police have 72 hours to answer; a "
        "returned form counts only when signed and complete, for one calendar month.",
    ),
    "phone_check": StepPage(
        "Record the phone check with the police intelligence unit",
        PLAN,
        lambda r, v, data: f.PhoneCheckForm(
            data, initial={"police_force": v.premises.police_force_id}
        ),
        _phone_check,
        "operations.notification",
        "The only alternative when the notification form has not come back in time.",
    ),
    "reconnaissance": StepPage(
        "Record reconnaissance",
        PLAN,
        lambda r, v, data: f.ReconnaissanceForm(data),
        _recon,
        "operations.reconnaissance",
        "For virtual reconnaissance record the imagery date; for a walk-by or "
        "drive-past record whether RIPA authorisation was considered and why.",
    ),
    "command": StepPage(
        "Command",
        PLAN,
        lambda r, v, data: f.CommandForm(
            data,
            team=v.team,
            initial={
                "officer_in_charge": v.officer_in_charge_id,
                "gold_commander": v.gold_commander_id,
                "silver_commander": v.silver_commander_id,
                "bronze_commander": v.bronze_commander_id,
            },
        ),
        lambda r, v, form: services.command_set(
            actor=r.user,
            visit=v,
            officer_in_charge=form.cleaned_data["officer_in_charge"],
            gold=form.cleaned_data["gold_commander"],
            silver=form.cleaned_data["silver_commander"],
            bronze=form.cleaned_data["bronze_commander"],
        ),
        "operations.command",
        "A single officer in charge, arrest-trained and of immigration officer grade or above.",
    ),
    "officers": StepPage(
        "Assign an officer",
        PLAN,
        lambda r, v, data: f.OfficerForm(data, team=v.team),
        lambda r, v, form: services.visit_officer_assign(
            actor=r.user,
            visit=v,
            officer=form.cleaned_data["officer"],
            role=form.cleaned_data["role"],
        ),
        "operations.command",
        "Each officer gets a task to accept the briefing.",
    ),
    "order": StepPage(
        "Operational order",
        PLAN,
        lambda r, v, data: f.order_form(v.risk_rating, data),
        lambda r, v, form: services.order_record(actor=r.user, visit=v, sections=form.cleaned_data),
        "operations.order",
        "IIMARCH for amber and red visits; the digital order for green.",
    ),
}


@requires(VIEW)
def visit_step(request, pk: int, step: str):
    page = STEPS.get(step)
    if page is None:
        raise Http404("No such step")
    if not request.user.has_perm(page.permission):
        raise PermissionDenied
    visit = selectors.access_visit(request.user, pk)
    if step == "order" and not visit.risk_rating:
        messages.error(request, "Rate the visit first: the order's format depends on the rating")
        return redirect("operations:visit", visit.pk)
    form = page.form(request, visit, request.POST if request.method == "POST" else None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(request, form, lambda _: page.action(request, visit, form)) is not None
    ):
        messages.success(request, f"{page.title}: saved")
        return redirect("operations:visit", visit.pk)
    extra: dict[str, Any] = {"visit": visit}
    if step == "reconnaissance":
        extra["warning"] = (
            f"Imagery older than {rules.imagery_max_age_days()} days is flagged on the planning page."
        )
    if step == "authorise":
        extra["problems"] = services.authorisation_problems(visit, grade=request.user.grade)
    return _form_page(
        request,
        form,
        title=f"{page.title}: {visit.reference}",
        submit="Save",
        back=reverse("operations:visit", args=[visit.pk]),
        guidance=page.guidance,
        intro=page.intro,
        extra=extra,
    )


# ------------------------------------------------------------------------------------------------
# Authorisations, briefing, deployment


@requires(VIEW, AUTHORISE)
def authorisations(request):
    visits = selectors.visits_awaiting_authorisation(request.user)
    page = Paginator(visits, rules.PLANNING_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "operations/plan/authorisations.html",
        {
            "page": page,
            "ratings": [rules.RATINGS[r] for r in selectors.authorisable_ratings(request.user)],
        },
    )


@requires(VIEW)
def briefing(request, pk: int):
    """Who has accepted the briefing for the current plan; an assigned officer accepts it here."""
    visit = selectors.access_visit(request.user, pk)
    mine = visit.officers.filter(officer=request.user).first()
    if request.method == "POST":
        try:
            services.briefing_accept(actor=request.user, visit=visit)
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "You have accepted the briefing")
        return redirect("operations:briefing", visit.pk)
    order = visit.orders.filter(plan_version=visit.plan_version).first()
    sections = rules.order_sections(visit.risk_rating) if visit.risk_rating else {}
    return render(
        request,
        "operations/plan/briefing.html",
        {
            "visit": visit,
            "officers": visit.officers.select_related("officer"),
            "pending": selectors.briefing_pending(visit),
            "mine": mine,
            "order": order,
            "sections": sections,
            "mine_accepted": bool(
                mine
                and mine.briefing_accepted_at
                and mine.briefing_plan_version == visit.plan_version
            ),
        },
    )


@requires(VIEW, COMMAND)
@require_POST
def deploy(request, pk: int):
    visit = selectors.access_visit(request.user, pk)
    try:
        services.visit_deploy(actor=request.user, visit=visit)
    except ValidationError as exc:
        messages.error(request, "The visit cannot be deployed. " + " ".join(exc.messages))
    else:
        messages.success(request, f"Visit {visit.reference} deployed")
    return redirect("operations:visit", visit.pk)


# ------------------------------------------------------------------------------------------------
# Police partner pages: their own force's forms, and only the fields they need


@requires(ANSWER)
def partner_home(request):
    return render(
        request,
        "operations/partner/home.html",
        {
            "waiting": list(selectors.partner_forms_waiting(request.user)),
            "answered": selectors.partner_forms_answered(request.user),
            "response_hours": int(rules.ONF_POLICE_RESPONSE.total_seconds() // 3600),
        },
    )


@requires(ANSWER)
def partner_form(request, pk: int):
    notification = selectors.access_partner_form(request.user, pk)
    form = f.NotificationAnswerForm(request.POST or None)
    if request.method == "POST" and notification.returned_at is None and form.is_valid():
        d = form.cleaned_data
        done = _run(
            request,
            form,
            lambda _: services.notification_answer(
                actor=request.user,
                form=notification,
                signed_by_name=d["signed_by_name"],
                signed_by_rank=d["signed_by_rank"],
                warning_markers=d["warning_markers"],
                community_tensions=d["community_tensions"],
                police_resources=d["police_resources"],
                complete=d["complete"] == "yes",
            ),
        )
        if done is not None:
            messages.success(request, "Thank you: your answer has been sent")
            return redirect("operations:partner-home")
    return render(
        request,
        "operations/partner/form.html",
        {
            "notification": notification,
            "premises": notification.visit.premises,
            "planned_start": notification.visit.planned_start,
            "form": form,
            "fields": form_fields(form),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
