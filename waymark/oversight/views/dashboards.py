"""The dashboards per module (issue 20 item 3; oversight.md §3 "Insight"): each module's registered
figures for a period (this month, last month, the last full quarter, the last 12 months, or dates
chosen) and a team (only the teams the user may see), each with its definition from the registry
and a trend by month drawn on the server (decision 0014); exported as CSV or XLSX through the one
audited export helper. Thin: reads through ``selectors.dashboards``.

The figures name no one: the pages are ``no_personal_data``; the exports are still audited as
disclosures by the export helper."""

from __future__ import annotations

from typing import Any

from django import forms
from django.shortcuts import redirect, render
from django.urls import path, reverse

from waymark.core import charts, clock
from waymark.core.exports import Disclosure, export_csv, export_view, export_xlsx
from waymark.core.forms import GovUKForm
from waymark.core.permissions import no_personal_data, requires
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.selectors import dashboards as selectors
from waymark.oversight.selectors.metrics import (
    HIGHER_IS_BETTER_LABELS,
    UNIT_LABELS,
    value_text,
)

EXPORT_HEADER = [
    "Key",
    "Figure",
    "Definition",
    "Unit",
    "Higher is better",
    "Owner",
    "From",
    "To",
    "Team",
    "Value",
    "How counted",
    "As of",
]
EXPORT_PURPOSE = "A module's dashboard of management figures, for performance reporting"


class DashboardFilterForm(GovUKForm):
    period = forms.ChoiceField(
        label="Period",
        required=False,
        choices=selectors.PERIOD_CHOICES,
        error_messages={"invalid_choice": "Choose a period from the list"},
    )
    start = forms.DateField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the from date as YYYY-MM-DD, for example 2026-01-31"},
    )
    end = forms.DateField(
        label="To (included)",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the to date as YYYY-MM-DD, for example 2026-12-31"},
    )
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {t.slug: t for t in selectors.visible_teams(user)}
        self.fields["team"].choices = [("", "All teams")] + [
            (slug, t.name) for slug, t in self.teams.items()
        ]
        self.fields["team"].error_messages["invalid_choice"] = "Choose a team from the list"

    def clean(self):
        data = super().clean()
        if data.get("period") != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        if "start" not in self.errors and start is None:
            self.add_error("start", "Enter the from date")
        if "end" not in self.errors and end is None:
            self.add_error("end", "Enter the to date")
        if start is None or end is None:
            return data
        if end > clock.today():
            self.add_error("end", "The to date must be today or in the past")
        elif end < start:
            self.add_error("end", "The to date must be the same as or after the from date")
        elif (end - start).days + 1 > rules.DASHBOARD_MAX_DAYS:
            self.add_error("start", f"Choose a period of at most {rules.DASHBOARD_MAX_DAYS} days")
        return data

    def chosen(self) -> tuple[selectors.Period, Any]:
        """The period and team asked for; the defaults when the form is empty or wrong (the page
        then shows the errors and the default figures)."""
        if not (self.is_bound and self.is_valid()):
            return selectors.period_for(selectors.DEFAULT_PERIOD), None
        data = self.cleaned_data
        period = selectors.period_for(
            data.get("period") or selectors.DEFAULT_PERIOD, start=data["start"], end=data["end"]
        )
        return period, self.teams.get(data.get("team") or "")


def trend_chart(row: selectors.DashboardRow) -> dict[str, Any] | None:
    """A line over the months the figure has a value for (decision 0014); None with fewer than
    two (the table under the chart says which months have none)."""
    points = [(month, value) for month, value in row.trend if value is not None]
    if len(points) < 2:
        return None
    metric = row.metric
    return charts.line_chart(
        charts.month_axis_labels([month for month, _v in points]),
        [(metric.name, [float(v) for _m, v in points])],
        title=f"{metric.name}, by month",
        y_label=UNIT_LABELS.get(metric.unit, metric.unit),
        summary=charts.trend_sentence(
            metric.name[0].lower() + metric.name[1:],
            [charts.month_label(month, short=False) for month, _v in points],
            [float(v) for _m, v in points],
        ),
        chart_id=f"chart-{metric.key.replace('.', '-').replace('_', '-')}",
    )


