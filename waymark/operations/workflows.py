"""Visit states and the transitions between them; services check ``transition_allowed`` and every
transition is audited by the service that makes it."""

from __future__ import annotations

from waymark.operations.models import VisitStatus

TRANSITIONS: dict[str, set[str]] = {
    VisitStatus.PLANNING: {VisitStatus.AUTHORISED, VisitStatus.CANCELLED},
    # A material change sends an authorised visit back to planning (its authorisation lapses).
    VisitStatus.AUTHORISED: {VisitStatus.DEPLOYED, VisitStatus.PLANNING, VisitStatus.CANCELLED},
    VisitStatus.DEPLOYED: {VisitStatus.CLOSED},
    VisitStatus.CLOSED: set(),
    VisitStatus.CANCELLED: set(),
}
# States in which the plan may still be edited.
EDITABLE = frozenset({VisitStatus.PLANNING, VisitStatus.AUTHORISED})
# States in which field entries may be recorded.
IN_THE_FIELD = frozenset({VisitStatus.DEPLOYED})


def transition_allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())
