"""An index on the job queue's table (django-tasks' database backend) for ``/health/background/``:
the oldest due READY task in one index probe. Without it the check sorted every due READY task
on each probe (200,000 of them: about 300 ms a probe, when a backlog is exactly when the check is
read most). PostgreSQL only, built without blocking the workers' writes."""

from django.db import migrations

from waymark.core.health import TASK_DUE_SINCE_INDEX, TASK_DUE_SINCE_SQL


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
