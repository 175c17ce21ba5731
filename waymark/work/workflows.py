"""Task states and the moves between them (states described in ``waymark.work.models``).

Workflow logic lives here, not on the model, so that services can use it without import cycles.

    open ──────► in_progress ◄──► waiting
      │  ◄──────  (release)  │        │
      ├──────────────────────┴────────┴──► done       (outcome required; final)
      └──────────────────────────────────► cancelled  (reason required; final)
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from waymark.work.models import TaskStatus

S = TaskStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.WAITING, S.DONE, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.WAITING, S.DONE, S.CANCELLED}),
    S.WAITING: frozenset({S.IN_PROGRESS, S.OPEN, S.DONE, S.CANCELLED}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL_STATUSES = frozenset({S.DONE, S.CANCELLED})


class TransitionNotAllowed(ValidationError):
    pass


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
