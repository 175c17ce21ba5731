"""Verify the audit trail's hash chain and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from waymark.core import context
from waymark.core.audit import audit_verify


class Command(BaseCommand):
    help = "Check every audit entry's hash chain; exit 1 and name the first broken entry if any."

    def handle(self, *args, **options):
        with context.acting("command"):
            result = audit_verify()
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {result.checked} entries verified.")
            )
            return
        raise CommandError(
            f"Audit chain broken at entry #{result.first_broken_sequence}: {result.problem}. "
            f"{result.checked} entries before it verified."
        )
