"""An index on the job queue's table (django-tasks' database backend) for ``/health/background/``:
the oldest due READY task in one index probe. Without it the check sorted every due READY task
on each probe (200,000 of them: about 300 ms a probe, when a backlog is exactly when the check is
read most). PostgreSQL only, built without blocking the workers' writes."""

from django.db import migrations

# As written here, frozen: ``core.health`` writes the same expression in its query, and its test
# fails if the planner no longer reads this index for it.
TASK_DUE_SINCE_INDEX = "core_task_due_since_idx"
TASK_DUE_SINCE_SQL = (
    "CASE WHEN run_after = '9999-01-01 00:00:00+00'::timestamptz THEN enqueued_at "
    "ELSE GREATEST(enqueued_at, run_after) END"
)


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {TASK_DUE_SINCE_INDEX} "
        f"ON django_tasks_database_dbtaskresult (({TASK_DUE_SINCE_SQL})) "
        "WHERE status = 'READY'"
    )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TASK_DUE_SINCE_INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("core", "0007_read_model_full_rebuild"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
