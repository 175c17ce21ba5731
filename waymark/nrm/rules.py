"""Modern-slavery referral decisions: every number and code list, each in one place (brief nrm.md
§5; seed 002).

Figures the brief calls configuration read ``settings.WAYMARK_NRM`` first, so a deployment can
change them without a code change; the defaults are the brief's (checked against the statutory
guidance, see README.md). ``tests/test_rules.py`` pins every number at its boundary, so changing
one is a deliberate act with a failing test to update.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings

from waymark.core.calendars import is_working_day


def _configured(name: str, default: Any) -> Any:
    return getattr(settings, "WAYMARK_NRM", {}).get(name, default)


# --- §1 Referrals ----------------------------------------------------------------------------------
# Who refers (the first responder organisation types the quarterly statistics break down by).
REFERRER_TYPES = {
    "prison_immigration_team": "Prison immigration team",
    "detention_engagement_team": "Detention engagement team",
    "enforcement_officer": "Immigration enforcement officer",
    "police": "Police",
    "local_authority": "Local authority",
    "ngo": "Non-governmental organisation",
    "other": "Other first responder",
}
CONSENT = {
    "consented": "Adult, consented to the referral",
    "not_consented": "Adult, did not consent (duty to notify only)",
    "child": "Child (no consent needed; local authority informed)",
}
AGE_GROUPS = {
    "adult": "Adult (18 or over)",
    "child": "Child (under 18)",
    "unknown": "Age not known",
}
# IOM Human Trafficking Case Data Standard (HTCDS) codes: type of exploitation.
EXPLOITATION_TYPES = {
    "forced_labour": "Forced labour",
    "sexual_exploitation": "Sexual exploitation",
    "criminal_exploitation": "Forced criminality (including county lines)",
    "domestic_servitude": "Domestic servitude",
    "forced_marriage": "Forced marriage",
    "organ_removal": "Organ removal",
    "slavery_practices": "Slavery and similar practices",
    "other": "Other exploitation",
    "not_specified": "Not specified or unknown",
}
# HTCDS means of control.
CONTROL_METHODS = {
    "debt_bondage": "Debt bondage",
    "document_withholding": "Withholding of documents",
    "threats": "Threats against the person or family",
    "physical_violence": "Physical violence",
    "sexual_violence": "Sexual violence",
    "psychological_abuse": "Psychological abuse",
    "restriction_of_movement": "Restriction of movement",
    "isolation": "Isolation",
    "withholding_wages": "Withholding of wages",
    "substances": "Giving drugs or alcohol",
    "excessive_working_hours": "Excessive working hours",
    "other": "Other means of control",
}
# Priority cohorts the quality reviews look at separately (002 rec 5c): decisions for these people
# are prioritised, so their outcomes are watched to see the priority does not skew them.
PRIORITY_COHORTS = {
    "detained": "In immigration detention",
    "fno": "Foreign national offender",
    "removal_set": "Removal directions set",
    "none": "No priority",
}
REFERENCE_PREFIX = "NRM"
# The competent authority's team (its queues, its nation for the RG target).
AUTHORITY_TEAM_SLUG = _configured("AUTHORITY_TEAM_SLUG", "competent-authority")
# Person matching at referral: a name-search score or linkage match probability at or above
# PERSON_CANDIDATE_SCORE makes a candidate the caller must confirm or rule out; at or above
# PERSON_STRONG_SCORE it is a strong candidate.
PERSON_CANDIDATE_SCORE = 0.6
PERSON_STRONG_SCORE = 0.9
AGE_OF_MAJORITY = 18

# The first referral form's questions (version 1). A new version is a new ReferralFormVersion row;
# a referral stores the version it answered, so a change never alters an old referral.
REFERRAL_FORM_V1: list[dict[str, Any]] = [
    {
        "key": "account",
        "label": "What happened to the person, in their own words where possible",
        "type": "text",
        "required": True,
    },
    {
        "key": "where_exploited",
        "label": "Where the exploitation happened (town or country)",
        "type": "string",
        "required": False,
    },
    {
        "key": "when_exploited",
        "label": "When it happened (dates or period)",
        "type": "string",
        "required": False,
    },
    {
        "key": "indicators",
        "label": "Indicators of modern slavery you observed",
        "type": "text",
        "required": True,
    },
    {
        "key": "immediate_risks",
        "label": "Any immediate risk to the person or others",
        "type": "text",
        "required": False,
    },
    {
        "key": "support_needs",
        "label": "Support the person needs now (interpreter, medical, housing)",
        "type": "text",
        "required": False,
    },
]

# Referral quality checklist (002 rec 4a-c): each item 1 point; the score is the share met.
QUALITY_CHECKLIST = {
    "account_detailed": "The account describes what happened, when and where",
    "indicators_linked": "Indicators are linked to the account",
    "exploitation_coded": "Exploitation type and means of control are recorded",
    "consent_recorded": "Consent (or the child route) is recorded correctly",
    "contact_details": "The person's contact and support details are complete",
    "supporting_evidence": "Supporting evidence is attached or referenced",
}
QUALITY_GOOD_SHARE = _configured("QUALITY_GOOD_SHARE", 0.8)  # at least 80% of items met is "good"

# --- §2 Case preparation and insufficient information ----------------------------------------------
PREPARATION_SOURCES = {
    "casework_records": "Immigration casework records",
    "pnc": "Police national computer",
    "detention_records": "Detention and prison records",
    "other_systems": "Other systems (local authority, partner agencies)",
}
# Further information requested: days to answer (s58 notices state their own period).
INFORMATION_REQUEST_DAYS = _configured("INFORMATION_REQUEST_DAYS", 10)  # working days
INFORMATION_CHASE_AFTER_DAYS = _configured("INFORMATION_CHASE_AFTER_DAYS", 5)  # working days
# Queue kinds (work.services.queue_for) in the authority's team.
QUEUE_CASE_PREPARATION = "case-preparation"
QUEUE_DECISIONS = "decisions"


def information_chase_on(sent_on: date, nation: str = "england-and-wales") -> date:
    """The day an unanswered information request is chased."""
    return working_days_after(sent_on, INFORMATION_CHASE_AFTER_DAYS, nation)


# --- §3 Decisions ----------------------------------------------------------------------------------
RG_TARGET_WORKING_DAYS = _configured("RG_TARGET_WORKING_DAYS", 5)
RECOVERY_PERIOD_DAYS = _configured("RECOVERY_PERIOD_DAYS", 30)  # calendar days, at least
RG_TEST = "reasonable grounds to believe"  # MSA 2015 s49 as amended by NABA 2022 s60 (30 Jan 2023)
CG_TEST = "balance of probabilities"
RG_OUTCOMES = {"positive": "Positive", "negative": "Negative"}
CG_OUTCOMES = {
    "positive_trafficking": "Positive: victim of human trafficking",
    "positive_slavery": "Positive: victim of slavery, servitude or forced labour",
    "negative": "Negative",
}
POSITIVE_OUTCOMES = frozenset({"positive", "positive_trafficking", "positive_slavery"})
DISQUALIFICATION_RESPONSE_DAYS = _configured("DISQUALIFICATION_RESPONSE_DAYS", 10)  # calendar
RECONSIDERATION_WINDOW_DAYS = _configured("RECONSIDERATION_WINDOW_DAYS", 30)  # calendar
RECONSIDERATION_REQUESTERS = {
    "first_responder": "First responder",
    "support_provider": "Support provider",
}

# --- §4 Quality and safeguarding -------------------------------------------------------------------
# Technical specialists to decision makers (002 rec 6a): 9:1 stated; 10-12:1 at times.
SPECIALIST_RATIO_STATED = _configured("SPECIALIST_RATIO_STATED", 9)
SPECIALIST_RATIO_STRETCHED = (10, 12)
DIP_SAMPLE_RATE = _configured("DIP_SAMPLE_RATE", 0.20)  # of positive CG decisions (002 rec 6b)
DIP_SAMPLE_EASED_RATE = _configured("DIP_SAMPLE_EASED_RATE", 0.10)  # the rate before, once eased
# The rate stays at DIP_SAMPLE_RATE while MORE THAN this share of checked decisions are red.
DIP_SAMPLE_RED_SHARE = _configured("DIP_SAMPLE_RED_SHARE", 0.5)
# Easing needs this many consecutive sampling rounds at or under the red share.
DIP_SAMPLE_EASE_AFTER_ROUNDS = _configured("DIP_SAMPLE_EASE_AFTER_ROUNDS", 2)
QUALITY_RATINGS = {"red": "Red", "amber": "Amber", "green": "Green"}
QUALITY_REASON_CODES = {
    "evidence_not_considered": "Relevant evidence not considered",
    "wrong_test": "Wrong legal test or standard of proof applied",
    "rationale_unclear": "Rationale does not explain the outcome",
    "credibility": "Credibility assessed contrary to guidance",
    "safeguarding_missed": "Safeguarding risk not addressed",
    "letter_errors": "Errors in the decision letter",
    "sound": "Sound decision, no issues",
}
SAFEGUARDING_LEVELS = {
    1: "Level 1: low risk, signposting",
    2: "Level 2: medium risk, support arranged before service",
    3: "Level 3: high risk, immediate safeguarding action",
}
# Level 3 for a non-detained person without a legal representative needs formal advice on how the
# decision is served (002 rec 7a).
FORMAL_ADVICE_LEVEL = 3
SAFEGUARDING_ADVICE_TARGET_WORKING_DAYS = _configured("SAFEGUARDING_ADVICE_TARGET_WORKING_DAYS", 2)
DUTY_LINE_FOLLOW_UP_WORKING_DAYS = _configured("DUTY_LINE_FOLLOW_UP_WORKING_DAYS", 1)

# --- §5 Management information ---------------------------------------------------------------------
STUCK_AFTER_DAYS = _configured("STUCK_AFTER_DAYS", 20)  # calendar days with no activity
DECISIONS_PER_WEEK_EXPECTED = _configured("DECISIONS_PER_WEEK_EXPECTED", 8)  # per decision maker
SMALL_NUMBER_THRESHOLD = _configured("SMALL_NUMBER_THRESHOLD", 11)  # CTDC publishes with k = 11
# Demo volumes (brief §5): about 631 referrals a quarter to the IECA; about half positive.
DEMO_REFERRALS_PER_QUARTER = 631
DEMO_POSITIVE_SHARE = 0.5


def working_days_after(start: date, days: int, nation: str = "england-and-wales") -> date:
    """The ``days``-th working day after ``start`` (bank holidays of ``nation`` excluded)."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, nation):
            counted += 1
    return day


