"""Form helpers for GOV.UK pages.

``GovUKForm`` gives every form the GOV.UK error behaviour (the base layout renders the error
summary from ``form.errors``); ``GovUKDateField`` is the GOV.UK date input (day, month, year as
three boxes) with the Design System's error messages.
"""

from __future__ import annotations

from datetime import date

from django import forms


class GovUKForm(forms.Form):
    """Base for Waymark forms: strips whitespace and labels errors for the error summary."""

    field_order: list[str] | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.strip = True


class DateInputWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        widgets = [
            forms.TextInput(attrs={"inputmode": "numeric"}),
            forms.TextInput(attrs={"inputmode": "numeric"}),
            forms.TextInput(attrs={"inputmode": "numeric"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovUKDateField(forms.MultiValueField):
    """Three boxes (day, month, year). Posted as ``<name>_0``, ``<name>_1``, ``<name>_2``."""

    widget = DateInputWidget

    def __init__(self, *, label: str, required: bool = True, allow_future: bool = True, **kwargs):
        self.allow_future = allow_future
        self.label_text = label
        # Sub-fields are optional so that compress() names the missing part ("must include a month").
        fields = (
            forms.CharField(required=False),
            forms.CharField(required=False),
            forms.CharField(required=False),
        )
        # Django's MultiValueField says "This field is required." when all three boxes are empty;
        # the Design System says "Enter <label>".
        kwargs["error_messages"] = {
            "required": f"Enter {label.lower()}",
            **kwargs.get("error_messages", {}),
        }
        super().__init__(
            fields=fields, required=required, require_all_fields=False, label=label, **kwargs
        )

    def compress(self, data_list):
        if not data_list or not any(data_list):
            if self.required:
                raise forms.ValidationError(f"Enter {self.label_text.lower()}")
            return None
        day, month, year = (str(v or "").strip() for v in data_list)
        missing = [name for name, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise forms.ValidationError(f"{self.label_text} must include a {' and '.join(missing)}")
        try:
            value = date(int(year), int(month), int(day))
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(f"{self.label_text} must be a real date") from exc
        if len(year) != 4:
            raise forms.ValidationError("Year must include 4 numbers")
        if not self.allow_future:
            from waymark.core import clock

            if value > clock.today():
                raise forms.ValidationError(f"{self.label_text} must be today or in the past")
        return value

    def clean(self, value):
        if isinstance(value, date):
            return value
        return super().clean(value)
