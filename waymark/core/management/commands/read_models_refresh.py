"""Rebuild the figures pages' read models (``core.read_models``): once, or with ``--loop`` every
``rules.READ_MODEL_REFRESH_INTERVAL`` (30 s) until stopped, so that a figures page normally finds
its rows fresh. ``make run`` and the production worker start it with ``--loop``."""

import time

from django.core.management.base import BaseCommand

from waymark.core import context, rules
from waymark.core.read_models import read_model_refresh, read_models, read_models_refresh_stale


class Command(BaseCommand):
    help = "Rebuild the figures pages' read models (once, or every 30 s with --loop)"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep them fresh until stopped")
        parser.add_argument(
            "--name", default="", help="Only this read model (e.g. monitoring.figures)"
        )

    def handle(self, *args, loop: bool, name: str, **options):
        if name and name not in read_models():
            self.stderr.write(f"No read model is called {name!r}: {', '.join(read_models())}")
            raise SystemExit(2)
        with context.acting("command"):
            if not loop:
                for each in [name] if name else list(read_models()):
                    state = read_model_refresh(each)
                    if state is None:
                        self.stdout.write(f"{each}: another rebuild is under way")
                    else:
                        self.stdout.write(f"{each}: {state.rows} rows in {state.refresh_ms} ms")
                return
            interval = rules.READ_MODEL_REFRESH_INTERVAL.total_seconds()
            try:
                while True:
                    done = read_models_refresh_stale()
                    if done:
                        self.stdout.write(f"Rebuilt {', '.join(done)}")
                    time.sleep(interval / 3)
            except KeyboardInterrupt:
                self.stdout.write("Read model refresh stopped")
