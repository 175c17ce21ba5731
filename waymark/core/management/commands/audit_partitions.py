"""Make the audit table's coming monthly partitions now (PostgreSQL), and list them. The
sequencer does this hourly; this is for an operator, or a deployment's own schedule."""

from django.core.management.base import BaseCommand, CommandError

from waymark.core import rules
from waymark.core.audit_partitions import (
    audit_partitions_ensure,
    audit_partitions_list,
    default_partition_entries,
    partitioned,
)


class Command(BaseCommand):
    help = "Make this month's and the coming months' audit partitions if missing, and list them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=rules.AUDIT_PARTITION_MONTHS_AHEAD,
            help="Months after this one to have a partition for",
        )

    def handle(self, *args, **options):
        if not partitioned():
            self.stdout.write("The audit table is partitioned on PostgreSQL only: nothing to do.")
            return
        if options["months_ahead"] < 0:
            raise CommandError("--months-ahead must be 0 or more.")
        for name, outcome in audit_partitions_ensure(months_ahead=options["months_ahead"]):
            self.stdout.write(f"{name}: {outcome}")
        for partition in audit_partitions_list():
            self.stdout.write(f"  {partition.name} {partition.bounds}")
        held = default_partition_entries()
        if held:
            self.stdout.write(
                self.style.WARNING(
                    f"{held} entries are in the default partition (no month of theirs)."
                )
            )
