"""Pages for the measures of effort and effect, objectives and data quality (brief operations.md
§9; issue 5 items 10-11). Thin: read through ``measures``, write through ``objectives``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core import charts, clock
from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.exports import neutralise as neutralise  # re-exported: its tests import it here
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.metrics import metric, metrics_for_page
from waymark.core.permissions import no_personal_data, requires
from waymark.operations import permissions as perms
from waymark.operations import rules, selectors, services
from waymark.operations.forms import measures as f
from waymark.operations.models import Objective, ObjectiveMeasure

VIEW = perms.VIEW_MEASURES
MANAGE = perms.MANAGE_OBJECTIVES
DATA_QUALITY_PAGE = 50


def visit_url(pk: int) -> str:
    """The visit's planning page (the planning helper's page); '' until that page exists."""
    try:
        return reverse("operations:visit", args=[pk])
    except NoReverseMatch:
        return ""


def _filters(request) -> tuple[f.MeasuresFilterForm, selectors.Period, Any]:
    form = f.MeasuresFilterForm(request.GET or None)
    period, team = form.chosen()
    return form, period, team


def _team_items(form: f.MeasuresFilterForm, request) -> list[dict[str, Any]]:
    chosen = request.GET.get("team", "")
    return [
        {"value": value, "text": label, "selected": value == chosen}
        for value, label in form.fields["team"].choices
    ]


@no_personal_data
@requires(VIEW)
def measures_page(request):
    form, period, team = _filters(request)
    figures = selectors.measures_summary(period, team)
    objectives = selectors.objectives_with_status(
        period, team, value_of=lambda key: selectors.measure_value_summary(key, figures)
    )
    return render(
        request,
        "operations/measures/measures.html",
        {
            "form": form,
            "period": period,
            "team": team,
            "m": figures,
            "as_of": figures["as_of"],
            "rules": rules,
            "objectives": objectives,
            "objectives_chart": objectives_chart(objectives),
            "rag_labels": rules.RAG_LABELS,
            "can_manage": request.user.has_perm(MANAGE),
            "rating_labels": selectors.RATING_LABELS,
            "team_items": _team_items(form, request),
            "registry": selectors.REGISTRY,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def objectives_chart(objectives: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The objectives' measures given as a percentage, each against its target, on one 0-100%
    scale (decision 0014). Counts, hours and rates have no common scale: they stay in the tables."""
    rows = [
        r
        for o in objectives
        for r in o["measures"]
        if r["unit"] == "percent" and r["value"] is not None
    ]
    labels = [r["label"] for r in rows]
    values = [float(r["value"]) for r in rows]
    targets = [float(r["measure"].target) for r in rows]
    return charts.bar_chart(
        labels,
        [("Figure", values)],
        title="Objectives against target: measures in percent",
        horizontal=True,
        targets=targets,
        suffix="%",
        axis_max=100,
        summary=charts.target_sentence(
            labels, values, targets, [r["status"] == "green" for r in rows], suffix="%"
        ),
        chart_id="chart-objectives",
    )


def measures_rows(figures: dict[str, Any]) -> Iterator[list[Any]]:
    yield ["section", "measure", "value", "percent"]
    for r in figures["by_rating"]:
        yield ["visits_by_rating", r["label"], r["n"], r["pct"]]
    for r in figures["by_team"]:
        yield ["visits_by_team", r["team"], r["n"], None]
    for r in figures["by_sector"]:
        yield ["visits_by_sector", r["label"], r["n"], r["pct"]]
    for r in figures["powers"]:
        yield ["intended_power_of_entry", r["label"], r["n"], r["pct"]]
    yield ["joint_operations", "Joint operations", figures["joint"]["n"], figures["joint"]["pct"]]
    nat = figures["nationalities"]
    for r in nat["rows"]:
        yield ["nationality_encountered", r["label"], r["encountered"], None]
        yield ["nationality_arrested", r["label"], r["arrested"], None]
    for r in nat["excluded"]:
        yield ["nationality_excluded", r["label"], r["encountered"], None]
    for r in figures["encounter_outcomes"]:
        yield ["encounter_result", r["label"], r["n"], r["pct"]]
    for r in figures["offender_actions"]:
        yield ["offender_action", r["label"], r["n"], r["pct"]]
    for r in figures["sanctions"]:
        yield ["employer_sanctions", r["label"], r["n"], None]
    for r in figures["safeguarding"]:
        yield ["safeguarding", r["label"], r["n"], None]
    yield ["critical_incidents", "Critical incidents", figures["incidents"]["n"], None]
    for r in figures["accuracy"]:
        yield ["intelligence_accuracy", r["label"], r["n"], r["pct"]]
    b = figures["briefing"]
    yield ["briefing_acceptance", "Officers who accepted the briefing", b["accepted"], b["pct"]]
    c = figures["closure"]
    yield ["closure", "Closed", c["closed"], None]
    yield ["closure", f"Closed within {c['due_hours']} hours", c["on_time"], c["on_time_pct"]]
    yield ["closure", "Median hours to closure", c["median_hours"], None]
    yield ["closure", metric("operations.closures_overdue").name, c["overdue_now"], None]
    for r in figures["effect"]["rows"]:
        yield ["effect_offenders", r["label"], r["n"], r["pct"]]
    # Each figure's definition, in the registry's words (core.metrics): one definition per figure.
    for m in metrics_for_page("operations:measures-csv"):
        yield ["definition", m.name, m.definition, None]


