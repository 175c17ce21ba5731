"""Reads of work: tasks and queues as a user may see them."""

from __future__ import annotations

from django.db.models import QuerySet

from waymark.work.models import ACTIVE_STATUSES, Task


def person_ids_with_active_work_for_teams(team_ids: list[int]) -> QuerySet:
    """Subquery: people who have active work in any of these teams' queues."""
    return (
        Task.objects.filter(queue__team_id__in=team_ids, status__in=ACTIVE_STATUSES, person__isnull=False)
        .values("person_id")
    )
