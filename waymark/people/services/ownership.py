"""Who owns the person: the owning team and named case owner, with their history (001 §3.11)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import OwnershipChange, OwnershipState, Person
from waymark.people.services._common import MODULE, _refuse_if_merged, _require, _user, _values
from waymark.people.services.timeline import timeline_event_record


def ownership_change(*, actor: Actor, person: Person, team, owner, reason: str) -> OwnershipChange:
    """Change the owning team and named case owner. No team means 'ownership unclear', which is
    shown as a data-quality failure (001 §3.11)."""
    _require(actor, "people.change_ownership", "change who owns a person")
    _refuse_if_merged(person)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter the reason for the change"})
    if owner is not None and team is None:
        raise ValidationError({"team": "Select the owning team for the case owner"})
    if owner is not None and not owner.teams.filter(pk=team.pk).exists():
        raise ValidationError({"owner": f"{owner.display_name} is not a member of {team.name}"})
    new_state = OwnershipState.OWNED if team is not None else OwnershipState.UNCLEAR
    if person.owning_team_id == getattr(team, "pk", None) and person.case_owner_id == getattr(
        owner, "pk", None
    ):
        raise ValidationError({"team": "The team and case owner are the same as now"})
    with transaction.atomic():
        now = clock.now()
        change = OwnershipChange.objects.create(
            person=person,
            changed_at=now,
            changed_by=_user(actor),
            from_state=person.ownership_state,
            to_state=new_state,
            from_team=person.owning_team,
            to_team=team,
            from_owner=person.case_owner,
            to_owner=owner,
            reason=reason[:500],
        )
        old = _values(person, ["ownership_state", "owning_team", "case_owner"])
        person.ownership_state = new_state
        person.owning_team = team
        person.case_owner = owner
        person.updated_at = now
        person.save(update_fields=["ownership_state", "owning_team", "case_owner", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="person.ownership_changed",
            target=person,
            person_id=person.pk,
            payload={
                "old": old,
                "new": _values(person, ["ownership_state", "owning_team", "case_owner"]),
                "reason": reason,
            },
        )
        if team is None:
            summary = "Ownership unclear: no owning team"
        else:
            summary = f"Ownership changed to {team.name}" + (
                f" ({owner.display_name})" if owner else ""
            )
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type="person.ownership_changed",
            summary=summary,
            actor=actor,
            related=change,
            detail={"reason": reason},
        )
    return change
