"""Writes for objectives and their measures (brief operations.md §9; 003 rec 6, Figure 8).

An ``Objective`` holds measures; each ``ObjectiveMeasure`` names a figure from
``selectors.REGISTRY`` with a target, whether higher is better, and an amber margin; its red /
amber / green status is computed against the live figure (``rules.rag_status``). Every service
checks ``operations.manage_objectives``, validates (a ``ValidationError`` naming the field, nothing
saved), writes in a transaction and audits old and new values.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.operations import permissions as perms
from waymark.operations import rules, selectors
from waymark.operations.models import Objective, ObjectiveMeasure

MANAGE = perms.MANAGE_OBJECTIVES
TITLE_MAX = 200


def _require(actor) -> None:
    if actor is None or not actor.has_perm(MANAGE):
        raise PermissionDenied("Your role does not allow you to set objectives and targets")


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _objective_values(
    errors: dict[str, str], *, title: str, description: str, objective: Objective | None = None
) -> tuple[str, str]:
    title = (title or "").strip()
    if not title:
        errors["title"] = "Enter the objective"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"The objective must be {TITLE_MAX} characters or fewer"
    elif (
        Objective.objects.filter(title__iexact=title)
        .exclude(pk__in=[objective.pk] if objective is not None else [])
        .exists()
    ):
        errors["title"] = "There is already an objective with this title"
    return title, (description or "").strip()


def objective_create(*, actor, title: str, description: str = "") -> Objective:
    _require(actor)
    errors: dict[str, str] = {}
    title, description = _objective_values(errors, title=title, description=description)
    _raise(errors)
    with transaction.atomic():
        objective = Objective.objects.create(
            title=title, description=description, active=True, created_at=clock.now()
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="operations.objective_created",
            target=objective,
            payload={"new": {"title": title, "description": description}},
        )
    return objective


def objective_update(
    *, actor, objective: Objective, title: str, description: str = "", active: bool = True
) -> Objective:
    _require(actor)
    errors: dict[str, str] = {}
    title, description = _objective_values(
        errors, title=title, description=description, objective=objective
    )
    _raise(errors)
    old = {
        "title": objective.title,
        "description": objective.description,
        "active": objective.active,
    }
    new = {"title": title, "description": description, "active": bool(active)}
    if old == new:
        return objective
    with transaction.atomic():
        Objective.objects.filter(pk=objective.pk).update(**new)
        objective.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="operations.objective_changed",
            target=objective,
            payload={"old": old, "new": new},
        )
    return objective


def _measure_values(
    errors: dict[str, str], *, measure_key: str, target: Any, amber_margin: Any
) -> tuple:
    if measure_key not in selectors.REGISTRY:
        errors["measure_key"] = "Select a measure from the list"
    try:
        target = float(target)
        if not math.isfinite(target):
            raise ValueError
    except (TypeError, ValueError):
        errors["target"] = "Enter the target as a number, like 95"
        target = None
    if target is not None and measure_key in selectors.REGISTRY:
        unit = selectors.REGISTRY[measure_key].unit
        if unit == "percent" and not 0 <= target <= 100:
            errors["target"] = "A percentage target must be between 0 and 100"
        elif target < 0:
            errors["target"] = "The target cannot be negative"
    if amber_margin in (None, ""):
        amber_margin = rules.OBJECTIVE_AMBER_MARGIN_DEFAULT
    try:
        amber_margin = float(amber_margin)
        if not math.isfinite(amber_margin) or not 0 <= amber_margin <= 1:
            raise ValueError
    except (TypeError, ValueError):
        errors["amber_margin"] = "Enter the amber margin as a fraction between 0 and 1, like 0.1"
    return target, amber_margin


def objective_measure_add(
    *,
    actor,
    objective: Objective,
    measure_key: str,
    target: Any,
    higher_is_better: bool = True,
    amber_margin: Any = None,
) -> ObjectiveMeasure:
    _require(actor)
    errors: dict[str, str] = {}
    target, amber_margin = _measure_values(
        errors, measure_key=measure_key, target=target, amber_margin=amber_margin
    )
    if objective.measures.filter(measure_key=measure_key).exists():
        errors["measure_key"] = "This objective already has this measure; change its target instead"
    _raise(errors)
    with transaction.atomic():
        measure = ObjectiveMeasure.objects.create(
            objective=objective,
            measure_key=measure_key,
            target=target,
            higher_is_better=bool(higher_is_better),
            amber_margin=amber_margin,
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="operations.objective_measure_added",
            target=measure,
            payload={
                "new": {
                    "objective": objective.pk,
                    "measure_key": measure_key,
                    "target": target,
                    "higher_is_better": bool(higher_is_better),
                    "amber_margin": amber_margin,
                }
            },
        )
    return measure


def objective_measure_update(
    *,
    actor,
    measure: ObjectiveMeasure,
    target: Any,
    higher_is_better: bool = True,
    amber_margin: Any = None,
) -> ObjectiveMeasure:
    _require(actor)
    errors: dict[str, str] = {}
    target, amber_margin = _measure_values(
        errors, measure_key=measure.measure_key, target=target, amber_margin=amber_margin
    )
    _raise(errors)
    old = {
        "target": measure.target,
        "higher_is_better": measure.higher_is_better,
        "amber_margin": measure.amber_margin,
    }
    new = {
        "target": target,
        "higher_is_better": bool(higher_is_better),
        "amber_margin": amber_margin,
    }
    if old == new:
        return measure
    with transaction.atomic():
        ObjectiveMeasure.objects.filter(pk=measure.pk).update(**new)
        measure.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="operations.objective_measure_changed",
            target=measure,
            payload={"old": old, "new": new},
        )
    return measure


def objective_measure_remove(*, actor, measure: ObjectiveMeasure) -> None:
    """Take a measure off an objective (configuration, not a decision about a person); audited with
    what it was."""
    _require(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.ERASURE,
            verb="operations.objective_measure_removed",
            target=measure,
            payload={
                "old": {
                    "objective": measure.objective_id,
                    "measure_key": measure.measure_key,
                    "target": measure.target,
                    "higher_is_better": measure.higher_is_better,
                    "amber_margin": measure.amber_margin,
                }
            },
        )
        measure.delete()
