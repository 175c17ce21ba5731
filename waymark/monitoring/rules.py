"""Electronic monitoring: every numbered rule, each in one place (brief monitoring.md, seed 000).

Figures the brief calls "configuration" read a Django setting first (``WAYMARK_EM`` dict in
``config/settings.py``), so a deployment can change them without a code change; the defaults here
are the brief's. ``tests/test_rules.py`` pins every number, so a change is a deliberate one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings

from waymark.accounts.models import Grade
from waymark.correspondence.rules import PRE_ACTION_RESPONSE_DAYS
from waymark.work.rules import DEADLINE_AT_START as DEADLINE_AT_START
from waymark.work.rules import DEADLINE_NEXT_WORKING_DAY as DEADLINE_NEXT_WORKING_DAY


def _configured(name: str, default: Any) -> Any:
    return getattr(settings, "WAYMARK_EM", {}).get(name, default)


# --- §1 The monitoring condition ------------------------------------------------------------------
# 000 §5.9, §5.50: when an immigration judge grants bail with an EM condition, the tag must be
# fitted within 72 hours of the grant.
JUDGE_FITTING_HOURS = 72
# Secretary of State bail has no statutory limit; the Hub works to a target set in configuration.
SOS_FITTING_TARGET_HOURS_DEFAULT = 120


def sos_fitting_target_hours() -> int:
    return int(_configured("SOS_FITTING_TARGET_HOURS", SOS_FITTING_TARGET_HOURS_DEFAULT))


# 000 §1.24: the person has 3 days from the decision to impose EM to make representations.
REPRESENTATIONS_WINDOW_DAYS = 3

# --- §2 Fitting -------------------------------------------------------------------------------------
# 000 §5.12: the supplier prefers afternoon slots at source (from 14:00); prisons rarely release
# after 17:00.
SUPPLIER_AFTERNOON_SLOTS_FROM = time(14, 0)
PRISON_LATEST_RELEASE = time(17, 0)
MORNING_SLOT = time(9, 0)
# 000 §5.73: a slot request the supplier has not answered within this time is flagged.
SLOT_ANSWER_SILENCE_HOURS_DEFAULT = 24


def slot_answer_silence() -> timedelta:
    return timedelta(
        hours=int(_configured("SLOT_ANSWER_SILENCE_HOURS", SLOT_ANSWER_SILENCE_HOURS_DEFAULT))
    )


# --- §3 Breaches --------------------------------------------------------------------------------------
# 000 §5.16 and note 20 (approved April 2022): battery breaches are summed over a rolling 7 days;
# 12 hours out of contact raises one accumulated violation. Configuration.
BATTERY_THRESHOLD_HOURS_DEFAULT = 12
BATTERY_WINDOW_DAYS_DEFAULT = 7


def battery_threshold() -> timedelta:
    return timedelta(
        hours=float(_configured("BATTERY_THRESHOLD_HOURS", BATTERY_THRESHOLD_HOURS_DEFAULT))
    )


def battery_window() -> timedelta:
    return timedelta(days=float(_configured("BATTERY_WINDOW_DAYS", BATTERY_WINDOW_DAYS_DEFAULT)))


def battery_violations(spans: list[tuple[datetime, datetime]]) -> list[tuple[int, int, timedelta]]:
    """The accumulated battery rule over uncounted battery breaches ``(start, end)`` in start order,
    in one pass: each run ``(i, j, total)`` whose out-of-contact time inside one rolling window
    reaches the threshold. A run's breaches are counted, so the next window starts after it; no
    breach counts twice. Breaches before a run are older than any later window."""
    window, threshold = battery_window(), battery_threshold()
    runs: list[tuple[int, int, timedelta]] = []
    first, total = 0, timedelta(0)
    for index, (start, end) in enumerate(spans):
        total += end - start
        while first < index and spans[first][0] < end - window:
            total -= spans[first][1] - spans[first][0]
            first += 1
        if total >= threshold:
            runs.append((first, index, total))
            first, total = index + 1, timedelta(0)
    return runs


# 000 §5.14: out of contact for 7 days or more is the first priority.
OUT_OF_CONTACT_PRIORITY_DAYS = 7
# Data quality: a breach still open (no end time) this long after its start is flagged.
BREACH_NO_END_FLAG_DAYS = 7

BATTERY = "battery"
BREACH_TYPES: list[tuple[str, str]] = [
    (BATTERY, "Battery (device ran out of charge)"),
    ("absence_15_minute", "15-minute absence"),
    ("full_curfew", "Full curfew missed"),
    ("partial_curfew", "Partial curfew missed"),
    ("strap_tamper", "Strap tamper"),
    ("interference", "Interference (PID / home monitoring unit)"),
    ("not_available_for_installation", "Not available for installation"),
    ("inability_to_monitor", "Inability to monitor"),
    ("ac_power_loss", "AC power loss"),
    ("monitor_movement", "Monitor movement"),
    ("moved_without_variation", "Moved without variation"),
    ("abusive_behaviour", "Abusive behaviour"),
    ("negative_ram", "Negative random-access memory result"),
    ("unsuccessful_induction", "Unsuccessful induction visit"),
    ("failed_enrolment", "Failed enrolment"),
    ("location", "Location (exclusion-zone) breach"),
    ("out_of_contact", "Out of contact"),
]
BREACH_TYPE_LABELS = dict(BREACH_TYPES)
# em_archive_replay applies an archive this many rows a transaction: a stopped run loses at most
# one chunk's work, and rerunning it skips what was stored.
ARCHIVE_REPLAY_CHUNK_ROWS = 5_000
# The supplier's free-text details of a breach are kept up to this many characters.
BREACH_DETAILS_MAX_LENGTH = 2000
# 000 §5.14: after out-of-contact ≥ 7 days come strap tamper, full curfew missed and location.
HIGH_PRIORITY_BREACH_TYPES = ("strap_tamper", "full_curfew", "location")
PRIORITY_OUT_OF_CONTACT = 300
PRIORITY_HIGH_TYPE = 200
PRIORITY_OTHER = 100
PRIORITY_ACCUMULATED_BATTERY = PRIORITY_OTHER


def breach_priority(breach_type: str, out_of_contact: timedelta | None) -> tuple[int, str]:
    """Triage priority and the reason shown on the task (000 §5.14)."""
    if out_of_contact is not None and out_of_contact >= timedelta(
        days=OUT_OF_CONTACT_PRIORITY_DAYS
    ):
        return PRIORITY_OUT_OF_CONTACT, (
            f"Out of contact for {OUT_OF_CONTACT_PRIORITY_DAYS} days or more: first priority (000 §5.14)"
        )
    if breach_type in HIGH_PRIORITY_BREACH_TYPES:
        return PRIORITY_HIGH_TYPE, (
            f"{BREACH_TYPE_LABELS[breach_type]}: second priority after 7 days out of contact (000 §5.14)"
        )
    return (
        PRIORITY_OTHER,
        "Other breach types come after out of contact, tamper, full curfew and location",
    )


# The published escalation ladder (000 §5.60, §5.83-5.84): one ladder, applied the same way to
# everyone. Step n applies at the n-th actionable breach; a deliberate tamper, damage or refusal
# of induction goes straight to the last step.
@dataclass(frozen=True)
class LadderStep:
    number: int
    key: str
    label: str
    letter_template: str  # "" for none


ESCALATION_LADDER: list[LadderStep] = [
    LadderStep(1, "warning", "Contact and warning letter (BAIL 204)", "em-bail-204-warning"),
    LadderStep(2, "final_warning", "Final warning letter", "em-final-warning"),
    LadderStep(3, "prosecution", "Consider for prosecution", ""),
]
STRAIGHT_TO_PROSECUTION_TYPES = ("strap_tamper", "not_available_for_installation")


def ladder_step_for(
    actionable_count: int, breach_type: str, deliberate: bool = False
) -> LadderStep:
    """The step for the ``actionable_count``-th actionable breach (1-based)."""
    if deliberate or breach_type in STRAIGHT_TO_PROSECUTION_TYPES:
        return ESCALATION_LADDER[-1]
    index = min(max(actionable_count, 1), len(ESCALATION_LADDER)) - 1
    return ESCALATION_LADDER[index]


# --- §4 Reviews and challenges ------------------------------------------------------------------------
# 000 §5.17, §5.80-5.81: every person on EM is reviewed every 3 months.
REVIEW_INTERVAL_MONTHS = 3
# A review's task appears this many days before the review is due, so it can be prepared.
REVIEW_LEAD_DAYS = 14
# 000 §3.11, §5.77: ceasing or varying EM needs sign-off by a senior caseworker (HEO or above).
SIGN_OFF_GRADE = Grade.HEO
PRE_ACTION_DAYS = (
    PRE_ACTION_RESPONSE_DAYS  # 14, the Pre-Action Protocol (one place: correspondence.rules)
)

# --- §5 Trail data ------------------------------------------------------------------------------------
# A request for more than this period is "too broad" and flagged before approval (000 §5.34-5.37).
TRAIL_MAX_PERIOD_DAYS_DEFAULT = 31
# Returned trail data is sealed at the end of its retention period.
TRAIL_RETENTION_DAYS_DEFAULT = 90


def trail_max_period() -> timedelta:
    return timedelta(days=int(_configured("TRAIL_MAX_PERIOD_DAYS", TRAIL_MAX_PERIOD_DAYS_DEFAULT)))


def trail_retention() -> timedelta:
    return timedelta(days=int(_configured("TRAIL_RETENTION_DAYS", TRAIL_RETENTION_DAYS_DEFAULT)))


# --- §6 Supplier service levels (000 §5.64-5.68, Figure 12), Home Office cohort ---------------------
SERVICE_LEVELS: dict[str, tuple[str, Decimal]] = {
    "reinstallation": ("Equipment re-installation", Decimal("0.95")),
    "removal_non_bail": ("Visit for removal of equipment (non-bail)", Decimal("0.95")),
    "removal_tamper": ("Removal visit (tamper-related)", Decimal("0.85")),
    "requesting_information": ("Requesting information", Decimal("0.85")),
    "informing_authorities": ("Informing authorities of enforcement action", Decimal("0.85")),
    "court_attendance": ("Attendance at court", Decimal("1.00")),
}

# --- §7-§8 Figures and the operational plan ----------------------------------------------------------
# The figures page and API refuse a longer period: that is an export, not a page.
MI_MAX_PERIOD_DAYS = 3 * 366
# Planning assumptions for the operational plan (000 rec 5), shown on the page: the report gives no
# minutes per item, so these are stated to be challenged, not findings.
PLAN_WORK_MINUTES = {"release": 90, "breach": 30, "review": 60, "representation": 120}
PLAN_FTE_HOURS_PER_WEEK = Decimal("37")
PLAN_PRODUCTIVE_SHARE = Decimal("0.7")  # time on casework after leave, training and meetings
PLAN_LOOKBACK_WEEKS = 8  # demand rates come from the last 8 weeks of records
WEEKS_PER_REVIEW_INTERVAL = 13  # 3 months

# --- Supplier integration -----------------------------------------------------------------------------
# After a secret is rotated the previous one keeps working this long, so the supplier can switch.
SECRET_ROTATION_OVERLAP = timedelta(days=7)
# Standard Webhooks: the signed timestamp must be within 5 minutes of our clock.
SIGNATURE_TOLERANCE = timedelta(minutes=5)
# The most breach.created events one batch may carry (decision 0017): a backlog's request stays
# well under a few seconds and its transaction's locks short.
SUPPLIER_BATCH_MAX = 500
# A supplier client (and whether it may send events) is read once a process and kept this long:
# a client deactivated, or a permission removed, in another process takes effect within it.
SUPPLIER_CLIENT_CACHE_SECONDS = 30
# Outbound orders are retried with backoff this many times before a person is told.
OUTBOUND_MAX_ATTEMPTS = 5
OUTBOUND_BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)

# --- Device recommendation (000 §5.30), versioned ---------------------------------------------------
RECOMMENDER_VERSION = "2026.1"
# Scarcity order (000 §5.54): lower number = fitted first.
SCARCITY_ORDER = [
    "very_high_harm",
    "high_harm",
    "medium_harm",
    "low_harm",
    "deportation_with_assurances",
    "entered_in_breach_of_deportation_order",
    "eu_national_or_family",
]
SCARCITY_LABELS = {
    "very_high_harm": "Very high harm",
    "high_harm": "High harm",
    "medium_harm": "Medium harm",
    "low_harm": "Low harm",
    "deportation_with_assurances": "Deportation with assurances",
    "entered_in_breach_of_deportation_order": "Entered in breach of a deportation order",
    "eu_national_or_family": "EU national or family member subject to deportation",
}
# EU member states (ISO 3166-1 alpha-3), for the last group of the scarcity order (000 §5.54).
EU_NATIONALITIES = frozenset(
    {
        "AUT",
        "BEL",
        "BGR",
        "HRV",
        "CYP",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "IRL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MLT",
        "NLD",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
    }
)
LONG_SENTENCE_MONTHS = 48  # 4 years: the threshold the Home Office uses for "serious" offending


@dataclass(frozen=True)
class Recommendation:
    device_type: str
    review_months: int
    reasons: list[str]
    version: str = RECOMMENDER_VERSION


def device_recommend(
    *,
    harm_level: str,
    sentence_months: int | None,
    breach_count: int,
    compliance_concerns: bool,
    vulnerable: bool,
    fitted_available: int,
    non_fitted_available: int,
) -> Recommendation:
    """Propose a device type and review period, with the reasons (000 §5.30). Pure function."""
    reasons: list[str] = []
    device = "non_fitted"
    review = REVIEW_INTERVAL_MONTHS
    if harm_level in ("very_high", "high"):
        device = "gps_fitted"
        reasons.append(f"Harm level is {harm_level.replace('_', ' ')}: a fitted GPS tag")
    if sentence_months is not None and sentence_months >= LONG_SENTENCE_MONTHS:
        device = "gps_fitted"
        reasons.append(f"Sentence of {sentence_months} months (4 years or more): a fitted GPS tag")
    if breach_count >= 2:
        device = "gps_fitted"
        reasons.append(f"{breach_count} previous breaches of conditions: a fitted GPS tag")
    if compliance_concerns:
        device = "gps_fitted"
        reasons.append("Concerns in the compliance history: a fitted GPS tag")
    if device == "non_fitted":
        reasons.append(
            "Low or medium harm, no long sentence, little breach history: a non-fitted device"
        )
    if vulnerable:
        review = 1
        reasons.append("Vulnerabilities recorded: review after 1 month rather than 3")
    if device == "gps_fitted" and fitted_available <= 0:
        reasons.append("No fitted GPS tags in stock: the scarcity order applies (000 §5.54)")
    if device == "non_fitted" and non_fitted_available <= 0:
        device = "gps_fitted"
        reasons.append("No non-fitted devices in stock: a fitted GPS tag instead")
    return Recommendation(device, review, reasons)


def scarcity_group(
    *,
    harm_level: str,
    deportation_with_assurances: bool,
    entered_in_breach: bool,
    eu_national: bool,
) -> str:
    """The person's place in the scarcity order (000 §5.54)."""
    if eu_national:
        return "eu_national_or_family"
    if harm_level in ("very_high", "high", "medium", "low"):
        return f"{harm_level}_harm"
    if deportation_with_assurances:
        return "deportation_with_assurances"
    if entered_in_breach:
        return "entered_in_breach_of_deportation_order"
    return "low_harm"


