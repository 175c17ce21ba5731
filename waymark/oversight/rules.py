"""Oversight's numbered rules, each cited to the brief (oversight.md §4, §6 "Governance").
Configurable through ``settings.WAYMARK_OVERSIGHT`` (a dict of these names)."""

from __future__ import annotations

from dataclasses import dataclass

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
# A sampling rule is "in force" as a tracker action's evidence when it is active and has drawn a
# sample for a month within this many days (a rule that never draws assures nothing).
EVIDENCE_SAMPLING_DRAWN_WITHIN_DAYS: int = _OVERRIDES.get("EVIDENCE_SAMPLING_DRAWN_WITHIN_DAYS", 45)
# Sampling levels (oversight.md §6, ISO 2859-1 switching rules). A "lot" is one sampled round of a
# rule (its red share) or, for a rule levelled per person, one reviewed item of that person.
QA_LEVELS: tuple[str, ...] = ("normal", "tightened", "reduced")
# normal -> tightened when this many of the last QA_TIGHTEN_WINDOW lots fail ("2 of 5").
QA_TIGHTEN_WINDOW: int = _OVERRIDES.get("QA_TIGHTEN_WINDOW", 5)
QA_TIGHTEN_FAILS: int = _OVERRIDES.get("QA_TIGHTEN_FAILS", 2)
# tightened -> normal after this many consecutive passing lots ("5 accepted").
QA_NORMAL_AFTER_PASSES: int = _OVERRIDES.get("QA_NORMAL_AFTER_PASSES", 5)
# normal -> reduced on a switching score of QA_REDUCE_SCORE: each passing lot adds
# QA_SCORE_STEP, a failing one resets it to 0 (ISO 2859-1: +3 per accepted lot, reduced at 30,
# i.e. a run of 10 passes). reduced -> normal on QA_REDUCED_FAILS_TO_NORMAL failing lot.
QA_SCORE_STEP: int = _OVERRIDES.get("QA_SCORE_STEP", 3)
QA_REDUCE_SCORE: int = _OVERRIDES.get("QA_REDUCE_SCORE", 30)
QA_REDUCED_FAILS_TO_NORMAL: int = _OVERRIDES.get("QA_REDUCED_FAILS_TO_NORMAL", 1)
# Default rates at each level for a new adaptive rule (editable per rule).
QA_DEFAULT_RATES: dict[str, float] = {"normal": 0.10, "tightened": 0.20, "reduced": 0.05}
# The competent authority's dip sample (002 rec 6b: "20% until no more than half are red"), as one
# configured instance of the adaptive rule: it starts tightened at 20%, a round fails when more
# than half of it is red, one failing round tightens, two passing rounds ease to 10% (normal), and
# there is no reduced level. Pinned against nrm.rules.dip_sample_rate by the tests.
QA_NRM_DIP_SAMPLE = {
    "normal_rate": 0.10,
    "tightened_rate": 0.20,
    "reduced_rate": None,
    "start_level": "tightened",
    "lot_fail_share": 0.5,
    "tighten_window": 1,
    "tighten_fails": 1,
    "normal_after_passes": 2,
    "reduce_score": None,
}
# Targeted rules: "new staff" are users who joined within this many days of the work; "after a
# failure" targets a person's work for this many days after one of their reviews was red.
QA_NEW_STAFF_DAYS: int = _OVERRIDES.get("QA_NEW_STAFF_DAYS", 90)
QA_AFTER_FAILURE_DAYS: int = _OVERRIDES.get("QA_AFTER_FAILURE_DAYS", 60)
# Ratings: red/amber/green per question; the points each scores for the weighted quality score.
QA_RATINGS: tuple[str, ...] = ("green", "amber", "red")
QA_RATING_POINTS: dict[str, int] = {"green": 2, "amber": 1, "red": 0}
# A reviewed person may dispute a rating within this many days of the review (CPS-style).
QA_DISPUTE_DAYS: int = _OVERRIDES.get("QA_DISPUTE_DAYS", 14)
# Every QA task has a deadline, counted in working days from when it is made: a sampled piece of
# work reviewed, a corrective task done, a dispute decided (the assurance team's own turnaround;
# oversight.md §2 asks for deadlines on every task). Deadline rule keys are the task types'.
QA_REVIEW_WORKING_DAYS: int = _OVERRIDES.get("QA_REVIEW_WORKING_DAYS", 10)
QA_CORRECT_WORKING_DAYS: int = _OVERRIDES.get("QA_CORRECT_WORKING_DAYS", 10)
QA_DISPUTE_DECISION_WORKING_DAYS: int = _OVERRIDES.get("QA_DISPUTE_DECISION_WORKING_DAYS", 10)
# Team observations (003 §7.46): next one due by rating, in months; at least twice a year.
QA_OBSERVATION_MONTHS: dict[str, int] = {"green": 6, "amber": 3, "red": 1}
QA_OBSERVATIONS_PER_YEAR: int = 2
# The rules page's detection table: error rates and weeks offered, and the defaults shown.
QA_DETECTION_ERROR_RATES: tuple[float, ...] = (0.02, 0.05, 0.10, 0.20)
QA_DETECTION_WEEKS_DEFAULT: int = 4
QA_DETECTION_WEEKS_MAX: int = 52
# Weekly volume is estimated over this many past days of the population.
QA_VOLUME_LOOKBACK_DAYS: int = 28
QA_WEEKS_PER_MONTH: float = 52 / 12


