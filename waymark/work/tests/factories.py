"""Test data for work: teams, users and queues made directly; tasks through ``task_create``."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import Permission

from waymark.accounts.models import Team, User
from waymark.core import clock
from waymark.work.models import Queue, Task

_seq = itertools.count(1)

CASEWORKER = ("work.view_task", "work.change_task", "work.add_task", "work.take_tasks")
MANAGER = (*CASEWORKER, "work.allocate_tasks", "work.view_workload")


def team_make(*, nation: str = "england-and-wales", name: str | None = None) -> Team:
    n = next(_seq)
    return Team.objects.create(slug=f"work-team-{n}", name=name or f"Work team {n}", nation=nation)


def user_make(*perms: str, teams=(), username: str | None = None) -> User:
    user = User.objects.create_user(
        username=username or f"worker{next(_seq)}",
        password="a-long-test-password-123",
        first_name=(username or "Worker").title(),
    )
    for team in teams:
        user.teams.add(team)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # fresh permission cache


def queue_make(*, team: Team | None = None, slug: str | None = None) -> Queue:
    n = next(_seq)
    # The platform's own queues (e.g. "correspondence") exist from a data migration: a test that
    # names one gets it moved to the team it asks for.
    queue, _ = Queue.objects.update_or_create(
        slug=slug or f"queue-{n}", defaults={"name": f"Queue {n}", "team": team or team_make()}
    )
    return queue


def task_make(
    *,
    queue: Queue,
    task_type: str = "general.follow_up",
    title: str = "Follow up",
    priority: int | None = None,
    **kwargs,
) -> Task:
    from waymark.work.services import task_create

    return task_create(
        actor=None, task_type=task_type, title=title, queue=queue, priority=priority, **kwargs
    )


def task_row(
    *, queue: Queue, priority: int = 0, due_at=None, task_type: str = "general.follow_up", **fields
) -> Task:
    """A task row written directly, for ordering and volume tests that need exact values."""
    return Task.objects.create(
        task_type=task_type,
        queue=queue,
        title=fields.pop("title", "Row"),
        priority=priority,
        due_at=due_at,
        created_at=fields.pop("created_at", clock.now()),
        **fields,
    )
