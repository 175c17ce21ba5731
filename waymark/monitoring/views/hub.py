"""The Hub's working day (home, the work lists), the joint log, the supplier's page, the figures
and their CSV export, and the plan."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from waymark.core import charts, clock
from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.forms import form_add_service_errors
from waymark.core.metrics import metrics_for_page
from waymark.core.permissions import no_personal_data, requires
from waymark.monitoring import forms as f
from waymark.monitoring import selectors, services
from waymark.monitoring.models import JointLogEntry
from waymark.monitoring.views._common import EM, MI, PAGE_SIZE, SUPPLIER


@requires(EM)
def home(request):
    user = request.user
    quality = selectors.data_quality(user)
    released = selectors.released_awaiting_device(user)
    held = selectors.held_awaiting_fitting(user)
    return render(
        request,
        "monitoring/home.html",
        {
            "held": held[:10],
            "held_count": len(held),
            "released": {key: len(rows) for key, rows in released.items()},
            "figure_5": selectors.FIGURE_5_GROUPS,
            "breaches": selectors.breaches_for_triage(user)[:10],
            "breach_count": selectors.breaches_for_triage(user).count(),
            "reviews_count": selectors.reviews_outstanding(user).count(),
            "gaps_count": selectors.duty_gaps(user).count(),
            "quality": {key: qs.count() for key, qs in quality.items()},
        },
    )


LISTS = {
    "held": "People held awaiting a fitting",
    "released": "People released who still need a device",
    "breaches": "Breaches to act on",
    "reviews": "Reviews outstanding",
    "duty-gaps": "In the EM duty cohort with neither a condition nor an exemption",
    "data-quality": "Data quality",
}


@requires(EM)
def work_list(request, kind: str):
    user = request.user
    context: dict[str, Any] = {"kind": kind, "title": LISTS.get(kind, "")}
    if kind == "held":
        rows = selectors.held_awaiting_fitting(user)
    elif kind == "released":
        groups = selectors.released_awaiting_device(user)
        context["groups"] = [(key, label, groups[key]) for key, label in selectors.FIGURE_5_GROUPS]
        rows = [c for _key, _label, conditions in context["groups"] for c in conditions]
    elif kind == "breaches":
        rows = selectors.breaches_for_triage(user)
    elif kind == "reviews":
        rows = selectors.reviews_outstanding(user)
    elif kind == "duty-gaps":
        rows = selectors.duty_gaps(user)
    elif kind == "data-quality":
        context["quality"] = selectors.data_quality(user)
        rows = []
    else:
        from django.http import Http404

        raise Http404("No such list")
    context["page"] = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context["now"] = clock.now()
    return render(request, "monitoring/list.html", context)


@requires(SUPPLIER)
@require_http_methods(["GET", "POST"])
def joint_log(request):
    form = f.JointLogForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if "close" in request.POST:
            close = request.POST.get("close", "")
            entry = (
                JointLogEntry.objects.filter(pk=int(close)).first()
                if close.isdecimal() and len(close) <= 18
                else None
            )  # a bigint, not a crafted value
            if entry is None:
                messages.error(
                    request, "That joint log entry could not be found: it may have been removed"
                )
            else:
                try:
                    services.joint_log_close(actor=request.user, entry=entry)
                    messages.success(request, f"Closed: {entry.title}")
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
            return redirect("monitoring:joint-log")
        if form.is_valid():
            try:
                d = form.cleaned_data
                services.joint_log_add(
                    actor=request.user,
                    kind=d["kind"],
                    title=d["title"],
                    description=d["description"],
                    owner=d["owner"],
                    likelihood=d["likelihood"],
                    impact=d["impact"],
                    mitigation=d["mitigation"],
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, "Added to the joint log")
                return redirect("monitoring:joint-log")
    entries = Paginator(JointLogEntry.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    from waymark.core.forms import form_fields

    return render(
        request,
        "monitoring/joint_log.html",
        {"form": form, "fields": form_fields(form), "page": entries},
        status=400 if form.is_bound and form.errors else 200,
    )


def _period(request) -> tuple[f.PeriodForm, selectors.Period]:
    form = f.PeriodForm(request.GET or None)
    default = selectors.period_default()
    if form.is_bound and form.is_valid():
        # The page asks for the last day included (as every other period on the site does);
        # a Period's end is the day after it.
        last = form.cleaned_data.get("end")
        return form, selectors.Period(
            form.cleaned_data.get("start") or default.start,
            last + timedelta(days=1) if last else default.end,
        )
    return form, default


@no_personal_data
@requires(MI)
def mi(request):
    form, period = _period(request)
    figures = selectors.mi_figures_summary(period)
    labels = _labels(figures)
    return render(
        request,
        "monitoring/mi.html",
        {
            "form": form,
            "period": period,
            "figures": figures,
            "as_of": figures["as_of"],
            "relabel": lambda pairs: [
                (labels.get(str(k), str(k).replace("_", " ").capitalize()), v) for k, v in pairs
            ],
            "charts": _mi_charts(figures),
            "month_label": charts.month_label,
        },
    )


BREACH_LINES = 6  # a line each for up to six breach types; past that, the five largest and the rest


def _mi_charts(figures) -> dict[str, Any]:
    """The figures page's charts, drawn from the figures its tables show (decision 0014)."""
    b = figures["breaches"]
    rows = b["rows"]  # largest first
    shown = rows if len(rows) <= BREACH_LINES else rows[: BREACH_LINES - 1]
    series = [(row["label"], row["counts"]) for row in shown]
    if rest := rows[len(shown) :]:
        others = [sum(r["counts"][i] for r in rest) for i in range(len(b["months"]))]
        series.append(("Other types", others))
    months = b["months"]
    breaches = charts.line_chart(
        charts.month_axis_labels(months),
        series,
        title="Breach notifications by type and month",
        y_label="Notifications",
        summary=charts.trend_sentence(
            "breach notifications",
            [charts.month_label(m, short=False) for m in months],
            b["month_totals"],
            then=f"the most common type was {rows[0]['label']}" if rows else "",
        ),
        chart_id="chart-breaches",
    )
    devices = figures["devices"]
    labels = [d["label"] for d in devices]
    in_use = [d["in_use"] for d in devices]
    planned = [d["planned"] for d in devices]
    return {
        "breaches": breaches,
        "devices": charts.bar_chart(
            labels,
            [("In use", in_use)],
            title="Devices in use against plan",
            horizontal=True,
            targets=[p or None for p in planned],  # no line where no plan is recorded
            target_label="Plan",
            summary=charts.plan_sentence(
                "devices in use", labels, in_use, planned, singular="device in use"
            ),
            chart_id="chart-devices",
        ),
    }


