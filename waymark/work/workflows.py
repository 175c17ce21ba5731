"""Task states and the moves between them (states described in ``waymark.work.models``).

Workflow logic lives here, not on the model, so that services can use it without import cycles.

    open ──────► in_progress ◄──► waiting
      │  ◄──────  (release)  │        │
      ├──────────────────────┴────────┴──► done       (outcome required; final)
      └──────────────────────────────────► cancelled  (reason required; final)

``TASK`` is the platform ``Workflow`` (``waymark.core.workflows``) over the same table: services
check a move with ``transition_check`` (the table plus the guards: an assignee to start, an outcome
to finish, a reason to wait or cancel) and make it with ``TASK.move``.
"""

from __future__ import annotations

from waymark.core import workflows
from waymark.work.models import Task, TaskStatus

Status = TaskStatus
S = TaskStatus

TRANSITIONS: dict[str, frozenset[str]] = workflows.table(
    [
        (S.OPEN, {S.IN_PROGRESS, S.WAITING, S.DONE, S.CANCELLED}),
        (S.IN_PROGRESS, {S.OPEN, S.WAITING, S.DONE, S.CANCELLED}),
        (S.WAITING, {S.IN_PROGRESS, S.OPEN, S.DONE, S.CANCELLED}),
        (S.DONE, set()),
        (S.CANCELLED, set()),
    ]
)
FINAL_STATUSES = frozenset({S.DONE, S.CANCELLED})

TASK = workflows.Workflow(Task, TRANSITIONS, label="task")


# A task move the table or its guards do not allow (a ``ValidationError``): the platform's.
TransitionNotAllowed = workflows.TransitionNotAllowed


def transition_problems(
    task, to: str, *, assignee=None, outcome: str = "", reason: str = ""
) -> list[str]:
    """Why ``task`` may not move to ``to`` (empty when it may). ``assignee`` is the assignee the
    task will have after the move (defaults to its current one)."""
    current = task.status
    if current in FINAL_STATUSES:
        return [f"This task is {TaskStatus(current).label.lower()}; it cannot be changed"]
    if to not in TRANSITIONS[current]:
        return [
            f"A task that is {TaskStatus(current).label.lower()} cannot move to "
            f"{TaskStatus(to).label.lower()}"
        ]
    problems = []
    who = assignee if assignee is not None else task.assignee
    if to == S.IN_PROGRESS and who is None:
        problems.append("Assign the task to someone before starting it")
    if to == S.DONE and not (outcome or "").strip():
        problems.append("Enter the outcome")
    if to in (S.CANCELLED, S.WAITING) and not (reason or "").strip():
        problems.append(
            "Enter why the task is cancelled"
            if to == S.CANCELLED
            else "Enter who or what the task is waiting on"
        )
    return problems


def transition_check(task, to: str, **kwargs) -> None:
    problems = transition_problems(task, to, **kwargs)
    if problems:
        raise TransitionNotAllowed(problems)


def allowed_transitions(task) -> frozenset[str]:
    return TRANSITIONS[task.status]
