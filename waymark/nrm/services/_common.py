"""Helpers the referral services share: permission checks, the authority's team, audit, timeline."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from waymark.accounts.models import Team
from waymark.core.audit import audit_record
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.registrations import AUDIT_VERBS

MODULE = "nrm"
DEFAULT_NATION = "england-and-wales"


def user_of(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def require(actor: Any, permission: str, doing: str) -> None:
    """``actor`` None is the system (a sweep, an event handler); anyone else needs ``permission``."""
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}")


def require_sees(actor: Any, referral: Any) -> None:
    if actor is not None and not perms.may_see_referral(actor, referral):
        raise PermissionDenied("You may not see this referral")


def authority_team() -> Team | None:
    """The competent authority's team (accounts owns teams: set up with the roles, or the demo)."""
    return Team.objects.filter(slug=rules.AUTHORITY_TEAM_SLUG).first()


def nation_of(team: Team | None) -> str:
    return (getattr(team, "nation", "") or DEFAULT_NATION) if team else DEFAULT_NATION


def invalid(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def audit(*, actor: Any, verb: str, target: Any = None, person_id=None, **payload: Any) -> None:
    audit_record(
        actor=user_of(actor),
        action=AUDIT_VERBS[verb],
        verb=verb,
        target=target,
        person_id=person_id,
        payload=payload or None,
    )


def timeline(*, actor: Any, referral: Any, event_type: str, summary: str) -> None:
    from waymark.people.services import timeline_event_record

    timeline_event_record(
        person=referral.person,
        module=MODULE,
        event_type=event_type,
        summary=summary,
        actor=user_of(actor),
        related=referral,
        detail={"referral": referral.reference},
    )
