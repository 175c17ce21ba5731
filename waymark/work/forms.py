from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKForm
from waymark.work.selectors import workload_label


class ActionForm(GovUKForm):
    """A button with no fields (start, assign to me): carries errors from the service."""


class OutcomeForm(GovUKForm):
    outcome = forms.CharField(
        label="Outcome",
        max_length=60,
        error_messages={
            "required": "Enter the outcome",
            "max_length": "Outcome must be 60 characters or fewer",
        },
    )
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea)


class ReasonForm(GovUKForm):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        error_messages={
            "required": "Enter a reason",
            "max_length": "Reason must be 500 characters or fewer",
        },
    )


class SavedFilterForm(GovUKForm):
    name = forms.CharField(
        label="Name this filter",
        max_length=100,
        error_messages={
            "required": "Enter a name for the filter",
            "max_length": "Name must be 100 characters or fewer",
        },
    )
    query_string = forms.CharField(required=False, widget=forms.HiddenInput)


class AllocateForm(GovUKForm):
    """Choose tasks (checkboxes on the queue page) and a team member; confirmed on a second page."""

    task_ids = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[],
        error_messages={"required": "Select at least one task"},
        label="Tasks",
    )
    assignee = forms.TypedChoiceField(
        coerce=int,
        choices=[],
        label="Allocate to",
        error_messages={
            "required": "Select who to allocate the tasks to",
            "invalid_choice": "Select someone in this team",
        },
    )

    def __init__(self, *args, task_choices=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task_ids"].choices = [(pk, str(pk)) for pk in task_choices]
        self.fields["task_ids"].error_messages["invalid_choice"] = (
            "One of the selected tasks is not in this queue"
        )
        self.fields["assignee"].choices = [("", "Choose a person")] + [
            (m.pk, workload_label(m)) for m in members
        ]


class AssignForm(GovUKForm):
    assignee = forms.TypedChoiceField(
        coerce=int,
        choices=[],
        label="Reassign to",
        error_messages={
            "required": "Select who to give the task to",
            "invalid_choice": "Select someone in this team",
        },
    )
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Choose a person")] + [
            (m.pk, m.display_name) for m in members
        ]
