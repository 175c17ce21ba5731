from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.guidance import rules


class GuidanceReviseForm(GovUKForm):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title"}
    )
    summary = forms.CharField(
        label="Summary",
        max_length=300,
        help_text="One or two sentences shown in search results",
        error_messages={"required": "Enter a summary"},
    )
    body = forms.CharField(
        label="Guidance text",
        max_length=rules.BODY_MAX_CHARS,
        widget=forms.Textarea,
        help_text="Separate paragraphs with a blank line; start a line with '- ' for a list",
        error_messages={"required": "Enter the guidance text"},
    )
    owner_team = forms.CharField(label="Owning team", max_length=120, required=False)
    change_note = forms.CharField(
        label="What changed and why",
        max_length=300,
        error_messages={"required": "Enter a change note saying what changed and why"},
    )
    how = forms.ChoiceField(
        label="Publish now or save a draft",
        choices=[
            ("publish", "Publish now (second check owed)"),
            ("draft", "Save as a draft for someone else to approve"),
        ],
        required=False,
        widget=forms.RadioSelect,
    )


class GuidancePublishForm(GuidanceReviseForm):
    module = forms.ChoiceField(
        label="Module",
        choices=list(rules.MODULES.items()),
        error_messages={"required": "Select the module the page belongs to"},
    )
    slug = forms.SlugField(
        label="Web address",
        max_length=100,
        required=False,
        help_text="Letters, numbers and hyphens; leave blank to make one from the title",
    )
    step_key = forms.CharField(
        label="Journey step",
        max_length=80,
        required=False,
        help_text="The step that links to this page, for example operations.authorise",
    )
    field_order = [
        "title",
        "module",
        "slug",
        "step_key",
        "summary",
        "body",
        "owner_team",
        "change_note",
        "how",
    ]


class GuidanceApproveForm(GovUKForm):
    effective_from = GovUKDateField(
        label="Date it comes into force",
        required=False,
        help_text="Leave blank for today",
    )


class GuidanceWithdrawForm(GovUKForm):
    reason = forms.CharField(
        label="Why is the page withdrawn?",
        max_length=300,
        widget=forms.Textarea,
        help_text="Staff who follow a link to the page read this reason",
        error_messages={"required": "Enter the reason the page is withdrawn"},
    )
