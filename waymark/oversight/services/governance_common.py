"""Checks shared by the governance services (issue 20 item 6): permission, text, staff, a
1-5 score, a date not in the future, the acting user, a user's first team."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.core.types import Actor
from waymark.oversight import rules

# ------------------------------------------------------------------------------------------------
# Shared checks


def _require(actor: Actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {doing}")


def _text(value: str, field: str, label: str, *, required: bool = True, limit: int = 0) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"Enter {label}"})
    limit = limit or rules.TEXT_MAX_CHARS
    if len(value) > limit:
        raise ValidationError({field: f"Keep {label} to {limit:,} characters or fewer"})
    return value


def _staff(user: Any, field: str, message: str) -> Any:
    if user is None or not getattr(user, "is_active", False) or getattr(user, "is_machine", False):
        raise ValidationError({field: message})
    return user


def _score(value: Any, field: str, label: str) -> int:
    if value in (None, ""):
        raise ValidationError({field: f"Select the {label}, from 1 to 5"})  # noqa: S608
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not rules.risk_score_valid(number) or str(number) != str(value).strip():
        raise ValidationError(
            {
                field: f"The {label} must be a whole number from {rules.RISK_SCORE_MIN} "
                f"to {rules.RISK_SCORE_MAX}"
            }
        )
    return number


def _not_future(day: date | None, field: str, label: str) -> date:
    if day is None:
        raise ValidationError({field: f"Enter {label}"})
    if day > clock.today():
        raise ValidationError(
            {field: f"{label[:1].upper() + label[1:]} must be today or in the past"}
        )
    return day


def _by(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _first_team(user: Any):
    return user.teams.order_by("pk").first() if user is not None else None


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.LONDON)


def _review_tasks_close(*, actor: Actor, risk: Any, outcome: str) -> None:
    from waymark.work import services as work

    work.tasks_close_for(
        actor=actor,
        dedupe_scope=f"{rules.RISK_REVIEW_TASK_TYPE}:{risk.pk}",
        task_types=[rules.RISK_REVIEW_TASK_TYPE],
        outcome=outcome,
    )