def slot_conflict(
    *,
    granted_at: datetime,
    release_at: datetime | None,
    slot_start: datetime,
    at_prison: bool,
    limit_hours: int | None,
) -> str:
    """A warning when a requested slot cannot meet both the release and the fitting limit
    (000 §5.12), or "" when it can. Times are aware datetimes; local times are Europe/London."""
    from waymark.core.clock import LONDON

    problems = []
    local = slot_start.astimezone(LONDON)
    if limit_hours is not None and slot_start > granted_at + timedelta(hours=limit_hours):
        problems.append(f"the slot is after the {limit_hours}-hour limit from the bail grant")
    if at_prison and local.time() >= PRISON_LATEST_RELEASE:
        problems.append("prisons rarely release after 17:00")
    if release_at is not None and slot_start < release_at:
        problems.append("the slot is before the release")
    if (
        at_prison
        and local.time() >= SUPPLIER_AFTERNOON_SLOTS_FROM
        and release_at is not None
        and release_at.astimezone(LONDON).time() >= PRISON_LATEST_RELEASE
    ):
        problems.append("an afternoon slot cannot meet a release after 17:00")
    if not problems:
        return ""
    return "This slot may not work: " + "; ".join(problems) + ". Consider a morning slot."


TASK_QUEUE_SLUG = "em-hub"