def qa_observation_next_due(observed_on, rating: str):
    """The next observation date after one rated ``rating`` (003 §7.46)."""
    import calendar

    months = observed_on.month - 1 + QA_OBSERVATION_MONTHS[rating]
    year, month = observed_on.year + months // 12, months % 12 + 1
    return observed_on.replace(
        year=year, month=month, day=min(observed_on.day, calendar.monthrange(year, month)[1])
    )


def qa_detection_probability(*, error_rate: float, weekly_sample: float, weeks: int) -> float:
    """The chance that at least one erroneous item is sampled within ``weeks``: each sampled item
    is wrong with probability ``error_rate``, independently; ``weekly_sample`` items a week."""
    if error_rate <= 0 or weekly_sample <= 0 or weeks <= 0:
        return 0.0
    n = weekly_sample * weeks
    return 1.0 - (1.0 - min(error_rate, 1.0)) ** n


@dataclass(frozen=True)
class QASwitching:
    """One configuration of the adaptive levels (ISO 2859-1 switching). Defaults: rules above."""

    normal_rate: float = QA_DEFAULT_RATES["normal"]
    tightened_rate: float = QA_DEFAULT_RATES["tightened"]
    reduced_rate: float | None = QA_DEFAULT_RATES["reduced"]
    start_level: str = "normal"
    lot_fail_share: float = 0.0  # a lot fails when more than this share of it is red
    tighten_window: int = QA_TIGHTEN_WINDOW
    tighten_fails: int = QA_TIGHTEN_FAILS
    normal_after_passes: int = QA_NORMAL_AFTER_PASSES
    reduce_score: int | None = QA_REDUCE_SCORE  # None: no reduced level
    score_step: int = QA_SCORE_STEP
    reduced_fails_to_normal: int = QA_REDUCED_FAILS_TO_NORMAL

    def rate(self, level: str) -> float:
        if level == "tightened":
            return self.tightened_rate
        if level == "reduced" and self.reduced_rate is not None:
            return self.reduced_rate
        return self.normal_rate


def qa_level_after(scheme: QASwitching, red_shares: list[float]) -> tuple[str, str]:
    """The level after the lots' red shares (oldest first), replayed from ``start_level``, and
    why. normal -> tightened when ``tighten_fails`` of the last ``tighten_window`` lots since the
    last switch fail; tightened -> normal after ``normal_after_passes`` consecutive passes; normal
    -> reduced when the switching score (+``score_step`` a pass, 0 on a failure) reaches
    ``reduce_score``; reduced -> normal on ``reduced_fails_to_normal`` failing lots."""
    return qa_level_replay(scheme, red_shares)  # the replay below, without resumptions


