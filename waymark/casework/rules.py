"""Criminal casework: every numbered rule, each in one place (brief casework.md; seeds 001, 004).

Figures the brief calls configuration read ``settings.WAYMARK_CASEWORK`` first, so a deployment
can change them without a code change; the defaults are the brief's. ``tests/test_rules.py`` pins
every number, so changing one is a deliberate act with a failing test to update.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]
from django.conf import settings

from waymark.accounts.models import Grade
from waymark.core.words import days_in_words
from waymark.work.rules import DEADLINE_AT_START as DEADLINE_AT_START
from waymark.work.rules import DEADLINE_NEXT_WORKING_DAY as DEADLINE_NEXT_WORKING_DAY


def _configured(name: str, default: Any) -> Any:
    return getattr(settings, "WAYMARK_CASEWORK", {}).get(name, default)


# --- §1 Referral and ownership ----------------------------------------------------------------------
# 001 §6.32-6.34, 000 §1.7: a sentence of 12 months or more, or two or three sentences adding up to
# 12 months within 5 years, brings a foreign national to criminal casework.
REFERRAL_SENTENCE_MONTHS = 12
AGGREGATE_WINDOW_YEARS = 5
AGGREGATE_MAX_SENTENCES = 3
# "Persistent offender": the brief gives no number; configuration, counted in the same 5 years.
PERSISTENT_OFFENDER_CONVICTIONS_DEFAULT = 3
# Offences below the threshold may be referred when they fall in these categories (001 §6.34).
DISCRETIONARY_CATEGORIES: dict[str, tuple[str, ...]] = {
    "violence": (
        "assault",
        "wounding",
        "grievous bodily harm",
        "robbery",
        "affray",
        "manslaughter",
        "murder",
        "offensive weapon",
    ),
    "sexual": ("sexual", "rape", "indecent"),
    "children": ("child", "children", "indecent images"),
    "serious_drugs": ("class a", "supply", "production", "importation"),
}
DISCRETIONARY_LABELS = {
    "violence": "Violence",
    "sexual": "Sexual offending",
    "children": "Offences against children",
    "serious_drugs": "Serious drugs offences",
}
# Serious harm: the person's assessed harm (000 §1.7 "caused serious harm").
SERIOUS_HARM_LEVELS = ("high", "very_high")

# 001 §6.36: the intake team agrees the case with the owning team within 28 days of referral.
INTAKE_DAYS = 28
# 001 §6.24: time-served for more than 12 months with no deportation decision.
DECISION_OVERDUE_MONTHS = 12

# Banding (001 §6.3, Figure 2).
BAND_1_SENTENCE_OVER_YEARS = 5
BANDS = {
    1: "Band 1 (highest risk)",
    2: "Band 2 (lower risk)",
    3: "Band 3 (lowest risk, possibly removable)",
    4: "Band 4 (lowest risk, not removable)",
}
# 001 §6.4, §6.35-6.38: bands 1-2 to one team, 3-4 to another. Team slugs are configuration.
ROUTING_DEFAULT = {
    1: "criminal-casework-liverpool",
    2: "criminal-casework-liverpool",
    3: "criminal-casework-leeds",
    4: "criminal-casework-leeds",
}
CRIMINAL_CASEWORK_UNIT = "Criminal casework"


def persistent_offender_convictions() -> int:
    return int(
        _configured("PERSISTENT_OFFENDER_CONVICTIONS", PERSISTENT_OFFENDER_CONVICTIONS_DEFAULT)
    )


def routing() -> dict[int, str]:
    return {int(k): v for k, v in _configured("ROUTING", ROUTING_DEFAULT).items()}


def sentence_at_least_12_months(days: int | None) -> bool:
    """12 months of custody: a year is 365 days for this purpose (a sentence is given in days)."""
    return days is not None and days >= 365 * REFERRAL_SENTENCE_MONTHS // 12


def sentence_over_5_years(days: int | None) -> bool:
    return (
        days is not None
        and days > 365 * BAND_1_SENTENCE_OVER_YEARS + BAND_1_SENTENCE_OVER_YEARS // 4
    )


@dataclass(frozen=True)
class Sentence:
    convicted_on: date
    days: int | None
    custodial: bool
    offence: str = ""


def discretionary_categories(offence: str) -> list[str]:
    text = offence.lower()
    return [key for key, words in DISCRETIONARY_CATEGORIES.items() if any(w in text for w in words)]


def referral_criteria(sentences: Iterable[Sentence], *, harm_level: str) -> list[tuple[str, str]]:
    """Which referral criteria the record meets, each ``(key, reason)``. Empty: not referable."""
    items = sorted(sentences, key=lambda s: s.convicted_on)
    met: list[tuple[str, str]] = []
    custodial = [s for s in items if s.custodial and s.days]
    single = [s for s in custodial if sentence_at_least_12_months(s.days)]
    if single:
        met.append(
            (
                "sentence_12_months",
                f"Sentenced to {single[-1].days} days ({single[-1].offence or 'offence'}) — "
                f"{REFERRAL_SENTENCE_MONTHS} months or more",
            )
        )
    else:
        for i in range(len(custodial)):
            window_end = custodial[i].convicted_on + relativedelta(years=AGGREGATE_WINDOW_YEARS)
            group = [s for s in custodial[i:] if s.convicted_on <= window_end][
                :AGGREGATE_MAX_SENTENCES
            ]
            if len(group) >= 2 and sentence_at_least_12_months(sum(s.days or 0 for s in group)):
                met.append(
                    (
                        "aggregate_5_years",
                        f"{len(group)} sentences adding up to {sum(s.days or 0 for s in group)} days within "
                        f"{AGGREGATE_WINDOW_YEARS} years",
                    )
                )
                break
    if harm_level in SERIOUS_HARM_LEVELS:
        met.append(("serious_harm", f"Assessed harm is {harm_level.replace('_', ' ')}"))
    for i in range(len(items)):
        window_end = items[i].convicted_on + relativedelta(years=AGGREGATE_WINDOW_YEARS)
        within = [s for s in items[i:] if s.convicted_on <= window_end]
        if len(within) >= persistent_offender_convictions():
            met.append(
                (
                    "persistent_offender",
                    f"{len(within)} convictions within {AGGREGATE_WINDOW_YEARS} years",
                )
            )
            break
    categories = sorted({c for s in items for c in discretionary_categories(s.offence)})
    if categories and not met:
        met.append(
            (
                "discretionary",
                "Below the threshold but may be referred: "
                + ", ".join(DISCRETIONARY_LABELS[c].lower() for c in categories),
            )
        )
    return met


def band_for(
    *,
    mappa_level: int | None,
    formerly_mappa: bool,
    harm_level: str,
    longest_sentence_days: int | None,
    removable: bool,
) -> tuple[int, str]:
    """The band and the reason for it (001 §6.3, Figure 2)."""
    if mappa_level in (2, 3):
        return 1, f"MAPPA level {mappa_level}"
    if mappa_level == 1 and harm_level == "very_high":
        return 1, "MAPPA level 1 and among the most harmful (very high harm)"
    if sentence_over_5_years(longest_sentence_days):
        return 1, (
            f"Sentence over {BAND_1_SENTENCE_OVER_YEARS} years "
            f"({days_in_words(longest_sentence_days)})"
        )
    if mappa_level == 1:
        return 2, "MAPPA level 1"
    if formerly_mappa:
        return 2, "Formerly managed under MAPPA"
    if removable:
        return 3, "Not MAPPA; possibly removable"
    return 4, "Not MAPPA; not removable (an open travel-document or medical barrier)"


# Barriers that make a person "not removable" for banding.
NOT_REMOVABLE_BARRIERS = ("no_travel_document", "medical")


# --- §2 Reporting ---------------------------------------------------------------------------------------
# 001 §6.64-6.65: weekly by default for this cohort; less often only with a recorded reason.
DEFAULT_FREQUENCY_DAYS = 7
FREQUENCY_CHOICES = [
    (1, "Daily"),
    (3, "Every 3 days"),
    (7, "Weekly"),
    (14, "Every 2 weeks"),
    (28, "Every 4 weeks"),
    (91, "Every 3 months"),
]
LESS_OFTEN_REASONS = [
    ("history_of_compliance", "A history of compliance"),
    ("low_harm", "Low harm"),
    ("removal_not_imminent", "Low likelihood of removal soon"),
]
# 001 §6.66: a one-hour window by default; longer only with a reason; a window over the configured
# limit cannot be combined with "detain on reporting".
DEFAULT_WINDOW_MINUTES = 60
DETAIN_WINDOW_LIMIT_MINUTES_DEFAULT = 120
# A window is possible only inside the centre's opening hours.
CENTRE_OPENS = time(8, 0)
CENTRE_CLOSES = time(18, 0)
# The sweep generates events this far ahead (configuration). The centre's list needs a few weeks.
EVENT_HORIZON_DAYS_DEFAULT = 28
# A past event with no outcome is chased once its window has closed and this grace has passed.
OUTCOME_GRACE_HOURS = 2


def detain_window_limit_minutes() -> int:
    return int(_configured("DETAIN_WINDOW_LIMIT_MINUTES", DETAIN_WINDOW_LIMIT_MINUTES_DEFAULT))


def event_horizon_days() -> int:
    return int(_configured("EVENT_HORIZON_DAYS", EVENT_HORIZON_DAYS_DEFAULT))


def restriction_problems(
    *,
    frequency_days: int,
    frequency_reason: str,
    window_start: time | None,
    window_minutes: int | None,
    window_reason: str,
    detain_on_reporting: bool,
    starts_on: date | None,
    ends_on: date | None,
) -> dict[str, str]:
    """Every reason a restriction cannot be set, by field. Empty: it may be set."""
    problems: dict[str, str] = {}
    if frequency_days not in dict(FREQUENCY_CHOICES):
        problems["frequency_days"] = "Select how often the person reports"
    elif frequency_days > DEFAULT_FREQUENCY_DAYS and frequency_reason not in dict(
        LESS_OFTEN_REASONS
    ):
        problems["frequency_reason"] = (
            "Reporting less often than weekly needs a reason: a history of compliance, "
            "low harm, or low likelihood of removal soon"
        )
    if window_start is None:
        problems["window_start"] = "Enter the time the reporting window opens"
    if not window_minutes or window_minutes <= 0:
        problems["window_minutes"] = "The reporting window must be at least 1 minute long"
    elif window_start is not None:
        opens = datetime.combine(date(2000, 1, 1), window_start)
        closes = opens + timedelta(minutes=window_minutes)
        if window_start < CENTRE_OPENS or closes > datetime.combine(
            date(2000, 1, 1), CENTRE_CLOSES
        ):
            problems["window_minutes"] = (
                f"The window {window_start:%H:%M} to {closes:%H:%M} is outside the centre's "
                f"opening hours ({CENTRE_OPENS:%H:%M} to {CENTRE_CLOSES:%H:%M})"
            )
        elif window_minutes > DEFAULT_WINDOW_MINUTES and not (window_reason or "").strip():
            problems["window_reason"] = (
                f"A window longer than {DEFAULT_WINDOW_MINUTES} minutes needs a reason"
            )
        if window_minutes > detain_window_limit_minutes() and detain_on_reporting:
            problems["detain_on_reporting"] = (
                f"A window over {detain_window_limit_minutes()} minutes cannot be combined "
                "with detention on reporting"
            )
    if starts_on is None:
        problems["starts_on"] = "Enter the date reporting starts"
    elif ends_on is not None and ends_on < starts_on:
        problems["ends_on"] = "The end date must be on or after the start date"
    return problems


def event_days(
    *, starts_on: date, ends_on: date | None, frequency_days: int, first: date, last: date
) -> list[date]:
    """The reporting days of a restriction between ``first`` and ``last`` inclusive: every
    ``frequency_days`` from the start date."""
    if ends_on is not None:
        last = min(last, ends_on)
    if last < starts_on:
        return []
    first = max(first, starts_on)
    offset = (-(first - starts_on).days) % frequency_days
    day = first + timedelta(days=offset)
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=frequency_days)
    return days


COMMISSION_KINDS = [
    ("circumstances_update", "Update circumstances"),
    ("mitigating_interview", "Mitigating-circumstances interview"),
    ("etd_interview", "Emergency travel document interview"),
    ("voluntary_return", "Voluntary-return conversation"),
    ("detain_on_reporting", "Detention on reporting"),
]


# --- §3 Non-compliance and absconders --------------------------------------------------------------------
# The mandatory steps to re-establish contact (001 §7.29, 004 rec 5), each due a number of hours
# after the missed event; Band 1 shortest. Configuration.
CONTACT_STEPS = [
    ("phone_warning", "Telephone contact and a verbal warning"),
    ("ftr_letter", "Failure-to-report warning letter"),
    ("visit_or_arrest_referral", "Visit, or referral to an arrest team"),
]
CONTACT_STEP_HOURS_DEFAULT = {
    1: {"phone_warning": 24, "ftr_letter": 48, "visit_or_arrest_referral": 72},
    2: {"phone_warning": 48, "ftr_letter": 96, "visit_or_arrest_referral": 168},
    3: {"phone_warning": 72, "ftr_letter": 168, "visit_or_arrest_referral": 336},
    4: {"phone_warning": 120, "ftr_letter": 240, "visit_or_arrest_referral": 504},
}
# Out of contact this many days with no absconder decision: flagged (Band 1 shortest).
ABSCONDER_DECISION_LIMIT_DAYS_DEFAULT = {1: 7, 2: 14, 3: 21, 4: 28}


def contact_step_hours() -> dict[int, dict[str, int]]:
    return {
        int(k): dict(v)
        for k, v in _configured("CONTACT_STEP_HOURS", CONTACT_STEP_HOURS_DEFAULT).items()
    }


def contact_step_deadlines(band: int, missed_at: datetime) -> dict[str, datetime]:
    hours = contact_step_hours()[band]
    return {key: missed_at + timedelta(hours=hours[key]) for key, _label in CONTACT_STEPS}


def absconder_limit_days(band: int) -> int:
    return int(
        {
            int(k): v
            for k, v in _configured(
                "ABSCONDER_DECISION_LIMIT_DAYS", ABSCONDER_DECISION_LIMIT_DAYS_DEFAULT
            ).items()
        }[band]
    )


def absconder_declaration_problems(
    *, steps_done: dict[str, Any], whereabouts_unknown: bool
) -> list[str]:
    """001 §7.23: an absconder is someone whose whereabouts are unknown and for whom all mandatory
    procedures to re-establish contact have failed."""
    problems = [
        f"{label} has not been recorded" for key, label in CONTACT_STEPS if not steps_done.get(key)
    ]
    if not whereabouts_unknown:
        problems.append("Confirm that the person's whereabouts are unknown")
    return problems


HARM_WEIGHT = {"very_high": 4, "high": 3, "medium": 2, "low": 1, "not_assessed": 2}


def trace_priority(*, harm_level: str, band: int, removable: bool) -> tuple[int, str]:
    """001 §7.28: prioritised by risk and how likely removal is if located. Higher first."""
    score = HARM_WEIGHT.get(harm_level, 2) * 10 + (5 - band) * 3 + (10 if removable else 0)
    return score, (
        f"Harm {harm_level.replace('_', ' ')}, band {band}, "
        + ("removable if located" if removable else "removal not currently possible")
    )


TRACE_OUTCOMES = [
    ("located_detained", "Located: detained"),
    ("located_reporting", "Located: resumed reporting"),
    ("not_located", "Not located"),
]


# --- §4 Case progression ------------------------------------------------------------------------------------
# 001 §7.6: every case reviewed at least every 3 months.
CASE_REVIEW_MONTHS = 3
# 001 §7.5: 8 weeks = 2 weeks' initial preparation + 6 to finalise with a senior caseworker.
CASE_PREP_INITIAL_WEEKS = 2
CASE_PREP_FINALISE_WEEKS = 6
CASE_PREP_TOTAL_WEEKS = CASE_PREP_INITIAL_WEEKS + CASE_PREP_FINALISE_WEEKS
# 004 rec 4: further submissions decided within 5 working days.
FURTHER_SUBMISSIONS_WORKING_DAYS = 5


# The review task appears this many days before the review is due (and is due with it).
REVIEW_TASK_LEAD_DAYS = 14


def next_review_due(last: date) -> date:
    return last + relativedelta(months=CASE_REVIEW_MONTHS)


BARRIER_TYPES = [
    ("asylum_claim", "Outstanding asylum claim"),
    ("further_submissions", "Further submissions"),
    ("appeal", "Appeal"),
    ("judicial_review", "Judicial review"),
    ("no_travel_document", "No travel document"),
    ("medical", "Medical"),
    ("modern_slavery", "Modern-slavery referral"),
    ("other", "Other"),
]
ETD_STATUSES = [
    ("not_started", "Not started"),
    ("interview_requested", "Interview requested"),
    ("submitted", "Submitted to the embassy"),
    ("agreed", "Agreed"),
    ("issued", "Issued"),
    ("refused", "Refused"),
]
# Grounds a further submission or a RED.0004 notice may cover (001 §7.14).
GROUNDS = [
    ("protection", "Asylum or humanitarian protection"),
    ("article_8", "Family and private life (Article 8)"),
    ("article_3_medical", "Medical (Article 3)"),
    ("modern_slavery", "Modern slavery"),
    ("statelessness", "Statelessness"),
    ("other", "Other"),
]
# Overriding a blocking barrier to set removal directions (brief "bad input").
BARRIER_OVERRIDE_GRADE = Grade.SEO


# --- §5 Removals ----------------------------------------------------------------------------------------------
REMOVAL_ROUTES = [
    ("deportation", "Deportation"),
    ("administrative_removal", "Administrative removal"),
    ("voluntary_departure", "Voluntary departure"),
    ("frs", "Facilitated Returns Scheme (FRS)"),
    ("ers", "Early Removals Scheme (ERS)"),
    ("ters", "Tariff Expired Removal Scheme (TERS)"),
]
# 001 Figure 8 and the brief's fixed list; each failure re-opens the barrier named here (or none).
FAILURE_REASONS = [
    ("fresh_asylum_claim", "Fresh asylum claim after removal directions set", "asylum_claim"),
    ("judicial_review", "Judicial review lodged after directions set", "judicial_review"),
    (
        "further_representations",
        "Further representations received; removal deferred",
        "further_submissions",
    ),
    ("not_encountered", "Not encountered on the enforcement visit", None),
    ("no_visit_resources", "No enforcement visit for lack of resources", None),
    ("medical", "Medical", "medical"),
    ("disruptive", "Disruptive behaviour", None),
    ("documentation", "Documentation", "no_travel_document"),
    ("other", "Other", None),
]
FAILURE_REASON_LABELS = {key: label for key, label, _ in FAILURE_REASONS}
FAILURE_REOPENS = {key: barrier for key, _label, barrier in FAILURE_REASONS}

# 004 rec 3: detention gatekeeping rejections are counted by reason.
GATEKEEPING_REJECTION_REASONS = [
    ("no_realistic_prospect", "No realistic prospect of removal within a reasonable time"),
    ("vulnerability", "Vulnerability outweighs the risk of absconding"),
    ("barrier_outstanding", "A barrier to removal is outstanding"),
    ("insufficient_evidence", "Insufficient evidence of non-compliance"),
    ("alternative_available", "A less restrictive alternative is available"),
    ("other", "Other"),
]
VOLUNTARY_RETURN_OPTIONS = [
    ("voluntary_departure", "Voluntary departure"),
    ("frs", "Facilitated Returns Scheme"),
    ("assisted_return", "Assisted voluntary return"),
]
VOLUNTARY_RETURN_OUTCOMES = [
    ("declined", "Declined"),
    ("considering", "Considering"),
    ("referred", "Referred"),
    ("departed", "Departed"),
]

# --- §6 Management information ---------------------------------------------------------------------------------
# 001 Figure 6: years run 1 April to 31 March.
FINANCIAL_YEAR_START_MONTH = 4
REPORTING_POPULATION_DEFINITION = (
    "Open criminal-casework cases, not detained, with a reporting restriction in force today, "
    "who are not currently declared absconders. One definition, used on every page "
    "(001 §3.8-3.10 found four different totals)."
)


def financial_year(day: date) -> str:
    start = day.year if day.month >= FINANCIAL_YEAR_START_MONTH else day.year - 1
    return f"{start}/{str(start + 1)[-2:]}"


# --- Tasks, queues, deadline rules ------------------------------------------------------------------------------
TASK_MISSED_EVENT = "casework.reporting_missed"
TASK_CONTACT_STEP = "casework.contact_step"
TASK_REFERRAL_INTAKE = "casework.referral_intake"
TASK_NEW_CASE = "casework.new_case"
TASK_CASE_REVIEW = "casework.case_review"
TASK_CASE_PREPARATION = "casework.case_preparation"
TASK_FURTHER_SUBMISSIONS = "casework.further_submissions"
TASK_COMMISSION = "reporting.commission"
TASK_COMMISSION_RESULT = "casework.commission_result"
TASK_OUTCOMES_MISSING = "reporting.outcomes_missing"
TASK_GATEKEEPING = "removals.gatekeeping"
TASK_TRACE = "casework.trace_and_locate"

QUEUE_INTAKE = "casework-intake"
QUEUE_REMOVALS = "removals-gatekeeping"
QUEUE_TRACE = "trace-and-locate"

DEADLINE_INTAKE = "referral_intake"
DEADLINE_REVIEW = "case_review"
DEADLINE_PREPARATION = "case_preparation"
DEADLINE_FURTHER_SUBMISSIONS = "further_submissions"
# DEADLINE_AT_START (the date is the deadline) and DEADLINE_NEXT_WORKING_DAY are the platform's
# shared rules, imported above from work.rules.


def contact_deadline_rule(band: int) -> str:
    """The deadline rule of a band's missed-event task: its first contact step's hours."""
    return f"casework_contact_band_{band}"


# The removals plan page shows the next this many removals; the download holds the whole plan.
REMOVALS_SHOWN = 100
