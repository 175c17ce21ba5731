"""Forms of the import wizard: upload, column mapping, confirmation."""

from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKForm
from waymark.linkage import importers
from waymark.linkage.models import SourceKind

SOURCE_KIND_HINTS = {
    SourceKind.LEGACY_CASE: "One row per case from the legacy casework database (CID)",
    SourceKind.CASEWORK: "One row per person from the new casework system",
    SourceKind.TRACKER: "A team's or a person's own spreadsheet: you will map its columns",
    SourceKind.POLICE: "People with convictions, for bulk checks",
}


class ImportUploadForm(GovUKForm):
    source_kind = forms.ChoiceField(
        label="What kind of file is it?",
        choices=SourceKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what kind of file this is",
            "invalid_choice": "Select what kind of file this is",
        },
    )
    label = forms.CharField(
        label="Name this import",
        max_length=200,
        help_text="So that you and others can tell it apart, for example 'CID extract, November 2026'",
        error_messages={
            "required": "Enter a name for this import",
            "max_length": "The name must be 200 characters or fewer",
        },
    )
    file = forms.FileField(
        label="Upload a file",
        help_text="A CSV file (.csv, or .txt saved from Excel as Unicode Text) or an Excel "
        "workbook (.xlsx: the first sheet with a table), with a row of column names above the records",
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )


class ColumnMappingForm(GovUKForm):
    """One select per column of the file: which field the column holds (or not imported)."""

    def __init__(
        self,
        *args,
        headers: list[str],
        source_kind: str,
        examples: dict[str, list[str]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = importers.field_choices(source_kind)
        examples = examples or {}
        for index, header in enumerate(headers):
            shown = [e for e in examples.get(header, []) if e]
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=f"Column '{header}'",
                choices=choices,
                required=False,
                help_text=("For example: " + ", ".join(shown))
                if shown
                else "The first rows are blank in this column",
                error_messages={"invalid_choice": "Select a field from the list"},
            )

    @staticmethod
    def initial_from(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
        return {f"column_{i}": mapping.get(h, "") for i, h in enumerate(headers)}

    def mapping(self) -> dict[str, str]:
        return {h: self.cleaned_data.get(f"column_{i}") or "" for i, h in enumerate(self.headers)}


class ImportConfirmForm(GovUKForm):
    accept_valid_rows = forms.BooleanField(required=False, label="Import only the valid rows")

    def __init__(self, *args, rows_valid: int, rows_rejected: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows_rejected = rows_rejected
        field = self.fields["accept_valid_rows"]
        if rows_rejected:
            field.label = f"Import only the {rows_valid:,} valid rows"
            field.help_text = (
                f"The {rows_rejected:,} rejected rows are not imported; they stay on this "
                "import's report"
            )
        else:
            self.fields.pop("accept_valid_rows")

    def clean(self):
        data = super().clean()
        if self.rows_rejected and not data.get("accept_valid_rows"):
            self.add_error(
                "accept_valid_rows",
                "Select 'Import only the valid rows' to go ahead, or cancel "
                "this import and correct the file",
            )
        return data
