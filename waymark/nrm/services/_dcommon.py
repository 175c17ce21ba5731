"""Helpers shared by the decision services (decisions, checks, safeguarding, disqualification,
reconsideration, letters): refusals, auditing with the person's timeline, and the authority's
work queues."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from waymark.accounts.models import Team, User
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.nrm import permissions as perms
from waymark.nrm.models import Referral
from waymark.nrm.registrations import AUDIT_VERBS
from waymark.people.services import timeline_event_record
from waymark.work import services as work
from waymark.work.models import Task

MODULE = "nrm"
AUTHORITY_TEAM_SLUG = "competent-authority"


def _user(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def require(actor: Actor, permission: str, doing: str) -> User:
    """The acting user, refused unless they hold ``permission``."""
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}")
    return actor


def level_of(value: object) -> int | None:
    """A safeguarding or risk level from a form or a caller: None when not given."""
    return None if value in (None, "") else int(value)  # type: ignore[call-overload]


def require_sees(actor: Actor, referral: Referral) -> None:
    """An outsider is told nothing exists (404), never that it is forbidden."""
    if not perms.may_see_referral(actor, referral):
        raise Http404("No such referral")


def text(errors: dict, field: str, value: str | None, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def raise_errors(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def record(
    *,
    actor: Actor,
    verb: str,
    target,
    referral: Referral | None,
    summary: str,
    new: dict | None = None,
    action: str | None = None,
) -> None:
    """Audit the change and put it on the person's timeline (one call, so neither is forgotten).
    The audit category is the verb's declared one unless ``action`` names it."""
    action = action or AUDIT_VERBS.get(verb, AuditAction.ALTERATION)
    payload = {"new": {k: _json(v) for k, v in (new or {}).items()}}
    person_id = referral.person_id if referral is not None else None
    audit_record(
        actor=actor, action=action, verb=verb, target=target, person_id=person_id, payload=payload
    )
    if referral is not None:
        timeline_event_record(
            person=referral.person,
            module=MODULE,
            event_type=verb,
            summary=summary[:500],
            actor=actor,
            related=target,
            detail={k: _json(v) for k, v in (new or {}).items()},
        )
        referral.last_activity_at = clock.now()
        referral.save(update_fields=["last_activity_at"])


def authority_team(referral: Referral | None = None) -> Team:
    if referral is not None and referral.owning_team_id:
        return referral.owning_team  # type: ignore[return-value]
    team = Team.objects.filter(slug=AUTHORITY_TEAM_SLUG).first()
    if team is None:
        raise ValidationError("The competent authority's team is not set up")
    return team


def gated_assignee(task_type: str, *candidates) -> tuple[Any, str]:
    """The person the authority's own rule names for a task (the referral's decision maker, ...),
    if they hold the competence the task needs (the predicate get next uses, read through
    ``work.selectors``; issue 20 item 2, decision 0016); else the next candidate who does, or
    no one: the task then waits unassigned in the queue. With a note of who was passed over."""
    from waymark.work.selectors import competent_assignee

    chosen, passed_over = competent_assignee(task_type, candidates)
    note = ""
    if passed_over:
        note = " ".join(passed_over) + (
            "; so it was not given to them"
            if chosen is None
            else f"; so it was given to {chosen.display_name}"
        )
        if chosen is None:
            note += " and waits in the queue for someone who does."
    return chosen, note


def open_task(
    *,
    actor: Actor,
    task_type: str,
    kind: str,
    title: str,
    referral: Referral | None,
    subject,
    dedupe_key: str,
    assignee=None,
    person=None,
) -> Task:
    """A task in the authority's queue; given to ``assignee`` only if they hold the competence
    its type needs (``gated_assignee``), else left unassigned with the reason in its description."""
    team = authority_team(referral)
    queue = work.queue_for(team=team, kind=kind, name=f"{team.name}: {kind.replace('-', ' ')}")
    assignee, note = gated_assignee(task_type, assignee)
    return work.task_create(
        actor=actor,
        task_type=task_type,
        title=title,
        person=person if person is not None else (referral.person if referral else None),
        subject=subject,
        queue=queue,
        dedupe_key=dedupe_key,
        assignee=assignee,
        description=note,
    )


def close_tasks(*, actor: Actor, scope: str, outcome: str, note: str = "") -> None:
    work.tasks_close_for(actor=actor, dedupe_scope=scope, outcome=outcome, note=note)
