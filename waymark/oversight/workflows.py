"""Oversight's state machines (docs/platform-contracts.md, "workflows.py").

An action: open -> closed | closed_with_monitoring (signed off by someone other than its owner,
with its named evidence passing); a closed action may be reopened (open). Services check their
own preconditions with the message a user sees, then move with ``ACTION_WORKFLOW.move(obj, to)``.
"""

from __future__ import annotations

from waymark.core.workflows import Workflow, table
from waymark.oversight.models import Action, ActionStatus, LearningItem

A = ActionStatus
ACTION_TRANSITIONS = table(
    [
        (A.OPEN, [A.CLOSED, A.CLOSED_WITH_MONITORING]),
        (A.CLOSED, [A.OPEN]),
        (A.CLOSED_WITH_MONITORING, [A.OPEN]),
    ]
)
ACTION_WORKFLOW = Workflow(Action, ACTION_TRANSITIONS, label="action")
CLOSED_STATES = frozenset({A.CLOSED, A.CLOSED_WITH_MONITORING})

# --- fairness and data quality (items 4-5) ---
# An explain-or-reform item: open -> answered (the owner's explanation or reform) -> closed (the
# answer accepted); an answer may be sent back (answered -> open).
from waymark.oversight.models import DisparityReview, DisparityReviewStatus  # noqa: E402

D = DisparityReviewStatus
DISPARITY_REVIEW_TRANSITIONS = table(
    [
        (D.OPEN, [D.ANSWERED]),
        (D.ANSWERED, [D.CLOSED, D.OPEN]),
        (D.CLOSED, []),
    ]
)
DISPARITY_REVIEW_WORKFLOW = Workflow(
    DisparityReview, DISPARITY_REVIEW_TRANSITIONS, label="explain-or-reform item"
)
# --- quality assurance (item 1) ---
# A learning item: open -> done (the person has acted on it) | withdrawn (a dispute changed the
# rating it came from).
LEARNING_TRANSITIONS = table([("open", ["done", "withdrawn"]), ("done", []), ("withdrawn", [])])
LEARNING_WORKFLOW = Workflow(LearningItem, LEARNING_TRANSITIONS, label="learning item")

# --- governance: risks, supplier issues, complaints (item 6) ---
# A risk: open -> closed (with a reason) -> open (reopened). A supplier issue: open ->
# with_supplier | resolved; with_supplier -> open | resolved; resolved -> closed | open (the fix
# did not hold). A complaint: received -> allocated (a handler) -> responded; an allocated
# complaint may be given to another handler (allocated -> allocated).
from waymark.oversight.models import (  # noqa: E402
    Complaint,
    ComplaintStatus,
    Risk,
    RiskStatus,
    SupplierIssue,
    SupplierIssueStatus,
)

RISK_TRANSITIONS = table(
    [(RiskStatus.OPEN, [RiskStatus.CLOSED]), (RiskStatus.CLOSED, [RiskStatus.OPEN])]
)
RISK_WORKFLOW = Workflow(Risk, RISK_TRANSITIONS, label="risk")
SI = SupplierIssueStatus
SUPPLIER_ISSUE_TRANSITIONS = table(
    [
        (SI.OPEN, [SI.WITH_SUPPLIER, SI.RESOLVED]),
        (SI.WITH_SUPPLIER, [SI.OPEN, SI.RESOLVED]),
        (SI.RESOLVED, [SI.CLOSED, SI.OPEN]),
        (SI.CLOSED, []),
    ]
)
SUPPLIER_ISSUE_WORKFLOW = Workflow(
    SupplierIssue, SUPPLIER_ISSUE_TRANSITIONS, label="supplier issue"
)
CS = ComplaintStatus
COMPLAINT_TRANSITIONS = table(
    [
        (CS.RECEIVED, [CS.ALLOCATED]),
        (CS.ALLOCATED, [CS.ALLOCATED, CS.RESPONDED]),
        (CS.RESPONDED, []),
    ]
)
COMPLAINT_WORKFLOW = Workflow(Complaint, COMPLAINT_TRANSITIONS, label="complaint")
# A complaint's escalation after its stage-1 response. A stage-2 review: requested -> allocated
# (to someone other than the stage-1 handler; reallocated: allocated -> allocated) -> responded.
# The Ombudsman: with_ombudsman -> decided.
from waymark.oversight.models import ComplaintEscalation, EscalationStatus  # noqa: E402

ES = EscalationStatus
ESCALATION_TRANSITIONS = table(
    [
        (ES.REQUESTED, [ES.ALLOCATED]),
        (ES.ALLOCATED, [ES.ALLOCATED, ES.RESPONDED]),
        (ES.RESPONDED, []),
        (ES.WITH_OMBUDSMAN, [ES.DECIDED]),
        (ES.DECIDED, []),
    ]
)
ESCALATION_WORKFLOW = Workflow(
    ComplaintEscalation, ESCALATION_TRANSITIONS, label="complaint escalation"
)

# --- people and performance: objectives (item 2) ---
# An objective: open -> closed (met, partly met, not met, withdrawn, or carried over into a new
# objective for the next period). A closed objective is history: it is not reopened.
from waymark.oversight.models import Objective, ObjectiveStatus  # noqa: E402

OBJECTIVE_TRANSITIONS = table(
    [(ObjectiveStatus.OPEN, [ObjectiveStatus.CLOSED]), (ObjectiveStatus.CLOSED, [])]
)
OBJECTIVE_WORKFLOW = Workflow(Objective, OBJECTIVE_TRANSITIONS, label="objective")

# --- people and performance: training courses (item 2) ---
# A course: draft -> approved (its content checked by someone other than its author; approving
# again at the yearly review keeps it approved) -> withdrawn; a draft may be withdrawn too. A
# withdrawn course is history: its sessions stay on people's records; a new course replaces it.
from waymark.oversight.models import TrainingCourse, TrainingCourseStatus  # noqa: E402

T = TrainingCourseStatus
TRAINING_COURSE_TRANSITIONS = table(
    [(T.DRAFT, [T.APPROVED, T.WITHDRAWN]), (T.APPROVED, [T.WITHDRAWN]), (T.WITHDRAWN, [])]
)
TRAINING_COURSE_WORKFLOW = Workflow(
    TrainingCourse, TRAINING_COURSE_TRANSITIONS, label="training course"
)
