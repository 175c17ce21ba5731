"""Replay a monitoring supplier's archive of breach notifications (000 §5.13: breach reports
"archived unprocessed").

manage.py em_archive_replay archive.csv --user hub.manager [--client-label archive] [--dry-run]
    [--report rejected.csv]

Each breach is applied with the same outcome as if it had arrived through the supplier's API (the
same breach, work, ladder step, timeline and audit entries: ``services.breach_archive_replay``),
in chunks of ``rules.ARCHIVE_REPLAY_CHUNK_ROWS`` rows, each its own transaction, with progress
printed. An event id already stored for the client label is skipped, so the command can be run
again after it stopped. Every row that cannot be read or that the rules refuse is reported with
its line and why (``--report`` writes them as CSV). ``--user`` names the member of staff who runs
it, in the audit trail; they must be allowed to manage the supplier integration. ``--dry-run``
replays everything in one transaction and rolls it back: the counts, and nothing stored.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from waymark.core import context
from waymark.core.exports import csv_file_write
from waymark.monitoring import rules, services
from waymark.monitoring.archive_file import ArchiveRefused, ArchiveRow, archive_read
from waymark.monitoring.permissions import MANAGE_SUPPLIER


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Replay a supplier's archive of breach notifications (CSV or JSON) as if each had arrived"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive: CSV with a header row, JSON or JSON Lines")
        parser.add_argument(
            "--user", required=True, help="Your username (named in the audit trail)"
        )
        parser.add_argument(
            "--client-label",
            default="archive",
            help="The supplier client the events are stored under (default: archive)",
        )
        parser.add_argument("--dry-run", action="store_true", help="Replay, then roll back")
        parser.add_argument("--report", default="", help="Write the refused rows to this CSV file")

    def handle(self, *args, path, user, client_label, dry_run, report, **options):
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {user!r}")
        if not actor.has_perm(MANAGE_SUPPLIER):
            raise CommandError(f"{user} may not manage the supplier integration")
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        try:
            entries = archive_read(source.read_bytes())
        except ArchiveRefused as error:
            raise CommandError(f"{source}: {error}") from error
        refused = [(entry, entry.errors) for entry in entries if entry.row is None]
        readable = [entry for entry in entries if entry.row is not None]
        totals = {"stored": 0, "skipped": 0, "rejected": 0, "work_items": 0}
        with context.acting("command", client_label="em_archive_replay"):
            if dry_run:
                try:
                    with transaction.atomic():
                        self._replay(readable, client_label, actor, totals, refused)
                        raise _DryRun
                except _DryRun:
                    pass
            else:  # each chunk commits on its own: a run stopped half way is resumed by rerunning
                self._replay(readable, client_label, actor, totals, refused)
        self._report(refused, report)
        self.stdout.write(
            ("Dry run, nothing stored: " if dry_run else "")
            + f"{len(entries):,} rows: {totals['stored']:,} stored, "
            f"{totals['skipped']:,} skipped (already stored), "
            f"{totals['rejected'] + len(entries) - len(readable):,} refused; "
            f"{totals['work_items']:,} work items raised"
        )

    def _replay(self, readable, client_label, actor, totals, refused) -> None:
        size = max(1, rules.ARCHIVE_REPLAY_CHUNK_ROWS)
        for start in range(0, len(readable), size):
            chunk: list[ArchiveRow] = readable[start : start + size]
            why: dict[int, dict[str, str]] = {}
            result = services.breach_archive_replay(
                rows=[entry.row for entry in chunk if entry.row is not None],
                client_label=client_label,
                actor=actor,
                refusals=why,
            )
            for key in totals:
                totals[key] += result[key]
            refused.extend((chunk[index], errors) for index, errors in sorted(why.items()))
            self.stdout.write(
                f"rows {chunk[0].line:,} to {chunk[-1].line:,}: {result['stored']:,} stored, "
                f"{result['skipped']:,} skipped, {result['rejected']:,} refused"
            )

    def _report(self, refused: list[tuple[ArchiveRow, dict[str, str]]], report: str) -> None:
        refused.sort(key=lambda pair: pair[0].line)
        for entry, errors in refused:
            reasons = "; ".join(f"{k}: {v}" if k else v for k, v in errors.items())
            self.stderr.write(f"line {entry.line} ({entry.event_id or 'no event id'}): {reasons}")
        if report:
            csv_file_write(
                Path(report),
                ["line", "event_id", "field", "reason"],
                (
                    [entry.line, entry.event_id, name, reason]
                    for entry, errors in refused
                    for name, reason in errors.items()
                ),
            )
