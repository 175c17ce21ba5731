"""An index on when each Idempotency-Key record was made, for the sweep that deletes those past
``api.rules.IDEMPOTENCY_RECORD_KEPT`` (the table had grown by a row a create, never pruned). On
PostgreSQL it is built without blocking the creates that write the table."""

from django.db import migrations, models

INDEX = models.Index(fields=["created_at"], name="api_idempotency_created")


def _create(apps, schema_editor):
    model = apps.get_model("api", "IdempotencyRecord")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX.name} "
            f"ON {model._meta.db_table} (created_at)"
        )
    else:
        schema_editor.add_index(model, INDEX)


def _drop(apps, schema_editor):
    model = apps.get_model("api", "IdempotencyRecord")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX.name}")
    else:
        schema_editor.remove_index(model, INDEX)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [("api", "0006_oversight_read_scope")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_create, _drop, elidable=False)],
            state_operations=[migrations.AddIndex(model_name="idempotencyrecord", index=INDEX)],
        )
    ]