def _filters(request) -> tuple[DashboardFilterForm, selectors.Period, Any]:
    form = DashboardFilterForm(request.GET or None, user=request.user)
    period, team = form.chosen()
    return form, period, team


def _items(form: DashboardFilterForm, name: str, chosen: str) -> list[dict[str, Any]]:
    return [
        {"value": value, "text": label, "selected": value == chosen}
        for value, label in form.fields[name].choices  # type: ignore[attr-defined]
    ]


@requires(perms.VIEW_METRICS)
@no_personal_data
def dashboards(request):
    """The list of dashboards, one per module."""
    return render(
        request,
        "oversight/dashboards/index.html",
        {"modules": selectors.dashboard_modules()},
    )


@requires(perms.VIEW_METRICS)
@no_personal_data
def dashboard(request, module: str):
    module = selectors.access_module(module)
    form, period, team = _filters(request)
    rows = [] if form.errors else selectors.dashboard_rows(module, period, team)
    for row in rows:
        row.chart = trend_chart(row)
    chosen_period = request.GET.get("period") or selectors.DEFAULT_PERIOD
    return render(
        request,
        "oversight/dashboards/dashboard.html",
        {
            "form": form,
            "module": module,
            "title": selectors.DASHBOARD_TITLES[module],
            "modules": selectors.dashboard_modules(),
            "period": period,
            "team": team,
            "rows": rows,
            "period_items": [
                {"value": v, "text": label, "checked": v == chosen_period}
                for v, label in selectors.PERIOD_CHOICES
            ],
            "team_items": _items(form, "team", request.GET.get("team", "")),
            "value_text": value_text,
            "month_label": lambda day: charts.month_label(day, short=False),
            "unit_labels": UNIT_LABELS,
            "direction": HIGHER_IS_BETTER_LABELS,
            "can_export": request.user.has_perm(perms.EXPORT_METRICS),
            "now": clock.now(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _export_rows(rows: list[selectors.DashboardRow], period, team) -> list[list[Any]]:
    team_name = team.name if team else "All teams"
    out: list[list[Any]] = []
    for r in rows:
        m = r.metric
        common = [
            m.key,
            m.name,
            m.definition,
            m.unit,
            HIGHER_IS_BETTER_LABELS[m.higher_is_better],
            m.owner,
        ]
        how = r.basis_label if r.team_split else "Cannot be split by team"
        out.append(
            [*common, period.start, period.end, team_name, r.value, how, r.as_of]
            if r.team_split
            else [*common, period.start, period.end, team_name, None, how, None]
        )
        for (first, last), (_month, value) in zip(
            selectors.trend_months(period), r.trend, strict=False
        ):
            out.append([*common, first, last, team_name, value, f"Month: {r.trend_label}", None])
    return out


@requires(perms.EXPORT_METRICS)
@export_view
def dashboard_export(request, module: str):
    """The dashboard's figures, one row per figure and one per figure and month of its trend, as
    CSV or XLSX (``?format=xlsx``); the same filters as the page. A bad filter exports nothing:
    back to the dashboard, which shows the errors."""
    module = selectors.access_module(module)
    form, period, team = _filters(request)
    if form.is_bound and form.errors:
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{reverse('oversight:dashboard', args=[module])}?{query.urlencode()}")
    rows = _export_rows(selectors.dashboard_rows(module, period, team), period, team)
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    options = {
        "filename": f"dashboard-{module}-{period.start.isoformat()}-{period.end.isoformat()}"
        f"{'-' + team.slug if team else ''}.{file_format}",
        "header": EXPORT_HEADER,
        "rows": rows,
        "count": len(rows),
        "disclosure": Disclosure(
            verb="oversight.dashboard_exported",
            purpose=f"{EXPORT_PURPOSE}, as {file_format.upper()}",
            query={
                "module": module,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                **({"team": team.slug} if team else {}),
            },
            people=None,
        ),
    }
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title="Dashboard", **options)
    return export_csv(request, **options)


urlpatterns = [
    path("dashboards/", dashboards, name="dashboards"),
    path("dashboards/<str:module>/", dashboard, name="dashboard"),
    path("dashboards/<str:module>/export/", dashboard_export, name="dashboard-export"),
]
