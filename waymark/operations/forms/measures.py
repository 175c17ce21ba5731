"""Forms for the measures pages: the period and team filter (query string), objectives and their
measures. The services validate again; these give the GOV.UK messages for what a form can see."""

from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKForm
from waymark.operations import selectors


class MeasuresFilterForm(GovUKForm):
    start = forms.DateField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the start as YYYY-MM-DD, like 2026-01-31"},
    )
    end = forms.DateField(
        label="To (included)",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the end as YYYY-MM-DD, like 2026-12-31"},
    )
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {t.slug: t for t in selectors.measure_teams()}
        self.fields["team"].choices = [
            ("", "All teams"),
            *((slug, t.name) for slug, t in self.teams.items()),
        ]
        self.fields["team"].error_messages["invalid_choice"] = "Select a team from the list"

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end must be on or after the start")
        return data

    def chosen(self) -> tuple[selectors.Period, object]:
        """The period and team asked for, or the defaults for anything missing or wrong."""
        default = selectors.period_default()
        if not (self.is_bound and self.is_valid()):
            return default, None
        data = self.cleaned_data
        return (
            selectors.Period(data.get("start") or default.start, data.get("end") or default.end),
            self.teams.get(data.get("team") or ""),
        )


class ObjectiveForm(GovUKForm):
    title = forms.CharField(
        label="Objective",
        max_length=200,
        error_messages={
            "required": "Enter the objective",
            "max_length": "The objective must be 200 characters or fewer",
        },
    )
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea
    )


class ObjectiveEditForm(ObjectiveForm):
    active = forms.ChoiceField(
        label="Is this objective in use?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes, show it on the measures page"), ("no", "No, retire it")],
        error_messages={"required": "Select whether the objective is in use"},
    )


class ObjectiveMeasureForm(GovUKForm):
    measure_key = forms.ChoiceField(
        label="Measure",
        error_messages={
            "required": "Select a measure",
            "invalid_choice": "Select a measure from the list",
        },
    )
    target = forms.FloatField(
        label="Target",
        help_text="A number; a percentage as 0 to 100",
        error_messages={
            "required": "Enter the target",
            "invalid": "Enter the target as a number, like 95",
        },
    )
    higher_is_better = forms.ChoiceField(
        label="Which way is better?",
        widget=forms.RadioSelect,
        choices=[
            ("yes", "Higher is better (at least the target)"),
            ("no", "Lower is better (at most the target)"),
        ],
        error_messages={"required": "Select which way is better"},
    )
    amber_margin = forms.FloatField(
        label="Amber margin (optional)",
        required=False,
        help_text="How far short of the target is still amber, as a fraction of the target; 0.1 if empty",
        error_messages={"invalid": "Enter the amber margin as a number, like 0.1"},
    )

    def __init__(self, *args, fixed_key: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(k, f"{m.label} ({m.unit})") for k, m in selectors.REGISTRY.items()]
        self.fields["measure_key"].choices = [("", "Choose a measure"), *choices]
        if fixed_key is not None:
            del self.fields["measure_key"]