def rg_due_on(received_on: date, nation: str = "england-and-wales") -> date:
    """The reasonable-grounds target: RG_TARGET_WORKING_DAYS working days after referral."""
    return working_days_after(received_on, RG_TARGET_WORKING_DAYS, nation)


def recovery_ends_on(rg_served_on: date) -> date:
    """The first day a conclusive-grounds decision may be made after a positive RG."""
    return rg_served_on + timedelta(days=RECOVERY_PERIOD_DAYS)


def cg_allowed(*, rg_served_on: date, on: date) -> bool:
    return on >= recovery_ends_on(rg_served_on)


def disqualification_response_due(sent_on: date) -> date:
    """The last day of the "minded to" notice's response window."""
    return sent_on + timedelta(days=DISQUALIFICATION_RESPONSE_DAYS)


def disqualification_decidable(*, sent_on: date, on: date, response_received: bool) -> bool:
    """A disqualification is decided once the person has responded or the window has closed."""
    return response_received or on > disqualification_response_due(sent_on)


def reconsideration_in_time(*, served_on: date, requested_on: date) -> bool:
    return requested_on <= served_on + timedelta(days=RECONSIDERATION_WINDOW_DAYS)


def information_due_on(sent_on: date, nation: str = "england-and-wales") -> date:
    return working_days_after(sent_on, INFORMATION_REQUEST_DAYS, nation)


