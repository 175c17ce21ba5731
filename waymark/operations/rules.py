"""Enforcement operations: every numbered rule, each in one place (brief operations.md; seed 003).

Figures the brief calls configuration read ``settings.WAYMARK_OPERATIONS`` first, so a deployment
can change them without a code change; the defaults are the brief's. ``tests/test_rules.py`` pins
every number, so changing one is a deliberate act with a failing test to update.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]
from django.conf import settings

from waymark.accounts.models import GRADE_ORDER, Grade


def _configured(name: str, default: Any) -> Any:
    return getattr(settings, "WAYMARK_OPERATIONS", {}).get(name, default)


# --- §1 Intelligence and tasking -------------------------------------------------------------------
INTELLIGENCE_SOURCES = {
    "public_allegation": "Allegation from the public",
    "partner_agency": "Partner agency (police, local authority, GLAA, HMRC)",
    "police": "Police intelligence",
    "internal": "Home Office intelligence",
    "previous_visit": "Found on an earlier visit",
}
# Grading of the intelligence itself (5x5x5-style reliability), lowest number most reliable.
INTELLIGENCE_RELIABILITY = {
    "A": "Reliable",
    "B": "Mostly reliable",
    "C": "Sometimes reliable",
    "D": "Unreliable",
    "E": "Untested",
}
HARM_LEVELS = {"high": "High", "medium": "Medium", "low": "Low"}
# 003 §5.1, §5.31: the priority matrix (harm x reliability -> priority 1 highest .. 4 lowest).
# Configuration: a deployment's tasking board replaces it in settings.
PRIORITY_MATRIX_DEFAULT: dict[str, dict[str, int]] = {
    "high": {"A": 1, "B": 1, "C": 2, "D": 3, "E": 2},
    "medium": {"A": 2, "B": 2, "C": 3, "D": 4, "E": 3},
    "low": {"A": 3, "B": 3, "C": 4, "D": 4, "E": 4},
}
PRIORITY_LABELS = {
    1: "Priority 1 (task now)",
    2: "Priority 2",
    3: "Priority 3",
    4: "Priority 4 (hold)",
}
# A sector in the current sector plan (003 §5.31, April 2023) raises the priority by one step.
SECTOR_PLAN_UPLIFT = 1


def priority_matrix() -> dict[str, dict[str, int]]:
    return _configured("PRIORITY_MATRIX", PRIORITY_MATRIX_DEFAULT)


def tasking_priority(*, harm: str, reliability: str, sector_in_plan: bool) -> tuple[int, str]:
    """The tasking priority and the reason for it, from the matrix and the sector plan."""
    base = priority_matrix()[harm][reliability]
    reason = f"{HARM_LEVELS[harm]} harm, intelligence graded {reliability} gives priority {base}"
    if sector_in_plan and base > 1:
        base -= SECTOR_PLAN_UPLIFT
        reason += f"; raised to {base} because the sector is in the current sector plan"
    return base, reason


VISIT_TYPES = {
    "illegal_working_arrest": "Illegal working arrest visit",
    "compliance": "Compliance visit",
    "joint_operation": "Joint operation with partner agencies",
}
PARTNER_AGENCIES = [
    "Police",
    "Local authority licensing",
    "Gangmasters and Labour Abuse Authority",
    "HMRC",
    "Department for Work and Pensions",
    "Fire and rescue service",
    "Trading standards",
]

# --- §2 Risk and authorisation ---------------------------------------------------------------------
RATINGS = {"green": "Green", "amber": "Amber", "red": "Red"}
# 003 §5.4-5.6: green by a CIO (HEO) or above, amber by an HMI (SEO) or above, red only by an
# assistant director (G7) or above.
AUTHORISATION_MIN_GRADE = {"green": Grade.HEO, "amber": Grade.SEO, "red": Grade.G7}
# 003 §5.23-5.24: an equality and community impact assessment is required for a red rating.
ECIA_REQUIRED_RATINGS = frozenset({"red"})
# 003 §5.9: the PLAN assessment, a rationale for each letter.
PLAN_LETTERS = {
    "proportionate": "Proportionate",
    "legal": "Legal",
    "accountable": "Accountable",
    "necessary": "Necessary",
}
# A plan change to any of these lapses the authorisation (brief §2).
MATERIAL_FIELDS = ("planned_start", "premises", "subjects", "risk_rating")
# A risk and its mitigation each need at least this much said to count as recorded (003 §5.8).
RISK_MIN_CHARACTERS = 10


def grade_rank(grade: str) -> int:
    return GRADE_ORDER.index(Grade(grade))


def may_authorise(*, grade: str, rating: str) -> bool:
    return grade_rank(grade) >= grade_rank(AUTHORISATION_MIN_GRADE[rating])


def authorisation_problem(*, grade: str, rating: str | None, ecia_completed: bool) -> str:
    """Why this grade may not authorise this rating ('' when it may)."""
    if not rating:
        return "The visit has no risk rating: complete the enforcement planning assessment first"
    if not may_authorise(grade=grade, rating=rating):
        needed = Grade(AUTHORISATION_MIN_GRADE[rating]).label
        return (
            f"A {RATINGS[rating].lower()} visit must be authorised by {needed} or above; "
            f"your grade is {Grade(grade).label}"
        )
    if rating in ECIA_REQUIRED_RATINGS and not ecia_completed:
        return "A red visit needs a completed equality and community impact assessment before authorisation"
    return ""


# --- §3 Checks and police notification -------------------------------------------------------------
# 003 §5.13: the mandatory checks. "per_subject" checks are needed once for each named subject.
CHECKS = {
    "casework_subject": ("Casework database check on the subject", True),
    "visa_records": ("Visa application records", True),
    "pnc": ("Police national computer", True),
    "casework_postcode": ("Casework database check on the postcode", False),
    "previous_visits": ("Previous visits to the premises", False),
    "final_status": ("Final status check", False),
}
CHECK_RESULTS = {
    "no_trace": "No trace",
    "trace": "Trace found (details recorded)",
    "warning": "Warning marker found",
}
# 003 §5.14: the final status check within 24 hours before the visit.
FINAL_STATUS_CHECK_WINDOW = timedelta(hours=24)
# 003 §5.15-5.19: the operational notification form.
ONF_MIN_NOTICE = timedelta(days=3)
ONF_POLICE_RESPONSE = timedelta(hours=72)
ONF_VALIDITY_MONTHS = 1


def final_status_check_in_window(*, checked_at: datetime, planned_start: datetime) -> bool:
    return planned_start - FINAL_STATUS_CHECK_WINDOW <= checked_at <= planned_start


def onf_sent_in_time(*, sent_at: datetime, planned_start: datetime) -> bool:
    return planned_start - sent_at >= ONF_MIN_NOTICE


def onf_response_due(sent_at: datetime) -> datetime:
    return sent_at + ONF_POLICE_RESPONSE


def onf_valid_until(returned_at: datetime) -> datetime:
    """A returned form is valid for one calendar month (31 Jan -> 28/29 Feb)."""
    return returned_at + relativedelta(months=ONF_VALIDITY_MONTHS)


# --- §4 Reconnaissance -----------------------------------------------------------------------------
RECONNAISSANCE_TYPES = {
    "virtual": "Virtual (map or street imagery)",
    "walk_by": "Walk-by",
    "drive_past": "Drive-past",
}
PHYSICAL_RECONNAISSANCE = frozenset({"walk_by", "drive_past"})
# 003 §5.20-5.22: imagery older than this is flagged (configuration).
IMAGERY_MAX_AGE_DAYS_DEFAULT = 365


def imagery_max_age_days() -> int:
    return int(_configured("IMAGERY_MAX_AGE_DAYS", IMAGERY_MAX_AGE_DAYS_DEFAULT))


def imagery_is_old(*, imagery_date: date, on: date) -> bool:
    return (on - imagery_date).days > imagery_max_age_days()


# --- §5 Command, order and briefing ----------------------------------------------------------------
# 003 §6.1-6.2: an arrest-trained officer of immigration officer grade (EO) or above.
OFFICER_IN_CHARGE_MIN_GRADE = Grade.EO
COMMAND_ROLES = {
    "gold": "Gold commander",
    "silver": "Silver commander",
    "bronze": "Bronze commander",
}
# 003 §5.10, §6.3-6.4.
IIMARCH_SECTIONS = {
    "information": "Information",
    "intention": "Intention",
    "method": "Method",
    "administration": "Administration",
    "risk_assessment": "Risk assessment",
    "communications": "Communications",
    "human_rights": "Human rights and other legal issues",
}
DIGITAL_ORDER_SECTIONS = {
    "intelligence_overview": "Intelligence overview",
    "address_and_map": "Address and map link",
    "power_of_entry": "Power of entry",
    "subjects": "Subjects with offence and photograph",
    "roles": "Roles",
    "authorisation": "Authorisation",
}
IIMARCH_RATINGS = frozenset({"amber", "red"})


def order_sections(rating: str) -> dict[str, str]:
    return IIMARCH_SECTIONS if rating in IIMARCH_RATINGS else DIGITAL_ORDER_SECTIONS


# --- §6 Field recording ----------------------------------------------------------------------------
POWERS_OF_ENTRY = {
    "informed_consent": "Informed consent",
    "licensing_s179": "Section 179 Licensing Act 2003",
    "warrant": "Warrant",
    "ad_letter_s28ca": "Assistant Director letter (section 28CA Immigration Act 1971)",
    "other": "Other / not recorded",
}
ENTRY_TYPES = {
    "arrival": "Arrived",
    "departure": "Departed",
    "entry": "Entry to premises",
    "encounter": "Encounter",
    "interview": "Interview",
    "search": "Search",
    "seizure": "Seizure",
    "safeguarding": "Safeguarding",
    "employer_sanction": "Employer sanction",
    "engagement": "Engagement",
    "critical_incident": "Critical incident",
    "incident_action": "Critical incident action",
    "note": "Note",
}
ENCOUNTER_RESULTS = {
    "british_irish": "British or Irish citizen — released",
    "right_to_work": "Right to work confirmed — released",
    "offender": "Immigration offender",
}
ENCOUNTER_CHECKS = {"biometric": "Biometric check", "status_lookup": "Status look-up", "pnc": "PNC"}
OFFENDER_ACTIONS = {
    "arrest": "Arrested",
    "papers_served": "Papers served (reporting)",
    "detention_requested": "Detention requested",
    "referral": "Referred (no arrest)",
}
SAFEGUARDING_KINDS = {
    "vulnerability": "Vulnerability identified",
    "nrm": "Modern-slavery (NRM) referral",
    "social_services": "Social services referral",
    "s55": "Children's welfare (section 55)",
}
SANCTION_KINDS = {
    "civil_penalty_referral": "Civil penalty referral notice",
    "no_action_notice": "No-action notice",
    "licensing_review": "Licensing review referral",
    "closure_notice": "Closure notice referral",
}
# How far a phone's clock may run ahead of the server before an entry is refused as "in the future".
FIELD_CLOCK_TOLERANCE = timedelta(minutes=5)
# How long after deployment a queued offline entry may still arrive (a lost phone found next day).
OFFLINE_REPLAY_LIMIT = timedelta(days=7)

# --- §7 Debrief and closure ------------------------------------------------------------------------
# 003 §7.1-7.7, rec 5.
DEBRIEF_SECTIONS = {
    "resources_deployed": "Resources deployed",
    "activity_undertaken": "Activity undertaken",
    "people_and_outcomes": "People encountered and outcomes",
    "intelligence_accuracy_notes": "How accurate the intelligence was",
    "premises_information": "Premises information for future visits",
    "onward_referrals": "Onward referrals",
    "went_well": "What went well",
    "to_improve": "What to improve",
    "employer_records": "How the employer kept right-to-work records",
}
INTELLIGENCE_ACCURACY = {
    "accurate": "Accurate",
    "partly": "Partly accurate",
    "inaccurate": "Inaccurate",
}
# A debrief shorter than this in all is flagged as thin (the report's "five words", 003 §7.3).
DEBRIEF_MIN_WORDS = 40
# 003 §6.33: closure within 48 hours of the visit.
CLOSURE_DUE = timedelta(hours=48)


def closure_due_at(visit_start: datetime) -> datetime:
    return visit_start + CLOSURE_DUE


def words(text: str) -> int:
    return len(text.split())


# --- Demo data at x1 (figures.md; 003 §5.27, Figure 6, §5.62, §1.9, §6.52, §6.16) ------------------
DEMO_VISITS_PER_YEAR = 3_796
DEMO_RATING_COUNTS = {"green": 3_312, "amber": 35, None: 449}
DEMO_POWER_SHARES = {
    "informed_consent": 0.590,
    "licensing_s179": 0.226,
    "warrant": 0.169,
    "ad_letter_s28ca": 0.001,
    "other": 0.014,
}
DEMO_JOINT_SHARE = 0.15
DEMO_CRITICAL_INCIDENTS_PER_4000 = 6
DEMO_NRM_REFERRALS_PER_YEAR = 24
DEMO_OFFICERS_PER_VISIT = (6, 12)

# --- §9 Measures of effort and effect ------------------------------------------------------------
# Brief §9: the measures cover a period; by default the last 12 months up to today.
MEASURES_DEFAULT_MONTHS = 12
# 003 Figure 5 and footnote 15: the top ten nationalities, British citizens left out (no right-to-
# work restriction); their count is shown beside the table.
NATIONALITY_TOP = 10
NATIONALITY_EXCLUDED = frozenset({"GBR"})
# 003 Figure 4: the top ten sectors; the rest are one row.
SECTOR_TOP = 10
# 003 rec 6, Figure 8: red / amber / green against a target. A measure within this fraction of
# its target (on the wrong side) is amber; further off is red. Each measure may set its own.
OBJECTIVE_AMBER_MARGIN_DEFAULT = 0.1
RAG_TOLERANCE = 1e-9  # floating-point slack, so 85.5 against 95 with a 0.1 margin is amber
RAG_LABELS = {"green": "Green", "amber": "Amber", "red": "Red", "none": "No data"}


def rag_status(
    *,
    value: float | None,
    target: float,
    higher_is_better: bool = True,
    amber_margin: float = OBJECTIVE_AMBER_MARGIN_DEFAULT,
) -> str:
    """Green when the target is met; amber when short of it by no more than ``amber_margin`` x
    the target (an absolute margin when the target is 0); red beyond; "none" with no figure."""
    if value is None:
        return "none"
    band = abs(target) * amber_margin if target else amber_margin
    gap = (target - value) if higher_is_better else (value - target)
    if gap <= RAG_TOLERANCE:
        return "green"
    return "amber" if gap <= band + RAG_TOLERANCE else "red"


# --- end measures ---

# --- Work -----------------------------------------------------------------------------------------
QUEUE_AUTHORISATION = "ops-authorisation"
TASK_AUTHORISE = "ops_authorise_visit"
TASK_ONF_CHASE = "ops_onf_chase"
TASK_BRIEFING = "ops_accept_briefing"
TASK_CLOSE = "ops_close_visit"
TASK_INTELLIGENCE = "ops_assess_intelligence"
DEADLINE_ONF_RESPONSE = "ops_onf_response_72_hours"
DEADLINE_CLOSURE = "ops_closure_48_hours"

# --- Planning and authorisation -------------------------------------------------------------------
# Authorisation and briefing tasks fall due at the visit's planned start (a deadline of 0 hours
# counted from planned_start): there is no point authorising or briefing after it.
DEADLINE_BEFORE_VISIT = "ops_before_visit"
TASK_PLAN_CHANGED = "ops_plan_changed"
# The police machine client's scope for answering notification forms through the API (brief §3).
NOTIFICATION_API_SCOPE = "operations:notifications"
# Lists of visits and intelligence packages on the planning pages.
PLANNING_PAGE_SIZE = 25
# --- end planning and authorisation ---

# --- Field, debrief and closure -----------------------------------------------------------------
# An entry may carry a phone time up to this long before the visit was marked deployed in Waymark
# (the team sets off and the first arrival can be stamped before the OIC's deploy reaches the
# server; brief §6 "each entry is stamped with time").
FIELD_BEFORE_DEPLOYMENT_MARGIN = timedelta(minutes=30)
# At most this many entries in one offline replay batch (brief §6 "Offline"; one phone's shift).
FIELD_BATCH_MAX = 100
# The phone retries the offline queue this often while entries wait (milliseconds, field.mjs
# reads it from the page).
FIELD_RETRY_INTERVAL_MS = 15_000
# Machine clients never record field entries: officers send them from a signed-in phone session.
FIELD_API_SCOPE = "operations:field"
# --- end field, debrief and closure ---

# --- Measures' read model -----------------------------------------------------------------------
# A refresh recounts only the (team, day) groups whose records changed (``MeasureChange``); past
# this many groups it rebuilds whole instead (a bulk load, a sector renamed). Measured at x100
# (docs/benchmarks.md, 6 December): 2,000 groups 5.4 s, 10,000 7.2 s, 19,000 9.4 s, a whole
# rebuild 46 s; past 20,000 an update still wins on time but its rows would wait longer than the
# 30 s between refreshes, and a change that large is a load, not a day's work.
MEASURES_UPDATE_MAX_GROUPS = 20_000
