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
# --- competence (item 2) ---
# The records live in work (the platform's gate reads them; docs/decisions/0016): their
# permissions are declared on ``work.Competence`` and granted to oversight's roles below.
COMPETENCE_VIEW = "work.view_competences"
COMPETENCE_SIGN_OFF = "work.sign_off_competence"
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
# --- competence (item 2) grants ---
# The assurance team and line managers assess and sign off (each still needs a signed-off assessor
# competence of their own, 002 rec 2a); service delivery managers and analysts read.
ROLE_PERMISSIONS["assurance"] |= {COMPETENCE_VIEW, COMPETENCE_SIGN_OFF}
ROLE_PERMISSIONS["line_manager"] |= {COMPETENCE_VIEW, COMPETENCE_SIGN_OFF}
ROLE_PERMISSIONS["service_delivery"] |= {COMPETENCE_VIEW}
ROLE_PERMISSIONS["performance_analyst"] |= {COMPETENCE_VIEW}
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
