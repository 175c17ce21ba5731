"""People and performance pages (issue 20 item 2): objectives linked to service priorities with
red/amber/green and their history; the training needs QA failures suggest, per team and person;
withdrawing a competence. Thin: reads through ``selectors.objectives`` and ``selectors.qa_people``,
writes through ``services.objectives`` and ``services.competence``. The pages name staff: their
reads are consultations logged by the personal-data middleware."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import requires, signed_in
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.forms_objectives import (
    CompetenceWithdrawForm,
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
    return int(raw) if raw and raw.isdigit() else None


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


@signed_in
def objective_list(request):
    """Objectives per team and person with their latest RAG. Readers of objectives see every
    team's; anyone else sees the objectives they own or that are theirs."""
    filters = {
        "team_id": _int(request.GET.get("team")),
        "person_id": _int(request.GET.get("person")),
        "priority_id": _int(request.GET.get("priority")),
        "rag": request.GET.get("rag", "")
        if request.GET.get("rag") in ("red", "amber", "green", "none")
        else "",
    }
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
            "can_update": perms.may_post_objective_update(request.user, objective),
            "can_manage": perms.may_manage_team_objectives(request.user, objective.team_id),
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
    path("training-needs/", training_needs, name="training-needs"),
    path("competence/<int:pk>/withdraw/", competence_withdraw, name="competence-withdraw"),
]
