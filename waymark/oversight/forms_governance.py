"""GOV.UK forms for governance (issue 20 item 6): registers, risks, reviews, acceptances,
supplier issues, complaints and lessons. Thin: the services validate the rules (a likelihood
outside 1-5, a response before receipt, an acceptance by the risk's owner) and their messages
land on these fields."""

from __future__ import annotations

from django import forms

from waymark.core.calendars import NATION_CHOICES
from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.oversight import rules
from waymark.oversight.models import (
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintTheme,
    LessonSource,
    RegisterKind,
)

SCORES = [(str(n), str(n)) for n in range(rules.RISK_SCORE_MIN, rules.RISK_SCORE_MAX + 1)]
LIKELIHOOD_HINT = "1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain"
IMPACT_HINT = "1 minimal, 2 minor, 3 moderate, 4 major, 5 severe"


def _area(label: str, message: str = "", required: bool = True, hint: str = "", rows: int = 4):
    return forms.CharField(
        label=label,
        required=required,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": message or f"Enter {label.lower()}"},
    )


def _score(label: str, hint: str) -> forms.ChoiceField:
    message = f"Select the {label.lower()}, from 1 to 5"  # noqa: S608 (not SQL)
    return forms.ChoiceField(
        label=label,
        help_text=hint,
        choices=SCORES,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )


def _person(label: str, message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, coerce=int, choices=(), error_messages={"required": message}
    )


class RegisterForm(GovUKForm):
    name = forms.CharField(label="Name of the register", max_length=200)
    kind = forms.ChoiceField(
        label="Kind of register",
        choices=RegisterKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of register"},
    )
    owner = _person("Owner", "Select the register's owner")
    description = _area("Description (optional)", required=False, rows=3)
    contract_owner = forms.TypedChoiceField(
        label="Contract owner (joint registers)",
        coerce=int,
        choices=(),
        required=False,
        empty_value=None,
    )
    supplier = forms.CharField(label="Supplier (joint registers)", required=False, max_length=200)
    contract = forms.CharField(label="Contract (optional)", required=False, max_length=200)

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Select the owner"), *people]
        self.fields["contract_owner"].choices = [("", "No contract owner"), *people]


class RiskForm(GovUKForm):
    title = forms.CharField(label="Risk", max_length=200, help_text="A short name for the risk")
    cause = _area("Cause", hint="What could make it happen", rows=3)
    effect = _area("Effect", hint="What would happen if it did", rows=3)
    owner = _person("Owner", "Select the risk's owner")
    likelihood = _score("Likelihood", LIKELIHOOD_HINT)
    impact = _score("Impact", IMPACT_HINT)
    controls = _area("Controls in place (optional)", required=False, rows=3)
    mitigating_actions = _area("Mitigating actions (optional)", required=False, rows=3)
    target_likelihood = _score("Target likelihood", "Where the mitigations should bring it")
    target_impact = _score("Target impact", "Where the mitigations should bring it")

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Select the owner"), *people]


class RiskEditForm(RiskForm):
    """A risk's words, owner and target; its likelihood and impact change only by a review."""

    reason = _area("Why it is changed", "Enter why the risk is changed", rows=3)

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, people=people, **kwargs)
        del self.fields["likelihood"], self.fields["impact"]


class RiskReviewForm(GovUKForm):
    reviewed_on = GovUKDateField(label="Date of the review", allow_future=False)
    likelihood = _score("Likelihood", LIKELIHOOD_HINT)
    impact = _score("Impact", IMPACT_HINT)
    note = _area("What the review found", "Enter what the review found")


class RiskAcceptForm(GovUKForm):
    expires_on = GovUKDateField(
        label="Accepted until",
        help_text=f"At most {rules.RISK_ACCEPTANCE_MAX_DAYS} days from today; the risk is "
        "reviewed by then",
    )
    reason = _area("Why the risk is accepted", "Enter why the risk is accepted")


class ReasonForm(GovUKForm):
    reason = _area("Reason", "Enter the reason", rows=3)


