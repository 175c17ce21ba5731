"""Register a folder (or list) of .eml files, e.g. an export of one of the old shared mailboxes.

manage.py correspondence_import_eml exports/em-hub/ --mailbox em.hub@example.gov.uk

Folders are searched with their subfolders for ``.eml`` files and ``.mbox`` files (many messages
in one file, as Thunderbird, Apple Mail and Google Takeout export a mailbox); a file named on the
command line is read as an mbox if it starts with an mbox "From " line. Every other file in a
folder is listed as skipped, with why, so nothing is left out unseen. One message that cannot be
registered is reported and the import goes on with the next.

An mbox is read as a stream, one message in memory at a time; a message (or .eml file) larger than
``rules.MAX_MESSAGE_BYTES`` is reported as failed, saying why, without being read into memory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from waymark.core import context
from waymark.correspondence import rules
from waymark.correspondence.models import MatchStatus
from waymark.correspondence.parsing import mbox_messages, message_too_large
from waymark.correspondence.services import correspondence_register_eml

logger = logging.getLogger(__name__)

_MBOX_FROM_LINE = re.compile(rb"^From \S+ ")
_SKIPPED_QUIETLY = {".ds_store", "thumbs.db", "desktop.ini"}


def _is_mbox(path: Path) -> bool:
    if path.suffix.lower() == ".mbox" or path.name.lower() == "mbox":
        return True
    with path.open("rb") as handle:
        return bool(_MBOX_FROM_LINE.match(handle.readline(1024)))  # not a whole huge line


def _skip_reason(path: Path) -> str:
    if path.suffix.lower() == ".msg":
        return "an Outlook .msg file, not .eml: export the messages from Outlook as .eml or .mbox"
    return "not an .eml or .mbox file"


def _messages(path: Path) -> Iterator[tuple[str, bytes | None, int]]:
    """(label, bytes, size) for each message in the file; bytes None when it is too large."""
    if not _is_mbox(path):
        size = path.stat().st_size
        yield str(path), path.read_bytes() if size <= rules.MAX_MESSAGE_BYTES else None, size
        return
    with path.open("rb") as handle:
        for message in mbox_messages(handle, limit=rules.MAX_MESSAGE_BYTES):
            yield f"{path} message {message.number}", message.raw, message.size


class Command(BaseCommand):
    help = (
        "Register .eml (and .mbox) files as correspondence; reports registered, duplicates, "
        "match needed, failed and skipped files."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help=".eml or .mbox files, or folders of them")
        parser.add_argument("--mailbox", required=True, help="The address the messages arrived at")

    def handle(self, *args, paths, mailbox, **options):
        files: list[Path] = []
        skipped: list[tuple[Path, str]] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                for found in sorted(p for p in path.rglob("*") if p.is_file()):
                    if found.suffix.lower() in {".eml", ".mbox"} or found.name.lower() == "mbox":
                        files.append(found)
                    elif found.name.lower() not in _SKIPPED_QUIETLY:
                        skipped.append((found, _skip_reason(found)))
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"No such file or folder: {path}")
        counts = {"messages": 0, "registered": 0, "duplicates": 0, "match_needed": 0, "failed": 0}
        with context.acting("command", client_label="correspondence_import_eml"):
            for path in files:
                for label, raw_message, size in self._read(path, counts):
                    self._register(label, raw_message, size, mailbox, counts)
        for path, reason in skipped:
            self.stderr.write(f"{path}: skipped, {reason}")
        messages = f" ({counts['messages']} messages)" if counts["messages"] != len(files) else ""
        self.stdout.write(
            f"{len(files)} files{messages}: "
            f"{counts['registered']} registered, {counts['duplicates']} duplicates, "
            f"{counts['match_needed']} match needed, {counts['failed']} failed"
            + (f"; {len(skipped)} other files skipped" if skipped else "")
        )

    def _read(self, path: Path, counts) -> Iterator[tuple[str, bytes | None, int]]:
        try:
            yield from _messages(path)
        except OSError as exc:
            counts["messages"] += 1
            counts["failed"] += 1
            self.stderr.write(f"{path}: could not be read ({exc})")

    def _register(self, label: str, raw: bytes | None, size: int, mailbox: str, counts) -> None:
        counts["messages"] += 1
        if raw is None:
            counts["failed"] += 1
            self.stderr.write(f"{label}: {message_too_large(size)}")
            return
        notes: list[str] = []
        try:
            item, created = correspondence_register_eml(
                actor=None, raw=raw, mailbox=mailbox, notes=notes
            )
        except ValidationError as exc:
            counts["failed"] += 1
            self.stderr.write(f"{label}: {'; '.join(exc.messages)}")
            return
        except Exception as exc:  # one bad message must not stop a mailbox's migration
            logger.exception("correspondence_import_eml: a message could not be registered")
            counts["failed"] += 1
            self.stderr.write(
                f"{label}: not registered, an unexpected error ({type(exc).__name__}); "
                "the traceback is in the log"
            )
            return
        for note in notes:
            self.stderr.write(f"{label}: {note}")
        if not created:
            counts["duplicates"] += 1
            return
        counts["registered"] += 1
        if item.match_status == MatchStatus.MATCH_NEEDED:
            counts["match_needed"] += 1
