"""Forms for the linkage review pages: the clerical decision on a pair, the review queue filter and
the incremental-match trial. The services validate again; these give the GOV.UK messages."""

from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.linkage import rules
from waymark.linkage.selectors.review import QUEUE_STATUS_CHOICES

DECISIONS = [
    ("match", "Yes, the same person"),
    ("not_match", "No, not the same person"),
    ("unsure", "Unsure: refer to a senior reviewer"),
]
DECISION_HINTS = {
    "match": "The two people are merged into one record (a records manager can undo the merge).",
    "not_match": "The records stay apart and the pair will not be offered again.",
    "unsure": "The pair stays in the review queue, marked for a senior reviewer.",
}


class PairDecisionForm(GovUKForm):
    decision = forms.ChoiceField(
        label="Are these records about the same person?",
        widget=forms.RadioSelect,
        choices=DECISIONS,
        error_messages={
            "required": "Select whether the two records are about the same person",
            "invalid_choice": "Select whether the two records are about the same person",
        },
    )
    reason = forms.CharField(
        label="Reason for your decision",
        widget=forms.Textarea,
        max_length=2000,
        help_text="What you checked and what decided it, for example 'Same HO reference on the "
        "Home Office file; the dates of birth differ by a typing error'",
        error_messages={
            "required": "Enter the reason for your decision",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )


class QueueFilterForm(GovUKForm):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Waiting or unsure"), *QUEUE_STATUS_CHOICES],
    )
    band = forms.ChoiceField(
        label="Match probability",
        required=False,
        choices=[("", "Any probability"), *((k, label) for k, label, _ in rules.REVIEW_BANDS)],
    )

    def chosen(self) -> tuple[str, str]:
        if not (self.is_bound and self.is_valid()):
            return "", ""
        return self.cleaned_data.get("status") or "", self.cleaned_data.get("band") or ""


SEX_CHOICES = [("", "Not known"), ("M", "Male"), ("F", "Female")]


class MatchTrialForm(GovUKForm):
    """One set of details to match against everyone already linked (intake, an encounter, a letter)."""

    given_names = forms.CharField(label="Given names", max_length=200, required=False)
    family_name = forms.CharField(label="Family name", max_length=200, required=False)
    date_of_birth = GovUKDateField(label="Date of birth", required=False, allow_future=False)
    sex = forms.ChoiceField(
        label="Sex", required=False, choices=SEX_CHOICES, widget=forms.RadioSelect
    )
    nationality = forms.CharField(
        label="Nationality",
        max_length=60,
        required=False,
        help_text="A country code or name, for example NGA or Nigeria",
    )
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    phone = forms.CharField(
        label="Phone number",
        max_length=30,
        required=False,
        help_text="UK or international, for example 07700 900123 or +44 7700 900123",
    )
    home_office_ref = forms.CharField(label="Home Office reference", max_length=30, required=False)
    pnc_id = forms.CharField(label="Police National Computer ID", max_length=30, required=False)
    purpose = forms.CharField(
        label="Why are you checking these details?",
        max_length=200,
        help_text="Recorded in the audit trail against each person shown, for example 'Intake interview'",
        error_messages={"required": "Enter why you are checking these details"},
    )

    def clean(self):
        data = super().clean()
        names = data.get("given_names") or data.get("family_name")
        refs = data.get("home_office_ref") or data.get("pnc_id")
        if not (names or refs):
            self.add_error(
                None, "Enter a name, a Home Office reference or a Police National Computer ID"
            )
        return data

    def details(self) -> dict:
        """The cleaned details, without the empty ones."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