def qa_rating_overall(ratings: list[str]) -> str:
    """A review's overall rating: its worst question rating."""
    for worst in ("red", "amber"):
        if worst in ratings:
            return worst
    return "green"


def qa_score(weighted: list[tuple[int, str]]) -> float:
    """The weighted share of points earned: (weight, rating) per question."""
    top = sum(w * QA_RATING_POINTS["green"] for w, _ in weighted)
    if not top:
        return 0.0
    return sum(w * QA_RATING_POINTS[r] for w, r in weighted) / top


# --- competence (item 2) ---
# A competence is "expiring soon" on the register this many days before it lapses: six weeks is
# time to book and pass a refresher before get next stops giving its work (the refresher itself
# falls due earlier, ``work.rules.COMPETENCE_REFRESHER_LEAD_DAYS``).
COMPETENCE_EXPIRING_SOON_DAYS: int = _OVERRIDES.get("COMPETENCE_EXPIRING_SOON_DAYS", 42)
# The periods the throughput and timeliness page offers, in days (a week, a month, a quarter);
# the first is the default (000 §5.76: performance per person and team).
PERFORMANCE_PERIOD_DAYS: tuple[int, ...] = tuple(
    _OVERRIDES.get("PERFORMANCE_PERIOD_DAYS", (30, 7, 90))
)


# --- metrics (item 3) ---
# oversight.md §6 "One definition per figure" (daily snapshots, as CISO Assistant's metrics keep).
# Days of a figure's daily snapshots its page lists, newest first.
METRIC_HISTORY_DAYS: int = _OVERRIDES.get("METRIC_HISTORY_DAYS", 90)
# The widest range of days one snapshot export covers (a year and a day: a leap year whole).
SNAPSHOT_EXPORT_MAX_DAYS: int = _OVERRIDES.get("SNAPSHOT_EXPORT_MAX_DAYS", 366)
# Dashboards per module: the widest custom period (two years and a day), and the months a figure's
# trend chart covers at least (the months up to the period's last; more when the period is longer).
DASHBOARD_MAX_DAYS: int = _OVERRIDES.get("DASHBOARD_MAX_DAYS", 731)
DASHBOARD_TREND_MONTHS: int = _OVERRIDES.get("DASHBOARD_TREND_MONTHS", 12)


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


# --- objectives, quality per person, training needs (item 2) ---
# Objectives linked to service priorities (000 §3.10, §5.76; 002 rec 3b). An objective is green
# when its actual value meets the target in the measure's better direction; amber when it misses
# by no more than OBJECTIVE_AMBER_BAND of the target (10%: close enough to recover within the
# period); red otherwise. A target of 0 has no share to take: it allows
# OBJECTIVE_AMBER_ABSOLUTE_AT_ZERO in absolute terms instead (one breach, one overdue task).
OBJECTIVE_AMBER_BAND: float = _OVERRIDES.get("OBJECTIVE_AMBER_BAND", 0.10)
OBJECTIVE_AMBER_ABSOLUTE_AT_ZERO: float = _OVERRIDES.get("OBJECTIVE_AMBER_ABSOLUTE_AT_ZERO", 1.0)
# The longest period an objective may cover (a performance year, with room for a leap day), and
# how many objectives the list shows a page.
OBJECTIVE_MAX_PERIOD_DAYS: int = _OVERRIDES.get("OBJECTIVE_MAX_PERIOD_DAYS", 366)
OBJECTIVES_PER_PAGE: int = 50
# Closing an objective (``services.objectives.objective_close``): with its outcome from the last
# day of its period (withdrawn at any time, with the reason); carried over into the next period
# from OBJECTIVE_CARRY_OVER_WINDOW_DAYS before it ends, so next year's can be agreed in the last
# month of this one.
OBJECTIVE_CARRY_OVER_WINDOW_DAYS: int = _OVERRIDES.get("OBJECTIVE_CARRY_OVER_WINDOW_DAYS", 30)


