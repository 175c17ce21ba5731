import contextlib
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection

from waymark.work.tasks import sweeps_run

DEFAULT_INTERVAL_SECONDS = 300
# A database that went away (a restart, a fail-over) is tried again this often; the scheduler
# never ends on it (it did until 2026-12-07, so sweeps stopped until someone restarted it).
RETRY_SECONDS = 10


class Command(BaseCommand):
    help = "Enqueue the sweeps job every --interval seconds for db_worker to run (Ctrl-C stops)"

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL_SECONDS,
            help="Seconds between runs (default 300)",
        )
        parser.add_argument(
            "--iterations",
            type=int,
            default=0,
            help="Stop after this many enqueues (0: run until stopped)",
        )

    def handle(self, *args, interval: float, iterations: int, **options):
        count = 0
        try:
            while True:
                try:
                    result = sweeps_run.enqueue()
                except DatabaseError as error:
                    self.stderr.write(
                        f"Could not enqueue the sweeps job, retrying in {RETRY_SECONDS} s: {error}"
                    )
                    with contextlib.suppress(DatabaseError):
                        connection.close()  # the next enqueue opens a new one
                    time.sleep(min(interval, RETRY_SECONDS) if interval else RETRY_SECONDS)
                    continue
                count += 1
                self.stdout.write(f"Enqueued sweeps job {result.id}")
                if iterations and count >= iterations:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped")
