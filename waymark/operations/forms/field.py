"""Forms for the field pages (brief operations.md §6-§7). One form per entry type; each turns its
cleaned data into the ``data`` dict that ``services.field_entry_record`` takes (``to_data``).

The same forms check what a phone sends to the API: the field JavaScript posts a form's fields as
``data`` (a checkbox as true/false, a group of checkboxes as a list, a date as three boxes), so
the page and the offline queue validate one way."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.operations import rules

YES_NO = [("yes", "Yes"), ("no", "No")]


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class FieldEntryForm(GovUKForm):
    """Base: a hidden ``client_uuid`` made on the server for the no-JavaScript path, so a
    double-submitted form is stored once."""

    title = "Entry"
    client_uuid = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "The form has expired: open it again",
            "invalid": "The form has expired: open it again",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_uuid", str(uuid.uuid4()))

    def to_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "client_uuid"}


def _text(
    label: str,
    *,
    required: bool = False,
    hint: str = "",
    max_length: int = 300,
    textarea: bool = False,
    message: str = "",
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=hint,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput,
        error_messages={"required": message or f"Enter {label.lower()}"},
    )


class ArrivalForm(FieldEntryForm):
    title = "Record your arrival"


class DepartureForm(FieldEntryForm):
    title = "Record your departure"


class EntryForm(FieldEntryForm):
    title = "Entry to the premises"
    achieved = forms.ChoiceField(
        label="Was entry achieved?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether entry was achieved"},
    )
    power = forms.ChoiceField(
        label="Power of entry used",
        required=False,
        widget=forms.RadioSelect,
        choices=_choices(rules.POWERS_OF_ENTRY),
    )
    consent_given_by = _text("Who gave consent (informed consent)", max_length=200)
    consent_given_by_role = _text("Their role (informed consent)", max_length=100)
    told_could_refuse = forms.BooleanField(label="They were told they could refuse", required=False)
    warrant_reference = _text("Warrant reference", max_length=60)
    warrant_court = _text("Issuing court", max_length=200)
    ad_letter_reference = _text(
        "Assistant director's letter reference (section 28CA)", max_length=60
    )
    not_achieved_reason = _text("Why entry was not achieved", textarea=True, max_length=2000)

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        data["achieved"] = data["achieved"] == "yes"
        return {k: v for k, v in data.items() if v not in ("", None)}


class EncounterForm(FieldEntryForm):
    title = "Encounter"
    person = _text(
        "Waymark reference of a known person (optional)",
        max_length=20,
        hint="For example WM-1234. Leave blank to record the name given.",
    )
    given_names = _text("Given names", max_length=200)
    family_name = _text("Family name", max_length=200)
    date_of_birth = GovUKDateField(label="Date of birth given", required=False, allow_future=False)
    nationality = _text(
        "Nationality given (3-letter code)", max_length=3, hint="For example ALB, CHN, IND"
    )
    checks_made = forms.MultipleChoiceField(
        label="Checks made",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=_choices(rules.ENCOUNTER_CHECKS),
    )
    result = forms.ChoiceField(
        label="Result",
        widget=forms.RadioSelect,
        choices=_choices(rules.ENCOUNTER_RESULTS),
        error_messages={"required": "Select the result of the checks"},
    )
    action = forms.ChoiceField(
        label="Action taken (immigration offenders)",
        required=False,
        widget=forms.RadioSelect,
        choices=_choices(rules.OFFENDER_ACTIONS),
    )
    offence = _text("Offence (for an arrest)", max_length=200)

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        if data.get("date_of_birth"):
            data["date_of_birth"] = data["date_of_birth"].isoformat()
        return {k: v for k, v in data.items() if v not in ("", None, [])}


class InterviewForm(FieldEntryForm):
    """One box per pre-defined (or saved) question, and two officer-added questions."""

    title = "Interview"
    ADDED = 2

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q_{question.pk}"] = _text(question.text, textarea=True, max_length=2000)
        for n in range(1, self.ADDED + 1):
            self.fields[f"added_question_{n}"] = _text(
                f"Your own question {n} (optional)", max_length=300
            )
            self.fields[f"added_answer_{n}"] = _text(
                f"Answer to your question {n}", textarea=True, max_length=2000
            )
            self.fields[f"added_save_{n}"] = forms.BooleanField(
                label=f"Save question {n} for reuse", required=False
            )

    def to_data(self) -> dict[str, Any]:
        answers: list[dict[str, Any]] = []
        for question in self.questions:
            answer = self.cleaned_data.get(f"q_{question.pk}", "")
            if answer:
                answers.append({"question_id": question.pk, "answer": answer})
        for n in range(1, self.ADDED + 1):
            text, answer = (
                self.cleaned_data.get(f"added_question_{n}", ""),
                self.cleaned_data.get(f"added_answer_{n}", ""),
            )
            if text or answer:
                answers.append(
                    {
                        "question": text,
                        "answer": answer,
                        "save_for_reuse": bool(self.cleaned_data.get(f"added_save_{n}")),
                    }
                )
        return {"answers": answers}


class SearchForm(FieldEntryForm):
    title = "Search (nothing seized)"
    searched = _text("What was searched", required=True)
    search_power = _text("Power used for the search", required=True, max_length=200)


class SeizureForm(FieldEntryForm):
    title = "Search and seizure"
    searched = _text("What was searched", required=True)
    search_power = _text("Power used for the search", required=True, max_length=200)
    item_description = _text("Item seized", required=True, message="Describe the item seized")
    exhibit_number = _text(
        "Exhibit number",
        required=True,
        max_length=40,
        message="Enter the exhibit number: every seized item needs one",
    )
    sealed_bag_number = _text(
        "Sealed-bag number",
        required=True,
        max_length=40,
        message="Enter the sealed-bag number: every seized item goes in a sealed bag",
    )
    property_signed_off = forms.BooleanField(
        label="I sign off the property record for this item", required=False
    )


class SafeguardingForm(FieldEntryForm):
    title = "Safeguarding"
    kind = forms.ChoiceField(
        label="Safeguarding",
        widget=forms.RadioSelect,
        choices=_choices(rules.SAFEGUARDING_KINDS),
        error_messages={"required": "Select the kind of safeguarding"},
    )
    detail = _text(
        "What was found and what was done",
        required=True,
        textarea=True,
        max_length=4000,
        message="Describe the safeguarding concern and what was done",
    )


class EmployerSanctionForm(FieldEntryForm):
    title = "Employer sanction"
    kind = forms.ChoiceField(
        label="Sanction",
        widget=forms.RadioSelect,
        choices=_choices(rules.SANCTION_KINDS),
        error_messages={"required": "Select the employer sanction"},
    )
    detail = _text("Detail (optional)", textarea=True, max_length=4000)


class EngagementForm(FieldEntryForm):
    title = "Engagement"
    advice_given = _text("Advice given", required=True, textarea=True, max_length=4000)
    leaflets_handed_out = forms.IntegerField(
        label="Leaflets handed out",
        min_value=0,
        max_value=10_000,
        required=False,
        error_messages={"invalid": "Enter the number of leaflets as a whole number"},
    )

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        data["leaflets_handed_out"] = data.get("leaflets_handed_out") or 0
        return data


class CriticalIncidentForm(FieldEntryForm):
    title = "Declare a critical incident"
    reason = _text(
        "Why the critical incident is declared", required=True, textarea=True, max_length=4000
    )
    help_requested = _text("Help requested", required=True, textarea=True, max_length=4000)


class IncidentActionForm(FieldEntryForm):
    title = "Critical incident action"
    action = _text("Action taken", required=True, textarea=True, max_length=4000)
    stands_down = forms.BooleanField(
        label="This stands the incident down (officer in charge)", required=False
    )


class NoteForm(FieldEntryForm):
    title = "Note"
    text = _text("Note", required=True, textarea=True, max_length=4000, message="Enter the note")


ENTRY_FORMS: dict[str, type[FieldEntryForm]] = {
    "arrival": ArrivalForm,
    "departure": DepartureForm,
    "entry": EntryForm,
    "encounter": EncounterForm,
    "interview": InterviewForm,
    "search": SearchForm,
    "seizure": SeizureForm,
    "safeguarding": SafeguardingForm,
    "employer_sanction": EmployerSanctionForm,
    "engagement": EngagementForm,
    "critical_incident": CriticalIncidentForm,
    "incident_action": IncidentActionForm,
    "note": NoteForm,
}
assert set(ENTRY_FORMS) == set(rules.ENTRY_TYPES)


def entry_form(entry_type: str, data=None, **kwargs) -> FieldEntryForm:
    cls = ENTRY_FORMS[entry_type]
    if cls is InterviewForm:
        from waymark.operations.selectors.field import interview_questions

        kwargs.setdefault("questions", interview_questions())
    return cls(data, **kwargs)


class DebriefForm(GovUKForm):
    intelligence_accuracy = forms.ChoiceField(
        label="Was the intelligence accurate?",
        widget=forms.RadioSelect,
        choices=_choices(rules.INTELLIGENCE_ACCURACY),
        error_messages={"required": "Select how accurate the intelligence was"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in rules.DEBRIEF_SECTIONS.items():
            self.fields[key] = forms.CharField(
                label=label,
                widget=forms.Textarea(attrs={"rows": 4}),
                max_length=8000,
                error_messages={
                    "required": f"Enter {label.lower()}: every section of the debrief is required"
                },
            )
        self.order_fields([*rules.DEBRIEF_SECTIONS, "intelligence_accuracy"])


class CloseForm(GovUKForm):
    confirm = forms.BooleanField(
        label="I confirm every officer has left and the record is complete",
        error_messages={"required": "Confirm that the record is complete"},
    )
