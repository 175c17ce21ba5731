"""The application's database role (issue 17; docs/deployment.md "Database roles"): connected as
it, the audit tables take INSERT and SELECT, and refuse UPDATE, DELETE, TRUNCATE, switching their
triggers off, and DROP, on the table and on its partitions by name, whatever the triggers do."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from waymark.core.audit_roles import database_roles_grant, grant_after_migrate

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),  # the role's own connection sees committed grants
]

INSERT = (
    "INSERT INTO core_auditevent (occurred_at, actor_label, channel, action, verb, target_type, "
    "target_id, payload, recipient, purpose, request_id, entry_hash) VALUES (now(), 'app', 'web', "
    "'consultation', 'test.exported', '', '', '{}', '', '', '', 'x') RETURNING sequence"
)


def _connect_as(role: str) -> psycopg.Connection:
    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        dbname=params["NAME"],
        user=role,
        autocommit=True,
    )


def _partition() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'core_auditevent'::regclass AND c.relname <> "
            "'core_auditevent_default' ORDER BY c.relname LIMIT 1"
        )
        return cursor.fetchone()[0]


REFUSED = {
    "UPDATE": "UPDATE core_auditevent SET verb = 'x'",
    "DELETE": "DELETE FROM core_auditevent",
    "TRUNCATE": "TRUNCATE core_auditevent",
    "DISABLE TRIGGER": "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
    "DROP": "DROP TABLE core_auditevent",
    "batch UPDATE": "UPDATE core_auditbatch SET tree_root = 'x'",
    "batch DELETE": "DELETE FROM core_auditbatch",
    "batch TRUNCATE": "TRUNCATE core_auditbatch",
    "batch DISABLE TRIGGER": "ALTER TABLE core_auditbatch DISABLE TRIGGER ALL",
    "rewind the numbering": "SELECT setval('core_auditevent_order_seq', 1)",
    "partition UPDATE": "UPDATE {partition} SET verb = 'x'",
    "partition TRUNCATE": "TRUNCATE {partition}",
    "partition DETACH": "ALTER TABLE core_auditevent DETACH PARTITION {partition}",
    "partition DROP": "DROP TABLE {partition}",
    "replica mode (triggers off)": "SET session_replication_role = replica",
}


def test_the_app_role_appends_and_reads_the_audit_log_and_can_change_none_of_it(app_role):
    partition = _partition()
    with _connect_as(app_role) as app:
        sequence = app.execute(INSERT).fetchone()[0]
        assert sequence > 0
        assert app.execute("SELECT count(*) FROM core_auditevent").fetchone()[0] == 1
        assert app.execute("SELECT count(*) FROM core_auditbatch").fetchone()[0] == 0
        assert app.execute("SELECT count(*) FROM core_auditevent_default").fetchone()[0] == 0
        assert app.execute("SELECT * FROM core_auditevent_partitions_ensure(1)").fetchall()
        refused = {}
        for what, statement in REFUSED.items():
            try:
                app.execute(statement.format(partition=partition))
            except psycopg.errors.InsufficientPrivilege as error:
                refused[what] = str(error).splitlines()[0]
        assert set(refused) == set(REFUSED), set(REFUSED) - set(refused)
        assert app.execute("SELECT count(*) FROM core_auditevent").fetchone()[0] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT verb FROM core_auditevent WHERE sequence = %s", [sequence])
        assert cursor.fetchone()[0] == "test.exported"


def test_the_app_role_keeps_its_rights_on_the_other_tables(app_role):
    with _connect_as(app_role) as app:
        app.execute("UPDATE core_savedview SET name = name")
        app.execute("DELETE FROM core_notification WHERE false")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("TRUNCATE core_notification")  # no TRUNCATE anywhere


def test_migrate_grants_the_configured_role_and_nothing_happens_without_one(app_role, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "waymark.core.audit_roles.database_roles_grant", lambda **kw: calls.append(kw)
    )
    monkeypatch.setattr(settings, "WAYMARK_DB_APP_ROLE", "", raising=False)
    grant_after_migrate(sender=None)
    assert calls == []
    monkeypatch.setattr(settings, "WAYMARK_DB_APP_ROLE", app_role, raising=False)
    grant_after_migrate(sender=None, using="default")
    assert calls == [{"app_role": app_role, "using": "default"}]


def test_a_role_that_does_not_exist_is_a_clear_error():
    with pytest.raises(ValueError, match="not a role"):
        database_roles_grant(app_role="no_such_role_waymark")
