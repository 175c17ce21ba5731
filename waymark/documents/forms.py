from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from waymark.core.forms import (  # noqa: F401 - form_add_service_errors re-exported
    GovUKDateField,
    GovUKForm,
    form_add_service_errors,
)
from waymark.documents.models import DocumentType, ServiceMethod

UPLOAD_TYPES = [
    (value, label) for value, label in DocumentType.choices if value != DocumentType.LETTER
]


class DocumentUploadForm(GovUKForm):
    file = forms.FileField(
        label="Upload a file",
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )
    document_type = forms.ChoiceField(
        label="Type of document",
        choices=UPLOAD_TYPES,
        error_messages={"required": "Select the type of document"},
    )
    title = forms.CharField(label="Title (optional)", max_length=300, required=False)
    content: bytes = b""  # the file's bytes, read by clean_file

    def clean_file(self):
        """Read the upload in chunks, refusing it as soon as it is too large (``content`` holds the bytes)."""
        from waymark.documents.services import upload_read

        upload = self.cleaned_data["file"]
        try:
            self.content = upload_read(upload)
        except ValidationError as exc:
            raise ValidationError(
                exc.messages
            ) from exc  # the service keys it by field; here it is the field
        return upload


class LetterChooseForm(GovUKForm):
    template = forms.TypedChoiceField(
        label="Letter",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a letter", "invalid_choice": "Select a letter"},
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.pk, t.name) for t in templates]


class LetterServiceForm(GovUKForm):
    method = forms.ChoiceField(
        label="How was the letter served?",
        choices=ServiceMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the letter was served"},
    )
    served_on = GovUKDateField(
        label="Date served",
        allow_future=False,
        error_messages={"required": "Enter the date the letter was served"},
    )
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)
