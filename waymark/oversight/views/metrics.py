"""The metric registry's pages (issue 20 item 3; oversight.md §3 "Insight", §6 "One definition per
figure"): every management figure with its definition, owner, as-of time and value now; the
reconciliation checks, failing until the two figures agree; one figure with its daily snapshots;
every figure "as at" a past date; and the registry and snapshots as CSV and XLSX through the one
audited export helper. Thin: reads through ``selectors.metrics``.

The figures are about the service, naming no one: the pages are ``no_personal_data``; the exports
are still audited as disclosures by the export helper."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse

from waymark.core import charts, clock
from waymark.core.exports import Disclosure, export_csv, export_view, export_xlsx
from waymark.core.forms import GovUKForm
from waymark.core.permissions import no_personal_data, requires
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.selectors import metrics as selectors

REGISTRY_HEADER = [
    "Key",
    "Figure",
    "Definition",
    "Population",
    "Unit",
    "Higher is better",
    "Owner",
    "Module",
    "Period",
    "Value",
    "As of",
]
SNAPSHOT_HEADER = ["Day", "Key", "Figure", "Value", "Unit", "Definition", "Module", "As of"]
EXPORT_PURPOSE = "The management figures and their definitions, for performance reporting"
SNAPSHOT_PURPOSE = "The management figures' daily snapshots, for performance reporting"


class RegistryFilterForm(GovUKForm):
    module = forms.ChoiceField(label="Area", required=False)
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["module"].choices = [("", "All areas"), *selectors.metric_modules()]
        self.teams = {t.slug: t for t in selectors.metric_teams()}
        self.fields["team"].choices = [("", "All teams")] + [
            (slug, t.name) for slug, t in self.teams.items()
        ]
        self.fields["module"].error_messages["invalid_choice"] = "Choose an area from the list"
        self.fields["team"].error_messages["invalid_choice"] = "Choose a team from the list"

    def chosen(self) -> tuple[str, Any]:
        if not (self.is_bound and self.is_valid()):
            return "", None
        return self.cleaned_data.get("module") or "", self.teams.get(
            self.cleaned_data.get("team") or ""
        )


class AsAtForm(GovUKForm):
    on = forms.DateField(
        label="As at",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, for example 2026-11-30"},
    )
    # Snapshots by team (item 3): only the teams the user may see.
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from waymark.oversight.selectors.dashboards import visible_teams

        self.teams = {t.slug: t for t in visible_teams(user)}
        self.fields["team"].choices = [("", "All teams")] + [
            (slug, t.name) for slug, t in self.teams.items()
        ]
        self.fields["team"].error_messages["invalid_choice"] = "Choose a team from the list"

    def clean_on(self):
        on = self.cleaned_data.get("on")
        if on and on > clock.today():
            raise forms.ValidationError("The date must be today or in the past")
        return on


class RangeForm(GovUKForm):
    start = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the start as YYYY-MM-DD"},
    )
    end = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the end as YYYY-MM-DD"},
    )

    def clean(self):
        data = super().clean()
        end = data.get("end") or clock.today()
        start = data.get("start") or end - timedelta(days=rules.METRIC_HISTORY_DAYS - 1)
        if end < start:
            self.add_error("end", "The end must be the same as or after the start")
        elif (end - start).days + 1 > rules.SNAPSHOT_EXPORT_MAX_DAYS:
            self.add_error(
                "end", f"Export at most {rules.SNAPSHOT_EXPORT_MAX_DAYS} days of snapshots at once"
            )
        data["start"], data["end"] = start, end
        return data


def _items(form: forms.Form, name: str, chosen: str) -> list[dict[str, Any]]:
    return [
        {"value": value, "text": label, "selected": value == chosen}
        for value, label in form.fields[name].choices  # type: ignore[attr-defined]
    ]


@requires(perms.VIEW_METRICS)
@no_personal_data
def registry(request):
    form = RegistryFilterForm(request.GET or None)
    module, team = form.chosen()
    rows = selectors.registry_rows(module=module, team=team)
    checks = selectors.reconciliation_rows()
    return render(
        request,
        "oversight/metrics/registry.html",
        {
            "form": form,
            "rows": rows,
            "team": team,
            "module_items": _items(form, "module", request.GET.get("module", "")),
            "team_items": _items(form, "team", request.GET.get("team", "")),
            "failing": sum(1 for c in checks if not c.passed),
            "checks": len(checks),
            "value_text": selectors.value_text,
            "unit_labels": selectors.UNIT_LABELS,
            "direction": selectors.HIGHER_IS_BETTER_LABELS,
            "module_labels": dict(selectors.metric_modules()),
            "can_export": request.user.has_perm(perms.EXPORT_METRICS),
            "now": clock.now(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(perms.VIEW_METRICS)
@no_personal_data
def reconciliation(request):
    form = RegistryFilterForm(request.GET or None)
    _module, team = form.chosen()
    return render(
        request,
        "oversight/metrics/reconciliation.html",
        {
            "form": form,
            "results": selectors.reconciliation_rows(team),
            "team": team,
            "team_items": _items(form, "team", request.GET.get("team", "")),
            "value_text": selectors.value_text,
            "now": clock.now(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(perms.VIEW_METRICS)
@no_personal_data
def figure(request, key: str):
    metric = selectors.access_metric(key)
    history = list(selectors.snapshots_for(key))
    chart = None
    points = [s for s in reversed(history) if s.value is not None]
    if len(points) >= 2:
        chart = charts.line_chart(
            [s.day.strftime("%-d %b") for s in points],
            [(metric.name, [s.value for s in points])],
            title=f"{metric.name}, daily",
            y_label=selectors.UNIT_LABELS.get(metric.unit, metric.unit),
            chart_id="chart-metric-history",
        )
    return render(
        request,
        "oversight/metrics/figure.html",
        {
            "metric": metric,
            "value": metric.value(),
            "as_of": metric.value_as_of(),
            "history": history,
            "history_days": rules.METRIC_HISTORY_DAYS,
            "chart": chart,
            "value_text": selectors.value_text,
            "unit_labels": selectors.UNIT_LABELS,
            "direction": selectors.HIGHER_IS_BETTER_LABELS,
            "module_labels": dict(selectors.metric_modules()),
        },
    )


@requires(perms.VIEW_METRICS)
@no_personal_data
def as_at(request):
    form = AsAtForm(request.GET or None, user=request.user)
    on: date | None = None
    team = None
    if form.is_bound and form.is_valid():
        on = form.cleaned_data.get("on")
        team = form.teams.get(form.cleaned_data.get("team") or "")
    on = on or clock.today() - timedelta(days=1)
    snapshots = selectors.snapshots_as_at(on, team) if not form.errors else {}
    rows = [(m, snapshots.get(m.key)) for m in selectors.registered()]
    return render(
        request,
        "oversight/metrics/as_at.html",
        {
            "form": form,
            "on": on,
            "team": team,
            "team_items": _items(form, "team", request.GET.get("team", "")),
            "rows": rows,
            "checks": selectors.reconciliations_as_at(snapshots),
            "value_text": selectors.value_text,
            "history_days": rules.METRIC_HISTORY_DAYS,
            "can_export": request.user.has_perm(perms.EXPORT_METRICS),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _registry_rows(request) -> tuple[list[list[Any]], dict[str, str]]:
    form = RegistryFilterForm(request.GET or None)
    module, team = form.chosen()
    rows = [
        [
            r.metric.key,
            r.metric.name,
            r.metric.definition,
            r.metric.population,
            r.metric.unit,
            selectors.HIGHER_IS_BETTER_LABELS[r.metric.higher_is_better],
            r.metric.owner,
            r.metric.module,
            r.metric.period,
            r.value,
            r.as_of,
        ]
        for r in selectors.registry_rows(module=module, team=team)
    ]
    return rows, {"module": module, "team": team.slug if team else ""}


def _format(request) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


def _export(request, *, file_format: str, sheet_title: str, **options):
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title=sheet_title, **options)
    return export_csv(request, **options)


@requires(perms.EXPORT_METRICS)
@export_view
def registry_export(request):
    """Every figure with its definition and value now, as CSV or XLSX (``?format=xlsx``)."""
    rows, query = _registry_rows(request)
    file_format = _format(request)
    return _export(
        request,
        file_format=file_format,
        sheet_title="Figures",
        filename=f"figures-{clock.today().isoformat()}.{file_format}",
        header=REGISTRY_HEADER,
        rows=rows,
        count=len(rows),
        disclosure=Disclosure(
            verb="oversight.metrics_exported",
            purpose=f"{EXPORT_PURPOSE}, as {file_format.upper()}",
            query={k: v for k, v in query.items() if v},
            people=None,
        ),
    )


@requires(perms.EXPORT_METRICS)
@export_view
def snapshots_export(request):
    """The daily snapshots between two days (by default the last ``METRIC_HISTORY_DAYS``), as CSV
    or XLSX; a bad range changes nothing and says why on the "as at" page."""
    form = RangeForm({k: v for k, v in request.GET.items() if k in ("start", "end")})
    if not form.is_valid():  # bound even when empty: the defaults come from clean()
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(reverse("oversight:metrics-as-at"))
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = [
        [s.day, s.metric_key, s.name, s.value, s.unit, s.definition, s.module, s.as_of]
        for s in selectors.snapshots_between(start, end)
    ]
    file_format = _format(request)
    return _export(
        request,
        file_format=file_format,
        sheet_title="Snapshots",
        filename=f"figures-snapshots-{start.isoformat()}-{end.isoformat()}.{file_format}",
        header=SNAPSHOT_HEADER,
        rows=rows,
        count=len(rows),
        disclosure=Disclosure(
            verb="oversight.metric_snapshots_exported",
            purpose=f"{SNAPSHOT_PURPOSE}, as {file_format.upper()}",
            query={"start": start.isoformat(), "end": end.isoformat()},
            people=None,
        ),
    )


urlpatterns = [
    path("metrics/", registry, name="metrics"),
    path("metrics/reconciliation/", reconciliation, name="metrics-reconciliation"),
    path("metrics/as-at/", as_at, name="metrics-as-at"),
    path("metrics/export/", registry_export, name="metrics-export"),
    path("metrics/snapshots/export/", snapshots_export, name="metrics-snapshots-export"),
    path("metrics/figure/<str:key>/", figure, name="metric"),
]
