"""People and performance pages (issue 20 item 2): objectives linked to service priorities with
red/amber/green and their history; the training needs QA failures suggest, per team and person;
withdrawing a competence. Thin: reads through ``selectors.objectives`` and ``selectors.qa_people``,
writes through ``services.objectives`` and ``services.competence``. The pages name staff: their
reads are consultations logged by the personal-data middleware."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.exports import Disclosure, export_csv, export_view, export_xlsx
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import requires, signed_in
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.forms_objectives import (
    CompetenceWithdrawForm,
    ObjectiveCarryOverForm,
    ObjectiveCloseForm,
    ObjectiveForm,
    ObjectiveUpdateForm,
    objective_initial,
)
from waymark.oversight.selectors import objectives as sel
from waymark.oversight.selectors import qa_people
from waymark.oversight.services import competence as competence_services
from waymark.oversight.services import objectives as services
from waymark.work.models import Competence
from waymark.work.registry import competence_label


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdecimal() else None


def _form_page(request, form, *, title, submit, back, back_text, intro="", status=None):
    return render(
        request,
        "oversight/objectives/form.html",
        {
            "form": form,
            "fields": form_fields(form),
            "title": title,
            "submit": submit,
            "back": back,
            "back_text": back_text,
            "intro": intro,
        },
        status=status or (400 if form.is_bound and form.errors else 200),
    )


QUERY_PARAMS = {
    "team": "team_id",
    "person": "person_id",
    "priority": "priority_id",
    "rag": "rag",
    "status": "status",
}


def _filters(request) -> dict:
    """The list's (and its export's) filters from the query string; anything unknown is ignored."""
    return {
        "team_id": _int(request.GET.get("team")),
        "person_id": _int(request.GET.get("person")),
        "priority_id": _int(request.GET.get("priority")),
        "rag": request.GET.get("rag", "")
        if request.GET.get("rag") in ("red", "amber", "green", "none")
        else "",
        "status": request.GET.get("status", "")
        if request.GET.get("status") in ("open", "closed", "to_close")
        else "",
    }


@signed_in
def objective_list(request):
    """Objectives per team and person with their latest RAG. Readers of objectives see every
    team's; anyone else sees the objectives they own or that are theirs."""
    filters = _filters(request)
    qs = sel.objectives_list(request.user, **filters)
    page = Paginator(qs, rules.OBJECTIVES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/objectives/list.html",
        {
            "page": page,
            "filters": filters,
            "counts": sel.rag_counts(qs),
            "teams": Team.objects.order_by("name"),
            "priorities": sel.priority_choices(),
            "can_view_all": request.user.has_perm(perms.OBJECTIVES_VIEW),
            "can_manage": request.user.has_perm(perms.OBJECTIVES_MANAGE),
            "can_export": request.user.has_perm(perms.OBJECTIVES_VIEW),
            "to_close": sel.objectives_to_close(request.user),
            "export_query": urlencode(
                {
                    param: filters[key]
                    for param, key in QUERY_PARAMS.items()
                    if filters[key] not in ("", None)
                }
            ),
            "today": clock.today(),
        },
    )


@requires(perms.OBJECTIVES_MANAGE)
@require_http_methods(["GET", "POST"])
def objective_new(request):
    initial = {}
    if team := _int(request.GET.get("team")):
        initial["team"] = team
    form = ObjectiveForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            objective = services.objective_create(actor=request.user, **form.service_data())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Objective set: {objective.title}")
            return redirect("oversight:objective", pk=objective.pk)
    return _form_page(
        request,
        form,
        title="Set an objective",
        submit="Set the objective",
        back=_url("oversight:objectives"),
        back_text="Back to objectives",
        intro="Link it to a service priority. Measure it by a registered figure where there is "
        "one: its actual value then comes from the figure's one definition.",
    )


def _url(name: str, **kwargs) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs or None)


