"""Editing a risk (issue 20 item 6): its title, cause, effect, controls, mitigating actions,
owner and target, each change kept (``RiskEdit``: the fields' old and new values, who, when and
why) and shown as the risk's history. The rating moves only by a review (``risk_review_record``),
so the review cadence cannot be changed by editing; a target above the current rating is refused,
as when the risk is added. Re-exported by ``services.governance``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight.models import Risk, RiskEdit, RiskStatus
from waymark.oversight.services.governance_common import _by, _require, _score, _staff, _text

EDITABLE = (
    "title",
    "cause",
    "effect",
    "controls",
    "mitigating_actions",
    "owner",
    "target_likelihood",
    "target_impact",
)


def _shown(field: str, value: Any) -> Any:
    """A value as the history keeps it: an owner by id and name, anything else as it is."""
    if field == "owner":
        return {"id": value.pk, "name": value.get_full_name() or value.username}
    return value


def risk_edit(
    *,
    actor: Actor,
    risk: Risk,
    reason: str,
    title: str,
    cause: str,
    effect: str,
    owner: Any,
    target_likelihood: Any,
    target_impact: Any,
    controls: str = "",
    mitigating_actions: str = "",
) -> RiskEdit:
    """Change what the form gives and record which fields changed. Refused, nothing saved: a
    closed risk, no reason, no change at all, an empty title, cause or effect, an owner who is
    not active staff, a target score outside 1-5 or a target rating above the current rating."""
    _require(actor, perms.MANAGE_RISKS, "edit risks")
    reason = _text(reason, "reason", "why the risk is changed")
    values = {
        "title": _text(title, "title", "the risk's title", limit=200),
        "cause": _text(cause, "cause", "the cause"),
        "effect": _text(effect, "effect", "the effect"),
        "controls": _text(controls, "controls", "the controls", required=False),
        "mitigating_actions": _text(
            mitigating_actions, "mitigating_actions", "the mitigating actions", required=False
        ),
        "owner": _staff(owner, "owner", "Select the risk's owner"),
        "target_likelihood": _score(target_likelihood, "target_likelihood", "target likelihood"),
        "target_impact": _score(target_impact, "target_impact", "target impact"),
    }
    with transaction.atomic():
        locked = Risk.objects.select_for_update().select_related("owner").get(pk=risk.pk)
        if locked.status != RiskStatus.OPEN:
            raise ValidationError({"reason": "A closed risk cannot be changed: reopen it first"})
        if values["target_likelihood"] * values["target_impact"] > locked.rating:
            raise ValidationError(
                {"target_impact": "The target rating must not be higher than the current rating"}
            )
        changes = {}
        for field in EDITABLE:
            old = getattr(locked, field)
            new = values[field]
            if (old.pk if field == "owner" else old) != (new.pk if field == "owner" else new):
                changes[field] = {"old": _shown(field, old), "new": _shown(field, new)}
                setattr(locked, field, new)
        if not changes:
            raise ValidationError({"title": "Nothing was changed: change a field, or go back"})
        locked.save(update_fields=list(changes))
        edit = RiskEdit.objects.create(
            risk=locked,
            changed_at=clock.now(),
            changed_by=_by(actor),
            changes=changes,
            reason=reason,
        )
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="oversight.risk_edited",
            target=locked,
            payload={"edit": edit.pk, "changes": changes, "reason": reason},
        )
    risk.refresh_from_db()
    return edit
