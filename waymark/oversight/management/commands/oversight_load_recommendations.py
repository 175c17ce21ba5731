"""Load (or refresh) every recommendation of the five seeds into the tracker:
``manage.py oversight_load_recommendations``. Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from waymark.core.context import acting
from waymark.oversight import services


class Command(BaseCommand):
    help = "Load every recommendation of the five seed reports into the tracker (idempotent)"

    def handle(self, *args, **options):
        with acting("command"):
            counts = services.recommendations_seed(actor=None)
        self.stdout.write(
            f"Recommendations: {counts['created']} created, {counts['updated']} updated"
        )
