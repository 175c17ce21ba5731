"""The EM Hub's state machines (docs/platform-contracts.md, "workflows.py").

One ``Workflow`` for every model with a ``status``. Each table is what the services do: a service
checks its own preconditions (with the message a caseworker or the supplier sees) and then moves
the status with ``<WORKFLOW>.move(obj, to)``, which refuses anything the table does not allow.
The states themselves are described in each model's docstring (models.py).
"""

from __future__ import annotations

from django.db import models

from waymark.core.workflows import Workflow, table
from waymark.monitoring.models import (
    Condition,
    ConditionStatus,
    FittingOrder,
    JointLogEntry,
    OrderStatus,
    ProsecutionReferral,
    ReferralStatus,
    Review,
    ReviewStatus,
    TrailDataRequest,
    TrailStatus,
)


class JointLogStatus(models.TextChoices):
    """``JointLogEntry.status``: the model declares these two choices inline."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


# An EM condition: imposed awaiting fitting, active once the supplier fits the device, ceased on a
# signed-off review. An installation outcome reported after the condition ceased (an order still
# open from before) makes it active again: the fitting service has always applied it.
CONDITION_TRANSITIONS = table(
    [
        (ConditionStatus.AWAITING_FITTING, [ConditionStatus.ACTIVE]),
        (ConditionStatus.ACTIVE, [ConditionStatus.CEASED]),
        (ConditionStatus.CEASED, [ConditionStatus.ACTIVE]),
    ]
)
CONDITION = Workflow(Condition, CONDITION_TRANSITIONS, label="EM condition")

# A fitting order: sent by the job (or marked unsendable after the last attempt, and retried from
# there), answered with a slot (a declined slot may be confirmed later), then given an outcome:
# fitted (installation), completed (variation or removal) or failed. Nothing cancels an order yet.
_ORDER_OUTCOMES = [OrderStatus.FITTED, OrderStatus.COMPLETED, OrderStatus.FAILED]
ORDER_TRANSITIONS = table(
    [
        (
            OrderStatus.QUEUED,
            [
                OrderStatus.SENT,
                OrderStatus.SEND_FAILED,
                OrderStatus.SLOT_CONFIRMED,
                OrderStatus.SLOT_DECLINED,
                *_ORDER_OUTCOMES,
            ],
        ),
        (OrderStatus.SEND_FAILED, [OrderStatus.SENT, *_ORDER_OUTCOMES]),
        (
            OrderStatus.SENT,
            [OrderStatus.SLOT_CONFIRMED, OrderStatus.SLOT_DECLINED, *_ORDER_OUTCOMES],
        ),
        (OrderStatus.SLOT_DECLINED, [OrderStatus.SLOT_CONFIRMED, *_ORDER_OUTCOMES]),
        (OrderStatus.SLOT_CONFIRMED, _ORDER_OUTCOMES),
        (OrderStatus.FITTED, []),
        (OrderStatus.FAILED, []),
        (OrderStatus.COMPLETED, []),
        (OrderStatus.CANCELLED, []),
    ]
)
FITTING_ORDER = Workflow(FittingOrder, ORDER_TRANSITIONS, label="fitting order")

# A prosecution referral is a case file the caseworker keeps up to date: the page sets whichever
# status the file has reached (a correction included), so every state may follow every other.
REFERRAL_TRANSITIONS = table(
    [
        (state, [other for other in ReferralStatus.values if other != state])
        for state in ReferralStatus.values
    ]
)
REFERRAL = Workflow(ProsecutionReferral, REFERRAL_TRANSITIONS, label="prosecution referral")

# A 3-monthly review: decided (continue completes it; cease or vary waits for HEO sign-off), and a
# sign-off either completes it or returns it as due.
REVIEW_TRANSITIONS = table(
    [
        (ReviewStatus.DUE, [ReviewStatus.AWAITING_SIGN_OFF, ReviewStatus.COMPLETED]),
        (ReviewStatus.AWAITING_SIGN_OFF, [ReviewStatus.DUE, ReviewStatus.COMPLETED]),
        (ReviewStatus.COMPLETED, []),
    ]
)
REVIEW = Workflow(Review, REVIEW_TRANSITIONS, label="EM review")

# A trail-data request: approved by someone other than the requester, or closed unapproved
# (rejected or withdrawn); an approved request is closed with its outcome.
TRAIL_REQUEST_TRANSITIONS = table(
    [
        (TrailStatus.AWAITING_APPROVAL, [TrailStatus.APPROVED, TrailStatus.CLOSED]),
        (TrailStatus.APPROVED, [TrailStatus.CLOSED]),
        (TrailStatus.CLOSED, []),
    ]
)
TRAIL_REQUEST = Workflow(TrailDataRequest, TRAIL_REQUEST_TRANSITIONS, label="trail-data request")

# An entry in the joint issues log or risk register: open until closed.
JOINT_LOG_TRANSITIONS = table(
    [
        (JointLogStatus.OPEN, [JointLogStatus.CLOSED]),
        (JointLogStatus.CLOSED, []),
    ]
)
JOINT_LOG_ENTRY = Workflow(JointLogEntry, JOINT_LOG_TRANSITIONS, label="joint log entry")

__all__ = [
    "CONDITION",
    "CONDITION_TRANSITIONS",
    "FITTING_ORDER",
    "JOINT_LOG_ENTRY",
    "JOINT_LOG_TRANSITIONS",
    "ORDER_TRANSITIONS",
    "REFERRAL",
    "REFERRAL_TRANSITIONS",
    "REVIEW",
    "REVIEW_TRANSITIONS",
    "TRAIL_REQUEST",
    "TRAIL_REQUEST_TRANSITIONS",
    "ConditionStatus",
    "JointLogStatus",
    "OrderStatus",
    "ReferralStatus",
    "ReviewStatus",
    "TrailStatus",
]
