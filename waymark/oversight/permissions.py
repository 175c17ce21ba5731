"""Who may do what in oversight: permission codenames (declared on ``Recommendation.Meta``, given
to roles in registrations.py) and the object-level predicates the services check.

The tracker holds governance records, not records of the people Waymark manages: anyone with
``VIEW`` sees all of it. Sign-off (``SIGN_OFF``) is refused to the action's own owner whatever
their permissions (oversight.md §6: "someone other than the owner").
"""

from __future__ import annotations

from typing import Any

VIEW = "oversight.view_tracker"
MANAGE = "oversight.manage_actions"
SIGN_OFF = "oversight.sign_off_actions"
EXPORT = "oversight.export_tracker"

# --- quality assurance (item 1): codenames here ---
QA_VIEW = "oversight.view_qa"
QA_FIRST_LINE = "oversight.review_first_line"
QA_SECOND_LINE = "oversight.review_second_line"
QA_CONFIGURE = "oversight.configure_qa"
QA_DECIDE_DISPUTES = "oversight.decide_qa_disputes"
QA_OBSERVE = "oversight.record_observations"
# --- competence (item 2) ---
# --- metrics (item 3) ---
# --- fairness and data quality (items 4-5) ---

# No "senior manager" role exists in accounts.roles yet: the assurance team signs off (second
# line), line managers and service delivery managers own and update actions, performance analysts
# read and export.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "assurance": frozenset({VIEW, MANAGE, SIGN_OFF, EXPORT}),
    "line_manager": frozenset({VIEW, MANAGE}),
    "service_delivery": frozenset({VIEW, MANAGE}),
    "performance_analyst": frozenset({VIEW, EXPORT}),
    "data_protection": frozenset({VIEW}),
}
# Each area adds its own grants with ROLE_PERMISSIONS[role] |= {...} below its section.
# --- quality assurance (item 1) grants ---
# The assurance team is the second line: it configures rules, draws samples, reviews, decides
# disputes and observes teams; line managers review their teams' work (first line); analysts read.
ROLE_PERMISSIONS["assurance"] |= {
    QA_VIEW,
    QA_SECOND_LINE,
    QA_CONFIGURE,
    QA_DECIDE_DISPUTES,
    QA_OBSERVE,
}
ROLE_PERMISSIONS["line_manager"] |= {QA_VIEW, QA_FIRST_LINE}
ROLE_PERMISSIONS["performance_analyst"] |= {QA_VIEW}
# --- competence (item 2) grants ---
# --- metrics (item 3) grants ---
# --- fairness and data quality (items 4-5) grants ---


def _has(user: Any, perm: str) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(perm))


def may_view(user: Any) -> bool:
    return _has(user, VIEW)


def may_update_action(user: Any, action: Any) -> bool:
    """The owner of an action, or anyone who manages actions, may post an update."""
    return _has(user, MANAGE) or bool(user and action.owner_id == getattr(user, "pk", None))


def may_sign_off(user: Any, action: Any) -> bool:
    return _has(user, SIGN_OFF) and action.owner_id != user.pk
