"""Running test workers at the same moment on real threads (PostgreSQL concurrency tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from django.db import connections

from waymark.core import clock


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
