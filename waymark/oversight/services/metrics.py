"""Writes for the metric registry (issue 20 item 3; oversight.md §6 "One definition per figure"):
the daily snapshot of every registered figure, so that a figure can be shown "as at" a past date.

The figures are defined and computed by the modules that register them (``waymark.core.metrics``);
oversight only stores what they were. A snapshot is taken once a day per figure (the first run of
the ``oversight.metrics_snapshot`` sweep that day) and never changed afterwards.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.metrics import Metric, metrics
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.oversight import permissions as perms
from waymark.oversight.models import MetricSnapshot

logger = logging.getLogger(__name__)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool | int | float | Decimal):
        return float(value)
    raise TypeError(f"a figure's value must be a number or None, not {type(value).__name__}")


def metrics_snapshot_take(*, actor: Actor, day: date | None = None) -> dict[str, int]:
    """Snapshot every registered figure not yet snapshotted on ``day`` (today by default).

    Idempotent: a figure already snapshotted that day is left as it is. A figure whose computation
    fails is logged and left out (the others are still taken) and counted under ``failed``; the
    next run tries it again. Returns ``{"taken": n, "already": n, "failed": n}``."""
    if actor is not None and not actor.has_perm(perms.EXPORT_METRICS):
        raise PermissionDenied("You cannot take snapshots of the figures")
    day = day or clock.today()
    registered: dict[str, Metric] = metrics()
    with transaction.atomic():
        already = set(
            MetricSnapshot.objects.filter(day=day, metric_key__in=list(registered)).values_list(
                "metric_key", flat=True
            )
        )
        rows, failed = [], []
        now = clock.now()
        for key, metric in registered.items():
            if key in already:
                continue
            try:
                with transaction.atomic():  # a failing query must not abort the others
                    value = _number(metric.value())
                    as_of = metric.value_as_of()
            except Exception:
                logger.exception("Snapshot of the figure %s failed", key)
                failed.append(key)
                continue
            rows.append(
                MetricSnapshot(
                    metric_key=key,
                    day=day,
                    value=value,
                    name=metric.name,
                    definition=metric.definition,
                    unit=metric.unit,
                    module=metric.module,
                    as_of=as_of,
                    taken_at=now,
                )
            )
        MetricSnapshot.objects.bulk_create(rows)
        if rows or failed:
            audit_record(
                actor=actor,
                action=AuditAction.COLLECTION,
                verb="oversight.metrics_snapshot_taken",
                payload={
                    "day": day.isoformat(),
                    "taken": [r.metric_key for r in rows],
                    "failed": failed,
                },
            )
    return {"taken": len(rows), "already": len(already), "failed": len(failed)}


def metrics_snapshot_sweep() -> int:
    """The ``oversight.metrics_snapshot`` sweep: today's snapshot of every figure, once."""
    return metrics_snapshot_take(actor=None)["taken"]