class SupplierIssueForm(GovUKForm):
    title = forms.CharField(label="Issue", max_length=200)
    description = _area("What the issue is", "Enter what the issue is")
    owner = _person("Owner on our side", "Select who owns the issue on our side")
    raised_on = GovUKDateField(label="Date raised with the supplier", allow_future=False)
    supplier_contact = forms.CharField(
        label="Supplier contact (optional)", required=False, max_length=200
    )
    target_on = GovUKDateField(label="Target date for a fix (optional)", required=False)
    risk = forms.TypedChoiceField(
        label="Linked risk (optional)", coerce=int, choices=(), required=False, empty_value=None
    )

    def __init__(self, *args, people, risks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Select the owner"), *people]
        self.fields["risk"].choices = [("", "No linked risk"), *risks]


class SupplierIssueMoveForm(GovUKForm):
    status = forms.ChoiceField(
        label="New status",
        choices=(),
        widget=forms.RadioSelect,
        error_messages={"required": "Select the issue's new status"},
    )
    note = _area("What happened", "Enter a note of what happened", rows=3)

    def __init__(self, *args, statuses: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = statuses


class ComplaintForm(GovUKForm):
    channel = forms.ChoiceField(
        label="How was the complaint received",
        choices=ComplaintChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the complaint was received"},
    )
    received_on = GovUKDateField(label="Date received", allow_future=False)
    complainant = forms.CharField(
        label="Who complained",
        max_length=200,
        help_text="The person, their representative or their MP",
    )
    person_reference = forms.CharField(
        label="Waymark reference of the person concerned (optional)",
        required=False,
        max_length=20,
        help_text="For example, WM-0001234, if we hold a record of them",
    )
    summary = _area("What is the complaint about", "Enter what the complaint is about")
    themes = forms.MultipleChoiceField(
        label="Themes",
        choices=ComplaintTheme.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one theme"},
    )
    nation = forms.ChoiceField(
        label="Whose bank holidays count for the target",
        choices=NATION_CHOICES,
        initial=rules.COMPLAINT_DEFAULT_NATION,
        widget=forms.RadioSelect,
    )
    # Set when recorded from a correspondence item (``?correspondence=<id>``): kept, not shown.
    correspondence_item = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class ComplaintAllocateForm(GovUKForm):
    handler = _person("Handler", "Select the member of staff who handles the complaint")

    def __init__(self, *args, handlers: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].choices = [("", "Select the handler"), *handlers]


class ComplaintRespondForm(GovUKForm):
    responded_on = GovUKDateField(label="Date of the response", allow_future=False)
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=ComplaintOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the complaint was upheld"},
    )
    response = _area("The response", "Enter the response", rows=5)


class ComplaintReviewRequestForm(GovUKForm):
    requested_on = GovUKDateField(label="Date the review was asked for", allow_future=False)
    reason = _area(
        "Why the complainant is not satisfied", "Enter why the complainant is not satisfied"
    )


class ComplaintOmbudsmanReferForm(GovUKForm):
    referred_on = GovUKDateField(label="Date the Ombudsman took it up", allow_future=False)
    reference = forms.CharField(
        label="The Ombudsman's reference",
        max_length=60,
        error_messages={"required": "Enter the Ombudsman's reference"},
    )


class ComplaintOmbudsmanDecideForm(GovUKForm):
    decided_on = GovUKDateField(label="Date of the finding", allow_future=False)
    outcome = forms.ChoiceField(
        label="The Ombudsman's finding",
        choices=ComplaintOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the Ombudsman upheld the complaint"},
    )
    finding = _area("What the Ombudsman found", "Enter what the Ombudsman found", rows=5)
    remedy = _area("Remedy recommended (optional)", required=False, rows=3)


class LessonForm(GovUKForm):
    title = forms.CharField(label="Title", max_length=200)
    source_type = forms.ChoiceField(
        label="Where the lesson came from",
        choices=LessonSource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the lesson came from"},
    )
    source_reference = forms.CharField(
        label="Source reference",
        max_length=200,
        help_text="The review, claim or incident number, for example 'ICIBI EM inspection 2025'",
    )
    summary = _area(
        "What happened",
        "Enter what happened",
        hint="Do not name the people concerned: lessons are read by every member of staff",
    )
    lesson = _area("The lesson", "Enter the lesson")
    actions = _area("Actions (optional)", required=False, rows=3)
    owner = _person("Owner", "Select the lesson's owner")
    learned_on = GovUKDateField(label="Date learned", allow_future=False)

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Select the owner"), *people]
