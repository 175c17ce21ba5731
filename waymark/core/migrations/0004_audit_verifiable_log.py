"""The audit trail becomes a verifiable log (decision 0015, replacing 0006's hash chain).

Existing entries: the old chain is checked (a broken chain stops the migration: its guarantee
must hold before it is carried over), then each entry's ``entry_hash`` becomes the hash of its
own content; the sequencer seals them all in its first pass. On PostgreSQL entries are numbered
from a new sequence by a trigger that first gives the entry its transaction id, and TRUNCATE of
the audit tables is refused.
"""

import hashlib
import json
from datetime import UTC

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


def _canonical(event) -> str:
    # A copy of waymark.core.audit.canonical as it stands at this migration.
    content = {
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "channel": event.channel,
        "action": event.action,
        "verb": event.verb,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "person_id": event.person_id,
        "payload": event.payload,
        "recipient": event.recipient,
        "purpose": event.purpose,
        "request_id": event.request_id,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def entries_rehash(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    if not AuditEvent.objects.exists():
        return
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(
            "ALTER TABLE core_auditevent DISABLE TRIGGER pgtrigger_audit_append_only_b1f7b"
        )
    previous = "0" * 64
    after = 0
    while True:
        rows = list(AuditEvent.objects.filter(sequence__gt=after).order_by("sequence")[:2000])
        if not rows:
            break
        for event in rows:
            content = _canonical(event)
            chained = hashlib.sha256((previous + content).encode()).hexdigest()
            if event.previous_hash != previous or event.entry_hash != chained:
                raise RuntimeError(
                    f"The audit chain is broken at entry #{event.sequence}: investigate (manage.py "
                    "audit_verify on the previous release) before migrating"
                )
            previous = event.entry_hash
            event.entry_hash = hashlib.sha256(content.encode()).hexdigest()
        AuditEvent.objects.bulk_update(rows, ["entry_hash"])
        after = rows[-1].sequence
    if postgresql:
        schema_editor.execute(
            "ALTER TABLE core_auditevent ENABLE TRIGGER pgtrigger_audit_append_only_b1f7b"
        )


def order_sequence_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS core_auditevent_order_seq AS bigint")
    schema_editor.execute(
        "SELECT setval('core_auditevent_order_seq', "
        "COALESCE((SELECT max(sequence) FROM core_auditevent), 0) + 1, false)"
    )


def order_sequence_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS core_auditevent_order_seq")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_saved_view"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditBatch",
            fields=[
                ("number", models.BigIntegerField(primary_key=True, serialize=False)),
                ("first_sequence", models.BigIntegerField()),
                ("last_sequence", models.BigIntegerField(unique=True)),
                ("entry_count", models.IntegerField()),
                (
                    "gaps",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="[[from, to], ...] numbers in the range never committed",
                    ),
                ),
                ("tree_root", models.CharField(max_length=64)),
                ("previous_hash", models.CharField(max_length=64)),
                ("batch_hash", models.CharField(max_length=64, unique=True)),
                ("sealed_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["number"],
            },
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="entry_hash",
            field=models.CharField(
                help_text="SHA-256 of the entry's canonical content, written with it", max_length=64
            ),
        ),
        migrations.RunPython(entries_rehash, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(
            model_name="auditevent",
            name="previous_hash",
        ),
        migrations.AddField(
            model_name="auditevent",
            name="xact_id",
            field=models.BigIntegerField(
                blank=True,
                help_text="PostgreSQL: the writing transaction's id (a trigger)",
                null=True,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditevent",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF current_database() LIKE 'test\\_%' AND current_setting('waymark.test_flush', true) = 'on' THEN RETURN NULL; END IF; RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE of % is refused', TG_TABLE_NAME;",
                    hash="e02cf7db48a0f1dbc932262dcecc80c0b45c4f81",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_audit_no_truncate_d3c00",
                    table="core_auditevent",
                    when="BEFORE",
                ),
            ),
        ),
        migrations.RunPython(order_sequence_create, order_sequence_drop),
        pgtrigger.migrations.AddTrigger(
            model_name="auditevent",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_sequence_after_xact",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="NEW.xact_id := pg_current_xact_id()::text::bigint; NEW.sequence := nextval('core_auditevent_order_seq'); RETURN NEW;",
                    hash="0d9b91daefea6118b712b733bd4a2dbefa16701a",
                    operation="INSERT",
                    pgid="pgtrigger_audit_sequence_after_xact_19e66",
                    table="core_auditevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditbatch",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_batch_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="6edc389db9767b79563e045a99060baf918a0898",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_audit_batch_append_only_f5176",
                    table="core_auditbatch",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditbatch",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_batch_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF current_database() LIKE 'test\\_%' AND current_setting('waymark.test_flush', true) = 'on' THEN RETURN NULL; END IF; RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE of % is refused', TG_TABLE_NAME;",
                    hash="584d56ff7d50750ebf50ad2d35706fcc2a927133",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_audit_batch_no_truncate_dbb69",
                    table="core_auditbatch",
                    when="BEFORE",
                ),
            ),
        ),
    ]
