"""What the audit log's sealing page shows (issue 17: "sealing lag ... shown on the health check
and an admin page"): cheap reads only, no verification (``audit_verify`` reads every entry; this
reads the newest batches, one checkpoint file and a few counts). No personal data: numbers, times
and hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Max

from waymark.core import rules
from waymark.core.audit_checkpoints import (
    LatestCheckpoint,
    TrustedKey,
    checkpoint_latest,
    keyring_file,
    store_dir,
    verification_keys,
)
from waymark.core.audit_partitions import audit_partitions_list, default_partition_entries
from waymark.core.audit_sequencer import audit_sealing_lag
from waymark.core.audit_verification import audit_verification_latest
from waymark.core.models import AuditBatch, AuditEvent, AuditVerificationRun

RECENT_BATCHES = 10
WAITING_COUNTED_UP_TO = 100_000  # past this the page says "more than"; a count costs a scan


@dataclass(frozen=True)
class SealingStatus:
    sealed_through: int
    waiting: int  # entries committed and not sealed, counted up to WAITING_COUNTED_UP_TO
    waiting_more: bool  # more than that
    lag: timedelta  # the oldest waiting entry's age
    healthy: bool  # the health check's verdict: lag within AUDIT_SEALING_LAG_ALARM
    within_target: bool  # lag within AUDIT_SEALING_LAG_TARGET
    batches: list[AuditBatch]
    latest: LatestCheckpoint
    store: str
    unanchored: tuple[int, int] | None  # sealed entries the newest checkpoint does not cover
    partitions: int  # PostgreSQL: monthly partitions (0 on SQLite)
    in_default_partition: int
    app_owns_audit_table: bool  # PostgreSQL: this connection's role owns the table (it should not)
    keys: list[TrustedKey]  # the keys checkpoints are checked with (the keyring)
    keyring: str  # its file, or "" when the signing key's public half is used
    keys_problem: str  # why no key can be read here ("" if they can)
    verified: AuditVerificationRun | None  # the newest audit_verify run
    verified_whole: AuditVerificationRun | None  # the newest run over the whole log

    @property
    def checkpoint_published_at(self) -> datetime | None:
        if self.latest.checkpoint is None:
            return None
        return datetime.fromisoformat(self.latest.checkpoint.published_at)


def audit_sealing_status() -> SealingStatus:
    sealed_through = AuditBatch.objects.aggregate(top=Max("last_sequence"))["top"] or 0
    waiting = (
        AuditEvent.objects.filter(sequence__gt=sealed_through)
        .order_by()
        .values("sequence")[: WAITING_COUNTED_UP_TO + 1]
        .count()
    )
    lag = audit_sealing_lag()
    latest = checkpoint_latest()
    anchored = latest.checkpoint.last_sequence if latest.checkpoint else 0
    partitions = [p for p in audit_partitions_list() if p.bounds != "DEFAULT"]
    try:
        keys, keys_problem = list(verification_keys().values()), ""
    except ImproperlyConfigured as error:
        keys, keys_problem = [], str(error)
    verified, verified_whole = audit_verification_latest()
    return SealingStatus(
        sealed_through=sealed_through,
        waiting=min(waiting, WAITING_COUNTED_UP_TO),
        waiting_more=waiting > WAITING_COUNTED_UP_TO,
        lag=lag,
        healthy=lag <= rules.AUDIT_SEALING_LAG_ALARM,
        within_target=lag <= rules.AUDIT_SEALING_LAG_TARGET,
        batches=list(AuditBatch.objects.order_by("-number")[:RECENT_BATCHES]),
        latest=latest,
        store=str(store_dir()),
        unanchored=(anchored + 1, sealed_through) if sealed_through > anchored else None,
        partitions=len(partitions),
        in_default_partition=default_partition_entries(),
        app_owns_audit_table=_connected_as_owner(),
        keys=keys,
        keyring=keyring_file(),
        keys_problem=keys_problem,
        verified=verified,
        verified_whole=verified_whole,
    )


def _connected_as_owner() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = 'core_auditevent'::regclass"
        )
        return bool(cursor.fetchone()[0])
