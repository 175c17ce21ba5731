import time

from django.core.management.base import BaseCommand

from waymark.work.tasks import sweeps_run

DEFAULT_INTERVAL_SECONDS = 300


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
                result = sweeps_run.enqueue()
                count += 1
                self.stdout.write(f"Enqueued sweeps job {result.id}")
                if iterations and count >= iterations:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped")
