"""The competent authority's state machines (docs/platform-contracts.md, "workflows.py").

A referral: received -> preparation -> rg_pending -> recovery (positive RG served) -> cg_pending
-> concluded; a negative RG served concludes it; withdrawn from any open state. A concluded
referral reopens to rg_pending or cg_pending when a reconsideration overturns the decision.

A decision: draft -> awaiting_check (negative) | ready (positive, signed off); awaiting_check ->
ready (specialist agreed) | returned (disagreed) | served (urgent service authorised by a manager:
the check stays open); returned -> draft (revised); ready -> served.

A specialist check, a safeguarding advice, a duty-line call, a disqualification, an information
request and a reconsideration each have their own short table. Services check their own
preconditions with the message a user sees, then move the status with ``<WORKFLOW>.move(obj, to)``.
"""

from __future__ import annotations

from waymark.core.workflows import Workflow, table
from waymark.nrm.models import (
    CheckStatus,
    Decision,
    DecisionStatus,
    Disqualification,
    DisqualificationStatus,
    DutyCallStatus,
    DutyLineCall,
    InformationRequest,
    InformationRequestStatus,
    PreparationItem,
    PreparationStatus,
    Reconsideration,
    ReconsiderationStatus,
    Referral,
    ReferralStatus,
    SpecialistCheck,
)

R = ReferralStatus
REFERRAL_TRANSITIONS = table(
    [
        (R.RECEIVED, [R.PREPARATION, R.RG_PENDING, R.WITHDRAWN]),
        (R.PREPARATION, [R.RG_PENDING, R.WITHDRAWN]),
        (R.RG_PENDING, [R.RECOVERY, R.CONCLUDED, R.WITHDRAWN]),
        (R.RECOVERY, [R.CG_PENDING, R.CONCLUDED, R.WITHDRAWN]),
        (R.CG_PENDING, [R.CONCLUDED, R.WITHDRAWN]),
        # A reconsideration that overturns a negative decision reopens the referral.
        (R.CONCLUDED, [R.RECOVERY, R.CG_PENDING]),
        (R.WITHDRAWN, []),
    ]
)
REFERRAL = Workflow(Referral, REFERRAL_TRANSITIONS, label="referral")
TRANSITIONS = REFERRAL_TRANSITIONS
OPEN_REFERRAL = frozenset({R.RECEIVED, R.PREPARATION, R.RG_PENDING, R.RECOVERY, R.CG_PENDING})

D = DecisionStatus
DECISION_TRANSITIONS = table(
    [
        (D.DRAFT, [D.AWAITING_CHECK, D.READY]),
        (D.AWAITING_CHECK, [D.READY, D.RETURNED, D.SERVED]),
        (D.RETURNED, [D.DRAFT]),
        (D.READY, [D.SERVED]),
        (D.SERVED, []),
    ]
)
DECISION = Workflow(Decision, DECISION_TRANSITIONS, label="decision")

C = CheckStatus
CHECK = Workflow(
    SpecialistCheck,
    table([(C.PENDING, [C.AGREED, C.DISAGREED]), (C.AGREED, []), (C.DISAGREED, [])]),
    label="specialist check",
)

I = InformationRequestStatus  # noqa: E741
INFORMATION_REQUEST = Workflow(
    InformationRequest,
    table(
        [
            (I.OPEN, [I.CHASED, I.ANSWERED, I.LAPSED]),
            (I.CHASED, [I.ANSWERED, I.LAPSED]),
            (I.ANSWERED, []),
            (I.LAPSED, [I.ANSWERED]),  # a late answer is still recorded (and counted late)
        ]
    ),
    label="information request",
)

Q = DutyCallStatus
DUTY_CALL = Workflow(
    DutyLineCall,
    table([(Q.OPEN, [Q.FOLLOWED_UP, Q.CLOSED]), (Q.FOLLOWED_UP, [Q.CLOSED]), (Q.CLOSED, [])]),
    label="duty-line call",
)

P = DisqualificationStatus
DISQUALIFICATION = Workflow(
    Disqualification,
    table([(P.MINDED_TO, [P.ASSESSED]), (P.ASSESSED, [P.DECIDED]), (P.DECIDED, [])]),
    label="disqualification",
)

N = ReconsiderationStatus
RECONSIDERATION = Workflow(
    Reconsideration,
    table([(N.REQUESTED, [N.DECIDED]), (N.DECIDED, [])]),
    label="reconsideration",
)

G = PreparationStatus
PREPARATION_ITEM = Workflow(
    PreparationItem,
    table([(G.OPEN, [G.GATHERED, G.NOT_AVAILABLE]), (G.GATHERED, []), (G.NOT_AVAILABLE, [])]),
    label="preparation item",
)
