"""Run the audit log's sequencer: seal committed entries into signed batches, in order, forever
(or one pass with --once); on PostgreSQL it also keeps the monthly partitions ahead, hourly.
``make run`` and the production worker start it (docs/deployment.md)."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from waymark.core import context, rules
from waymark.core.audit_checkpoints import signing_key_refusal
from waymark.core.audit_partitions import audit_partitions_ensure
from waymark.core.audit_sequencer import AuditSequencer, audit_seal_once, sequencer_lock_wait


class Command(BaseCommand):
    help = "Seal committed audit entries into batches and publish signed checkpoints (a loop)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=rules.AUDIT_SEAL_INTERVAL.total_seconds(),
            help="Seconds between passes when there was nothing to seal",
        )

    def handle(self, *args, **options):
        refusal = signing_key_refusal()
        if refusal:  # a rotation half done: refuse now rather than sign what will not verify
            raise CommandError(refusal)
        with context.acting("command"):
            if options["once"]:
                result = audit_seal_once()
                self.stdout.write(
                    f"Sealed {result.entries} entries in {result.batches} batches "
                    f"(through #{result.sealed_through})."
                )
                return
            self._loop(options["interval"])

    def _loop(self, interval: float) -> None:
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("Waiting for any other audit sequencer to stop...")
        sequencer_lock_wait()
        self.stdout.write("Audit sequencer running.")
        sequencer = AuditSequencer()
        check_every = rules.AUDIT_PARTITION_CHECK_INTERVAL.total_seconds()
        partitions_checked = -check_every
        while not stopping:
            if time.monotonic() - partitions_checked >= check_every:
                # PostgreSQL: this month's partition and the next ones in place (hourly).
                audit_partitions_ensure()
                partitions_checked = time.monotonic()
            try:
                result = sequencer.seal_pass()
            except DatabaseError as error:
                self.stderr.write(f"Sealing failed, retrying: {error}")
                close_old_connections()
                time.sleep(interval)
                sequencer_lock_wait()
                continue
            if result.entries:
                self.stdout.write(
                    f"Sealed {result.entries} entries in {result.batches} batches "
                    f"(through #{result.sealed_through})."
                )
            if result.batches < sequencer.max_batches:
                time.sleep(interval)
