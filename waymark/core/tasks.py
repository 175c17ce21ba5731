"""Background jobs of the core, run by ``manage.py db_worker``."""

from __future__ import annotations

from django_tasks import task

from waymark.core import context


@task()
def read_models_refresh_stale() -> dict:
    """Rebuild the figures pages' read models that are due (``core.read_models``)."""
    from waymark.core import read_models

    with context.acting("job"):
        return read_models.read_models_refresh_stale()
