"""Run the audit log's sequencer: seal committed entries into signed batches, in order, forever
(or one pass with --once); on PostgreSQL it also keeps the monthly partitions ahead, hourly.
``make run`` and the production worker start it (docs/deployment.md)."""

from __future__ import annotations

import contextlib
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

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
        """Seal until SIGTERM. A database that goes away (a restart, a fail-over) is waited for,
        retrying at growing intervals up to ``rules.AUDIT_SEAL_RETRY_MAX``, and the sequencers'
        lock is taken again before sealing (it went with the old connection, so a standby may
        hold it now): the sequencer never ends on a database error. It ended on one until
        2026-12-07, when the lock was waited for with the database still away."""
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        def pause(seconds: float) -> None:  # a sleep SIGTERM cuts short
            deadline = time.monotonic() + seconds
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        sequencer = AuditSequencer()
        check_every = rules.AUDIT_PARTITION_CHECK_INTERVAL.total_seconds()
        partitions_checked = -check_every
        holding_lock = False
        retry = interval
        while not stopping:
            try:
                if not holding_lock:
                    self.stdout.write("Waiting for any other audit sequencer to stop...")
                    sequencer_lock_wait()
                    holding_lock = True
                    self.stdout.write("Audit sequencer running.")
                if time.monotonic() - partitions_checked >= check_every:
                    # PostgreSQL: this month's partition and the next ones in place (hourly).
                    audit_partitions_ensure()
                    partitions_checked = time.monotonic()
                result = sequencer.seal_pass()
            except DatabaseError as error:
                self.stderr.write(f"Sealing failed, retrying in {retry:.0f} s: {error}")
                holding_lock = False  # a session lock: gone if the connection is
                with contextlib.suppress(DatabaseError):
                    connection.close()  # the next statement opens a new one
                pause(retry)
                retry = min(retry * 2, rules.AUDIT_SEAL_RETRY_MAX.total_seconds())
                continue
            retry = interval
            if result.entries:
                self.stdout.write(
                    f"Sealed {result.entries} entries in {result.batches} batches "
                    f"(through #{result.sealed_through})."
                )
            if result.batches < sequencer.max_batches:
                pause(interval)
