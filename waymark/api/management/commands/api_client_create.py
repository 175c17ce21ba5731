"""Issue a credential for a machine client and print it once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from waymark.accounts.models import User
from waymark.api import rules, services
from waymark.core import context


class Command(BaseCommand):
    help = "Issue an API credential for a machine service user; the secret is printed once."

    def add_arguments(self, parser):
        parser.add_argument(
            "username", help="The machine service user (is_machine) the client acts as"
        )
        parser.add_argument(
            "--label", required=True, help="Who the client is, e.g. 'Monitoring supplier'"
        )
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            dest="scopes",
            help=f"Repeat for each scope: {', '.join(rules.SCOPES)}",
        )

    def handle(self, *args, username, label, scopes, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}")
        try:
            with context.acting("command"):
                issued = services.credential_issue(
                    actor=None, user=user, label=label, scopes=scopes
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"Client {issued.credential.client_id} for {label} (scopes: {', '.join(issued.credential.scopes)})"
        )
        self.stdout.write("Send this header; the secret is not stored and will not be shown again:")
        self.stdout.write(f"Authorization: Bearer {issued.token}")
