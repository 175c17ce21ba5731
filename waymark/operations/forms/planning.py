"""Planning forms: GOV.UK fields only; the rules live in services and come back as form errors."""

from __future__ import annotations

from datetime import datetime

from django import forms

from waymark.accounts.models import Team, User
from waymark.core.clock import LONDON
from waymark.core.forms import GovUKDateField, GovUKForm, radios, text, time_field
from waymark.operations import rules
from waymark.operations.models import PoliceForce, Sector, VisitStatus

YES_NO = [("yes", "Yes"), ("no", "No")]


def at(day, clock_time) -> datetime | None:
    return (
        None
        if day is None or clock_time is None
        else datetime.combine(day, clock_time, tzinfo=LONDON)
    )


def _choice(label: str, queryset, message: str, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=queryset,
        required=required,
        empty_label="Select" if required else "None",
        error_messages={"required": message, "invalid_choice": message},
    )


class PremisesFields(GovUKForm):
    business_name = text("Business name")
    address_line_1 = text("Address line 1", "Enter the first line of the address")
    town = text("Town or city")
    postcode = text("Postcode", max_length=10)
    sector = _choice("Sector", Sector.objects.all(), "Select the business sector")
    police_force = _choice(
        "Police force for the premises",
        PoliceForce.objects.all(),
        "Select the police force",
        required=False,
    )
    licensed = forms.BooleanField(
        label="Licensed premises (alcohol or late-night refreshment)", required=False
    )
    licence_reference = text("Licence reference (if licensed)", required=False, max_length=60)

    def premises_values(self) -> dict:
        data = self.cleaned_data
        return {
            k: data[k]
            for k in (
                "business_name",
                "address_line_1",
                "town",
                "postcode",
                "sector",
                "police_force",
                "licensed",
                "licence_reference",
            )
        }


class SubjectsMixin(forms.Form):
    subjects = text(
        "Named subjects (Waymark references)",
        required=False,
        max_length=500,
        hint="Waymark references separated by spaces or commas, for example WM-0000123. "
        "Search for people first if you do not know their reference.",
    )

    def subject_references(self) -> list[str]:
        raw = self.cleaned_data.get("subjects") or ""
        return [r.strip().upper() for r in raw.replace(",", " ").split() if r.strip()]


class IntelligenceForm(PremisesFields, SubjectsMixin):
    team = _choice("Team", Team.objects.none(), "Select the team")
    source = radios(
        "Source",
        list(rules.INTELLIGENCE_SOURCES.items()),
        "Select where the intelligence came from",
    )
    received_on = GovUKDateField(label="Date received", allow_future=False)
    summary = text("Summary of the intelligence", area=True)
    harm = radios("Level of harm", list(rules.HARM_LEVELS.items()), "Select the level of harm")
    reliability = radios(
        "Reliability of the intelligence",
        list(rules.INTELLIGENCE_RELIABILITY.items()),
        "Select how reliable the intelligence is",
    )
    subject_descriptions = text(
        "Named subjects not yet matched to a record (optional)", required=False, area=True
    )

    field_order = [
        "team",
        "source",
        "received_on",
        "business_name",
        "address_line_1",
        "town",
        "postcode",
        "sector",
        "police_force",
        "licensed",
        "licence_reference",
        "summary",
        "harm",
        "reliability",
        "subjects",
        "subject_descriptions",
    ]

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()


class DecideForm(GovUKForm):
    decision = radios(
        "Decision", [("accept", "Accept for tasking"), ("reject", "Reject")], "Select a decision"
    )
    reason = text("Reason (needed to reject)", required=False, area=True)


