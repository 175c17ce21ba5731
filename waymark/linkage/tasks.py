"""Background jobs for linkage runs, run by ``manage.py db_worker``."""

from __future__ import annotations

from django_tasks import task

from waymark.core import context


@task()
def linkage_run_task(run_id: int) -> str:
    """Run the linkage pipeline for a queued run."""
    from waymark.linkage.services import linkage_run_execute

    with context.acting("job"):
        return linkage_run_execute(run_id).status
