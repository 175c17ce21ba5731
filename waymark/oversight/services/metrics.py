"""Writes for the metric registry (issue 20 item 3; oversight.md §6 "One definition per figure"):
the daily snapshot of every registered figure, so that a figure can be shown "as at" a past date.

The figures are defined and computed by the modules that register them (``waymark.core.metrics``);
oversight only stores what they were. A snapshot is taken once a day per figure (the first run of
the ``oversight.metrics_snapshot`` sweep that day) and never changed afterwards. A figure that can
be split by team is taken for everyone and for each active team, in the same run.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.metrics import Metric, batch, metrics
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
    """Snapshot every registered figure not yet snapshotted on ``day`` (today by default): its
    value for everyone and, for a figure that can be split by team, for each active team.

    Idempotent: a figure already snapshotted that day is left as it is. A figure whose computation
    fails (for everyone or for any team) is logged and left out (the others are still taken) and
    counted under ``failed``; the next run tries it again. Returns ``{"taken": n, "already": n,
    "failed": n, "team_values": n}`` (figures taken, already there, failed; team rows written)."""
    if actor is not None and not actor.has_perm(perms.EXPORT_METRICS):
        raise PermissionDenied("You cannot take snapshots of the figures")
    day = day or clock.today()
    registered: dict[str, Metric] = metrics()
    teams = list(Team.objects.filter(is_active=True).order_by("pk"))
    with transaction.atomic(), batch():
        already = set(
            MetricSnapshot.objects.filter(
                day=day, metric_key__in=list(registered), team__isnull=True
            ).values_list("metric_key", flat=True)
        )
        rows: list[MetricSnapshot] = []
        taken: list[str] = []
        failed: list[str] = []
        now = clock.now()
        for key, metric in registered.items():
            if key in already:
                continue
            try:
                with transaction.atomic():  # a failing query must not abort the others
                    values: list[tuple[Team | None, float | None]] = [
                        (None, _number(metric.value()))
                    ]
                    if metric.by_team:
                        values += [(team, _number(metric.value(team))) for team in teams]
                    as_of = metric.value_as_of()
            except Exception:
                logger.exception("Snapshot of the figure %s failed", key)
                failed.append(key)
                continue
            taken.append(key)
            rows.extend(
                MetricSnapshot(
                    metric_key=key,
                    day=day,
                    team=team,
                    value=value,
                    name=metric.name,
                    definition=metric.definition,
                    unit=metric.unit,
                    module=metric.module,
                    as_of=as_of,
                    taken_at=now,
                )
                for team, value in values
            )
        MetricSnapshot.objects.bulk_create(rows)
        team_values = sum(1 for r in rows if r.team is not None)
        if rows or failed:
            audit_record(
                actor=actor,
                action=AuditAction.COLLECTION,
                verb="oversight.metrics_snapshot_taken",
                payload={
                    "day": day.isoformat(),
                    "taken": taken,
                    "failed": failed,
                    "team_values": team_values,
                },
            )
    return {
        "taken": len(taken),
        "already": len(already),
        "failed": len(failed),
        "team_values": team_values,
    }


def metrics_snapshot_sweep() -> int:
    """The ``oversight.metrics_snapshot`` sweep: today's snapshot of every figure, once."""
    return metrics_snapshot_take(actor=None)["taken"]
