"""Get next as the application's database role (docs/deployment.md "Database roles"): its one
statement reads the user's queues, claims and appends the audit entry, all within the rights the
role is granted (SELECT, UPDATE on tasks, INSERT on the audit table), and the entry verifies."""

from __future__ import annotations

import pytest
from django.db import connection
from psycopg import sql

from waymark.core.audit import audit_verify, content_hash
from waymark.core.audit_sequencer import audit_seal_once
from waymark.core.models import AuditEvent
from waymark.work.models import TaskStatus
from waymark.work.services import task_get_next
from waymark.work.tests.factories import CASEWORKER, queue_make, task_row, team_make, user_make

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


def test_get_next_claims_and_records_as_the_application_role(app_role):
    team = team_make()
    user = user_make(*CASEWORKER, teams=[team])
    wanted = task_row(queue=queue_make(team=team), priority=5)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(app_role)).as_string(None))
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (app_role,)
    try:
        taken = task_get_next(user=user)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert taken.pk == wanted.pk and taken.status == TaskStatus.IN_PROGRESS
    entry = AuditEvent.objects.get(verb="task.taken_with_get_next", target_id=str(wanted.pk))
    assert entry.entry_hash == content_hash(entry)
    audit_seal_once()
    assert audit_verify().ok