def dip_sample_rate(*, current_rate: float, red_share_by_round: list[float]) -> float:
    """The sampling rate for the next round (002 rec 6b).

    ``red_share_by_round`` is the share rated red in each completed round, oldest first. The rate
    is DIP_SAMPLE_RATE while the latest round had more than DIP_SAMPLE_RED_SHARE red; it eases to
    DIP_SAMPLE_EASED_RATE only after DIP_SAMPLE_EASE_AFTER_ROUNDS consecutive rounds at or under
    that share, and goes back up the moment a round is over it again.
    """
    if not red_share_by_round:
        return current_rate
    if red_share_by_round[-1] > DIP_SAMPLE_RED_SHARE:
        return DIP_SAMPLE_RATE
    recent = red_share_by_round[-DIP_SAMPLE_EASE_AFTER_ROUNDS:]
    if len(recent) == DIP_SAMPLE_EASE_AFTER_ROUNDS and all(
        s <= DIP_SAMPLE_RED_SHARE for s in recent
    ):
        return DIP_SAMPLE_EASED_RATE
    return current_rate


def quality_good(score: float) -> bool:
    return score >= QUALITY_GOOD_SHARE


def stuck_since(last_activity_at: datetime) -> datetime:
    return last_activity_at + timedelta(days=STUCK_AFTER_DAYS)


def suppress(count: int) -> int | None:
    """A figure about victims below the small-number threshold is published as None ("fewer than
    k"), never as the number."""
    return None if 0 < count < SMALL_NUMBER_THRESHOLD else count
