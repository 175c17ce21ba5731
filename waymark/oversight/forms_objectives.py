"""GOV.UK forms for objectives, updates and competence withdrawal (issue 20 item 2). Thin: the
services check the rules (a team the user manages, the person in the team, the period in order, a
measure with a better direction) and their messages land on the fields."""

from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.oversight import rules
from waymark.oversight.selectors import objectives as sel

DIRECTION_CHOICES = [("higher", "Higher is better"), ("lower", "Lower is better")]


class ObjectiveForm(GovUKForm):
    priority = forms.TypedChoiceField(
        label="Service priority",
        coerce=int,
        choices=(),
        error_messages={
            "required": "Select the service priority it serves",
            "invalid_choice": "Select a service priority from the list",
        },
    )
    title = forms.CharField(
        label="Objective",
        max_length=200,
        help_text="What is to be achieved, in a sentence",
        error_messages={"required": "Enter the objective"},
    )
    team = forms.TypedChoiceField(
        label="Team",
        coerce=int,
        choices=(),
        error_messages={
            "required": "Select the team",
            "invalid_choice": "You can only set objectives for a team you manage",
        },
    )
    person = forms.TypedChoiceField(
        label="Person (leave blank for the team's objective)",
        coerce=int,
        choices=(),
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Select a person from the list"},
    )
    owner = forms.TypedChoiceField(
        label="Owner (optional)",
        coerce=int,
        choices=(),
        required=False,
        empty_value=None,
        help_text="Who answers for it and posts updates: by default the person, or you",
        error_messages={"invalid_choice": "Select an owner from the list"},
    )
    period_start = GovUKDateField(label="Period starts")
    period_end = GovUKDateField(label="Period ends")
    metric_key = forms.ChoiceField(
        label="Measured by (a registered figure)",
        choices=(),
        required=False,
        help_text="The figure's one definition gives the actual value. Leave blank to report a "
        "measure of your own.",
        error_messages={"invalid_choice": "Select a figure from the list"},
    )
    measure_label = forms.CharField(
        label="Or: what is measured (reported by the owner)",
        max_length=200,
        required=False,
    )
    higher_is_better = forms.ChoiceField(
        label="For a measure of your own: which way is better",
        choices=DIRECTION_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    target = forms.FloatField(
        label="Target",
        help_text="A number in the measure's unit (a percentage as 95, a count as 0)",
        error_messages={"required": "Enter the target", "invalid": "Enter the target as a number"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = [
            ("", "Select a priority"),
            *[(p.pk, p.title) for p in sel.priority_choices()],
        ]
        self.fields["team"].choices = [
            ("", "Select a team"),
            *[(t.pk, t.name) for t in sel.teams_managed(user)],
        ]
        people = [(u.pk, u.display_name) for u in sel.people_choices()]
        self.fields["person"].choices = [("", "No one: the team's objective"), *people]
        self.fields["owner"].choices = [("", "The person, or me"), *people]
        self.fields["metric_key"].choices = [
            ("", "None: a measure of my own"),
            *sel.metric_choices(),
        ]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        direction = data.pop("higher_is_better", "")
        data["higher_is_better"] = {"higher": True, "lower": False}.get(direction)
        return data


def objective_initial(objective) -> dict:
    return {
        "priority": objective.priority_id,
        "title": objective.title,
        "team": objective.team_id,
        "person": objective.person_id,
        "owner": objective.owner_id,
        "period_start": objective.period_start,
        "period_end": objective.period_end,
        "metric_key": objective.metric_key,
        "measure_label": objective.measure_label,
        "higher_is_better": "higher" if objective.higher_is_better else "lower",
        "target": objective.target,
    }


class ObjectiveUpdateForm(GovUKForm):
    text = forms.CharField(
        label="Update",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter the update"},
    )
    actual = forms.FloatField(
        label="This month's value (for a measure of your own, optional)",
        required=False,
        error_messages={"invalid": "Enter the value as a number"},
    )


class ObjectiveCloseForm(GovUKForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[
            ("met", "Met"),
            ("partly_met", "Partly met"),
            ("not_met", "Not met"),
            ("withdrawn", "Withdrawn (no longer a priority, or set in error)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome", "invalid_choice": "Select the outcome"},
    )
    note = forms.CharField(
        label="What was achieved, or why it is withdrawn",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Say what was achieved, or why it is withdrawn"},
    )


class ObjectiveCarryOverForm(GovUKForm):
    period_end = GovUKDateField(label="The new period ends")
    target = forms.FloatField(
        label="Target for the new period",
        help_text="In the same unit as now",
        error_messages={"required": "Enter the target", "invalid": "Enter the target as a number"},
    )
    reason = forms.CharField(
        label="Why is it carried over?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=rules.TEXT_MAX_CHARS,
        help_text="For example, what is still to do, and what this period achieved",
        error_messages={"required": "Say why it is carried over"},
    )


class CompetenceWithdrawForm(GovUKForm):
    reason = forms.CharField(
        label="Why is it withdrawn?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="For example, the quality reviews that showed it is needed again",
        error_messages={"required": "Enter why the competence is withdrawn"},
    )
