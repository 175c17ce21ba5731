"""Register a folder (or list) of .eml files, e.g. an export of one of the old shared mailboxes.

manage.py correspondence_import_eml exports/em-hub/ --mailbox em.hub@example.gov.uk
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from waymark.core import context
from waymark.correspondence.models import MatchStatus
from waymark.correspondence.services import correspondence_register_eml


class Command(BaseCommand):
    help = "Register .eml files as correspondence; reports registered, duplicates and match needed."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help=".eml files or folders of them")
        parser.add_argument("--mailbox", required=True, help="The address the messages arrived at")

    def handle(self, *args, paths, mailbox, **options):
        files: list[Path] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files.extend(
                    sorted(p for p in path.rglob("*") if p.suffix.lower() == ".eml" and p.is_file())
                )
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"No such file or folder: {path}")
        counts = {"registered": 0, "duplicates": 0, "match_needed": 0, "failed": 0}
        with context.acting("command", client_label="correspondence_import_eml"):
            for path in files:
                try:
                    item, created = correspondence_register_eml(
                        actor=None, raw=path.read_bytes(), mailbox=mailbox
                    )
                except ValidationError as exc:
                    counts["failed"] += 1
                    self.stderr.write(f"{path}: {'; '.join(exc.messages)}")
                    continue
                if not created:
                    counts["duplicates"] += 1
                    continue
                counts["registered"] += 1
                if item.match_status == MatchStatus.MATCH_NEEDED:
                    counts["match_needed"] += 1
        self.stdout.write(
            f"{len(files)} files: {counts['registered']} registered, {counts['duplicates']} duplicates, "
            f"{counts['match_needed']} match needed, {counts['failed']} failed"
        )
