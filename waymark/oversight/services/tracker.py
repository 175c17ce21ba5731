"""Writes for the recommendations and actions tracker (oversight.md §4, §6 "Governance").

Each service is keyword-only, takes ``actor``, checks permission (``permissions.py``), validates
with a message a user can act on, writes in one transaction and audits. Refusals raise
``ValidationError`` (or ``PermissionDenied``) before anything is saved.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.evidence import CHECKS, NONE, evidence_evaluate
from waymark.oversight.models import Action, ActionStatus, ActionUpdate, Recommendation, Response
from waymark.oversight.workflows import ACTION_WORKFLOW, CLOSED_STATES

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "recommendations.json"


def recommendations_data() -> dict[str, Any]:
    """The seeds' recommendations as extracted by hand into ``data/recommendations.json``."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def recommendations_seed(*, actor: Actor) -> dict[str, int]:
    """Load every recommendation of the five seeds (idempotent: a second run changes nothing
    but what the data file changed). Returns counts of created and updated rows."""
    data = recommendations_data()
    titles = {s["seed"]: s["title"] for s in data["sources"]}
    created = updated = 0
    with transaction.atomic():
        for order, item in enumerate(data["recommendations"], start=1):
            values = {
                "source_title": titles[item["seed"]],
                "order": order,
                "theme": item.get("theme", ""),
                "text": item["text"],
                "response": Response(item.get("response", Response.NOT_GIVEN)),
                "response_text": item.get("response_text", ""),
                "implementation_date_text": item.get("implementation_date_text", ""),
            }
            existing = Recommendation.objects.filter(
                seed=item["seed"], number=item["number"]
            ).first()
            if existing is None:
                Recommendation.objects.create(seed=item["seed"], number=item["number"], **values)
                created += 1
            elif any(getattr(existing, k) != v for k, v in values.items()):
                Recommendation.objects.filter(pk=existing.pk).update(**values)
                updated += 1
        if created or updated:
            audit_record(
                actor=actor,
                action=AuditAction.COLLECTION,
                verb="oversight.recommendations_seeded",
                payload={"created": created, "updated": updated},
            )
    return {"created": created, "updated": updated}


def _text(value: str, field: str, label: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"Enter {label}"})
    if len(value) > rules.TEXT_MAX_CHARS:
        raise ValidationError(
            {
                field: f"{label[:1].upper() + label[1:]} must be {rules.TEXT_MAX_CHARS:,} characters or fewer"
            }
        )
    return value


def action_add(
    *,
    actor: Actor,
    recommendation: Recommendation,
    description: str,
    owner: Any,
    due_on: date,
    milestone: str = "",
    evidence_kind: str = NONE,
    evidence_parameter: str = "",
) -> Action:
    """Add an action to a recommendation, with its owner, due date and evidence check."""
    if actor is not None and not actor.has_perm(perms.MANAGE):
        raise PermissionDenied
    description = _text(description, "description", "what the action is")
    if (
        owner is None
        or not getattr(owner, "is_active", False)
        or getattr(owner, "is_machine", False)
    ):
        raise ValidationError({"owner": "Select the person who owns the action"})
    if due_on is None:
        raise ValidationError({"due_on": "Enter the date the action is due"})
    check = CHECKS.get(evidence_kind)
    if check is None:
        raise ValidationError({"evidence_kind": "Select an evidence check from the list"})
    evidence_parameter = (evidence_parameter or "").strip()
    if check.parameter_label and not evidence_parameter:
        raise ValidationError(
            {"evidence_parameter": f"Enter the {check.parameter_label.lower()} the check looks at"}
        )
    with transaction.atomic():
        action = Action.objects.create(
            recommendation=recommendation,
            description=description,
            owner=owner,
            milestone=(milestone or "").strip()[:200],
            due_on=due_on,
            original_due_on=due_on,
            evidence_kind=evidence_kind,
            evidence_parameter=evidence_parameter if check.parameter_label else "",
            created_at=clock.now(),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="oversight.action_added",
            target=action,
            payload={
                "new": {
                    "recommendation": str(recommendation),
                    "owner": owner.pk,
                    "due_on": due_on.isoformat(),
                    "evidence_kind": evidence_kind,
                }
            },
        )
    return action


