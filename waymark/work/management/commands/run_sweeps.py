from django.core.management.base import BaseCommand

from waymark.core import context
from waymark.work.sweeps import sweeps_run_all


class Command(BaseCommand):
    help = "Run every registered sweep once (each is idempotent)"

    def handle(self, *args, **options):
        with context.acting("command"):
            results = sweeps_run_all()
        for name, result in results.items():
            self.stdout.write(f"{name}: {result}")
