"""Casework forms: GOV.UK fields only; the rules live in services and come back as form errors."""

from __future__ import annotations

from django import forms

from waymark.accounts.models import Team, User
from waymark.casework import rules
from waymark.core.forms import GovUKDateField, GovUKForm, radios, text, time_field

YES_NO = [("yes", "Yes"), ("no", "No")]


def _int_choice(label: str, choices, message: str, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(str(k), v) for k, v in choices],
        coerce=int,
        widget=forms.RadioSelect,
        required=required,
        error_messages={"required": message, "invalid_choice": message},
    )


class RestrictionForm(GovUKForm):
    centre = forms.ModelChoiceField(
        label="Reporting centre",
        queryset=Team.objects.none(),
        empty_label="Select a centre",
        error_messages={"required": "Select the reporting centre"},
    )
    place_kind = radios(
        "Where does the person report?",
        [
            ("reporting_centre", "At the reporting centre"),
            ("police_station", "At a police station"),
        ],
        "Select where the person reports",
    )
    police_station = text("Police station (if reporting at one)", required=False)
    frequency_days = _int_choice(
        "How often", rules.FREQUENCY_CHOICES, "Select how often the person reports"
    )
    frequency_reason = forms.ChoiceField(
        label="Reason for reporting less often than weekly",
        required=False,
        choices=[("", "Not needed: weekly or more often"), *rules.LESS_OFTEN_REASONS],
        widget=forms.RadioSelect,
    )
    window_start = time_field("Window opens")
    window_minutes = forms.IntegerField(
        label="Window length in minutes",
        min_value=1,
        max_value=600,
        help_text=f"{rules.DEFAULT_WINDOW_MINUTES} minutes unless there is a reason",
        error_messages={
            "required": "Enter the window length in minutes",
            "invalid": "Window length must be a number of minutes",
            "min_value": "The window must be at least 1 minute long",
            "max_value": "The window cannot be longer than 10 hours",
        },
    )
    window_reason = text("Reason for a window longer than an hour", required=False, area=True)
    detain_on_reporting = forms.BooleanField(label="Detain on reporting", required=False)
    starts_on = GovUKDateField(label="Start date")
    ends_on = GovUKDateField(label="End date (optional)", required=False)
    reason = text(
        "Reason for the change",
        required=False,
        area=True,
        hint="Needed when you change an existing restriction",
    )

    def __init__(self, *args, centres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = (
            centres
            if centres is not None
            else Team.objects.filter(slug__startswith="reporting-centre-")
        )


class OutcomeForm(GovUKForm):
    outcome = radios(
        "What happened?",
        [
            ("attended", "Attended"),
            ("no_show", "Did not attend (no show)"),
            ("excused", "Excused"),
            ("rescheduled", "Rescheduled"),
        ],
        "Select what happened",
    )
    reason = text("Reason (needed if excused or rescheduled)", required=False, area=True)
    rescheduled_to = GovUKDateField(label="Rescheduled to (if rescheduled)", required=False)


class CommissionForm(GovUKForm):
    kind = radios(
        "What should the centre do at the next event?",
        rules.COMMISSION_KINDS,
        "Select what the centre should do",
    )
    instructions = text(
        "Instructions for the centre", area=True, message="Tell the centre what you need"
    )


class CommissionResultForm(GovUKForm):
    done = radios("Was it done?", YES_NO, "Select whether it was done")
    result = text(
        "Result for the case owner", area=True, message="Enter the result for the case owner"
    )


class ContactStepForm(GovUKForm):
    result = text(
        "What was done and what happened",
        area=True,
        message="Enter what was done and what happened",
    )
    contact_made = forms.BooleanField(
        label="Contact with the person was re-established", required=False
    )


class AbsconderForm(GovUKForm):
    whereabouts_unknown = forms.BooleanField(
        label="The person's whereabouts are unknown", required=False
    )
    reasons = text(
        "Why the person is being declared an absconder",
        area=True,
        message="Enter why the person is being declared an absconder",
    )


class TraceOutcomeForm(GovUKForm):
    outcome = radios("Outcome", rules.TRACE_OUTCOMES, "Select the outcome")
    note = text("How and where", required=False, area=True)


class ReoffenceForm(GovUKForm):
    offence = text("Offence", message="Enter the offence")
    offence_on = GovUKDateField(label="Date of the offence")


class ReviewForm(GovUKForm):
    summary = text("Review summary", area=True, message="Summarise the review")
    next_action = text(
        "Next action on the case", area=True, message="Enter the next action on the case"
    )


class BandOverrideForm(GovUKForm):
    band = forms.ChoiceField(
        label="Band",
        widget=forms.RadioSelect,
        choices=[
            ("", "Remove the override: use the computed band"),
            *[(str(k), v) for k, v in rules.BANDS.items()],
        ],
        required=False,
    )
    reason = text("Reason", area=True, message="Enter the reason for overriding the band")


class RouteForm(GovUKForm):
    outstanding_applications_checked = forms.BooleanField(
        label="I have checked for outstanding applications", required=False
    )
    outstanding_applications = text("Outstanding applications found", required=False, area=True)
    owner = forms.ModelChoiceField(
        label="Case owner (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="Leave with the team",
    )

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners


class BarrierForm(GovUKForm):
    barrier_type = radios("Type of barrier", rules.BARRIER_TYPES, "Select the type of barrier")
    detail = text("Detail", required=False, area=True)
    started_on = GovUKDateField(label="Date it started")
    owner = forms.ModelChoiceField(
        label="Who owns clearing it",
        queryset=User.objects.none(),
        required=False,
        empty_label="Not yet assigned",
    )
    blocks_removal = forms.BooleanField(label="It blocks removal", required=False, initial=True)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners


class BarrierClearForm(GovUKForm):
    cleared_on = GovUKDateField(label="Date cleared")
    note = text("How it was cleared", area=True, message="Enter how the barrier was cleared")


class EtdForm(GovUKForm):
    country = forms.ChoiceField(
        label="Issuing country",
        choices=[],
        error_messages={"required": "Select the issuing country"},
    )
    status = radios("Status", rules.ETD_STATUSES, "Select the status")
    applied_on = GovUKDateField(label="Date applied", required=False)
    note = text("Note", required=False, area=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from waymark.people.countries import country_choices

        self.fields["country"].choices = [("", "Select a country"), *country_choices()]


class GroundsMixin:
    @staticmethod
    def grounds_field(label: str) -> forms.MultipleChoiceField:
        return forms.MultipleChoiceField(
            label=label,
            choices=rules.GROUNDS,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": "Select at least one ground"},
        )


class RedNoticeForm(GovUKForm):
    served_on = GovUKDateField(label="Date served")
    grounds = GroundsMixin.grounds_field("Grounds already considered")


class FurtherSubmissionForm(GovUKForm):
    received_on = GovUKDateField(label="Date received")
    grounds = GroundsMixin.grounds_field("Grounds raised")
    summary = text("Summary", area=True, message="Summarise the submission")


class FurtherDecisionForm(GovUKForm):
    decision = radios(
        "Decision",
        [
            ("rejected", "Rejected: no fresh claim"),
            ("dismissed_red", "Dismissed: grounds already considered (RED.0004)"),
            ("fresh_claim", "Accepted as a fresh claim"),
            ("granted", "Leave granted"),
        ],
        "Select the decision",
    )


class DirectionsForm(GovUKForm):
    route = radios("Route", rules.REMOVAL_ROUTES, "Select the removal route")
    planned_for = GovUKDateField(label="Removal date")
    flight = text("Flight (scheduled flights)", required=False)
    charter = forms.ModelChoiceField(
        label="Charter (optional)", queryset=None, required=False, empty_label="Not on a charter"
    )
    escorts = forms.IntegerField(
        label="Escorts",
        min_value=0,
        max_value=20,
        initial=0,
        error_messages={"invalid": "Escorts must be a number"},
    )
    override_reason = text(
        "Reason to proceed despite an open barrier (SEO or above)", required=False, area=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from waymark.casework.models import Charter

        self.fields["charter"].queryset = Charter.objects.order_by("-departs_on")


class RemovalOutcomeForm(GovUKForm):
    removed = radios("Was the person removed?", YES_NO, "Select whether the person was removed")
    failure_reason = forms.ChoiceField(
        label="Why it failed",
        required=False,
        widget=forms.RadioSelect,
        choices=[(k, lbl) for k, lbl, _b in rules.FAILURE_REASONS],
    )
    note = text("Note", required=False, area=True)


class CharterForm(GovUKForm):
    reference = text("Charter reference", message="Enter the charter reference", max_length=40)
    destination = forms.ChoiceField(
        label="Destination", choices=[], error_messages={"required": "Select the destination"}
    )
    departs_on = GovUKDateField(label="Departure date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from waymark.people.countries import country_choices

        self.fields["destination"].choices = [("", "Select a country"), *country_choices()]


class DetentionRequestForm(GovUKForm):
    grounds = text("Grounds for detention", area=True, message="Enter the grounds for detention")


class DetentionDecisionForm(GovUKForm):
    decision = radios(
        "Decision", [("accept", "Accept"), ("reject", "Reject")], "Select accept or reject"
    )
    rejection_reason = forms.ChoiceField(
        label="Reason for rejecting",
        required=False,
        widget=forms.RadioSelect,
        choices=rules.GATEKEEPING_REJECTION_REASONS,
    )
    note = text("Note", required=False, area=True)


class VoluntaryReturnForm(GovUKForm):
    option = radios("Option offered", rules.VOLUNTARY_RETURN_OPTIONS, "Select the option offered")
    context = radios(
        "Where",
        [("reporting", "At a reporting event"), ("visit", "On a visit"), ("other", "Other")],
        "Select where it was offered",
    )
    outcome = radios("Outcome", rules.VOLUNTARY_RETURN_OUTCOMES, "Select the outcome")
    departed_on = GovUKDateField(label="Date departed (if departed)", required=False)


class PreparationFinaliseForm(GovUKForm):
    senior = forms.ModelChoiceField(
        label="Senior caseworker",
        queryset=User.objects.none(),
        error_messages={"required": "Select the senior caseworker"},
    )

    def __init__(self, *args, seniors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if seniors is not None:
            self.fields["senior"].queryset = seniors


class DecisionDateForm(GovUKForm):
    decided_on = GovUKDateField(label="Date of the deportation decision")
    note = text("Note", required=False, area=True)


class DayForm(GovUKForm):
    day = GovUKDateField(label="Day", required=False)
