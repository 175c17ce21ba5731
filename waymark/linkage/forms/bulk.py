"""Forms for bulk checks and the ownership clean-up. The services validate again; these give the
GOV.UK messages."""

from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKForm
from waymark.linkage.models import BulkMatchStatus
from waymark.linkage.selectors.bulk import POPULATIONS, police_imports_completed


class _ImportChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        finished = f", imported {obj.finished_at:%d/%m/%Y}" if obj.finished_at else ""
        return f"{obj.label} ({obj.rows_imported} records{finished})"


class BulkCheckForm(GovUKForm):
    name = forms.CharField(
        label="Name of the check",
        max_length=200,
        help_text="For example 'Reporting population against PNC, November 2026'",
        error_messages={
            "required": "Enter a name for the check",
            "max_length": "The name must be 200 characters or fewer",
        },
    )
    population = forms.ChoiceField(
        label="Who to check",
        widget=forms.RadioSelect,
        choices=[],
        error_messages={
            "required": "Select a population to check",
            "invalid_choice": "Select a population to check",
        },
    )
    police_import = _ImportChoice(
        label="Police records file",
        queryset=police_imports_completed(),
        empty_label="Select",
        help_text="A completed import of a police records file",
        error_messages={
            "required": "Select the police records file to check against",
            "invalid_choice": "Select the police records file to check against",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["population"].choices = [(p.key, p.label) for p in POPULATIONS.values()]
        self.fields["police_import"].queryset = police_imports_completed()


DECISIONS = [
    (BulkMatchStatus.CONFIRMED.value, "Yes, the police record is this person"),
    (BulkMatchStatus.REJECTED.value, "No, not the same person"),
]


class BulkMatchDecisionForm(GovUKForm):
    decision = forms.ChoiceField(
        label="Is the police record about this person?",
        widget=forms.RadioSelect,
        choices=DECISIONS,
        error_messages={
            "required": "Select whether the police record is about this person",
            "invalid_choice": "Select whether the police record is about this person",
        },
    )
    reason = forms.CharField(
        label="Reason for your decision",
        widget=forms.Textarea,
        max_length=2000,
        help_text="What you checked and what decided it, for example 'Same date of birth and CRO number "
        "as on the Home Office file'",
        error_messages={
            "required": "Enter the reason for your decision",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )
