"""A visit's planning steps (each its own form page with a link to its guidance), authorisation,
briefing and deployment, and the police partner's notification forms (brief operations.md §3-§5)."""

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

from waymark.core.forms import form_fields
from waymark.core.permissions import requires
from waymark.operations import rules, selectors, services
from waymark.operations.forms import planning as f
from waymark.operations.views._common import (
    ANSWER,
    AUTHORISE,
    COMMAND,
    PLAN,
    VIEW,
    _form_page,
    _run,
)


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


@requires(VIEW, AUTHORISE)
def authorisations(request):
    visits = selectors.visits_awaiting_authorisation(request.user)
    page = Paginator(visits, rules.PLANNING_PAGE_SIZE).get_page(request.GET.get("page"))
    # Each visit with what stops this officer granting it, so a blocked one says why instead of
    # offering a decision form that can only refuse.
    grade = getattr(request.user, "grade", "")
    rows = [(v, services.authorisation_problems(v, grade=grade)) for v in page.object_list]
    return render(
        request,
        "operations/plan/authorisations.html",
        {
            "page": page,
            "rows": rows,
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