class VisitForm(PremisesFields, SubjectsMixin):
    team = _choice("Team", Team.objects.none(), "Select the team")
    region = text("Region")
    visit_type = radios(
        "Type of visit", list(rules.VISIT_TYPES.items()), "Select the type of visit"
    )
    partner_agencies = forms.MultipleChoiceField(
        label="Partner agencies (a joint operation needs at least one)",
        required=False,
        choices=[(a, a) for a in rules.PARTNER_AGENCIES],
        widget=forms.CheckboxSelectMultiple,
    )
    planned_on = GovUKDateField(label="Planned date")
    planned_time = time_field("Planned start time")
    intended_power = radios(
        "Intended power of entry",
        list(rules.POWERS_OF_ENTRY.items()),
        "Select the intended power of entry",
    )
    community_impact = text(
        "Community impact considered",
        area=True,
        message="Enter the community impact considered for this visit (needed for every visit)",
        hint="Needed for every visit, whatever its rating",
    )

    field_order = [
        "team",
        "region",
        "visit_type",
        "partner_agencies",
        "planned_on",
        "planned_time",
        "business_name",
        "address_line_1",
        "town",
        "postcode",
        "sector",
        "police_force",
        "licensed",
        "licence_reference",
        "subjects",
        "intended_power",
        "community_impact",
    ]

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()

    def planned_start(self):
        return at(self.cleaned_data.get("planned_on"), self.cleaned_data.get("planned_time"))


class CancelForm(GovUKForm):
    reason = text("Why is the visit cancelled?", "Enter why the visit is cancelled", area=True)


class RiskAssessmentForm(GovUKForm):
    rating = radios(
        "Risk rating", list(rules.RATINGS.items()), "Select the risk rating: green, amber or red"
    )
    rationale = text(
        "Reasons for the rating", area=True, message="Enter the reasons for the rating"
    )
    risk_1 = text(
        "Identified risk 1",
        area=True,
        message="Record at least one identified risk, whatever the rating",
    )
    mitigation_1 = text(
        "Mitigation for risk 1", area=True, message="Enter the mitigation for risk 1"
    )
    risk_2 = text("Identified risk 2 (optional)", required=False, area=True)
    mitigation_2 = text("Mitigation for risk 2", required=False, area=True)
    risk_3 = text("Identified risk 3 (optional)", required=False, area=True)
    mitigation_3 = text("Mitigation for risk 3", required=False, area=True)

    def risks(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [(d.get(f"risk_{i}", ""), d.get(f"mitigation_{i}", "")) for i in (1, 2, 3)]


class ImpactAssessmentForm(GovUKForm):
    groups_affected = text("Groups affected", area=True)
    community_tensions = text(
        "Community tensions", area=True, message="Enter the community tensions considered"
    )
    equality_considerations = text("Equality considerations", area=True)
    mitigations = text("Mitigations", area=True)


class PlanAssessmentForm(GovUKForm):
    proportionate = text(
        "Proportionate: why", area=True, message="Enter why the visit is proportionate"
    )
    legal = text("Legal: why", area=True, message="Enter why the visit is legal")
    accountable = text("Accountable: why", area=True, message="Enter why the visit is accountable")
    necessary = text("Necessary: why", area=True, message="Enter why the visit is necessary")


class AuthoriseForm(GovUKForm):
    decision = radios(
        "Decision", [("grant", "Authorise"), ("refuse", "Refuse")], "Select a decision"
    )
    reason = text("Reasons for your decision", "Enter the reasons for your decision", area=True)


class CheckForm(GovUKForm):
    check_type = radios("Check", [(k, v[0]) for k, v in rules.CHECKS.items()], "Select the check")
    subject = forms.ChoiceField(
        label="Subject (for checks on a named subject)", required=False, choices=[]
    )
    result = radios("Result", list(rules.CHECK_RESULTS.items()), "Select the result of the check")
    detail = text("What the check found (needed unless no trace)", required=False, area=True)

    def __init__(self, *args, subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "Not about a subject")] + [
            (str(p.pk), p.full_name) for p in subjects
        ]


class NotificationSendForm(GovUKForm):
    police_force = _choice("Police force", PoliceForce.objects.all(), "Select the police force")


