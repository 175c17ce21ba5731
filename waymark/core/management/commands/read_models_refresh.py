"""Rebuild the figures pages' read models (``core.read_models``): once, or with ``--loop`` until
stopped, so that a figures page normally finds its rows fresh. ``make run`` and the production
worker start it with ``--loop``.

With ``--loop`` on PostgreSQL each read model has its own thread (and database connection), which
looks at its rows' age every ``rules.READ_MODEL_REFRESH_POLL`` and rebuilds when ``read_model_due`` says so
(every ``READ_MODEL_REFRESH_INTERVAL``, sooner when the last rebuild took long). One loop for all
of them in turn let a slow read model's rebuild (the casework figures take about 20 s at x10) hold
back every other's, whose rows then passed the 60 seconds."""

import logging
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection, connections

from waymark.core import context, rules
from waymark.core.read_models import read_model_refresh, read_models, read_models_refresh_stale

logger = logging.getLogger("waymark.core")


def refresh_loop(names: list[str], stop: threading.Event, report=None) -> None:
    """Keep ``names`` fresh until ``stop`` is set (one thread's work). A failed rebuild is logged
    and tried again after ``READ_MODEL_REFRESH_INTERVAL``; it never ends the loop."""
    poll = rules.READ_MODEL_REFRESH_POLL.total_seconds()
    own_thread = threading.current_thread() is not threading.main_thread()
    try:
        with context.acting("command"):
            while not stop.is_set():
                if own_thread:
                    close_old_connections()  # a connection the database dropped is reopened
                try:
                    done = read_models_refresh_stale(names=names)
                except Exception:
                    logger.exception("Rebuilding %s failed; trying again", ", ".join(names))
                    stop.wait(rules.READ_MODEL_REFRESH_INTERVAL.total_seconds())
                    continue
                if report is not None:
                    for name, rows in done.items():
                        report(name, rows)
                stop.wait(poll)
    finally:
        if own_thread:
            connections.close_all()  # this thread's own connections


class Command(BaseCommand):
    help = "Rebuild the figures pages' read models (once, or keep them fresh with --loop)"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep them fresh until stopped")
        parser.add_argument(
            "--name", default="", help="Only this read model (e.g. monitoring.figures)"
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Rebuild whole even a read model that can rewrite only what changed",
        )

    def handle(self, *args, loop: bool, name: str, full: bool = False, **options):
        if name and name not in read_models():
            self.stderr.write(f"No read model is called {name!r}: {', '.join(read_models())}")
            raise SystemExit(2)
        names = [name] if name else list(read_models())
        if full and loop:
            self.stderr.write("--full rebuilds once; the loop rebuilds whole on its own schedule")
            raise SystemExit(2)
        if not loop:
            with context.acting("command"):
                for each in names:
                    state = read_model_refresh(each, full=full)
                    if state is None:
                        self.stdout.write(f"{each}: another rebuild is under way")
                    else:
                        self.stdout.write(f"{each}: {state.rows} rows in {state.refresh_ms} ms")
            return
        stop = threading.Event()

        def report(each: str, rows: int | None) -> None:
            self.stdout.write(f"Rebuilt {each}" + ("" if rows is None else f" ({rows} rows)"))

        # PostgreSQL: a thread (and connection) a read model. SQLite (one machine, a demo's
        # volumes) takes one writer at a time: one thread for them all.
        groups = [[each] for each in names] if connection.vendor == "postgresql" else [names]
        threads = [
            threading.Thread(
                target=refresh_loop, args=(group, stop, report), name=",".join(group), daemon=True
            )
            for group in groups
        ]
        for thread in threads:
            thread.start()
        try:
            while any(thread.is_alive() for thread in threads):
                for thread in threads:
                    thread.join(timeout=1)
        except KeyboardInterrupt:
            stop.set()
            for thread in threads:
                thread.join(timeout=5)
            self.stdout.write("Read model refresh stopped")