def objective_rag(*, actual: float, target: float, higher_is_better: bool) -> str:
    """Red, amber or green for ``actual`` against ``target`` (see above)."""
    shortfall = (target - actual) if higher_is_better else (actual - target)
    if shortfall <= 0:
        return "green"
    allowance = abs(target) * OBJECTIVE_AMBER_BAND if target else OBJECTIVE_AMBER_ABSOLUTE_AT_ZERO
    return "amber" if shortfall <= allowance else "red"


# Quality per person and team on the performance page: the QA ratings that stand (after any
# dispute; the second-line review where both lines reviewed) over the same period. The weighted
# quality score is the mean of the reviews' weighted scores (``qa_score``), as a percentage.
# Training needs from QA failures (oversight.md §2: "QA failures suggest training needs"): each
# coded failure reason of a checklist question (red or amber answer) points to a training topic;
# a topic may name the competence (``work.registry``) whose refresher it is. Failures within
# TRAINING_NEEDS_LOOKBACK_DAYS count ("recent"), and a topic is suggested for a person once it
# has TRAINING_NEEDS_MIN_FAILURES of them (one red or amber answer is already a signal).
TRAINING_NEEDS_LOOKBACK_DAYS: int = _OVERRIDES.get("TRAINING_NEEDS_LOOKBACK_DAYS", 180)
TRAINING_NEEDS_MIN_FAILURES: int = _OVERRIDES.get("TRAINING_NEEDS_MIN_FAILURES", 1)
# Training records (002 rec 2a and the Home Office's response): a course's content is approved by
# someone other than its author and reviewed every TRAINING_CONTENT_REVIEW_DAYS ("all training
# packages are reviewed annually"); a session may be recorded up to TRAINING_SESSION_BACKDATE_DAYS
# after it was delivered (a year's sessions typed up late), never before.
TRAINING_CONTENT_REVIEW_DAYS: int = _OVERRIDES.get("TRAINING_CONTENT_REVIEW_DAYS", 365)
TRAINING_SESSION_BACKDATE_DAYS: int = _OVERRIDES.get("TRAINING_SESSION_BACKDATE_DAYS", 366)
# A course's page lists its latest this many sessions (and says so when there may be more).
TRAINING_SESSIONS_SHOWN: int = _OVERRIDES.get("TRAINING_SESSIONS_SHOWN", 50)
# topic key -> (label, competence key or "")
TRAINING_TOPICS: dict[str, tuple[str, str]] = {
    "decision_making": ("Decision making: weighing the relevant factors", ""),
    "vulnerability": ("Identifying and recording vulnerability and safeguarding", ""),
    "recording": ("Record keeping and case notes", ""),
    "written_reasons": ("Writing clear reasons and letters", ""),
    "timeliness": ("Managing work to its deadlines", ""),
    "authority": ("Authority levels and sign-off", ""),
    "em_breaches": ("The EM breach escalation ladder", "em_breach_decision_maker"),
    "nrm_law": ("NRM decision making: the legal tests", "nrm_decision_maker"),
    "visit_planning": ("Planning and authorising enforcement visits", "visit_authorising_officer"),
    "guidance": ("Following the current guidance", ""),
}
# failure reason code -> topic key. A reason may be given for one kind of work only as
# "<work kind key>:<reason code>", which is read before the bare code.
QA_REASON_TRAINING: dict[str, str] = {
    "factor_missed": "decision_making",
    "evidence_missed": "decision_making",
    "explanation_ignored": "decision_making",
    "point_missed": "decision_making",
    "disproportionate": "decision_making",
    "vulnerability_missed": "vulnerability",
    "concern_not_flagged": "vulnerability",
    "not_recorded": "recording",
    "incomplete": "recording",
    "inaccurate": "recording",
    "opinion": "recording",
    "no_next_action": "recording",
    "no_rationale": "written_reasons",
    "rationale_unclear": "written_reasons",
    "letter_errors": "written_reasons",
    "late": "timeliness",
    "wrong_grade": "authority",
    "not_authorised": "authority",
    "ladder_not_followed": "em_breaches",
    "wrong_test": "nrm_law",
    "nrm.decision:rationale_unclear": "nrm_law",
    "recce_missing": "visit_planning",
    "not_in_line_with_guidance": "guidance",
}


