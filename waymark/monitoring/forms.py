"""EM Hub forms: GOV.UK fields only; the rules live in services and are shown as form errors."""

from __future__ import annotations

from django import forms

from waymark.core.forms import (  # noqa: F401 - at, radios, text, time_field re-exported
    GovUKDateField,
    GovUKForm,
    at,
    radios,
    text,
    time_field,
)
from waymark.monitoring import models as m
from waymark.monitoring.rules import BREACH_TYPES

WEEKDAYS = [
    (1, "Monday"),
    (2, "Tuesday"),
    (3, "Wednesday"),
    (4, "Thursday"),
    (5, "Friday"),
    (6, "Saturday"),
    (7, "Sunday"),
]
YES_NO = [("yes", "Yes"), ("no", "No")]


class BailGrantForm(GovUKForm):
    granted_by = radios("Who granted bail", m.GrantedBy.choices, "Select who granted bail")
    granted_on = GovUKDateField(label="Date bail was granted", allow_future=False)
    granted_time = time_field("Time bail was granted")


class ConditionForm(GovUKForm):
    bail_grant = radios("The bail grant this condition is part of", [], "Select the bail grant")
    device_type = radios("Device", m.DeviceType.choices, "Select the device type")
    start_date = GovUKDateField(label="Start date")
    held_in_detention = forms.BooleanField(
        label="The person is held in prison or an immigration removal centre", required=False
    )
    release_expected_on = GovUKDateField(label="Expected release date (if held)", required=False)
    release_expected_time = time_field("Expected release time", required=False)
    curfew_days = forms.MultipleChoiceField(
        label="Curfew days (leave empty for no curfew)",
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    curfew_start = time_field(
        "Curfew starts", required=False, hint="For example 23:00; leave empty for no curfew"
    )
    curfew_end = time_field("Curfew ends", required=False, hint="For example 07:00")
    conditions_text = text("Other conditions (optional)", required=False, area=True)
    departure_reasons = text(
        "Reasons, if you choose a different device from the recommendation",
        required=False,
        area=True,
    )

    def __init__(self, *args, grants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bail_grant"].choices = [(str(g.pk), str(g)) for g in grants]


class ReleaseForm(GovUKForm):
    released_on = GovUKDateField(label="Date released", allow_future=False)
    released_time = time_field("Time released")


class ExemptionForm(GovUKForm):
    ground = radios("Ground", m.ExemptionGround.choices, "Select the ground for the exemption")
    reasons = text("Reasons", "Enter the reasons for the exemption", area=True)
    evidence = text(
        "Evidence",
        "Enter the evidence the decision rests on",
        area=True,
        hint="Medical reports, representations, assessments",
    )
    decided_on = GovUKDateField(label="Date of the decision", allow_future=False)
    review_on = GovUKDateField(label="Review date (optional)", required=False)


class ReasonForm(GovUKForm):
    reason = text("Reason", "Enter the reason", area=True)


class OrderForm(GovUKForm):
    place = radios(
        "Where the device is to be fitted",
        m.FittingPlace.choices,
        "Select where the device is to be fitted",
    )
    place_details = text(
        "Establishment or address", "Enter the establishment or address", max_length=300
    )
    language = text("Language (optional)", required=False, max_length=100)
    interpreter_needed = forms.BooleanField(label="An interpreter is needed", required=False)
    slot_on = GovUKDateField(label="Requested slot date")
    slot_time = time_field("Requested slot time")
    accept_slot_warning = forms.BooleanField(
        label="I have considered the warning: send this slot anyway",
        required=False,
        help_text="Only if the page warned that the slot may not work",
    )


class OutcomeForm(GovUKForm):
    fitted = radios("Was the device fitted?", YES_NO, "Select whether the device was fitted")
    on = GovUKDateField(label="Date of the visit", allow_future=False)
    time_of_visit = time_field("Time of the visit")
    device_serial = text("Device serial number (if fitted)", required=False, max_length=60)
    issued_phone_number = text("Mobile number issued (if fitted)", required=False, max_length=30)
    failure_reason = radios(
        "Why it failed (if not fitted)", m.FailureReason.choices, "", required=False
    )
    failure_detail = text("Details (optional)", required=False, max_length=300)


class ConveyanceForm(GovUKForm):
    file = forms.FileField(
        label="Confirmation of conveyance",
        help_text="PDF, PNG or JPEG",
        error_messages={"required": "Select the file", "empty": "The selected file is empty"},
    )


class MitigationForm(GovUKForm):
    given_by = radios(
        "Who gave the explanation",
        [("person", "The person"), ("representative", "Their representative")],
        "Select who gave the explanation",
    )
    explanation = text("Explanation", "Enter the explanation given", area=True)
    received_on = GovUKDateField(label="Date received", allow_future=False)


class MitigationDecisionForm(GovUKForm):
    decision = radios(
        "Decision",
        [
            ("accepted", "Accepted: no further action"),
            ("rejected", "Not accepted: the breach stands"),
        ],
        "Select the decision",
    )
    reasons = text("Reasons", "Enter the reasons for the decision", area=True)
    communicated_on = GovUKDateField(label="Date the person was told", allow_future=False)
    method = text(
        "How the person was told",
        "Enter how the person was told",
        max_length=30,
        hint="For example, letter or phone call",
    )


class ReferralForm(GovUKForm):
    status = forms.ChoiceField(label="Status", choices=m.ReferralStatus.choices)
    checklist = forms.MultipleChoiceField(
        label="Evidence in the case file",
        choices=m.EVIDENCE_CHECKLIST,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    compliance_attempts = text("Compliance attempts made", required=False, area=True)
    outcome_note = text("Outcome (optional)", required=False, area=True)


class ReviewDecideForm(GovUKForm):
    outcome = radios(
        "Outcome of the review", m.ReviewOutcome.choices, "Select the outcome of the review"
    )
    reasons_vulnerability = text(
        "Vulnerability", "Enter your consideration of vulnerability", area=True
    )
    reasons_medical = text(
        "Medical evidence", "Enter your consideration of medical evidence", area=True
    )
    reasons_convention_rights = text(
        "Convention rights", "Enter your consideration of Convention rights", area=True
    )
    reasons_harm = text("Harm", "Enter your consideration of harm", area=True)


class SignOffForm(GovUKForm):
    agree = radios("Do you agree with the outcome?", YES_NO, "Select whether you agree")
    note = text("Note (needed if you do not agree)", required=False, area=True)


class ChallengeForm(GovUKForm):
    kind = radios("What is it?", m.ChallengeKind.choices, "Select what kind of challenge this is")
    received_on = GovUKDateField(label="Date received", allow_future=False)
    from_party = text("Who it is from", "Enter who it is from", max_length=200)
    summary = text("Summary", "Enter a summary", area=True)
    is_complaint = forms.BooleanField(label="It is a complaint", required=False)
    court_deadline = GovUKDateField(label="The court's deadline (judicial reviews)", required=False)


class ChallengeRespondForm(GovUKForm):
    outcome = radios(
        "Outcome", [c for c in m.ChallengeOutcome.choices if c[0]], "Select the outcome"
    )
    reasons = text("Reasons", "Enter the reasons for the outcome", area=True)


class TrailRequestForm(GovUKForm):
    requester_kind = radios("Who is asking", m.RequesterKind.choices, "Select who is asking")
    requester_name = text(
        "Requester's name or organisation", "Enter the requester's name", max_length=200
    )
    request_type = radios("Type of data", m.TrailRequestType.choices, "Select the type of data")
    period_start = GovUKDateField(label="Period from", allow_future=False)
    period_end = GovUKDateField(label="Period to", allow_future=False)
    lawful_ground = radios(
        "Lawful ground", m.LawfulGround.choices, "Select the lawful ground from the list"
    )
    justification = text("Justification", "Enter the justification", area=True)


class TrailApproveForm(GovUKForm):
    confirm_too_broad = forms.BooleanField(
        label="I have considered the period and it is necessary",
        required=False,
        help_text="Needed when the request is flagged as too broad",
    )


class TrailCloseForm(GovUKForm):
    outcome = radios("Outcome", [c for c in m.TrailOutcome.choices if c[0]], "Select the outcome")
    reasons = text("Reasons (needed unless data is provided)", required=False, area=True)
    returned_data = text(
        "Data returned by the supplier (if provided)",
        required=False,
        area=True,
        max_length=200_000,
        hint="One point per line: date and time, latitude, longitude",
    )

    def clean_returned_data(self):
        points = []
        for number, line in enumerate(
            self.cleaned_data.get("returned_data", "").splitlines(), start=1
        ):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            try:
                points.append({"at": parts[0], "lat": float(parts[1]), "lon": float(parts[2])})
            except (IndexError, ValueError):
                raise forms.ValidationError(
                    f"Line {number} must be a date and time, a latitude and a longitude"
                ) from None
        return points


class TrailViewForm(GovUKForm):
    purpose = text(
        "Why do you need to see this data?",
        "State why you need to see the trail data",
        area=True,
        max_length=500,
        hint="Your purpose is recorded with your name and the time",
    )


class JointLogForm(GovUKForm):
    kind = radios("Issue or risk", m.LogKind.choices, "Select issue or risk")
    title = text("Title", max_length=200)
    description = text("Description", area=True)
    owner = text(
        "Owner",
        "Enter who owns it",
        max_length=200,
        hint="Home Office, MoJ contract owner or supplier",
    )
    likelihood = forms.TypedChoiceField(
        label="Likelihood (risks)",
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "Not a risk")] + [(str(i), str(i)) for i in range(1, 6)],
    )
    impact = forms.TypedChoiceField(
        label="Impact (risks)",
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "Not a risk")] + [(str(i), str(i)) for i in range(1, 6)],
    )
    mitigation = text("Mitigation (optional)", required=False, area=True)


class PeriodForm(GovUKForm):
    start = forms.DateField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the start as YYYY-MM-DD"},
    )
    end = forms.DateField(
        label="To (included)",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the end as YYYY-MM-DD"},
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end must be the same as or after the start")
        return data


class PlanForm(GovUKForm):
    weeks = forms.IntegerField(label="Weeks ahead", min_value=1, max_value=52, required=False)
    releases = forms.IntegerField(
        label="Releases a week (empty: from the last 8 weeks)",
        min_value=0,
        max_value=10_000,
        required=False,
    )


BREACH_TYPE_CHOICES = BREACH_TYPES
