"""The suite's flush after a transactional test (waymark/testing/plugin.py, ``_flush_by_delete``):
on PostgreSQL it deletes instead of truncating, and must still leave every table empty, the
append-only audit log included, and fall back to TRUNCATE for a role that is not a superuser."""

from __future__ import annotations

import pytest
from django.core.management.color import no_style
from django.db import IntegrityError, connection

from waymark.accounts.models import Team, User
from waymark.core import audit
from waymark.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _flush_statements(**options) -> list[str]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return connection.ops.sql_flush(no_style(), tables, **options)


def _rows_left() -> dict[str, int]:
    left = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(
            only_existing=True, include_views=False
        ):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a table name Django gave)
            (count,) = cursor.fetchone()
            if count:
                left[table] = count
    return left


def _some_rows() -> None:
    team = Team.objects.create(name="Flush team", slug="flush-team")
    user = User.objects.create_user(username="flushed", password="a-long-test-password-123")
    user.teams.add(team)
    audit.audit_record(actor=user, action=AuditAction.ALTERATION, verb="test.changed", target=team)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's flush only")
def test_the_flush_deletes_every_row_the_audit_log_included_and_keeps_the_foreign_keys():
    _some_rows()
    assert AuditEvent.objects.exists() and _rows_left()
    statements = _flush_statements()
    assert len(statements) == 2 and "DELETE FROM" in statements[1]
    assert "TRUNCATE" in statements[1]  # the fallback for a role that is not a superuser
    connection.ops.execute_sql_flush(statements)
    assert _rows_left() == {}
    # Foreign-key checks are off only for the flush's own transaction.
    with pytest.raises(IntegrityError, match="foreign key"), connection.cursor() as cursor:
        cursor.execute("INSERT INTO accounts_user_teams (user_id, team_id) VALUES (987654, 987654)")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's flush only")
def test_a_flush_that_resets_sequences_still_truncates():
    statements = _flush_statements(reset_sequences=True)
    assert "RESTART IDENTITY" in statements[-1] and "DELETE FROM" not in statements[-1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's flush only")
def test_a_role_that_is_not_a_superuser_flushes_by_truncate(app_role):
    """The application's role may not truncate the audit log, nor switch triggers off: the
    fallback is what runs, and the database refuses it as it refused before this change."""
    _some_rows()
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {connection.ops.quote_name(app_role)}")
        try:
            with pytest.raises(Exception, match=r"TRUNCATE|permission denied|must be owner"):
                connection.ops.execute_sql_flush(_flush_statements())
        finally:
            cursor.execute("RESET ROLE")
    assert AuditEvent.objects.exists()  # nothing was emptied