@requires(VIEW)
@export_view
def measures_csv(request):
    form, period, team = _filters(request)
    if form.is_bound and form.errors:
        messages.error(
            request,
            "Check the period and team: "
            + " ".join(e for errs in form.errors.values() for e in errs),
        )
        return redirect(reverse("operations:measures") + "?" + request.GET.urlencode())
    figures = selectors.measures_summary(period, team)
    header, *rows = measures_rows(figures)
    rows.insert(0, ["as_of", "Figures as of", figures["as_of"].isoformat(), None])
    slug = team.slug if team else ""
    query = {"start": period.start.isoformat(), "end": period.end.isoformat(), "team": slug}
    name = f"operations-measures-{period.start}-{period.end}{'-' + slug if slug else ''}.csv"
    return export_csv(
        request,
        filename=name,
        header=header,
        rows=rows,
        count=len(rows),
        disclosure=Disclosure(
            verb="operations.measures_exported",
            query=query,
            people_count=figures["effect"]["people"],
            purpose="Measures of effort and effect (CSV)",
        ),
    )


# ------------------------------------------------------------------------------------------------
# Objectives


def _form_page(request, form, *, title: str, submit: str, back: str, intro: str = ""):
    return render(
        request,
        "operations/measures/form.html",
        {
            "form": form,
            "fields": form_fields(form),
            "title": title,
            "submit": submit,
            "back": back,
            "intro": intro,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _service(form, call) -> bool:
    try:
        call()
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return False
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "You may not do this")
        return False
    return True


def _objective(pk: int) -> Objective:
    objective = Objective.objects.filter(pk=pk).first()
    if objective is None:
        raise Http404("No such objective")
    return objective


def _measure(pk: int) -> ObjectiveMeasure:
    measure = ObjectiveMeasure.objects.select_related("objective").filter(pk=pk).first()
    if measure is None:
        raise Http404("No such measure")
    return measure


@no_personal_data
@requires(VIEW)
def objectives_page(request):
    form, period, team = _filters(request)
    return render(
        request,
        "operations/measures/objectives.html",
        {
            "form": form,
            "period": period,
            "team": team,
            "rag_labels": rules.RAG_LABELS,
            "objectives": selectors.objectives_with_status(period, team, include_inactive=True),
            "can_manage": request.user.has_perm(MANAGE),
            "team_items": _team_items(form, request),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@no_personal_data
@requires(VIEW, MANAGE)
@require_http_methods(["GET", "POST"])
def objective_new(request):
    form = f.ObjectiveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        created: list[Objective] = []
        if _service(
            form,
            lambda: created.append(
                services.objective_create(
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                )
            ),
        ):
            messages.success(request, f"Objective added: {created[0].title}. Now add its measures.")
            return redirect("operations:objective-edit", created[0].pk)
    return _form_page(
        request,
        form,
        title="Add an objective",
        submit="Add objective",
        back=reverse("operations:objectives"),
    )


@no_personal_data
@requires(VIEW, MANAGE)
@require_http_methods(["GET", "POST"])
def objective_edit(request, pk: int):
    objective = _objective(pk)
    initial = {
        "title": objective.title,
        "description": objective.description,
        "active": "yes" if objective.active else "no",
    }
    form = f.ObjectiveEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _service(
            form,
            lambda: services.objective_update(
                actor=request.user,
                objective=objective,
                title=data["title"],
                description=data["description"],
                active=data["active"] == "yes",
            ),
        ):
            messages.success(request, "Objective saved")
            return redirect("operations:objectives")
    period = selectors.period_default()
    status = next(
        (
            o
            for o in selectors.objectives_with_status(period, include_inactive=True)
            if o["objective"].pk == objective.pk
        ),
        {"measures": []},
    )
    return render(
        request,
        "operations/measures/objective_edit.html",
        {
            "form": form,
            "fields": form_fields(form),
            "objective": objective,
            "rows": status["measures"],
            "rag_labels": rules.RAG_LABELS,
            "period": period,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _measure_action(form) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "target": data["target"],
        "higher_is_better": data["higher_is_better"] == "yes",
        "amber_margin": data.get("amber_margin"),
    }


@no_personal_data
@requires(VIEW, MANAGE)
@require_http_methods(["GET", "POST"])
def objective_measure_new(request, pk: int):
    objective = _objective(pk)
    form = f.ObjectiveMeasureForm(
        request.POST if request.method == "POST" else None,
        initial={"higher_is_better": "yes", "amber_margin": rules.OBJECTIVE_AMBER_MARGIN_DEFAULT},
    )
    back = reverse("operations:objective-edit", args=[objective.pk])
    if (
        request.method == "POST"
        and form.is_valid()
        and _service(
            form,
            lambda: services.objective_measure_add(
                actor=request.user,
                objective=objective,
                measure_key=form.cleaned_data["measure_key"],
                **_measure_action(form),
            ),
        )
    ):
        messages.success(request, "Measure added")
        return redirect(back)
    return _form_page(
        request,
        form,
        title=f"Add a measure to “{objective.title}”",
        submit="Add measure",
        back=back,
    )


@no_personal_data
@requires(VIEW, MANAGE)
@require_http_methods(["GET", "POST"])
def objective_measure_edit(request, pk: int):
    measure = _measure(pk)
    form = f.ObjectiveMeasureForm(
        request.POST if request.method == "POST" else None,
        fixed_key=measure.measure_key,
        initial={
            "target": measure.target,
            "amber_margin": measure.amber_margin,
            "higher_is_better": "yes" if measure.higher_is_better else "no",
        },
    )
    back = reverse("operations:objective-edit", args=[measure.objective_id])
    if (
        request.method == "POST"
        and form.is_valid()
        and _service(
            form,
            lambda: services.objective_measure_update(
                actor=request.user, measure=measure, **_measure_action(form)
            ),
        )
    ):
        messages.success(request, "Target saved")
        return redirect(back)
    spec = selectors.REGISTRY.get(measure.measure_key)
    return _form_page(
        request,
        form,
        title=f"Change the target: {spec.label if spec else measure.measure_key}",
        submit="Save target",
        back=back,
    )


@no_personal_data
@requires(VIEW, MANAGE)
@require_POST
def objective_measure_remove(request, pk: int):
    measure = _measure(pk)
    objective_pk = measure.objective_id
    services.objective_measure_remove(actor=request.user, measure=measure)
    messages.success(request, "Measure removed")
    return redirect("operations:objective-edit", objective_pk)


# ------------------------------------------------------------------------------------------------
# Data quality


@requires(VIEW)
def data_quality_page(request):
    counts = selectors.data_quality_counts()
    rule = request.GET.get("rule") or next((k for k, n in counts.items() if n), next(iter(counts)))
    if rule not in selectors.DATA_QUALITY_RULES:
        raise Http404("No such data-quality rule")
    rows = selectors.data_quality_list(rule)
    page = Paginator(rows, DATA_QUALITY_PAGE).get_page(request.GET.get("page"))
    items = [_dq_item(rule, row) for row in page.object_list]
    return render(
        request,
        "operations/measures/data_quality.html",
        {
            "counts": counts,
            "labels": selectors.DATA_QUALITY_LABELS,
            "rule": rule,
            "page": page,
            "items": items,
            "rules": rules,
        },
    )


def _london(moment) -> str:
    return f"{moment.astimezone(clock.LONDON):%-d %B %Y %H:%M}"


def _dq_item(rule: str, row) -> dict[str, Any]:
    """One row of a data-quality list: the visit it belongs to, a link, and what is wrong."""
    visit = row if rule in ("no_rating", "unaccepted_briefing", "overdue_closure") else row.visit
    detail = {
        "no_rating": lambda: (
            (
                "Imported from the pocket notebook"
                if visit.source == "legacy"
                else "Planned in Waymark"
            )
            + f"; {visit.get_status_display().lower()}"
        ),
        "unsealed_exhibit": lambda: (
            f"Exhibit {row.exhibit_number}, bag {row.sealed_bag_number}: {row.item_description}"
        ),
        "unaccepted_briefing": lambda: (
            f"{row.not_accepted} officer(s) have not accepted the briefing "
            f"({visit.get_status_display().lower()})"
        ),
        "thin_debrief": lambda: f"{row.word_count} words in all",
        "overdue_closure": lambda: f"Closure was due {_london(visit.closure_due_at)}",
        "onf_not_returned": lambda: (
            f"{row.police_force.name}: answer was due {_london(row.response_due_at)}"
        ),
    }[rule]()
    return {"visit": visit, "url": visit_url(visit.pk), "detail": detail}
