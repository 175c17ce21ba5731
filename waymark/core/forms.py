"""Form helpers for GOV.UK pages.

``GovUKForm`` gives every form the GOV.UK error behaviour (the base layout renders the error
summary from ``form.errors``); ``GovUKDateField`` is the GOV.UK date input (day, month, year as
three boxes) with the Design System's error messages.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError

from waymark.core import rules
from waymark.core.clock import LONDON


class GovUKForm(forms.Form):
    """Base for Waymark forms: strips whitespace and labels errors for the error summary."""

    field_order: list[str] | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField):
                field.strip = True
            govuk_messages(field, name)

    def full_clean(self):
        # Fields a form adds after __init__ (built from rules) get the GOV.UK messages too; the
        # fields __init__ already gave them are not rewritten (half a small form's construction).
        for name, field in self.fields.items():
            if not getattr(field, "_govuk_messages", False):
                govuk_messages(field, name)
        super().full_clean()


def _label(field: forms.Field, name: str) -> str:
    label = str(field.label or name.replace("_", " ").capitalize())
    return label.removesuffix(" (optional)").rstrip(" ?:")


def _choice_field(field: forms.Field) -> bool:
    return isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.BooleanField)


def govuk_messages(field: forms.Field, name: str) -> None:
    """Replace Django's default error messages ("This field is required.", "Ensure this value has
    at most 2000 characters (it has 11399).") with the GOV.UK Design System's, written from the
    field's label. A message a form sets itself is kept."""
    label = _label(field, name)
    # "Family name" reads "family name" mid-sentence; "PNC ID" stays as it is.
    lower = label if label[:2].isupper() else label[:1].lower() + label[1:]
    defaults: dict[str, str] = {}
    for klass in reversed(type(field).__mro__):
        defaults.update(getattr(klass, "default_error_messages", {}))
    own = dict(field.error_messages)

    def replace(key: str, message: str) -> None:
        if key in own and str(own[key]) == str(defaults.get(key, object())):
            field.error_messages[key] = message

    replace("required", f"Select {lower}" if _choice_field(field) else f"Enter {lower}")
    replace("invalid_choice", f"Select {lower} from the list")  # noqa: S608 (not SQL)
    replace("invalid_pk_value", f"Select {lower} from the list")  # noqa: S608 (not SQL)
    replace("invalid_list", f"Select {lower}")
    if isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField):
        replace("invalid", f"{label} must be a whole number")
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        replace("invalid", f"{label} must be a number")
    elif isinstance(field, forms.EmailField):
        replace("invalid", "Enter an email address in the correct format, like name@example.com")
    elif isinstance(field, forms.DateField):
        replace("invalid", f"{label} must be a real date")
    elif isinstance(field, forms.TimeField):
        replace("invalid", f"{label} must be a time like 09:30")
    elif isinstance(field, forms.FileField):
        replace("invalid", f"Select {lower}")
        replace("missing", f"Select {lower}")
        replace("empty", "The selected file is empty")
    else:
        replace("invalid", f"Enter {lower} in the correct format")
    field.validators = [_govuk_validator(v, label, lower) for v in field.validators]
    field._govuk_messages = True  # type: ignore[attr-defined]


_VALIDATOR_MESSAGES: dict[type, str] = {
    validators.MaxLengthValidator: "{label} must be {limit:,} characters or fewer",
    validators.MinLengthValidator: "{label} must be {limit:,} characters or more",
    validators.MaxValueValidator: "{label} must be {limit:,} or less",
    validators.MinValueValidator: "{label} must be {limit:,} or more",
}


EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"


def _govuk_validator(validator, label: str, lower: str):
    if type(validator) is validators.EmailValidator and validator.message == (
        validators.EmailValidator.message
    ):
        return validators.EmailValidator(message=EMAIL_MESSAGE)
    if type(validator) is validators.RegexValidator and validator.message == (
        validators.RegexValidator.message
    ):
        return validators.RegexValidator(
            validator.regex,
            message=f"Enter {lower} in the correct format",
            code=validator.code,
            inverse_match=validator.inverse_match,
        )
    template = _VALIDATOR_MESSAGES.get(type(validator))
    if template is None or validator.message != type(validator).message:
        return validator
    limit = validator.limit_value
    if callable(limit) or not isinstance(limit, int | float):
        return validator
    return type(validator)(limit, message=template.format(label=label, limit=limit))


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
        except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: a 20-digit year
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

    def example_hint(self) -> str:
        """A GOV.UK date hint that fits the field: a date of birth's example is in the past; a
        date that may be in the future (a visit, a deadline) is shown two weeks from today."""
        if not self.allow_future:
            return "For example, 27 3 1985"
        from waymark.core import clock

        soon = clock.today() + timedelta(days=14)
        return f"For example, {soon.day} {soon.month} {soon.year}"


