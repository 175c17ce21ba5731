"""The governance sweeps (issue 20 item 6): overdue risk reviews and overdue tracker actions become
one task each on their owner's queue, idempotently; registered in ``registrations.py``."""

from __future__ import annotations

from typing import Any

from waymark.core import clock
from waymark.oversight import rules
from waymark.oversight.models import (
    Action,
    ActionStatus,
    Risk,
    RiskStatus,
)
from waymark.oversight.services.governance_common import _first_team

# ------------------------------------------------------------------------------------------------
# Sweeps: overdue risk reviews and overdue tracker actions become tasks on the owner's queue


def _owner_task(
    *, task_type: str, owner: Any, subject: Any, title: str, description: str, key: str
) -> bool:
    """One task for ``key`` on the owner's first team's governance queue, assigned to them; False
    when the owner belongs to no team (nothing to put it on)."""
    from waymark.work import services as work

    team = _first_team(owner)
    if team is None:
        return False
    work.task_create(
        actor=None,
        task_type=task_type,
        title=title[:300],
        subject=subject,
        queue=work.queue_for(team=team, kind=rules.GOVERNANCE_QUEUE_KIND),
        description=description[:2000],
        dedupe_key=key[:200],
        assignee=owner,
    )
    return True


def _current_key(base: str, today) -> str:
    """The dedupe key an overdue item's task has today: ``base`` the first time. A task completed
    by hand while its item stays overdue (the owner ticked it off without bringing the item up to
    date) is followed by a new one (``base:again<N>``) once it has been completed for
    ``rules.GOVERNANCE_CHASE_DAYS``: an overdue item is never left without work for long."""
    from waymark.work import selectors as work_selectors
    from waymark.work.models import ACTIVE_STATUSES

    tasks = list(work_selectors.tasks_for(dedupe_scope=base, active=False))
    if not tasks:
        return base
    latest = max(tasks, key=lambda t: t.pk)
    current = latest.dedupe_key or base
    if latest.status in ACTIVE_STATUSES or latest.completed_at is None:
        return current
    done_on = latest.completed_at.astimezone(clock.LONDON).date()
    if (today - done_on).days >= rules.GOVERNANCE_CHASE_DAYS:
        return f"{base}:again{len(tasks)}"
    return current


def _stale_close(prefix: str, task_type: str, current: set[str], outcome: str) -> int:
    """Complete the sweep's active tasks whose key is no longer due (the item was brought up to
    date, closed, or its date moved)."""
    from waymark.work import selectors as work_selectors
    from waymark.work import services as work

    closed = 0
    for task in work_selectors.tasks_for(dedupe_prefix=prefix, task_types=[task_type]):
        if task.dedupe_key not in current:
            work.task_complete(actor=None, task=task, outcome=outcome)
            closed += 1
    return closed


def risk_reviews_sweep() -> dict[str, int]:
    """Every open risk past its review date gets one review task (keyed by the risk and the date
    it was due, so a second run creates nothing); a task whose review is no longer due closes."""
    today = clock.today()
    keys: set[str] = set()
    raised = no_team = 0
    overdue = Risk.objects.filter(status=RiskStatus.OPEN, next_review_on__lt=today)
    for risk in overdue.select_related("register", "owner").order_by("pk"):
        base = f"{rules.RISK_REVIEW_TASK_TYPE}:{risk.pk}:{risk.next_review_on.isoformat()}"
        key = _current_key(base, today)
        keys.add(key)
        made = _owner_task(
            task_type=rules.RISK_REVIEW_TASK_TYPE,
            owner=risk.owner,
            subject=risk,
            title=f"Review risk {risk.number} on {risk.register.name}: {risk.title}",
            description=f"The review was due on {risk.next_review_on:%-d %B %Y} "
            f"({risk.level} risks are reviewed every {rules.RISK_REVIEW_DAYS[risk.level]} days).",
            key=key,
        )
        raised += made
        no_team += not made
    closed = _stale_close(
        f"{rules.RISK_REVIEW_TASK_TYPE}:", rules.RISK_REVIEW_TASK_TYPE, keys, "no longer due"
    )
    return {"overdue": len(keys), "tasks": raised, "owners_without_team": no_team, "closed": closed}


def actions_overdue_sweep() -> dict[str, int]:
    """Every open tracker action past its due date gets one task on its owner's queue (keyed by
    the action and its due date: a revised date is a new deadline); a task whose action closed or
    whose date moved is completed. Idempotent."""
    today = clock.today()
    keys: set[str] = set()
    raised = no_team = 0
    overdue = Action.objects.filter(status=ActionStatus.OPEN, due_on__lt=today)
    for action in overdue.select_related("recommendation", "owner").order_by("pk"):
        base = f"{rules.ACTION_OVERDUE_TASK_TYPE}:{action.pk}:{action.due_on.isoformat()}"
        key = _current_key(base, today)
        keys.add(key)
        rec = action.recommendation
        made = _owner_task(
            task_type=rules.ACTION_OVERDUE_TASK_TYPE,
            owner=action.owner,
            subject=action,
            title=f"Overdue action on report {rec.seed} recommendation {rec.number}",
            description=f"Due {action.due_on:%-d %B %Y}: {action.description}. Post an update "
            "(with a revised date if it has moved) or ask for it to be signed off.",
            key=key,
        )
        raised += made
        no_team += not made
    closed = _stale_close(
        f"{rules.ACTION_OVERDUE_TASK_TYPE}:", rules.ACTION_OVERDUE_TASK_TYPE, keys, "up to date"
    )
    return {"overdue": len(keys), "tasks": raised, "owners_without_team": no_team, "closed": closed}
