"""Permission codenames of the work app and its object-level predicates.

Model permissions come from ``Queue.Meta.permissions`` (allocate, workload, any queue),
``Task.Meta.permissions`` (take with get next) and Django's defaults (``view_task``,
``change_task``, ``add_task``). Who holds them is in ``waymark.accounts.roles``. Restricted records
are the people app's rule: ``waymark.people.permissions.person_withheld``.
"""

from __future__ import annotations

VIEW_TASK = "work.view_task"
ADD_TASK = "work.add_task"
CHANGE_TASK = "work.change_task"
TAKE_TASKS = "work.take_tasks"
ALLOCATE_TASKS = "work.allocate_tasks"
VIEW_WORKLOAD = "work.view_workload"
VIEW_ANY_QUEUE = "work.view_any_queue"


def sees_every_queue(user) -> bool:
    """Whether ``user`` sees every team's queues (and the tasks in them), not only their own
    teams'."""
    return bool(user and user.is_authenticated and user.has_perm(VIEW_ANY_QUEUE))
