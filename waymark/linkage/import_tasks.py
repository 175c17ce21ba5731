"""Background jobs for imports, run by ``manage.py db_worker``."""

from __future__ import annotations

from django_tasks import task

from waymark.core import context


@task()
def import_run_task(job_id: int) -> str:
    """Run one confirmed import (``import_services.import_execute``); returns its final status."""
    from waymark.linkage.import_services import import_execute

    with context.acting("job"):
        return str(import_execute(job_id).status)
