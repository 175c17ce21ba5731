"""Kept so that a bulk-check or ownership job queued under this path before the tasks moved to
``waymark.linkage.tasks`` still resolves (the database backend stores each job's task path)."""

from waymark.linkage.tasks import bulk_check_task, ownership_cleanup_task

__all__ = ["bulk_check_task", "ownership_cleanup_task"]
