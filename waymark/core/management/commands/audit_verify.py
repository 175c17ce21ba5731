"""Verify the audit log up to the last signed checkpoint; name the first bad entry or range."""

from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from waymark.core import clock, context
from waymark.core.audit import audit_verify
from waymark.core.audit_verification import audit_verification_record

UNANCHORED_EXIT = 2


class Command(BaseCommand):
    help = (
        "Check every sealed audit entry against its batch, the batches' chain and the signed "
        "checkpoints; exit 1 naming the first bad entry or range, 2 if a sealed range has no "
        "signed checkpoint (the checkpoint store missing or behind)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            metavar="DATE",
            help=(
                "Verify only what was sealed after the newest signed checkpoint published before "
                "DATE (YYYY-MM-DD, UTC midnight, or a date and time with its offset): a daily run "
                "reads a day's entries. Run without it from time to time for the whole log."
            ),
        )

    def handle(self, *args, **options):
        since = _since(options.get("since"))
        started_at = clock.now()
        with context.acting("command"):
            try:
                result = audit_verify(since=since)
            except ImproperlyConfigured as error:  # no keyring, or one that cannot be read
                audit_verification_record(
                    None, since=since, started_at=started_at, problem=f"cannot verify: {error}"
                )
                raise CommandError(f"Cannot verify the audit log: {error}") from error
            audit_verification_record(result, since=since, started_at=started_at)
        if not result.ok:
            where = (
                f"entry #{result.first_broken_sequence}"
                if result.first_broken_sequence is not None
                else "entries #{}-#{}".format(*result.first_bad_range)
                if result.first_bad_range
                else "the checkpoint store"
            )
            raise CommandError(
                f"Audit log broken at {where}: {result.problem}. "
                f"{result.checked} entries before it verified."
            )
        if result.checked_from > 1:
            self.stdout.write(
                f"From entry #{result.checked_from}: entries #1-#{result.checked_from - 1} are "
                "anchored by the signed checkpoint this run started from and were not read again."
            )
        self.stdout.write(
            f"{result.checked} entries verified in {result.batches} sealed batches (through "
            f"#{result.sealed_through}); {result.checkpoints} signed checkpoints; "
            f"{result.unsealed} entries not sealed yet."
        )
        if result.unanchored:
            first, last = result.unanchored[0]
            store = result.checkpoint_store or "the checkpoint store (missing)"
            raise CommandError(
                f"Entries #{first}-#{last} are sealed but unanchored: no signed checkpoint in "
                f"{store} covers them, so a re-hash of them could not be detected.",
                returncode=UNANCHORED_EXIT,
            )
        if result.sealed_through == 0:
            self.stdout.write(self.style.SUCCESS("Nothing sealed yet: nothing to verify."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit log intact through #{result.anchored_through} (anchored by a signed "
                "checkpoint)."
            )
        )


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        when = None
    if when is None or (when.tzinfo is None and len(text.strip()) > 10):
        raise CommandError(
            f"--since {text!r} is not a date (2026-12-01) or a date and time with its offset "
            "(2026-12-01T09:00:00+00:00)"
        )
    return when if when.tzinfo else when.replace(tzinfo=UTC)