@requires(perms.OBJECTIVES_MANAGE)
@require_http_methods(["GET", "POST"])
def objective_edit(request, pk: int):
    objective = sel.access_objective(request.user, pk)
    if not perms.may_manage_team_objectives(request.user, objective.team_id):
        raise PermissionDenied
    if objective.status == "closed":
        messages.error(request, "This objective is closed: it cannot be changed")
        return redirect("oversight:objective", pk=objective.pk)
    form = ObjectiveForm(
        request.POST or None, user=request.user, initial=objective_initial(objective)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_edit(actor=request.user, objective=objective, **form.service_data())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Objective changed")
            return redirect("oversight:objective", pk=objective.pk)
    return _form_page(
        request,
        form,
        title=f"Change the objective: {objective.title}",
        submit="Save the objective",
        back=_url("oversight:objective", pk=objective.pk),
        back_text="Back to the objective",
    )


@signed_in
def objective_detail(request, pk: int):
    objective = sel.access_objective(request.user, pk)
    history = sel.objective_history(objective)
    return render(
        request,
        "oversight/objectives/detail.html",
        {
            "objective": objective,
            "measure": sel.objective_measure_text(objective),
            "history": history,
            "latest": history[-1] if history else None,
            "updates": sel.objective_updates(objective),
            "form": ObjectiveUpdateForm(),
            "fields": form_fields(ObjectiveUpdateForm()),
            "can_update": objective.status == "open"
            and perms.may_post_objective_update(request.user, objective),
            "can_manage": objective.status == "open"
            and perms.may_manage_team_objectives(request.user, objective.team_id),
            "may_carry_over_from": objective.period_end
            - timedelta(days=rules.OBJECTIVE_CARRY_OVER_WINDOW_DAYS),
            "successor": sel.objective_successor(objective),
            "today": clock.today(),
            "amber_percent": round(100 * rules.OBJECTIVE_AMBER_BAND),
        },
    )


@signed_in
@require_http_methods(["GET", "POST"])
def objective_update(request, pk: int):
    objective = sel.access_objective(request.user, pk)
    if not perms.may_post_objective_update(request.user, objective):
        raise PermissionDenied
    form = ObjectiveUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_update_post(
                actor=request.user,
                objective=objective,
                text=form.cleaned_data["text"],
                actual=form.cleaned_data["actual"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Update posted")
            return redirect("oversight:objective", pk=objective.pk)
    return _form_page(
        request,
        form,
        title=f"Post an update: {objective.title}",
        submit="Post the update",
        back=_url("oversight:objective", pk=objective.pk),
        back_text="Back to the objective",
    )


@requires(perms.OBJECTIVES_MANAGE)
@require_http_methods(["POST"])
def objective_measure(request, pk: int):
    objective = sel.access_objective(request.user, pk)
    if not perms.may_manage_team_objectives(request.user, objective.team_id):
        raise PermissionDenied
    row = services.objective_measure(actor=request.user, objective=objective)
    if row is None:
        messages.error(
            request,
            "Not measured: the objective has no registered figure, is outside its period, or "
            "the figure has nothing to count",
        )
    else:
        messages.success(request, f"Measured: {row.actual:g} ({row.rag})")
    return redirect("oversight:objective", pk=objective.pk)


def _managed_open(request, pk: int):
    """The objective, for a manager of its team (403 otherwise); None when it is closed (the
    caller sends them back to it with a message)."""
    objective = sel.access_objective(request.user, pk)
    if not perms.may_manage_team_objectives(request.user, objective.team_id):
        raise PermissionDenied
    if objective.status == "closed":
        messages.error(request, "This objective is already closed")
        return objective, False
    return objective, True


@requires(perms.OBJECTIVES_MANAGE)
@require_http_methods(["GET", "POST"])
def objective_close(request, pk: int):
    objective, is_open = _managed_open(request, pk)
    if not is_open:
        return redirect("oversight:objective", pk=objective.pk)
    form = ObjectiveCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_close(
                actor=request.user,
                objective=objective,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Objective closed: {objective.title}")
            return redirect("oversight:objective", pk=objective.pk)
    return _form_page(
        request,
        form,
        title=f"Close the objective: {objective.title}",
        submit="Close the objective",
        back=_url("oversight:objective", pk=objective.pk),
        back_text="Back to the objective",
        intro=f"Its period ends on {objective.period_end:%-d %B %Y}. Record the outcome from "
        "then; its last measurement is kept as its final value. To keep working on it next "
        "period, carry it over instead.",
    )


@requires(perms.OBJECTIVES_MANAGE)
@require_http_methods(["GET", "POST"])
def objective_carry_over(request, pk: int):
    objective, is_open = _managed_open(request, pk)
    if not is_open:
        return redirect("oversight:objective", pk=objective.pk)
    length = objective.period_end - objective.period_start
    form = ObjectiveCarryOverForm(
        request.POST or None,
        initial={
            "period_end": objective.period_end + timedelta(days=1) + length,
            "target": objective.target,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            successor = services.objective_carry_over(
                actor=request.user,
                objective=objective,
                period_end=form.cleaned_data["period_end"],
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Carried over into {successor.period_start:%-d %B %Y}")
            return redirect("oversight:objective", pk=successor.pk)
    return _form_page(
        request,
        form,
        title=f"Carry over: {objective.title}",
        submit="Carry it over",
        back=_url("oversight:objective", pk=objective.pk),
        back_text="Back to the objective",
        intro=f"A new objective, the same but for its new period and target, starts on "
        f"{objective.period_end + timedelta(days=1):%-d %B %Y}. This one closes as carried "
        "over, with your reason.",
    )


EXPORT_HEADER = [
    "Objective",
    "Service priority",
    "Team",
    "Person",
    "Owner",
    "Period start",
    "Period end",
    "Measured by",
    "Target",
    "Higher is better",
    "Latest month",
    "Latest value",
    "Latest rating",
    "Status",
    "Outcome",
    "Final value",
    "Final rating",
    "Closing note",
    "Carried over from",
]


def _name(user) -> str:
    return user.display_name if user else ""


@requires(perms.OBJECTIVES_VIEW)
@export_view
def objectives_export(request):
    """The objectives the list's filters choose (every page), as CSV or XLSX (``?format=xlsx``)
    through the audited export helper. They name staff, not the people Waymark holds records
    on, so the disclosure names no person."""
    filters = _filters(request)
    rows = [
        [
            o.title,
            o.priority.title,
            o.team.name,
            _name(o.person),
            _name(o.owner),
            o.period_start,
            o.period_end,
            sel.objective_measure_text(o),
            o.target,
            "Yes" if o.higher_is_better else "No",
            o.latest_month,
            o.latest_actual,
            o.latest_rag or "",
            o.get_status_display(),
            o.get_outcome_display() if o.outcome else "",
            o.final_actual,
            o.final_rag,
            o.closing_note,
            o.carried_from_id,
        ]
        for o in sel.objectives_list(request.user, **filters)
    ]
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    options = {
        "filename": f"objectives.{file_format}",
        "header": EXPORT_HEADER,
        "rows": rows,
        "count": len(rows),
        "disclosure": Disclosure(
            verb="oversight.objectives_exported",
            purpose=f"Objectives and their ratings, as {file_format.upper()}",
            query={k: v for k, v in filters.items() if v not in ("", None)},
            people=None,
        ),
    }
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title="Objectives", **options)
    return export_csv(request, **options)


@requires(perms.TRAINING_NEEDS_VIEW)
def training_needs(request):
    """Training suggested by recent QA failures, per team and per person."""
    team_id = _int(request.GET.get("team"))
    person_id = _int(request.GET.get("person"))
    return render(
        request,
        "oversight/objectives/training_needs.html",
        {
            "by_team": qa_people.training_needs(by="team", team_id=team_id, person_id=person_id),
            "by_person": qa_people.training_needs(
                by="person", team_id=team_id, person_id=person_id
            ),
            "teams": Team.objects.order_by("name"),
            "team_id": team_id,
            "person_id": person_id,
            "days": rules.TRAINING_NEEDS_LOOKBACK_DAYS,
            "competence_label": competence_label,
        },
    )


@requires(perms.COMPETENCE_SIGN_OFF)
@require_http_methods(["GET", "POST"])
def competence_withdraw(request, pk: int):
    record = Competence.objects.select_related("holder").filter(pk=pk).first()
    if record is None:
        raise Http404
    label = competence_label(record.competence_key)
    back = _url("oversight:competence-list") + f"?person={record.holder_id}"
    if record.withdrawn_at is not None:
        messages.error(request, "This competence has already been withdrawn")
        return redirect(back)
    form = CompetenceWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            competence_services.competence_withdraw_by_other(
                actor=request.user, competence=record, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{record.holder.display_name}'s {label} competence withdrawn"
            )
            return redirect(back)
    return _form_page(
        request,
        form,
        title=f"Withdraw {record.holder.display_name}'s {label} competence",
        submit="Withdraw the competence",
        back=back,
        back_text="Back to competence",
        intro="From now, get next and allocation stop giving them the work it covers. The "
        "record stays, with your reason.",
    )


urlpatterns = [
    path("objectives/", objective_list, name="objectives"),
    path("objectives/new/", objective_new, name="objective-new"),
    path("objectives/<int:pk>/", objective_detail, name="objective"),
    path("objectives/<int:pk>/edit/", objective_edit, name="objective-edit"),
    path("objectives/<int:pk>/update/", objective_update, name="objective-update"),
    path("objectives/<int:pk>/measure/", objective_measure, name="objective-measure"),
    path("objectives/<int:pk>/close/", objective_close, name="objective-close"),
    path("objectives/<int:pk>/carry-over/", objective_carry_over, name="objective-carry-over"),
    path("objectives/export/", objectives_export, name="objectives-export"),
    path("training-needs/", training_needs, name="training-needs"),
    path("competence/<int:pk>/withdraw/", competence_withdraw, name="competence-withdraw"),
]
