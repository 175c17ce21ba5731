"""GOV.UK forms for the tracker: add an action, post an update, close (sign off), reopen. Each is
thin: the service validates the rules and its messages land on these fields."""

from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.oversight import rules
from waymark.oversight.evidence import evidence_choices
from waymark.oversight.models import ActionStatus


class ActionAddForm(GovUKForm):
    description = forms.CharField(
        label="What is the action",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter what the action is"},
    )
    owner = forms.TypedChoiceField(
        label="Owner",
        coerce=int,
        choices=(),
        error_messages={"required": "Select the person who owns the action"},
    )
    milestone = forms.CharField(label="Milestone (optional)", required=False, max_length=200)
    due_on = GovUKDateField(label="Due date")
    evidence_kind = forms.ChoiceField(
        label="Evidence Waymark checks before it can close",
        choices=(),
        widget=forms.RadioSelect,
        initial="none",
    )
    evidence_parameter = forms.CharField(
        label="What the check looks at (optional)",
        required=False,
        max_length=200,
        help_text="For a guidance check, the page's address, for example 'em-breach-decisions'",
    )

    def __init__(self, *args, owners: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Select the owner"), *owners]
        self.fields["evidence_kind"].choices = evidence_choices()


class ActionUpdateForm(GovUKForm):
    text = forms.CharField(
        label="Update",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter the update"},
    )
    evidence = forms.CharField(
        label="Evidence (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=rules.TEXT_MAX_CHARS,
        help_text="What shows the progress: a document, a figure, a page",
    )
    revised_due_on = GovUKDateField(
        label="Revised due date (optional)",
        required=False,
        help_text="Only if the due date moves; the old date is kept",
    )


class ActionCloseForm(GovUKForm):
    outcome = forms.ChoiceField(
        label="How does the action close",
        error_messages={"required": "Select closed or closed with monitoring"},
        choices=[
            (ActionStatus.CLOSED, "Closed"),
            (ActionStatus.CLOSED_WITH_MONITORING, "Closed with monitoring"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What was done and how you checked it",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter what was done and how you checked it"},
    )


class ActionReopenForm(GovUKForm):
    reason = forms.CharField(
        label="Why is the action reopened",
        error_messages={"required": "Enter why the action is reopened"},
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=rules.TEXT_MAX_CHARS,
    )