def training_topic(kind_key: str, reason_code: str) -> str | None:
    """The training topic a coded failure reason suggests, or None if it maps to none."""
    return QA_REASON_TRAINING.get(f"{kind_key}:{reason_code}") or QA_REASON_TRAINING.get(
        reason_code
    )


# --- quality assurance: discontinue, rule changes, checklist editing (issue 20 item 1, part 2) ---
# ISO 2859-1's "discontinue": while tightened, this many failing lots in a row move a rule (or,
# per person, a person) to the discontinued level, where all of its population is sampled until
# an assurance manager records a corrective action; it then resumes at tightened. The level is
# still replayed from the recorded lots, and the resumptions are recorded events replayed with
# them. ``None`` in a scheme: the rule never discontinues.
QA_LEVEL_DISCONTINUED = "discontinued"
QA_DISCONTINUE_AFTER_FAILS: int = _OVERRIDES.get("QA_DISCONTINUE_AFTER_FAILS", 5)
# The share drawn while discontinued: the whole population (the monthly cap does not apply).
QA_DISCONTINUED_RATE: float = 1.0
# NRM's dip sample ("20% until no more than half are red") has no discontinued level: its rate
# never goes above its configured 20%, so the instance is unchanged by this section. The whole
# configured instance, as a rule's scheme holds it:
QA_NRM_DIP_SAMPLE_SCHEME: dict = {**QA_NRM_DIP_SAMPLE, "discontinue_fails": None}
# A corrective action's reason (and a rule change's): at least this many characters.
QA_REASON_MIN_CHARS: int = 10
# A checklist question's weight: a whole number from 1 to this.
QA_WEIGHT_MAX: int = 10
# A rule change may take effect at most this many days back (a draw already made for a period
# before the change keeps its rule) and at most this many days ahead.
QA_RULE_CHANGE_MAX_DAYS_AHEAD: int = 366


def qa_discontinued(scheme_discontinue_fails: int | None, run_of_fails: int) -> bool:
    """Whether a run of failing lots while tightened discontinues the rule."""
    return scheme_discontinue_fails is not None and run_of_fails >= scheme_discontinue_fails


def qa_level_replay(
    scheme: QASwitching, red_shares: list[float], resumes: list[int] | tuple[int, ...] = ()
) -> tuple[str, str]:
    """``qa_level_after`` with ISO 2859-1's discontinue: while tightened, ``discontinue_fails``
    failing lots in a row move to ``discontinued``; lots are then ignored until a resumption.
    ``resumes`` are the recorded corrective actions, each as the number of lots before it (a
    resumption at 3 comes after the third lot). A resumption moves a discontinued rule to
    tightened; at any other level it changes nothing."""
    fails = getattr(scheme, "discontinue_fails", None)  # a plain QASwitching never discontinues
    level = scheme.start_level
    reason = f"Starts at the {level} level"
    since: list[bool] = []
    score = 0
    run = 0
    pending = sorted(resumes)

    def resume_at(i: int) -> None:
        nonlocal level, reason, since, score, run
        while pending and pending[0] <= i:
            pending.pop(0)
            if level == QA_LEVEL_DISCONTINUED:
                level, since, score, run = "tightened", [], 0, 0
                reason = "Corrective action recorded: resumed at the tightened level"

    for i, share in enumerate(red_shares):
        resume_at(i)
        if level == QA_LEVEL_DISCONTINUED:
            continue
        failed = share > scheme.lot_fail_share
        since.append(failed)
        if level == "normal":
            recent = since[-scheme.tighten_window :]
            if sum(recent) >= scheme.tighten_fails:
                level, since, score, run = "tightened", [], 0, 0
                reason = f"{scheme.tighten_fails} of the last {len(recent)} lots failed: tightened"
                continue
            score = 0 if failed else score + scheme.score_step
            if scheme.reduce_score is not None and score >= scheme.reduce_score:
                level, since, score = "reduced", [], 0
                reason = "A run of passing lots reached the switching score: reduced"
        elif level == "tightened":
            run = run + 1 if failed else 0
            if qa_discontinued(fails, run):
                level, since, score, run = QA_LEVEL_DISCONTINUED, [], 0, 0
                reason = (
                    f"{fails} lots in a row failed while tightened: discontinued, all work "
                    "sampled until a corrective action is recorded"
                )
                continue
            recent_run = since[-scheme.normal_after_passes :]
            if len(recent_run) >= scheme.normal_after_passes and not any(recent_run):
                level, since, score, run = "normal", [], 0, 0
                reason = f"{scheme.normal_after_passes} lots in a row passed: back to normal"
        elif level == "reduced" and sum(since) >= scheme.reduced_fails_to_normal:
            level, since, score = "normal", [], 0
            reason = "A lot failed while reduced: back to normal"
    resume_at(len(red_shares))
    return level, reason


