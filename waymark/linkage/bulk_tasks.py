"""Background jobs for bulk checks, run by ``manage.py db_worker``."""

from __future__ import annotations

from django_tasks import task

from waymark.core import context


@task()
def bulk_check_task(check_id: int) -> str:
    """Run one queued bulk check (``bulk_services.bulk_check_execute``); returns its final status."""
    from waymark.linkage.bulk_services import bulk_check_execute

    with context.acting("job"):
        return str(bulk_check_execute(check_id).status)


@task()
def ownership_cleanup_task(actor_id: int | None = None) -> dict:
    """Run the ownership clean-up in the background (national-scale data); returns its summary."""
    from waymark.accounts.models import User
    from waymark.linkage.ownership import ownership_cleanup

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with context.acting("job"):
        summary = ownership_cleanup(actor=actor)
    return {
        "people": summary.people,
        "owners_set": summary.owners_set,
        "tasks_created": summary.tasks_created,
        "findings_changed": summary.findings_changed,
    }