# --- Work: task types, queues and deadline rules (registered in registrations.py) ------------------
QUEUE_FITTING = "em-hub-fitting"
QUEUE_BREACHES = "em-hub-breaches"
QUEUE_REVIEWS = "em-hub-reviews"
QUEUE_TRAIL = "em-hub-trail-data"
QUEUES = [
    (QUEUE_FITTING, "Electronic monitoring hub: fitting"),
    (QUEUE_BREACHES, "Electronic monitoring hub: breaches"),
    (QUEUE_REVIEWS, "Electronic monitoring hub: reviews and challenges"),
    (QUEUE_TRAIL, "Electronic monitoring hub: trail-data requests"),
]

DEADLINE_JUDGE_FITTING = "em_judge_fitting_72_hours"
DEADLINE_SOS_FITTING = "em_sos_fitting_target"
# DEADLINE_AT_START (the date is the deadline: a review date, a court deadline) and
# DEADLINE_NEXT_WORKING_DAY are the platform's shared rules, imported above from work.rules.
DEADLINE_PRE_ACTION = "pre_action_letter_14_days"  # correspondence.rules, shared

TASK_FITTING_JUDGE = "monitoring.fitting_ij"
TASK_FITTING_SOS = "monitoring.fitting_sos"
TASK_SLOT_SILENCE = "monitoring.slot_silence"
TASK_BREACH = "monitoring.breach"
TASK_ACCUMULATED_BATTERY = "monitoring.accumulated_battery"
TASK_FIRST_BREACH_CONTACT = "monitoring.first_breach_contact"
TASK_REVIEW = "monitoring.em_review"
TASK_REVIEW_SIGN_OFF = "monitoring.review_sign_off"
TASK_REPRESENTATIONS = "monitoring.representations"
TASK_PRE_ACTION = "monitoring.pre_action"
TASK_JUDICIAL_REVIEW = "monitoring.judicial_review"
TASK_TRAIL_APPROVAL = "monitoring.trail_approval"
TASK_SEND_FAILED = "monitoring.order_send_failed"
