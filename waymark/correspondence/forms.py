from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.correspondence import rules
from waymark.correspondence.models import Category, Channel, Mailbox, MatchStatus
from waymark.correspondence.parsing import size_shown


def _mailbox_choices():
    return [("", "Not known")] + [(m.pk, str(m)) for m in Mailbox.objects.filter(is_active=True)]


class EmlUploadForm(GovUKForm):
    file = forms.FileField(
        label="Email file (.eml)",
        help_text=(
            "Save the email from your mail program as an .eml file, smaller than "
            f"{size_shown(rules.MAX_EML_UPLOAD_BYTES)}. Attachments are kept."
        ),
        error_messages={"required": "Select an email file"},
    )
    mailbox = forms.TypedChoiceField(
        label="Mailbox it arrived at", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mailbox"].choices = _mailbox_choices()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".eml"):
            raise forms.ValidationError("The selected file must be an email saved as .eml")
        if upload.size > rules.MAX_EML_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The selected file must be smaller than {size_shown(rules.MAX_EML_UPLOAD_BYTES)}"
            )
        return upload


class PostedLetterForm(GovUKForm):
    sender = forms.CharField(
        label="Who sent it",
        max_length=320,
        error_messages={"required": "Enter who sent the letter"},
    )
    subject = forms.CharField(label="Subject or heading", max_length=500, required=False)
    body = forms.CharField(label="Text of the letter", widget=forms.Textarea, required=False)
    received_on = GovUKDateField(
        label="Date received",
        allow_future=False,
        error_messages={"required": "Enter the date received"},
    )
    attachment = forms.FileField(label="Scanned letter (optional)", required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("subject") and not cleaned.get("body"):
            self.add_error("body", "Enter the subject or the text of the letter")
        return cleaned


class ListFilterForm(forms.Form):
    match_status = forms.ChoiceField(choices=[("", "Any"), *MatchStatus.choices], required=False)
    category = forms.ChoiceField(choices=[("", "Any"), *Category.choices], required=False)
    channel = forms.ChoiceField(choices=[("", "Any"), *Channel.choices], required=False)
    q = forms.CharField(required=False, max_length=200)


class PersonSearchForm(GovUKForm):
    reference = forms.CharField(label="Reference", required=False, max_length=100)
    name = forms.CharField(label="Name", required=False, max_length=200)
    date_of_birth = GovUKDateField(label="Date of birth", required=False, allow_future=False)


class MatchConfirmForm(GovUKForm):
    person = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": "Select a person"}
    )


class NoPersonNeededForm(GovUKForm):
    reason = forms.CharField(
        label="Why is no person needed?",
        max_length=500,
        error_messages={"required": "Enter why no person is needed"},
    )
