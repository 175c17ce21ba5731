"""Background jobs for work management, run by ``manage.py db_worker``."""

from __future__ import annotations

from django_tasks import task

from waymark.core import context

SWEEPS_QUEUE = "sweeps"


@task(queue_name=SWEEPS_QUEUE)
def sweeps_run() -> dict:
    """Run every registered sweep (enqueued by ``manage.py scheduler``)."""
    from waymark.work.sweeps import sweeps_run_all

    with context.acting("job"):
        return sweeps_run_all()
