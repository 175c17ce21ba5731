"""Forms for the referral pages. The referral form is built from the form version's questions;
the services validate again (the form only shapes the input)."""

from __future__ import annotations

from typing import Any

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.nrm import rules
from waymark.nrm.models import PreparationStatus


def _choices(mapping: dict) -> list[tuple]:
    return list(mapping.items())


class ReferralForm(GovUKForm):
    """The referral: who refers, consent and age (a child's local authority), HTCDS codes, and the
    version's questions as ``q_<key>`` fields; the person's details when not referred from a
    record."""

    def __init__(self, *args, questions: list[dict[str, Any]], with_person: bool, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        if with_person:
            f["given_names"] = forms.CharField(label="Given names", max_length=200)
            f["family_name"] = forms.CharField(label="Family name", max_length=200)
            f["date_of_birth"] = GovUKDateField(label="Date of birth", required=False)
            f["nationality"] = forms.CharField(
                label="Nationality (3-letter code)", max_length=3, required=False
            )
            f["confirm_person_id"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
            f["create_person"] = forms.BooleanField(
                label="Nobody held matches: create a new record", required=False
            )
        f["referrer_type"] = forms.ChoiceField(
            label="You are referring as", choices=_choices(rules.REFERRER_TYPES)
        )
        f["consent"] = forms.ChoiceField(
            label="Consent", choices=_choices(rules.CONSENT), widget=forms.RadioSelect
        )
        f["age_group"] = forms.ChoiceField(
            label="Age", choices=_choices(rules.AGE_GROUPS), widget=forms.RadioSelect
        )
        f["local_authority"] = forms.CharField(
            label="Local authority informed",
            help_text="Needed for a child",
            max_length=200,
            required=False,
        )
        f["detained"] = forms.BooleanField(label="The person is detained", required=False)
        f["has_legal_representative"] = forms.BooleanField(
            label="The person has a legal representative", required=False
        )
        f["priority_cohort"] = forms.ChoiceField(
            label="Priority cohort", choices=_choices(rules.PRIORITY_COHORTS), initial="none"
        )
        f["exploitation_types"] = forms.MultipleChoiceField(
            label="Type of exploitation",
            choices=_choices(rules.EXPLOITATION_TYPES),
            widget=forms.CheckboxSelectMultiple,
        )
        f["control_methods"] = forms.MultipleChoiceField(
            label="Means of control",
            choices=_choices(rules.CONTROL_METHODS),
            widget=forms.CheckboxSelectMultiple,
        )
        for q in questions:
            f[f"q_{q['key']}"] = forms.CharField(
                label=q["label"],
                required=bool(q.get("required")),
                widget=forms.Textarea if q.get("type") == "text" else forms.TextInput,
            )

    def answers(self) -> dict[str, str]:
        return {
            name[2:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value
        }


class WithdrawForm(GovUKForm):
    reason = forms.CharField(label="Why is the referral withdrawn?", widget=forms.Textarea)


class PreparationForm(GovUKForm):
    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"] = forms.ChoiceField(
            label="Source", choices=[(i.pk, i.get_source_display()) for i in items]
        )
        self.fields["status"] = forms.ChoiceField(
            label="What the source holds",
            choices=[
                (PreparationStatus.GATHERED, "Gathered"),
                (PreparationStatus.NOT_AVAILABLE, "Nothing held"),
            ],
            widget=forms.RadioSelect,
        )
        self.fields["summary"] = forms.CharField(
            label="Summary", widget=forms.Textarea, required=False
        )


class InformationRequestForm(GovUKForm):
    requested_from = forms.CharField(label="Requested from", max_length=200)
    questions = forms.CharField(label="Information needed", widget=forms.Textarea)
    is_s58_notice = forms.BooleanField(
        label="This is a slavery or trafficking information notice (s58)", required=False
    )
    due_on = GovUKDateField(
        label="Answer due by", help_text="Leave blank for the standard period", required=False
    )


class QualityForm(GovUKForm):
    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["met"] = forms.MultipleChoiceField(
            label="Checklist items met",
            choices=_choices(rules.QUALITY_CHECKLIST),
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        self.fields["feedback"] = forms.CharField(label="Feedback", widget=forms.Textarea)
        self.fields["point_of_contact"] = forms.ChoiceField(
            label="Referring team's single point of contact",
            choices=[("", "Choose")] + [(u.pk, u.display_name) for u in contacts],
            required=False,
        )
        self.fields["send"] = forms.BooleanField(label="Send the feedback now", required=False)


class DutyToNotifyForm(GovUKForm):
    referrer_type = forms.ChoiceField(
        label="You are notifying as", choices=_choices(rules.REFERRER_TYPES)
    )
    nationality = forms.CharField(label="Nationality (3-letter code)", max_length=3, required=False)
    sex = forms.ChoiceField(
        label="Sex",
        choices=[("", "Not given"), ("female", "Female"), ("male", "Male"), ("other", "Other")],
        required=False,
    )
    exploitation_types = forms.MultipleChoiceField(
        label="Type of exploitation",
        choices=_choices(rules.EXPLOITATION_TYPES),
        widget=forms.CheckboxSelectMultiple,
    )
    control_methods = forms.MultipleChoiceField(
        label="Means of control",
        choices=_choices(rules.CONTROL_METHODS),
        widget=forms.CheckboxSelectMultiple,
    )
    where_exploited = forms.CharField(label="Where (town or country)", required=False)
    summary = forms.CharField(
        label="What happened",
        help_text="Do not include a name, date of birth, address or contact details",
        widget=forms.Textarea,
        required=False,
    )


class AllocateForm(GovUKForm):
    """A manager names the decision maker and/or the case preparer (at least one: the service
    says so, and nothing changes)."""

    def __init__(self, *args, decision_makers, case_preparers, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision_maker"] = forms.ChoiceField(
            label="Decision maker",
            choices=[("", "Leave as it is")] + [(u.pk, u.display_name) for u in decision_makers],
            required=False,
            initial=referral.decision_maker_id or "",
        )
        self.fields["case_preparer"] = forms.ChoiceField(
            label="Case preparer",
            help_text="Open case preparation tasks move to them",
            choices=[("", "Leave as it is")] + [(u.pk, u.display_name) for u in case_preparers],
            required=False,
            initial=referral.case_preparer_id or "",
        )


class InformationAnswerForm(GovUKForm):
    answer = forms.CharField(label="The answer received", widget=forms.Textarea)
    late_reason = forms.CharField(
        label="Good reason for answering after the due date",
        help_text=(
            "Only for an answer after the due date. Without a reason it is recorded as late "
            "without good reason"
        ),
        widget=forms.Textarea,
        required=False,
    )
