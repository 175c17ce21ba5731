"""The application's database role on PostgreSQL (issue 17; docs/deployment.md, "Database roles").

Two roles: the **owner** owns the schema and every table and runs ``manage.py migrate``; the
**application** role (``WAYMARK_DB_APP_ROLE``) is what the web servers, the job worker and the
sequencer connect as. It owns nothing, so it cannot ALTER, DROP, DETACH or disable the triggers of
any table. On the audit tables it may only SELECT and INSERT: no UPDATE, DELETE or TRUNCATE even
with the triggers gone, and nothing at all on the audit table's partitions by name (reads and
appends go through the parent; it may read the default partition, to count what fell there). It
may call ``core_auditevent_partitions_ensure``, which makes the coming months' partitions as the
owner.

After every ``migrate`` run with ``WAYMARK_DB_APP_ROLE`` set, ``database_roles_grant`` gives the
application role its rights on every table then present (the ``post_migrate`` signal, so tables a
new migration creates are covered at once). Without the setting (development, SQLite, the test
suite) nothing happens.
"""

from __future__ import annotations

import logging

from django.db import connections
from psycopg import sql

logger = logging.getLogger(__name__)

AUDIT_TABLES = ("core_auditevent", "core_auditbatch")


def database_roles_grant(*, app_role: str, using: str = "default") -> None:
    """Give ``app_role`` the application's rights (see the module's docstring). Run as the owner;
    idempotent. Raises ``ValueError`` for a role that does not exist."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    role = sql.Identifier(app_role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone() is None:
            raise ValueError(f"WAYMARK_DB_APP_ROLE names {app_role!r}, which is not a role")
        cursor.execute("SELECT current_schema()")
        schema = sql.Identifier(cursor.fetchone()[0])
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                schema, role
            ),
            # nextval (and currval) only: not setval, which would rewind the audit numbering.
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, role),
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(
                sql.SQL(", ").join(sql.Identifier(table) for table in AUDIT_TABLES), role
            ),
        ]
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'core_auditevent'::regclass"
        )
        for (partition,) in cursor.fetchall():
            statements.append(
                sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(partition), role)
            )
        cursor.execute("SELECT to_regclass('core_auditevent_default') IS NOT NULL")
        if cursor.fetchone()[0]:
            statements += [
                sql.SQL("GRANT SELECT ON core_auditevent_default TO {}").format(role),
                sql.SQL(
                    "GRANT EXECUTE ON FUNCTION core_auditevent_partitions_ensure(integer) TO {}"
                ).format(role),
            ]
        for statement in statements:
            cursor.execute(statement)
    logger.info("database role %s granted the application's rights", app_role)


def grant_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate`` (sent by the core app, after every app has migrated)."""
    from django.conf import settings

    app_role = getattr(settings, "WAYMARK_DB_APP_ROLE", "")
    if app_role:
        database_roles_grant(app_role=app_role, using=using)