@dataclass(frozen=True)
class QAScheme(QASwitching):
    """``QASwitching`` with the discontinued level (this section's numbers)."""

    discontinue_fails: int | None = QA_DISCONTINUE_AFTER_FAILS
    discontinued_rate: float = QA_DISCONTINUED_RATE

    def rate(self, level: str) -> float:
        if level == QA_LEVEL_DISCONTINUED:
            return self.discontinued_rate
        return super().rate(level)


# --- governance: risks, supplier issues, complaints, lessons (item 6) ---
# oversight.md §4 "Governance" and §6: SimpleRisk's review cadence by level, CISO Assistant's risk
# acceptances that expire, the Home Office's 20 working days for a complaint.
# Likelihood and impact are each scored on a five-point scale; a risk's rating is their product.
RISK_SCORE_MIN: int = 1
RISK_SCORE_MAX: int = 5
# The level a rating falls in (the HMG 5x5 matrix's bands): 15-25 high, 5-12 medium, 1-4 low.
RISK_HIGH_FROM: int = _OVERRIDES.get("RISK_HIGH_FROM", 15)
RISK_MEDIUM_FROM: int = _OVERRIDES.get("RISK_MEDIUM_FROM", 5)
RISK_LEVELS: tuple[str, ...] = ("high", "medium", "low")
# Days from one review to the next, by level (SimpleRisk: high every 90 days, medium 180, low 360).
RISK_REVIEW_DAYS: dict[str, int] = _OVERRIDES.get(
    "RISK_REVIEW_DAYS", {"high": 90, "medium": 180, "low": 360}
)
# A review is "due soon" this many days before its date (shown on the registers).
RISK_REVIEW_DUE_SOON_DAYS: int = _OVERRIDES.get("RISK_REVIEW_DUE_SOON_DAYS", 14)
# The longest a risk may be accepted for before it must be looked at again (a year).
RISK_ACCEPTANCE_MAX_DAYS: int = _OVERRIDES.get("RISK_ACCEPTANCE_MAX_DAYS", 365)
# An overdue review becomes a task on the owner's governance queue, due at once.
RISK_REVIEW_TASK_TYPE = "oversight.risk_review"
ACTION_OVERDUE_TASK_TYPE = "oversight.action_overdue"
GOVERNANCE_QUEUE_KIND = "governance"
# The sweeps' tasks (an overdue risk review, an overdue tracker action) give the owner this many
# working days to bring it up to date (the data-quality fix's turnaround).
GOVERNANCE_TASK_WORKING_DAYS: int = _OVERRIDES.get("GOVERNANCE_TASK_WORKING_DAYS", 5)
# A complaint is answered within 20 working days of receipt (the Home Office's complaints
# standard), counted with the platform's working-day calendar (weekends and the nation's bank
# holidays skipped; waymark.core.calendars).
COMPLAINT_RESPONSE_WORKING_DAYS: int = _OVERRIDES.get("COMPLAINT_RESPONSE_WORKING_DAYS", 20)
# A stage-2 review (the complainant not satisfied with the stage-1 response) has its own target,
# counted from the day the review was asked for.
COMPLAINT_REVIEW_WORKING_DAYS: int = _OVERRIDES.get("COMPLAINT_REVIEW_WORKING_DAYS", 20)
COMPLAINT_DEFAULT_NATION: str = "england-and-wales"
COMPLAINT_TASK_TYPE = "oversight.complaint_response"
COMPLAINT_QUEUE_KIND = "complaints"
# A complaint is "due soon" this many calendar days before its target.
COMPLAINT_DUE_SOON_DAYS: int = _OVERRIDES.get("COMPLAINT_DUE_SOON_DAYS", 5)
# The themes analysis covers this many months back from the current one (a year and the month).
COMPLAINT_THEMES_MONTHS: int = _OVERRIDES.get("COMPLAINT_THEMES_MONTHS", 12)
# An overdue risk review or tracker action whose task was completed by hand while the item is still
# overdue gets a new task once the last one has been completed this many days.
GOVERNANCE_CHASE_DAYS: int = _OVERRIDES.get("GOVERNANCE_CHASE_DAYS", 14)
# Lists of complaints, risks and lessons are paged at this many rows.
GOVERNANCE_PAGE_SIZE: int = _OVERRIDES.get("GOVERNANCE_PAGE_SIZE", 25)
# Lesson search: at most this many results, PostgreSQL's text-search configuration.
LESSON_SEARCH_LIMIT: int = 50
LESSON_SEARCH_CONFIG: str = "english"


