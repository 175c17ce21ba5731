"""Verify the audit log up to the last signed checkpoint; name the first bad entry or range."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from waymark.core import context
from waymark.core.audit import audit_verify

UNANCHORED_EXIT = 2


class Command(BaseCommand):
    help = (
        "Check every sealed audit entry against its batch, the batches' chain and the signed "
        "checkpoints; exit 1 naming the first bad entry or range, 2 if a sealed range has no "
        "signed checkpoint (the checkpoint store missing or behind)."
    )

    def handle(self, *args, **options):
        with context.acting("command"):
            try:
                result = audit_verify()
            except ImproperlyConfigured as error:  # no keyring, or one that cannot be read
                raise CommandError(f"Cannot verify the audit log: {error}") from error
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