# Field builders and page helpers every module's forms use.


def time_field(
    label: str, required: bool = True, hint: str = "24-hour clock, for example 14:30"
) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=required,
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        help_text=hint,
        error_messages={
            "required": f"Enter {label.lower()}",
            "invalid": f"{label} must be a time like 09:30",
        },
    )


def radios(label: str, choices, message: str, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        required=required,
        error_messages={"required": message, "invalid_choice": message},
    )


def text(
    label: str,
    message: str = "",
    required: bool = True,
    hint: str = "",
    area: bool = False,
    max_length: int = 2000,
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=hint,
        max_length=max_length,
        widget=forms.Textarea if area else forms.TextInput,
        error_messages={"required": message or f"Enter {label.lower()}"},
    )


def at(day: date | None, clock_time: time | None) -> datetime | None:
    return (
        None
        if day is None or clock_time is None
        else datetime.combine(day, clock_time, tzinfo=LONDON)
    )


def form_add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or the form) for the error summary."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def form_fields(form: forms.Form) -> list[dict[str, Any]]:
    """Describe each field for the generic GOV.UK form template (``people/_fields.html``)."""
    fields = []
    for bound in form:
        field, widget = bound.field, bound.field.widget
        spec: dict[str, Any] = {
            "name": bound.name,
            "id": f"id_{bound.name}",
            "label": str(field.label or bound.name),
            "hint": str(field.help_text or ""),
            "error": {"text": " ".join(bound.errors)} if bound.errors else None,
        }
        value = bound.value()
        if isinstance(widget, DateInputWidget):
            if isinstance(value, date):
                value = [value.day, value.month, value.year]
            spec.update(kind="date", value=[v or "" for v in (value or ["", "", ""])])
            if not spec["hint"] and isinstance(field, GovUKDateField):
                spec["hint"] = field.example_hint()
        elif isinstance(widget, forms.ClearableFileInput | forms.FileInput):
            spec.update(kind="file")
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            chosen = {str(v) for v in (value or [])}
            spec.update(
                kind="checkboxes",
                items=[
                    {"value": str(v), "text": str(t), "checked": str(v) in chosen}
                    for v, t in field.choices
                ],
            )
        elif isinstance(widget, forms.CheckboxInput):
            spec.update(kind="checkbox", checked=bool(value) and value not in ("false", "0"))
        elif isinstance(widget, forms.HiddenInput):
            spec.update(kind="hidden", value=value or "")
        elif isinstance(widget, forms.RadioSelect):
            spec.update(
                kind="radios",
                items=[
                    {"value": str(v), "text": str(t), "checked": str(v) == str(value or "")}
                    for v, t in field.choices
                ],
            )
        elif isinstance(widget, forms.Select):
            spec.update(
                kind="select",
                items=[
                    {"value": str(v), "text": str(t), "selected": str(v) == str(value or "")}
                    for v, t in field.choices
                ],
            )
        elif isinstance(widget, forms.Textarea):
            spec.update(
                kind="textarea", value=value or "", max_length=getattr(field, "max_length", None)
            )
        else:
            spec.update(kind="input", value=value or "")
        fields.append(spec)
    return fields


class SavedViewForm(GovUKForm):
    """Save the filters a list page shows under a name (``core.saved_views``). Its ids start
    ``saved-view-`` so that they never clash with the page's own form (the person search has a
    ``name`` too)."""

    name = forms.CharField(
        label="Save these filters as",
        max_length=rules.SAVED_VIEW_NAME_MAX_LENGTH,
        error_messages={
            "required": "Enter a name for these filters",
            "max_length": f"Name must be {rules.SAVED_VIEW_NAME_MAX_LENGTH:,} characters or fewer",
        },
    )
    page = forms.CharField(required=False, widget=forms.HiddenInput)
    query_string = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "saved-view-%s")
        super().__init__(*args, **kwargs)