def risk_rating(likelihood: int, impact: int) -> int:
    return likelihood * impact


def risk_level(rating: int) -> str:
    """high, medium or low for a rating (likelihood x impact)."""
    if rating >= RISK_HIGH_FROM:
        return "high"
    if rating >= RISK_MEDIUM_FROM:
        return "medium"
    return "low"


def risk_score_valid(value) -> bool:
    return isinstance(value, int) and RISK_SCORE_MIN <= value <= RISK_SCORE_MAX


def risk_next_review_on(reviewed_on, rating: int):
    """The next review after one on ``reviewed_on`` at ``rating`` (SimpleRisk's cadence)."""
    from datetime import timedelta

    return reviewed_on + timedelta(days=RISK_REVIEW_DAYS[risk_level(rating)])


def complaint_due_on(received_on, nation: str = COMPLAINT_DEFAULT_NATION, days: int | None = None):
    """The response target: the 20th working day after the day the complaint was received (or
    ``days`` working days: a stage-2 review's ``COMPLAINT_REVIEW_WORKING_DAYS``)."""
    from datetime import datetime, time

    from waymark.core import calendars
    from waymark.core.clock import LONDON

    start = datetime.combine(received_on, time(12, 0), tzinfo=LONDON)
    count = COMPLAINT_RESPONSE_WORKING_DAYS if days is None else days
    due = calendars.add_working_days(start, count, nation)
    return due.astimezone(LONDON).date()


# --- Fairness read model and sweep (issue 20 items 4-5, second pass) -----------------------------
# The daily sweep (``services.fairness.disparity_review_sweep``) opens an explain-or-reform item for
# a newly flagged disparity, but not for a group whose last item was closed within this many days:
# the owner's accepted answer stands for a quarter before the same figure asks again.
DISPARITY_SWEEP_QUIET_DAYS: int = _OVERRIDES.get("DISPARITY_SWEEP_QUIET_DAYS", 90)
# Who owns the items the sweep opens (a username); empty: the longest-standing active user who
# manages the items and belongs to a team.
DISPARITY_SWEEP_OWNER: str = _OVERRIDES.get("DISPARITY_SWEEP_OWNER", "")