class PhoneCheckForm(GovUKForm):
    police_force = _choice(
        "Police force called", PoliceForce.objects.all(), "Select the police force you called"
    )
    spoke_to = text(
        "Who you spoke to at the police intelligence unit",
        "Enter who you spoke to at the police intelligence unit",
    )
    called_on = GovUKDateField(label="Date of the call", allow_future=False)
    called_time = time_field("Time of the call")
    warning_markers = text(
        "Warning markers", area=True, message="Enter the warning markers, or “None”"
    )
    community_tensions = text(
        "Community tensions", area=True, message="Enter the community tensions, or “None”"
    )


class ReconnaissanceForm(GovUKForm):
    recon_type = radios(
        "Type of reconnaissance",
        list(rules.RECONNAISSANCE_TYPES.items()),
        "Select the type of reconnaissance",
    )
    imagery_date = GovUKDateField(
        label="Date of the imagery (virtual reconnaissance)", required=False, allow_future=False
    )
    ripa_considered = forms.ChoiceField(
        label="Was RIPA authorisation considered? (walk-by or drive-past)",
        required=False,
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    ripa_rationale = text("Why RIPA authorisation is or is not needed", required=False, area=True)
    occupants = text("Occupants", required=False, area=True)
    entry_exit_points = text("Entry and exit points", area=True)
    changes_since_last_visit = text("Changes since the last visit", required=False, area=True)


def _officers(team: Team):
    return User.objects.filter(is_active=True, is_machine=False, teams=team).order_by(
        "first_name", "last_name"
    )


class CommandForm(GovUKForm):
    officer_in_charge = _choice(
        "Officer in charge (arrest-trained, IO or above)",
        User.objects.none(),
        "Select the officer in charge",
    )
    gold_commander = _choice("Gold commander", User.objects.none(), "", required=False)
    silver_commander = _choice("Silver commander", User.objects.none(), "", required=False)
    bronze_commander = _choice("Bronze commander", User.objects.none(), "", required=False)

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].queryset = _officers(team)
            self.fields[name].label_from_instance = lambda u: (
                f"{u.get_full_name() or u.username} ({u.grade})"
            )


class OfficerForm(GovUKForm):
    officer = _choice("Officer", User.objects.none(), "Select the officer")
    role = text(
        "Role on the day (optional)",
        required=False,
        max_length=60,
        hint="For example arrest team, exhibits",
    )

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = _officers(team)
        self.fields["officer"].label_from_instance = lambda u: u.get_full_name() or u.username


def order_form(rating: str, data=None) -> GovUKForm:
    """The operational order's sections for this rating (IIMARCH or the digital order)."""
    form = GovUKForm(data)
    for key, label in rules.order_sections(rating).items():
        form.fields[key] = text(
            label, f"Enter the {label.lower()} section", area=True, max_length=10_000
        )
    return form


class NotificationAnswerForm(GovUKForm):
    signed_by_name = text("Name of the officer signing", "Enter the name of the officer signing")
    signed_by_rank = text("Rank of the officer signing", "Enter the rank of the officer signing")
    warning_markers = text(
        "Warning markers at the address",
        area=True,
        message="Enter any warning markers, or “None known”",
    )
    community_tensions = text(
        "Community tensions", area=True, message="Enter any community tensions, or “None known”"
    )
    police_resources = text("Police resources offered (optional)", required=False, area=True)
    complete = radios("Is the form complete?", YES_NO, "Say whether the form is complete")


class VisitFilterForm(GovUKForm):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any"), *VisitStatus.choices]
    )
    rating = forms.ChoiceField(
        label="Risk rating",
        required=False,
        choices=[("", "Any"), *rules.RATINGS.items(), ("none", "No rating")],
    )
    date_from = GovUKDateField(label="Planned from", required=False)
    date_to = GovUKDateField(label="Planned to", required=False)
