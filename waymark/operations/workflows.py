"""Enforcement operations' state machines (docs/platform-contracts.md, "workflows.py").

One ``Workflow`` for every model with a ``status``: a visit (planning -> authorised -> deployed ->
closed, or cancelled) and an intelligence package (received -> accepted | rejected; accepted ->
actioned when a visit is planned from it). Services check their own preconditions with the message
an officer sees and then move the status with ``<WORKFLOW>.move(obj, to)``, which refuses anything
the table does not allow. Every move is audited by the service that makes it.
"""

from __future__ import annotations

from waymark.core.workflows import Workflow, table
from waymark.operations.models import (
    IntelligencePackage,
    IntelligenceStatus,
    Visit,
    VisitStatus,
)

VISIT_TRANSITIONS = table(
    [
        (VisitStatus.PLANNING, [VisitStatus.AUTHORISED, VisitStatus.CANCELLED]),
        # A material change sends an authorised visit back to planning (its authorisation lapses).
        (
            VisitStatus.AUTHORISED,
            [VisitStatus.DEPLOYED, VisitStatus.PLANNING, VisitStatus.CANCELLED],
        ),
        (VisitStatus.DEPLOYED, [VisitStatus.CLOSED]),
        (VisitStatus.CLOSED, []),
        (VisitStatus.CANCELLED, []),
    ]
)
VISIT = Workflow(Visit, VISIT_TRANSITIONS, label="visit")
# The table as it was first published here: state -> the states it may move to.
TRANSITIONS = VISIT_TRANSITIONS

# An accepted package becomes actioned when a visit is planned from it; a rejection is final.
INTELLIGENCE_TRANSITIONS = table(
    [
        (IntelligenceStatus.RECEIVED, [IntelligenceStatus.ACCEPTED, IntelligenceStatus.REJECTED]),
        (IntelligenceStatus.ACCEPTED, [IntelligenceStatus.ACTIONED]),
        (IntelligenceStatus.REJECTED, []),
        (IntelligenceStatus.ACTIONED, []),
    ]
)
INTELLIGENCE = Workflow(IntelligencePackage, INTELLIGENCE_TRANSITIONS, label="intelligence package")

# States in which the plan may still be edited.
EDITABLE = frozenset({VisitStatus.PLANNING, VisitStatus.AUTHORISED})
# States in which field entries may be recorded.
IN_THE_FIELD = frozenset({VisitStatus.DEPLOYED})


def transition_allowed(current: str, target: str) -> bool:
    """Whether a visit may move from ``current`` to ``target`` (a different state)."""
    return str(current) != str(target) and VISIT.allowed(current, target)
