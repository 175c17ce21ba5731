"""Forms for the people pages: validation only; every write goes through ``services``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from waymark.accounts.models import Team, User
from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.people.countries import country_choices
from waymark.people.models import (
    FlagType,
    NameType,
    ReferenceType,
    Sex,
    VulnerabilityAssessment,
    VulnerabilityStatus,
    VulnerabilityType,
)


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class PersonSearchForm(GovUKForm):
    reference = forms.CharField(required=False, max_length=100, label="Reference")
    name = forms.CharField(required=False, max_length=200, label="Name")
    date_of_birth = GovUKDateField(label="Date of birth", required=False, allow_future=False)
    nationality = forms.ChoiceField(required=False, label="Nationality")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = [("", "Any nationality"), *country_choices()]

    def clean(self):
        data = super().clean()
        if not self.errors and not any(
            data.get(k) for k in ("reference", "name", "date_of_birth", "nationality")
        ):
            raise ValidationError("Enter a reference, name, date of birth or nationality to search")
        return data


class NoteForm(GovUKForm):
    text = forms.CharField(
        widget=forms.Textarea,
        max_length=10000,
        label="Note",
        error_messages=_required("Enter the note"),
    )


class NoteCorrectForm(GovUKForm):
    text = forms.CharField(
        widget=forms.Textarea,
        max_length=10000,
        label="Corrected note",
        error_messages=_required("Enter the corrected note"),
    )
    reason = forms.CharField(
        max_length=500,
        label="Why does the note need correcting?",
        error_messages=_required("Enter why the note needs correcting"),
    )


class OwnershipForm(GovUKForm):
    team = forms.ModelChoiceField(
        queryset=Team.objects.filter(is_active=True),
        required=False,
        label="Owning team",
        empty_label="No owning team (ownership unclear)",
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, is_machine=False),
        required=False,
        label="Case owner",
        empty_label="No named case owner",
    )
    reason = forms.CharField(
        max_length=500,
        label="Reason for the change",
        error_messages=_required("Enter the reason for the change"),
    )


class AliasForm(GovUKForm):
    name_type = forms.ChoiceField(
        choices=[(v, label) for v, label in NameType.choices if v != NameType.PRIMARY],
        label="Type of name",
        error_messages=_required("Select the type of name"),
    )
    given_names = forms.CharField(required=False, max_length=200, label="Given names")
    family_name = forms.CharField(
        max_length=200, label="Family name", error_messages=_required("Enter the family name")
    )
    source = forms.CharField(
        max_length=200, label="Source", error_messages=_required("Enter where this name came from")
    )


class ReferenceForm(GovUKForm):
    reference_type = forms.ChoiceField(
        choices=ReferenceType.choices,
        label="Type of reference",
        error_messages=_required("Select the type of reference"),
    )
    value = forms.CharField(
        max_length=100, label="Reference", error_messages=_required("Enter the reference")
    )
    source = forms.CharField(required=False, max_length=200, label="Source (optional)")


class VulnerabilityForm(GovUKForm):
    vulnerability_type = forms.ChoiceField(
        choices=VulnerabilityType.choices,
        label="Type of vulnerability",
        error_messages=_required("Select the type of vulnerability"),
    )
    source = forms.CharField(
        max_length=200,
        label="Source",
        error_messages=_required("Enter where this information came from"),
    )
    identified_on = GovUKDateField(label="Date identified", allow_future=False)
    status = forms.ChoiceField(
        choices=VulnerabilityStatus.choices,
        label="Status",
        error_messages=_required("Select the status"),
    )
    evidence = forms.CharField(
        required=False, widget=forms.Textarea, max_length=5000, label="Evidence (optional)"
    )


class VulnerabilityAssessmentForm(GovUKForm):
    assessment = forms.ChoiceField(
        choices=[
            (VulnerabilityAssessment.NONE_IDENTIFIED, "No vulnerabilities identified"),
            (VulnerabilityAssessment.VULNERABLE, "Vulnerabilities identified"),
        ],
        widget=forms.RadioSelect,
        label="Outcome of the vulnerability assessment",
        error_messages=_required("Select the outcome of the assessment"),
    )
    note = forms.CharField(required=False, max_length=500, label="Note (optional)")


class FlagForm(GovUKForm):
    flag_type = forms.ChoiceField(
        choices=FlagType.choices,
        label="Type of flag",
        error_messages=_required("Select the type of flag"),
    )
    detail = forms.CharField(required=False, max_length=500, label="Detail")
    caveat = forms.CharField(
        required=False,
        max_length=500,
        label="Caveat (optional)",
        help_text="A Nexus high-harm flag always carries the police intelligence caveat",
    )


class ReasonForm(GovUKForm):
    reason = forms.CharField(
        max_length=500, label="Reason", error_messages=_required("Enter the reason")
    )


class ProtectedCharacteristicsReasonForm(GovUKForm):
    reason = forms.CharField(
        max_length=500,
        label="Why do you need to see this person's protected characteristics?",
        error_messages=_required("Enter why you need to see protected characteristics"),
    )


class MergeForm(GovUKForm):
    other_reference = forms.CharField(
        max_length=20,
        label="Waymark reference of the other record",
        help_text="The other record is merged into this one; for example WM-0001234",
        error_messages=_required("Enter the Waymark reference of the other record"),
    )
    reason = forms.CharField(
        max_length=500,
        label="Why are these records the same person?",
        error_messages=_required("Enter why these records are the same person"),
    )

    def clean_other_reference(self):
        value = "".join(self.cleaned_data["other_reference"].split()).upper()
        if not value.startswith("WM-"):
            raise ValidationError("Enter a Waymark reference in the format WM-0001234")
        return value


class PersonCreateForm(GovUKForm):
    given_names = forms.CharField(
        max_length=200, label="Given names", error_messages=_required("Enter the given names")
    )
    family_name = forms.CharField(
        max_length=200, label="Family name", error_messages=_required("Enter the family name")
    )
    date_of_birth = GovUKDateField(
        label="Date of birth",
        required=False,
        allow_future=False,
        help_text="For example, 27 3 1990. Leave empty if not known.",
    )
    sex = forms.ChoiceField(
        choices=Sex.choices,
        initial=Sex.NOT_RECORDED,
        widget=forms.RadioSelect,
        label="Sex",
        error_messages=_required("Select the sex, or Not recorded"),
    )
    nationality = forms.ChoiceField(required=False, label="Nationality (optional)")
    reference_type = forms.ChoiceField(required=False, label="Type of reference (optional)")
    reference_value = forms.CharField(required=False, max_length=100, label="Reference (optional)")
    owning_team = forms.ChoiceField(
        required=False,
        label="Owning team",
        help_text="Your team unless another team has the case. Choose “Ownership unclear” only "
        "if nobody has taken it yet: it goes to the ownership queue to be decided, and you will "
        "not see it until a team takes it.",
    )
    no_match_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = [("", "Not known"), *country_choices()]
        self.fields["reference_type"].choices = [("", "No reference"), *ReferenceType.choices]
        self.fields["owning_team"].choices = [
            ("", "Ownership unclear"),
            *((str(t.pk), t.name) for t in teams),
        ]
        self.teams = {str(t.pk): t for t in teams}
        if teams and not self.is_bound:
            # The maker's own team: a record with no owner is hidden from the person who made it.
            self.initial.setdefault("owning_team", str(teams[0].pk))

    def clean(self):
        data = super().clean()
        if bool(data.get("reference_type")) != bool(data.get("reference_value")):
            self.add_error(
                "reference_value" if data.get("reference_type") else "reference_type",
                "Enter both the type of reference and the reference, or neither",
            )
        data["owning_team"] = self.teams.get(data.get("owning_team") or "")
        return data


class PersonDetailsForm(GovUKForm):
    given_names = forms.CharField(
        max_length=200, label="Given names", error_messages=_required("Enter the given names")
    )
    family_name = forms.CharField(
        max_length=200, label="Family name", error_messages=_required("Enter the family name")
    )
    date_of_birth = GovUKDateField(label="Date of birth", required=False, allow_future=False)
    sex = forms.ChoiceField(choices=Sex.choices, widget=forms.RadioSelect, label="Sex")
    main_language = forms.CharField(required=False, max_length=100, label="Main language")
    interpreter_needed = forms.ChoiceField(
        choices=[("no", "No"), ("yes", "Yes")],
        widget=forms.RadioSelect,
        label="Needs an interpreter",
    )
    no_fixed_abode = forms.ChoiceField(
        choices=[("no", "No: has an address"), ("yes", "Yes: no fixed abode")],
        widget=forms.RadioSelect,
        label="No fixed abode",
        help_text="Addresses are kept on the record with their dates either way.",
    )
    email = forms.EmailField(required=False, label="Email address (optional)")
    reason = forms.CharField(
        widget=forms.Textarea,
        max_length=1000,
        label="Why are you changing these details?",
        error_messages=_required("Enter why you are changing these details"),
    )

    def clean(self):
        data = super().clean()
        for key in ("interpreter_needed", "no_fixed_abode"):
            if key in data:
                data[key] = data[key] == "yes"
        return data