def _labels(figures) -> dict[str, str]:
    """Display names for the codes the figures are keyed by."""
    from waymark.monitoring import models as m
    from waymark.people.countries import country_name
    from waymark.people.models import Sex

    labels: dict[str, str] = {}
    for choices in (
        Sex.choices,
        m.ChallengeOutcome.choices,
        m.TrailOutcome.choices,
        m.RequesterKind.choices,
        m.ExemptionGround.choices,
    ):
        labels.update({str(k): str(v) for k, v in choices})
    for code, _n in figures["population"]["by_nationality"]:
        labels[code] = country_name(code)
    return labels


@requires(MI)
@export_view
def mi_csv(request):
    """The figures as CSV through the export helper (issue 14 item 11); aggregate, naming nobody."""
    _form_unused, period = _period(request)
    figures = selectors.mi_figures_summary(period)
    as_of = figures.pop("as_of")
    rows = [["as_of", "as_of", as_of.isoformat()]] + [
        [section, measure, value]
        for section, values in figures.items()
        for measure, value in _flatten(values)
    ]
    # Each figure's definition, in the registry's words (core.metrics): one definition per figure.
    rows += [["definition", m.name, m.definition] for m in metrics_for_page("monitoring:mi-csv")]
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    return export_csv(
        request,
        filename=f"em-figures-{period.start}-{period.end}.csv",
        header=["section", "measure", "value"],
        rows=rows,
        count=len(rows),
        disclosure=Disclosure(
            verb="monitoring.mi_exported",
            query=query,
            purpose="Electronic monitoring figures (MI), as CSV",
        ),
    )


def _flatten(value, prefix: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            label = (
                inner.get("measure")
                or inner.get("breach_type")
                or inner.get("device_type")
                or index
                if isinstance(inner, dict)
                else index
            )
            yield from _flatten(inner, f"{prefix}[{label}]")
    else:
        yield prefix, value


@no_personal_data
@requires(MI)
def supplier(request):
    form, period = _period(request)
    return render(
        request,
        "monitoring/supplier.html",
        {
            "form": form,
            "period": period,
            "levels": selectors.service_levels(period),
            "by_month": selectors.service_levels_by_month(period),
            "measures": selectors.supplier_measures(period),
            "can_log": request.user.has_perm(SUPPLIER),
        },
    )


@no_personal_data
@requires(MI)
def plan(request):
    form = f.PlanForm(request.GET or None)
    weeks, releases = 12, None
    if form.is_bound and form.is_valid():
        weeks = form.cleaned_data.get("weeks") or 12
        releases = form.cleaned_data.get("releases")
    return render(
        request,
        "monitoring/plan.html",
        {"form": form, "plan": selectors.operational_plan(weeks=weeks, releases_per_week=releases)},
    )