def action_update_post(
    *,
    actor: Actor,
    action: Action,
    text: str,
    evidence: str = "",
    revised_due_on: date | None = None,
) -> ActionUpdate:
    """A dated progress update; a revised due date keeps the old one (the slipping history)."""
    if actor is not None and not perms.may_update_action(actor, action):
        raise PermissionDenied
    if action.status in CLOSED_STATES:
        raise ValidationError("This action is closed: reopen it before posting an update")
    text = _text(text, "text", "the update")
    evidence = _text(evidence, "evidence", "the evidence", required=False)
    if revised_due_on is not None and revised_due_on == action.due_on:
        revised_due_on = None
    today = clock.today()
    if revised_due_on is not None and revised_due_on < today:
        raise ValidationError(
            {"revised_due_on": "The revised due date must be today or in the future"}
        )
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        previous = locked.due_on
        update = ActionUpdate.objects.create(
            action=locked,
            posted_on=today,
            posted_at=clock.now(),
            author=actor,
            text=text,
            evidence=evidence,
            previous_due_on=previous if revised_due_on else None,
            revised_due_on=revised_due_on,
        )
        if revised_due_on:
            Action.objects.filter(pk=locked.pk).update(due_on=revised_due_on)
            action.due_on = revised_due_on
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.action_updated",
            target=locked,
            payload={
                "old": {"due_on": previous.isoformat()},
                "new": {
                    "due_on": (revised_due_on or previous).isoformat(),
                    "update": update.pk,
                    "with_evidence": bool(evidence),
                },
            },
        )
    return update


def action_close(*, actor: Actor, action: Action, outcome: str, note: str) -> Action:
    """Sign off an action as closed (or closed with monitoring). Refused to the action's owner,
    and refused while its named evidence check does not pass (or cannot be checked yet)."""
    if actor is None or not actor.has_perm(perms.SIGN_OFF):
        raise PermissionDenied
    if outcome not in CLOSED_STATES:
        raise ValidationError({"outcome": "Select closed or closed with monitoring"})
    if action.owner_id == actor.pk:
        raise ValidationError("You own this action: someone other than its owner must sign it off")
    note = _text(note, "note", "what was done and how it was checked")
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        if locked.status in CLOSED_STATES:
            raise ValidationError("This action is closed already")
        ACTION_WORKFLOW.check(locked, outcome)
        result = evidence_evaluate(locked.evidence_kind, locked.evidence_parameter)
        if not result.passed:
            raise ValidationError(f"The action cannot close without its evidence. {result.detail}")
        old = ACTION_WORKFLOW.move(locked, outcome)
        locked.signed_off_by = actor
        locked.signed_off_at = clock.now()
        locked.closure_note = note
        locked.evidence_result = result.detail
        locked.save(
            update_fields=[
                "status",
                "signed_off_by",
                "signed_off_at",
                "closure_note",
                "evidence_result",
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.action_closed",
            target=locked,
            payload={
                "old": {"status": old},
                "new": {"status": outcome, "evidence": result.detail},
            },
        )
    return locked


def action_reopen(*, actor: Actor, action: Action, reason: str) -> Action:
    """Reopen a closed action (the evidence stopped holding, monitoring found a problem)."""
    if actor is None or not actor.has_perm(perms.SIGN_OFF):
        raise PermissionDenied
    reason = _text(reason, "reason", "why the action is reopened")
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        if locked.status == ActionStatus.OPEN:
            raise ValidationError("This action is open already")
        old = ACTION_WORKFLOW.move(locked, ActionStatus.OPEN)
        locked.save(update_fields=["status"])
        ActionUpdate.objects.create(
            action=locked,
            posted_on=clock.today(),
            posted_at=clock.now(),
            author=actor,
            text=f"Reopened: {reason}",
        )
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.action_reopened",
            target=locked,
            payload={
                "old": {"status": old},
                "new": {"status": ActionStatus.OPEN, "reason": reason},
            },
        )
    return locked
