"""Kept so that an import job queued under this path before the tasks moved to
``waymark.linkage.tasks`` still resolves (the database backend stores each job's task path)."""

from waymark.linkage.tasks import import_run_task

__all__ = ["import_run_task"]
