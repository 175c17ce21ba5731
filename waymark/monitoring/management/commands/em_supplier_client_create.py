"""Issue, or rotate, a monitoring supplier's signing secret (Standard Webhooks)."""

from __future__ import annotations

import base64
import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from waymark.accounts.services import machine_user_ensure, roles_sync
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.monitoring import rules
from waymark.monitoring.models import SupplierClient

ROTATION_OVERLAP = rules.SECRET_ROTATION_OVERLAP


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Command(BaseCommand):
    help = "Create a supplier client (or --rotate its secret); prints the secret once"

    def add_arguments(self, parser):
        parser.add_argument("client_id")
        parser.add_argument("--label", default="")
        parser.add_argument(
            "--rotate", action="store_true", help="New secret; the old one works for 7 days"
        )
        parser.add_argument(
            "--secret", default="", help="Use this secret (whsec_...) instead of a random one"
        )

    def handle(self, *args, client_id, label, rotate, secret, **options):
        secret = secret or new_secret()
        with transaction.atomic():
            client = SupplierClient.objects.select_for_update().filter(client_id=client_id).first()
            if client is not None and not rotate:
                raise CommandError(f"{client_id} exists: use --rotate to issue a new secret")
            if client is None:
                if rotate:
                    raise CommandError(f"No supplier client {client_id}")
                roles_sync()
                try:
                    user = machine_user_ensure(
                        username=f"supplier-{client_id}", label=label or client_id, role="supplier"
                    )
                except ValueError as error:
                    raise CommandError(str(error)) from error
                client = SupplierClient.objects.create(
                    client_id=client_id,
                    label=label or client_id,
                    machine_user=user,
                    secret=secret,
                    created_at=clock.now(),
                )
                verb = "em.supplier_client_created"
            else:
                client.previous_secret, client.secret = client.secret, secret
                client.previous_expires_at = clock.now() + ROTATION_OVERLAP
                client.save(update_fields=["previous_secret", "secret", "previous_expires_at"])
                verb = "em.supplier_secret_rotated"
            audit_record(
                actor=None,
                action=AuditAction.ALTERATION,
                verb=verb,
                target=client,
                payload={"new": {"client_id": client_id}},
            )
        self.stdout.write(f"Supplier client: {client_id}\nSecret (shown once): {secret}")
        if rotate:
            self.stdout.write(
                f"The previous secret works until {client.previous_expires_at:%Y-%m-%d %H:%M} UTC"
            )
