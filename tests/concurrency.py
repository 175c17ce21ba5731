"""Running test workers at the same moment on real threads (PostgreSQL concurrency tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

import pytest
from django.db import connection, connections

from waymark.core import clock

PAUSE = 0.4  # seconds between a writer's audit entry and its commit (``pause_after``)

# The marks of a test of two writers at once: PostgreSQL only (SQLite has one writer at a time),
# each thread on its own connection, so the test's data must be committed.
WRITERS_AT_ONCE = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"
    ),
    pytest.mark.django_db(transaction=True),
]


def pause_after(monkeypatch, module, name: str, seconds: float = PAUSE) -> None:
    """Sleep for ``seconds`` after ``module.<name>`` returns (a service's audit call), inside the
    writer's transaction: two writers started together then overlap every time, so a check made
    without a lock lets both through on every run, not now and then."""
    original = getattr(module, name)

    def paused(*args, **kwargs):
        found = original(*args, **kwargs)
        time.sleep(seconds)
        return found

    monkeypatch.setattr(module, name, paused)


def run_at_once(workers: list[Callable[[], object]], *, at: datetime) -> list[str]:
    """Start every worker together (a barrier), each on its own thread and database connection,
    with the clock frozen at ``at``; return the errors they raised (a thread must not die silently)."""
    errors: list[str] = []
    connections.close_all()
    barrier = threading.Barrier(len(workers))

    def wrap(fn):
        try:
            barrier.wait()
            with clock.frozen(at):
                fn()
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
