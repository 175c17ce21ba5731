"""Periodic sweeps: scheduled work, overdue flags, expiry (brief platform §9).

A sweep is a named callable taking no arguments and returning a count (or a small JSON-able
dict). Every sweep must be idempotent: running it twice creates nothing twice and flags nothing
twice. Modules register theirs from their ``registrations.py`` (work's own, ``work.flag_overdue``,
in ``waymark.work.registrations``); ``sweeps_run_all`` runs them in name order, each in its own
transaction, from the job worker (``work.tasks.sweeps_run``) or the ``run_sweeps`` command.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.work.models import ACTIVE_STATUSES, Task

logger = logging.getLogger(__name__)

Sweep = Callable[[], Any]
_SWEEPS: dict[str, Sweep] = {}


def register_sweep(name: str, fn: Sweep) -> None:
    existing = _SWEEPS.get(name)
    if existing is not None and existing is not fn:
        raise ValueError(f"Sweep {name!r} is already registered")
    _SWEEPS[name] = fn


def sweeps() -> dict[str, Sweep]:
    return dict(sorted(_SWEEPS.items()))


def overdue_flag() -> int:
    """Mark active tasks whose deadline has passed, once each (``overdue_flagged_at``), and record
    the batch in the audit trail. Tasks already flagged are left alone, so a second run is a no-op."""
    now = clock.now()
    with transaction.atomic():
        due = Task.objects.select_for_update().filter(
            status__in=ACTIVE_STATUSES, due_at__lt=now, overdue_flagged_at__isnull=True
        )
        ids = list(due.values_list("pk", flat=True))
        if not ids:
            return 0
        flagged = Task.objects.filter(pk__in=ids, overdue_flagged_at__isnull=True).update(
            overdue_flagged_at=now
        )
        audit_record(
            actor=None,
            action=AuditAction.ALTERATION,
            verb="work.tasks_flagged_overdue",
            target_type="work.task",
            payload={"count": flagged, "task_ids": ids[:1000]},
        )
    return flagged


def sweeps_run_all() -> dict[str, Any]:
    """Run every registered sweep; one failing does not stop the others, but the run then raises
    so the job worker records the failure and retries."""
    results: dict[str, Any] = {}
    failures = []
    for name, fn in sweeps().items():
        try:
            with transaction.atomic():
                results[name] = fn()
        except Exception as exc:
            logger.exception("Sweep %s failed", name)
            failures.append(f"{name}: {exc}")
    if failures:
        raise RuntimeError("Sweeps failed: " + "; ".join(failures))
    return results
