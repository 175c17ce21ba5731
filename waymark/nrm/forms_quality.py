"""Forms for dip sampling, ratings and trend reviews."""

from __future__ import annotations

from datetime import date

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.nrm import rules


class DrawForm(GovUKForm):
    period_start = GovUKDateField(label="Start of the period", allow_future=False)
    period_end = GovUKDateField(label="End of the period", allow_future=False)


class RatingForm(GovUKForm):
    rating = forms.ChoiceField(
        label="Rating",
        choices=list(rules.QUALITY_RATINGS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose red, amber or green"},
    )
    reason_codes = forms.MultipleChoiceField(
        label="Reasons",
        choices=list(rules.QUALITY_REASON_CODES.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one reason"},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=4000,
        widget=forms.Textarea,
        help_text="Needed for a red rating: what was wrong and what the decision maker should do",
    )


def quarter_choices(today: date, years: int = 2) -> list[tuple[str, str]]:
    """The quarters started in the last ``years`` years, newest first."""
    out = []
    year, month = today.year, ((today.month - 1) // 3) * 3 + 1
    for _ in range(years * 4):
        start = date(year, month, 1)
        out.append((start.isoformat(), f"{start:%B %Y} quarter"))
        month -= 3
        if month < 1:
            month += 12
            year -= 1
    return out


class TrendReviewForm(GovUKForm):
    quarter_start = forms.TypedChoiceField(
        label="Quarter",
        coerce=date.fromisoformat,
        error_messages={"required": "Choose a quarter"},
    )
    findings = forms.CharField(
        label="What the review found", max_length=8000, widget=forms.Textarea
    )
    actions = forms.CharField(
        label="Actions agreed", required=False, max_length=8000, widget=forms.Textarea
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter_start"].choices = [("", "Choose a quarter"), *quarter_choices(today)]
