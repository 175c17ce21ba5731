"""A long job's progress, saved for the page that follows it (issue 16, problem 13).

A linkage run and a bulk check go through named steps (``rules.RUN_STEPS``,
``rules.BULK_CHECK_STEPS``), each given a span of ``rules.PROGRESS_SCALE``: its share of the job,
from an earlier job's timings where there is one. ``step_start`` saves the step the job is on
and how far into it it has got; the page draws the bar from it and ``core.progress.time_left``
turns it into an estimate of the time left.

``ProgressWriter`` saves progress while the job's own transaction is open: on PostgreSQL through a
second, autocommit connection, so the page moves before the job commits. The job's transaction
must not lock the job's row until its last statement (rows it inserts that point at the job take
only a key-share lock, which an update of the job's other columns does not wait for), or the two
would wait on each other. On SQLite, and inside a test's transaction, it saves nothing: one writer
holds the whole database, so the page shows the step until the job finishes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from waymark.linkage import rules

logger = logging.getLogger(__name__)

Steps = Sequence[tuple[str, str, int]]


def step_spans(
    steps: Steps, timings: Mapping[str, Any] | None = None
) -> dict[str, tuple[int, int]]:
    """Each step's (start, end) on ``rules.PROGRESS_SCALE``: weighed by ``timings`` (seconds per
    step, from an earlier job) when they time every step, else by the steps' own shares."""
    timed = [float((timings or {}).get(key) or 0) for key, _label, _share in steps]
    weights = timed if all(t > 0 for t in timed) else [float(share) for *_, share in steps]
    total = sum(weights)
    spans: dict[str, tuple[int, int]] = {}
    so_far = 0.0
    for (key, _label, _share), weight in zip(steps, weights, strict=True):
        start = round(so_far / total * rules.PROGRESS_SCALE)
        so_far += weight
        spans[key] = (start, round(so_far / total * rules.PROGRESS_SCALE))
    return spans


def step_label(steps: Steps, key: str) -> str:
    return next(label for k, label, _share in steps if k == key)


def step_progress(span: tuple[int, int], done: int = 0, total: int = 0) -> int:
    """How far into the job ``done`` of ``total`` items of the step with ``span`` is."""
    start, end = span
    return start + (end - start) * min(done, total) // total if total else start


def step_start(
    model: type[models.Model],
    pk: int,
    *,
    steps: Steps,
    spans: Mapping[str, tuple[int, int]],
    key: str,
) -> None:
    """The job starts step ``key``: saved at once (the caller is outside any transaction)."""
    model._default_manager.filter(pk=pk).update(
        phase=step_label(steps, key),
        progress_done=step_progress(spans[key]),
        progress_total=rules.PROGRESS_SCALE,
    )


class ProgressWriter:
    """Saves ``progress_done`` (and the phase) of one job while its transaction is open (module
    docstring)."""

    def __init__(self, model: type[models.Model], pk: int):
        self.table = model._meta.db_table
        self.what = f"{model._meta.verbose_name} {pk}"
        self.pk = pk
        self.side = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def save(self, done: int, phase: str | None = None) -> None:
        if self.side is None:
            return
        columns: dict[str, int | str] = {"progress_done": done}
        if phase is not None:
            columns["phase"] = phase
        assignments = ", ".join(f"{column} = %s" for column in columns)
        try:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {self.table} SET {assignments} WHERE id = %s",  # noqa: S608
                    [*columns.values(), self.pk],
                )
        except Exception:  # progress is a courtesy: never fail a job over it
            logger.warning("Could not save the progress of %s", self.what, exc_info=True)
            self.close()

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None
