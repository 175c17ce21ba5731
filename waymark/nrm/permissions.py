"""Who may do what in the competent authority: the permission codenames (declared on
``Referral.Meta``, given to roles in registrations.py) and the object-level predicates every read
and write goes through.

NRM records are restricted: a referral's account is seen only by the competent authority's roles
(``VIEW``) and by the first responder who made the referral (their own referrals only).
"""

from __future__ import annotations

from typing import Any

VIEW = "nrm.view_nrm"
REFER = "nrm.refer_nrm"
PREPARE = "nrm.prepare_nrm"
DECIDE = "nrm.decide_nrm"
CHECK = "nrm.check_nrm"
ADVISE = "nrm.advise_nrm"
MANAGE = "nrm.manage_nrm"
VIEW_MI = "nrm.view_nrm_mi"

AUTHORITY = frozenset({VIEW})
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "nrm_decision_maker": AUTHORITY | {DECIDE, PREPARE},
    "technical_specialist": AUTHORITY | {DECIDE, CHECK, VIEW_MI},
    "nrm_case_preparation": AUTHORITY | {PREPARE},
    "nrm_safeguarding_adviser": AUTHORITY | {ADVISE},
    "nrm_manager": AUTHORITY | {MANAGE, VIEW_MI, CHECK},
    "first_responder": frozenset({REFER}),
    "field_officer": frozenset({REFER}),
    "officer_in_charge": frozenset({REFER}),
    "case_owner": frozenset({REFER}),
    "performance_analyst": frozenset({VIEW_MI}),
}


def is_authority(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(VIEW))


def may_see_referral(user: Any, referral: Any) -> bool:
    """The competent authority's roles see every referral; a first responder only their own."""
    if is_authority(user):
        return True
    return bool(
        user and user.is_authenticated and user.has_perm(REFER) and referral.referrer_id == user.pk
    )
