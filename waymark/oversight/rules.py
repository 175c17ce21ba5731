"""Oversight's numbered rules, each cited to the brief (oversight.md §4, §6 "Governance").
Configurable through ``settings.WAYMARK_OVERSIGHT`` (a dict of these names)."""

from __future__ import annotations

from django.conf import settings

_OVERRIDES: dict = getattr(settings, "WAYMARK_OVERSIGHT", {})

# An action whose due date has been revised this many times or more is "slipping" (§6: "slipping
# target dates shown with their history"); one revision is already a slip.
SLIPPING_REVISIONS: int = _OVERRIDES.get("SLIPPING_REVISIONS", 1)
# An open action is "due soon" this many days before its due date (§4: overdue items flagged).
DUE_SOON_DAYS: int = _OVERRIDES.get("DUE_SOON_DAYS", 14)
# Longest text accepted for an action's description, an update or a closure note.
TEXT_MAX_CHARS: int = _OVERRIDES.get("TEXT_MAX_CHARS", 5000)
# The five seeds and the number of recommendations each numbers (000: 1-5; 001: 1-8; 002: "25
# recommendations covering 7 themes"; 003: "six recommendations"; 004: "the 7 recommendations").
SEED_RECOMMENDATION_COUNTS: dict[str, int] = {"000": 5, "001": 8, "002": 25, "003": 6, "004": 7}


def slipping(revisions: int) -> bool:
    return revisions >= SLIPPING_REVISIONS


# --- quality assurance (item 1) ---


# --- competence (item 2) ---


# --- metrics (item 3) ---
# oversight.md §6 "One definition per figure" (daily snapshots, as CISO Assistant's metrics keep).
# Days of a figure's daily snapshots its page lists, newest first.
METRIC_HISTORY_DAYS: int = _OVERRIDES.get("METRIC_HISTORY_DAYS", 90)
# The widest range of days one snapshot export covers (a year and a day: a leap year whole).
SNAPSHOT_EXPORT_MAX_DAYS: int = _OVERRIDES.get("SNAPSHOT_EXPORT_MAX_DAYS", 366)


# --- fairness and data quality (items 4-5) ---
# How fairness and safeguarding monitoring reads its figures (oversight.md §3, §6 "Fairness";
# issue 20 item 5). A group's rate of the outcome is compared with the reference group's as a risk
# ratio; Aequitas treats a ratio between 0.8 and 1.25 as fair against the reference group (the
# "four-fifths" band and its reciprocal).
FAIRNESS_RATIO_LOW: float = _OVERRIDES.get("FAIRNESS_RATIO_LOW", 0.8)
FAIRNESS_RATIO_HIGH: float = _OVERRIDES.get("FAIRNESS_RATIO_HIGH", 1.25)
# The ratio's two-sided confidence interval (Katz log method) is at this level; z for 95%.
FAIRNESS_CONFIDENCE_Z: float = _OVERRIDES.get("FAIRNESS_CONFIDENCE_Z", 1.959963984540054)
# Small groups (RDU standards for ethnicity data; the platform's one small-number threshold is the
# k = 11 the NRM figures publish with, after CTDC): a group of fewer than this many decisions is
# folded into "Other groups", and "Other groups" itself is suppressed when it is still under it. A
# figure for such a group is refused if asked for directly.
FAIRNESS_SMALL_GROUP_THRESHOLD: int = _OVERRIDES.get("FAIRNESS_SMALL_GROUP_THRESHOLD", 11)
# The reference group per dimension; a dimension not named here compares each group with its
# largest recorded group. None configured by default.
FAIRNESS_REFERENCE_GROUPS: dict[str, str] = _OVERRIDES.get("FAIRNESS_REFERENCE_GROUPS", {})
# The periods the fairness page offers, in months back from today, and its default.
FAIRNESS_PERIOD_MONTHS: tuple[int, ...] = (3, 6, 12, 24)
FAIRNESS_DEFAULT_PERIOD_MONTHS: int = 12
# An "explain or reform" item is due this many days after it is opened ("a flagged disparity gets
# an owner and an answer"): four weeks, the 20 working days the Home Office answers complaints in.
DISPARITY_REVIEW_DUE_DAYS: int = _OVERRIDES.get("DISPARITY_REVIEW_DUE_DAYS", 28)
# Longest answer accepted (the same as the tracker's texts).
DISPARITY_ANSWER_MAX_CHARS: int = TEXT_MAX_CHARS


def fairness_group_shown(count: int) -> bool:
    """A group's figures are shown only when it holds at least the small-group threshold."""
    return count >= FAIRNESS_SMALL_GROUP_THRESHOLD


def fairness_ratio_outside_band(ratio: float) -> bool:
    return ratio < FAIRNESS_RATIO_LOW or ratio > FAIRNESS_RATIO_HIGH


def fairness_flagged(
    *, ratio: float, ci_low: float, ci_high: float, count: int, reference_count: int
) -> bool:
    """A disparity is flagged only when the ratio is outside 0.8-1.25, its confidence interval
    excludes 1, and both the group and the reference group are at or above the threshold."""
    interval_excludes_one = ci_low > 1 or ci_high < 1
    return (
        fairness_group_shown(count)
        and fairness_group_shown(reference_count)
        and fairness_ratio_outside_band(ratio)
        and interval_excludes_one
    )


# Data quality (oversight.md §3 "Data quality", §6; issue 20 item 4). The failing records kept from
# each measurement of a rule, and sent to their owners as tasks: a capped sample, as Great
# Expectations keeps "partial unexpected" rows (most rules fail a handful; a rule failing
# thousands is one problem, not thousands of tasks).
DATA_QUALITY_SAMPLE_CAP: int = _OVERRIDES.get("DATA_QUALITY_SAMPLE_CAP", 50)
# A data-quality task is due this many working days after it is raised.
DATA_QUALITY_FIX_WORKING_DAYS: int = _OVERRIDES.get("DATA_QUALITY_FIX_WORKING_DAYS", 5)
# The dashboard shows each rule's scores over this many past measurements.
DATA_QUALITY_TREND_MEASUREMENTS: int = 12
DATA_QUALITY_TASK_TYPE = "oversight.data_quality_fix"
DATA_QUALITY_DEADLINE = "oversight.data_quality_fix"
DATA_QUALITY_QUEUE_KIND = "data-quality"
# An explain-or-reform item is also a task on its owner's queue, due on the item's due date.
DISPARITY_REVIEW_TASK_TYPE = "oversight.disparity_review"
DISPARITY_REVIEW_QUEUE_KIND = "fairness"
