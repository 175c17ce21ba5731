"""GOV.UK forms for quality assurance (issue 20 item 1). Thin: the services validate the rules
(rates 0-100%, a cap not negative, reasons for red and amber) and their messages land here."""

from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm, radios, text
from waymark.oversight import rules
from waymark.oversight.models import QADispute, RuleMethod

RAG_CHOICES = [("green", "Green"), ("amber", "Amber"), ("red", "Red")]


class RuleForm(GovUKForm):
    name = text("Name of the rule", "Enter a name for the rule", max_length=200)
    kind_key = forms.ChoiceField(
        label="Kind of work", choices=(), error_messages={"required": "Choose the kind of work"}
    )
    method = radios("How it samples", RuleMethod.choices, "Choose how the rule samples")
    rate_percent = forms.CharField(
        label="Rate, as a percentage (optional for 'all of a category')",
        required=False,
        max_length=10,
        help_text="From 0 to 100. For adaptive rules, the rate at the normal level",
    )
    monthly_cap = forms.IntegerField(
        label="Monthly cap (optional)",
        required=False,
        help_text="The most items the rule draws in a month",
        error_messages={"invalid": "Enter the monthly cap as a whole number"},
    )
    category = forms.CharField(
        label="Category (for 'all of a category')", required=False, max_length=80
    )
    age_days = forms.IntegerField(
        label="Age in days (for time-driven rules)",
        required=False,
        error_messages={"invalid": "Enter the age as a whole number of days"},
    )
    per_person = forms.BooleanField(
        label="Adaptive: keep a level for each person (not one for the kind of work)",
        required=False,
    )
    tightened_percent = forms.CharField(
        label="Adaptive: tightened rate, as a percentage (optional)", required=False, max_length=10
    )
    reduced_percent = forms.CharField(
        label="Adaptive: reduced rate, as a percentage (optional)", required=False, max_length=10
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind_key"].choices = [("", "Choose the kind of work"), *kinds]


class DrawForm(GovUKForm):
    period_start = GovUKDateField(label="Start of the period")
    period_end = GovUKDateField(label="End of the period")


class ReviewForm(GovUKForm):
    """One radio group (red/amber/green), reasons and a note per checklist question."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for q in self.questions:
            label = f"{q.order}. {q.text}" + (f" ({q.area})" if q.area else "")
            self.fields[f"q{q.pk}"] = forms.ChoiceField(
                label=label,
                choices=RAG_CHOICES,
                widget=forms.RadioSelect,
                required=False,
                help_text=q.guidance,
            )
            self.fields[f"q{q.pk}_reasons"] = forms.MultipleChoiceField(
                label="Reasons (for red or amber)",
                choices=[(c, lbl) for c, lbl in q.failure_reasons],
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
            self.fields[f"q{q.pk}_note"] = forms.CharField(
                label="Note (optional)",
                required=False,
                max_length=rules.TEXT_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["feedback"] = forms.CharField(
            label="Feedback to the person (optional)",
            required=False,
            max_length=rules.TEXT_MAX_CHARS,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        self.fields["corrective_action"] = forms.CharField(
            label="What must be put right on the case (optional)",
            required=False,
            max_length=rules.TEXT_MAX_CHARS,
            help_text="Creates a corrective task for the person; only with a red or amber rating",
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def answers(self) -> dict[int, dict]:
        data = self.cleaned_data
        return {
            q.pk: {
                "rating": data.get(f"q{q.pk}") or "",
                "reason_codes": data.get(f"q{q.pk}_reasons") or [],
                "note": data.get(f"q{q.pk}_note") or "",
            }
            for q in self.questions
        }


class DisputeForm(GovUKForm):
    grounds = forms.CharField(
        label="Why do you dispute the review",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter why you dispute the review"},
    )


class DisputeDecideForm(GovUKForm):
    outcome = radios(
        "Decision",
        [
            (QADispute.Outcome.UPHELD, "Upheld: the rating changes"),
            (QADispute.Outcome.REJECTED, "Not upheld: the rating stands"),
        ],
        "Choose whether the dispute is upheld",
    )
    revised_rating = radios(
        "The rating that stands (if upheld)", RAG_CHOICES, "Choose a rating", required=False
    )
    reasons = forms.CharField(
        label="Reasons for the decision",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter the reasons for the decision"},
    )


class ObservationForm(GovUKForm):
    team = forms.TypedChoiceField(
        label="Team observed",
        coerce=int,
        choices=(),
        error_messages={"required": "Choose the team observed"},
    )
    observed_on = GovUKDateField(label="Date of the observation")
    rating = radios("Rating", RAG_CHOICES, "Choose red, amber or green")
    notes = forms.CharField(
        label="What the observation found",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter what the observation found"},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "Choose the team"), *teams]
