"""The audit entries table's monthly partitions on PostgreSQL (migration 0005; SQLite has none).

``core_auditevent`` is partitioned by the month (UTC) of ``occurred_at``, with a DEFAULT partition
that takes any entry whose month has no partition, so an append never fails. The sequencer keeps
this month's partition and the next ``AUDIT_PARTITION_MONTHS_AHEAD`` in place
(``audit_partitions_ensure``, hourly; ``manage.py audit_partitions`` does the same by hand). It
calls the database function ``core_auditevent_partitions_ensure``, which runs as the table's owner
(SECURITY DEFINER), so the application's role can keep partitions ahead without being able to
create, alter or drop tables (docs/deployment.md, "Database roles").

A month whose entries already fell into the default partition gets no partition of its own (it
would mean deleting audit rows to move them): it is reported ``held in default`` and its entries
stay there, still appended to, sealed and verified as any other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from waymark.core import rules

logger = logging.getLogger(__name__)

DEFAULT_PARTITION = "core_auditevent_default"


@dataclass(frozen=True)
class Partition:
    name: str
    bounds: str  # PostgreSQL's words: FOR VALUES FROM (...) TO (...), or DEFAULT
    entries: int  # the planner's estimate (cheap), -1 if never analysed


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def audit_partitions_ensure(
    *, months_ahead: int = rules.AUDIT_PARTITION_MONTHS_AHEAD
) -> list[tuple[str, str]]:
    """Make this month's partition and the next ``months_ahead``' if missing; return each
    (partition, ``created`` / ``exists`` / ``held in default``). Waits at most
    ``AUDIT_PARTITION_LOCK_TIMEOUT`` for the table's lock, then gives up (an error logged; the
    next check tries again). Nothing on SQLite."""
    if not partitioned():
        return []
    timeout_ms = int(rules.AUDIT_PARTITION_LOCK_TIMEOUT.total_seconds() * 1000)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{timeout_ms}ms"])
            cursor.execute("SELECT * FROM core_auditevent_partitions_ensure(%s)", [months_ahead])
            outcome = [(name, what) for name, what in cursor.fetchall()]
    except DatabaseError as error:
        logger.error("audit partitions not made, will try again: %s", error)
        return []
    for name, what in outcome:
        if what == "created":
            logger.info("audit partition %s created", name)
        elif what == "held in default":
            logger.warning("audit partition %s not created: its entries are in the default", name)
    return outcome


def audit_partitions_list() -> list[Partition]:
    """Every partition of the audit entries table, oldest first, the default last."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'core_auditevent'::regclass "
            "ORDER BY c.relname = %s, c.relname",
            [DEFAULT_PARTITION],
        )
        return [Partition(name, bounds, entries) for name, bounds, entries in cursor.fetchall()]


def default_partition_entries() -> int:
    """Entries in the default partition (months with no partition of their own): zero when the
    partitions are kept ahead. Counted exactly; the default is small when things are well."""
    if not partitioned():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DEFAULT_PARTITION}")  # noqa: S608
        return cursor.fetchone()[0]
