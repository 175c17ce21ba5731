"""Helpers shared by criminal casework's services: auditing with the person's timeline, refusals,
the casework queues, the case owner's work, and the rules more than one sub-domain applies
(whether a person is removable, what happens when contact resumes)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from waymark.accounts.models import Team
from waymark.casework import rules
from waymark.casework.models import AbsconderDeclaration, Barrier, Case, NonCompliance
from waymark.casework.workflows import NON_COMPLIANCE, NonComplianceStatus
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import Person
from waymark.people.services import timeline_event_record
from waymark.work import services as work
from waymark.work.models import Queue, Task

MODULE = "casework"


def _user(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor: Actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}")


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Team):
        return value.slug
    if hasattr(value, "pk"):
        return value.pk
    return value


def _record(
    *,
    actor: Actor,
    verb: str,
    target,
    person: Person | None,
    summary: str,
    new: dict | None = None,
    old: dict | None = None,
    action: str = AuditAction.COLLECTION,
    occurred_at=None,
) -> None:
    """Audit the change and put it on the person's timeline (one call, so neither is forgotten)."""
    payload: dict[str, Any] = {}
    if new is not None:
        payload["new"] = {k: _json(v) for k, v in new.items()}
    if old is not None:
        payload["old"] = {k: _json(v) for k, v in old.items()}
    audit_record(
        actor=actor,
        action=action,
        verb=verb,
        target=target,
        person_id=person.pk if person else None,
        payload=payload,
    )
    if person is not None:
        timeline_event_record(
            person=person,
            module=MODULE,
            event_type=verb,
            summary=summary[:500],
            occurred_at=occurred_at,
            actor=actor,
            related=target,
            detail={k: _json(v) for k, v in (new or {}).items()},
        )


def _text(errors: dict, field: str, value: str | None, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def team_queue(team: Team, kind: str = "casework", label: str = "Casework") -> Queue:
    """The team's queue of this kind, created the first time a team needs it."""
    return work.queue_for(team=team, kind=kind, name=f"{team.name}: {label}")


def _named_queue(slug: str, name: str, team_slug: str) -> Queue:
    """A shared casework queue by its slug (the casework migration seeds them), created in the named
    team (or the first team) where a deployment lacks it."""
    team = Team.objects.filter(slug=team_slug).first() or Team.objects.order_by("pk").first()
    return work.queue_for(team=team, kind=slug, name=name, slug=slug)


def _owner_work(
    *,
    actor: Actor,
    person: Person,
    task_type: str,
    title: str,
    description: str = "",
    start=None,
    dedupe_key: str | None = None,
    priority: int | None = None,
    priority_reason: str = "",
    assignee=None,
) -> Task:
    """Work for the case owner: in the owning team's casework queue, assigned to the named owner
    (or to ``assignee`` when the work is someone else's, e.g. the caseworker preparing the case)."""
    team = person.owning_team
    queue = (
        team_queue(team)
        if team is not None
        else _named_queue(rules.QUEUE_INTAKE, "Criminal casework: intake", rules.routing()[1])
    )
    return work.task_create(
        actor=actor,
        task_type=task_type,
        title=title,
        person=person,
        queue=queue,
        description=description,
        start=start,
        dedupe_key=dedupe_key,
        priority=priority,
        priority_reason=priority_reason,
        assignee=assignee if assignee is not None else person.case_owner,
    )


def _close_tasks(*, actor: Actor, prefix: str, outcome: str, note: str = "") -> None:
    """Close the active tasks whose dedupe key is ``prefix`` (``"kind:<pk>"``) or below it: the
    tasks of referral 1 and never those of referral 10."""
    work.tasks_close_for(actor=actor, dedupe_scope=prefix, outcome=outcome, note=note)


def _removable(person: Person) -> bool:
    return not Barrier.objects.filter(
        person=person, cleared_on__isnull=True, barrier_type__in=rules.NOT_REMOVABLE_BARRIERS
    ).exists()


def _contact_resumed(*, actor: Actor, case: Case, how: str) -> None:
    """Contact is re-established (an attended event, a trace that located the person). Only an
    attended event moves ``last_attended_on``: the reporting history is the events' own."""
    was_absconder = case.absconder_since is not None
    case.consecutive_missed, case.out_of_contact_since, case.absconder_since = 0, None, None
    case.updated_at = clock.now()
    case.save()
    restored = NonComplianceStatus.CONTACT_RESTORED
    for nc in NonCompliance.objects.filter(
        person_id=case.person_id, status__in=NON_COMPLIANCE.may_move_from(restored)
    ):
        NON_COMPLIANCE.move(nc, restored)
        nc.closed_at = clock.now()
        nc.save(update_fields=["status", "closed_at"])
        _close_tasks(
            actor=actor,
            prefix=f"casework.missed:{nc.pk}",
            outcome="contact re-established",
            note=how,
        )
    if was_absconder:
        AbsconderDeclaration.objects.filter(person_id=case.person_id, ended_at__isnull=True).update(
            ended_at=clock.now()
        )
        _record(
            actor=actor,
            verb="casework.absconder_ended",
            target=case,
            person=case.person,
            summary=f"No longer an absconder: {how}",
            new={"how": how},
        )
