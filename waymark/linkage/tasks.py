"""Background jobs of record linkage, run by ``manage.py db_worker``: an import, a linkage run, a
bulk check and the ownership clean-up. Each calls one service under the job's acting context.

A job is stored with its task's import path (``waymark.linkage.tasks.<name>``). Jobs queued
before the tasks were gathered here name ``waymark.linkage.import_tasks`` or
``waymark.linkage.bulk_tasks``; those modules re-export the same tasks, so such jobs still run.
"""

from __future__ import annotations

from django_tasks import task

from waymark.core import context


@task()
def import_run_task(job_id: int) -> str:
    """Run one confirmed import (``services.import_execute``); returns its final status."""
    from waymark.linkage.services import import_execute

    with context.acting("job"):
        return str(import_execute(job_id).status)


@task()
def linkage_run_task(run_id: int) -> str:
    """Run the linkage pipeline for a queued run."""
    from waymark.linkage.services import linkage_run_execute

    with context.acting("job"):
        return linkage_run_execute(run_id).status


@task()
def bulk_check_task(check_id: int) -> str:
    """Run one queued bulk check (``services.bulk_check_execute``); returns its final status."""
    from waymark.linkage.services import bulk_check_execute

    with context.acting("job"):
        return str(bulk_check_execute(check_id).status)


@task()
def ownership_cleanup_task(actor_id: int | None = None) -> dict:
    """Run the ownership clean-up in the background (national-scale data); returns its summary."""
    from waymark.accounts.models import User
    from waymark.linkage.services import ownership_cleanup

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with context.acting("job"):
        summary = ownership_cleanup(actor=actor)
    return {
        "people": summary.people,
        "owners_set": summary.owners_set,
        "tasks_created": summary.tasks_created,
        "findings_changed": summary.findings_changed,
    }
