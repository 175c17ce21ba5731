"""Forms for the decision pages. Each carries only what the page asks; the rules (who may, when,
what is required for what) are the services', whose refusals come back onto the form."""

from __future__ import annotations

from django import forms

from waymark.documents.models import ServiceMethod
from waymark.nrm import rules
from waymark.nrm.services.disqualification import RISK_LEVELS

LEVEL_CHOICES = [("", "No safeguarding risk recorded")] + [
    (str(k), v) for k, v in rules.SAFEGUARDING_LEVELS.items()
]
YES_NO = [("yes", "Yes"), ("no", "No")]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", widget=forms.RadioSelect, choices=())
    evidence_considered = forms.CharField(
        label="Evidence considered", widget=forms.Textarea, required=False
    )
    rationale = forms.CharField(
        label="Rationale against the legal test", widget=forms.Textarea, required=False
    )
    safeguarding_level = forms.ChoiceField(
        label="Safeguarding risk level",
        choices=LEVEL_CHOICES,
        required=False,
        help_text="Any level needs a safeguarding adviser's advice before sign-off",
    )

    def __init__(self, *args, stage: str = "rg", **kwargs):
        super().__init__(*args, **kwargs)
        outcomes = rules.RG_OUTCOMES if stage == "rg" else rules.CG_OUTCOMES
        self.fields["outcome"].choices = list(outcomes.items())
        self.fields["outcome"].error_messages["required"] = "Select the outcome of the decision"


class ServeForm(forms.Form):
    method = forms.ChoiceField(
        label="How the decision is served",
        widget=forms.RadioSelect,
        choices=ServiceMethod.choices,
        error_messages={"required": "Select how the decision was served"},
    )
    with_letter = forms.BooleanField(
        label="Make the decision letter and record its service", required=False, initial=True
    )


class LetterForm(forms.Form):
    """No fields: the page's one button; a refusal (an empty merge field) goes on the form."""


class CheckForm(forms.Form):
    agree = forms.ChoiceField(
        label="Do you agree with the decision?",
        widget=forms.RadioSelect,
        choices=YES_NO,
        error_messages={"required": "Select whether you agree with the decision"},
    )
    reasons = forms.CharField(
        label="Reasons",
        widget=forms.Textarea,
        required=False,
        help_text="Required when you disagree: the decision maker sees them",
    )


class UrgentServiceForm(forms.Form):
    reason = forms.CharField(
        label="Why must the decision be served before its check?",
        widget=forms.Textarea,
        required=False,
    )


class AdviceForm(forms.Form):
    advice_text = forms.CharField(
        label="Safeguarding advice", widget=forms.Textarea, required=False
    )
    no_action_required = forms.BooleanField(label="No further action required", required=False)
    service_advice = forms.CharField(
        label="Formal advice on how the decision is served",
        widget=forms.Textarea,
        required=False,
        help_text="Required for level 3 when the person is not detained and has no legal "
        "representative",
    )


class DutyCallForm(forms.Form):
    caller = forms.CharField(
        label="Who called",
        required=False,
        max_length=200,
        error_messages={"max_length": "Who called must be 200 characters or fewer"},
    )
    summary = forms.CharField(
        label="What the call was about", widget=forms.Textarea, required=False
    )
    risk_level = forms.ChoiceField(label="Risk level", choices=LEVEL_CHOICES, required=False)
    actions = forms.CharField(label="Actions taken", widget=forms.Textarea, required=False)


class DutyFollowUpForm(forms.Form):
    step = forms.ChoiceField(
        label="What are you recording?",
        widget=forms.RadioSelect,
        choices=[("follow_up", "Follow-up"), ("debrief", "Debrief (closes the call)")],
        error_messages={"required": "Select follow-up or debrief"},
    )
    text = forms.CharField(label="Details", widget=forms.Textarea, required=False)


class DisqualificationNoticeForm(forms.Form):
    grounds = forms.CharField(label="Public order grounds", widget=forms.Textarea, required=False)
    consequences_stated = forms.CharField(
        label="Consequences of disqualification stated in the notice",
        widget=forms.Textarea,
        required=False,
    )


class DisqualificationResponseForm(forms.Form):
    response = forms.CharField(label="The person's response", widget=forms.Textarea, required=False)


class DisqualificationAssessForm(forms.Form):
    risk = forms.ChoiceField(
        label="Risk of re-trafficking",
        widget=forms.RadioSelect,
        choices=list(RISK_LEVELS.items()),
        error_messages={"required": "Select the risk of re-trafficking"},
    )
    assessment = forms.CharField(label="Assessment", widget=forms.Textarea, required=False)


class DisqualificationDecideForm(forms.Form):
    disqualified = forms.ChoiceField(
        label="Is the person disqualified on public order grounds?",
        widget=forms.RadioSelect,
        choices=YES_NO,
        error_messages={"required": "Select whether the person is disqualified"},
    )
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea, required=False)


class ReconsiderationForm(forms.Form):
    requester_type = forms.ChoiceField(
        label="Who is asking",
        widget=forms.RadioSelect,
        choices=list(rules.RECONSIDERATION_REQUESTERS.items()),
        error_messages={"required": "Select whether a first responder or support provider asks"},
    )
    requester_name = forms.CharField(
        label="Organisation or name",
        required=False,
        max_length=200,
        error_messages={"max_length": "The organisation or name must be 200 characters or fewer"},
    )
    grounds = forms.CharField(
        label="Grounds for reconsideration", widget=forms.Textarea, required=False
    )
    late_reason = forms.CharField(
        label="Why the request is late (if it is)",
        widget=forms.Textarea,
        required=False,
        help_text=f"Needed more than {rules.RECONSIDERATION_WINDOW_DAYS} days after service",
    )


class ReconsiderationDecideForm(forms.Form):
    upheld = forms.ChoiceField(
        label="Does the original decision stand?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes, it stands"), ("no", "No, overturn it and draft a new decision")],
        error_messages={"required": "Select whether the decision stands"},
    )
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea, required=False)
