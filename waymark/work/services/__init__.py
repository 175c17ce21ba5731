"""Writes of work: creating, allocating and moving tasks. Each is atomic and audited.

Permissions: the lifecycle services (start, wait, complete, cancel) are called by views that
require ``work.change_task`` and by other modules' services acting under their own permissions,
so they enforce the workflow's guards, not the caller's role. Allocation on someone else's behalf
(``tasks_bulk_allocate``, ``task_reassign``, assigning to another person) checks
``work.allocate_tasks`` here, because it changes other people's work.

Split by sub-domain; every name is re-exported here, so callers write ``services.task_create``:
``tasks`` (``task_create``, ``tasks_bulk_create``, ``tasks_create_each``), ``contract`` (``queue_for``,
``tasks_close_for``), ``lifecycle`` (start, release, wait, complete, cancel), ``allocation``
(get next, assign, reassign, bulk allocation) and ``saved_filters``.
"""

from waymark.work.rules import DEFAULT_PRIORITY, GET_NEXT_ATTEMPTS
from waymark.work.services.allocation import (
    task_assign,
    task_get_next,
    task_reassign,
    tasks_bulk_allocate,
    tasks_bulk_release,
    tasks_bulk_take,
)
from waymark.work.services.competence import competence_sign_off, competence_withdraw
from waymark.work.services.contract import queue_for, tasks_close_for
from waymark.work.services.lifecycle import (
    task_cancel,
    task_complete,
    task_release,
    task_start,
    task_wait,
)
from waymark.work.services.saved_filters import saved_filter_create, saved_filter_delete
from waymark.work.services.tasks import task_create, tasks_bulk_create, tasks_create_each

__all__ = [
    "DEFAULT_PRIORITY",
    "GET_NEXT_ATTEMPTS",
    "competence_sign_off",
    "competence_withdraw",
    "queue_for",
    "saved_filter_create",
    "saved_filter_delete",
    "task_assign",
    "task_cancel",
    "task_complete",
    "task_create",
    "task_get_next",
    "task_reassign",
    "task_release",
    "task_start",
    "task_wait",
    "tasks_bulk_allocate",
    "tasks_bulk_create",
    "tasks_bulk_release",
    "tasks_bulk_take",
    "tasks_close_for",
    "tasks_create_each",
]
