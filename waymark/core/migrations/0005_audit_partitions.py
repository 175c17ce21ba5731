"""PostgreSQL: the audit entries table partitioned by month of ``occurred_at`` (issue 17: about
10^8 entries a year stay cheap to append and to query per person). SQLite is unchanged.

The table is rebuilt as ``PARTITION BY RANGE (occurred_at)`` with one partition a month (UTC),
from twelve months back (or the oldest entry's month) to three months ahead, and a DEFAULT
partition so an append never fails for want of one. Existing entries are copied with their numbers
and hashes unchanged (before the numbering trigger exists on the new table), so sealed batches and
checkpoints still verify. ``core_auditevent_partitions_ensure(months_ahead)`` (SECURITY DEFINER:
it runs as the owner, so the application's role may call it but not create tables) keeps the
partitions ahead; the sequencer and ``manage.py audit_partitions`` call it. Each partition gets
the TRUNCATE refusal of its own (a statement trigger on the parent does not fire for a partition
truncated by name); row triggers on the parent are cloned to every partition by PostgreSQL.

Django still sees ``sequence`` as the primary key; in the database the key is
``(sequence, occurred_at)``, since a partitioned table's unique constraints must hold the
partition key. Numbers come only from the ``audit_sequence_after_xact`` trigger, and verification
names a duplicate as an inserted entry. Nothing references this table by foreign key.
"""

from django.conf import settings
from django.db import migrations, models

MONTHS_BACK = 12  # as at this migration: a year of history has a partition of its own
MONTHS_AHEAD = 3  # rules.AUDIT_PARTITION_MONTHS_AHEAD as at this migration

# The TRUNCATE refusal (``core.models.REFUSE_TRUNCATE`` as at this migration) for partitions.
REFUSE_TRUNCATE = (
    "IF current_database() LIKE 'test\\_%' "
    "AND current_setting('waymark.test_flush', true) = 'on' THEN RETURN NULL; END IF; "
    "RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE of % is refused', TG_TABLE_NAME;"
)

# (name, columns) of the indexes the table had (Django's names, so later migrations find
# them), created on the partitioned parent: PostgreSQL makes one on every partition.
INDEXES = [
    ("core_audite_person__9b4122_idx", "person_id, occurred_at"),
    ("core_audite_verb_8f0c43_idx", "verb"),
    ("core_auditevent_actor_id_3bd0c673", "actor_id"),
    ("core_auditevent_occurred_at_06c58d2c", "occurred_at"),
    ("core_auditevent_person_id_fd859f71", "person_id"),
]
ACTOR_FK = (
    "ALTER TABLE core_auditevent ADD CONSTRAINT core_auditevent_actor_id_3bd0c673_fk_accounts_user_id "
    "FOREIGN KEY (actor_id) REFERENCES accounts_user (id) DEFERRABLE INITIALLY DEFERRED"
)


def _functions_sql(schema: str) -> list[str]:
    return [
        "CREATE OR REPLACE FUNCTION core_auditevent_refuse_truncate() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {REFUSE_TRUNCATE} END; $$",
        # One month's partition (UTC month), with its TRUNCATE refusal. Not created while the
        # default partition holds entries of that month (PostgreSQL would refuse, and moving them
        # means deleting audit rows): it says 'held in default' and the entries stay there.
        f"""
        CREATE OR REPLACE FUNCTION core_auditevent_partition_create(month date)
        RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
        DECLARE
            start_at timestamptz := date_trunc('month', month::timestamp) AT TIME ZONE 'UTC';
            end_at timestamptz :=
                (date_trunc('month', month::timestamp) + interval '1 month') AT TIME ZONE 'UTC';
            name text := 'core_auditevent_' || to_char(month, 'YYYY_MM');
        BEGIN
            IF to_regclass(name) IS NOT NULL THEN
                RETURN 'exists';
            END IF;
            IF EXISTS (SELECT 1 FROM core_auditevent_default
                       WHERE occurred_at >= start_at AND occurred_at < end_at) THEN
                RETURN 'held in default';
            END IF;
            EXECUTE format('CREATE TABLE %I PARTITION OF core_auditevent '
                           'FOR VALUES FROM (%L) TO (%L)', name, start_at, end_at);
            EXECUTE format('CREATE TRIGGER core_auditevent_partition_no_truncate '
                           'BEFORE TRUNCATE ON %I FOR EACH STATEMENT '
                           'EXECUTE FUNCTION core_auditevent_refuse_truncate()', name);
            RETURN 'created';
        END; $$
        """,  # noqa: S608 (the schema's name, from the database)
        # This month and the next ``months_ahead``: what the sequencer keeps in place.
        f"""
        CREATE OR REPLACE FUNCTION core_auditevent_partitions_ensure(months_ahead integer)
        RETURNS TABLE (partition text, outcome text) LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = {schema}, pg_temp AS $$
        DECLARE
            month date;
        BEGIN
            FOR i IN 0..months_ahead LOOP
                month := (date_trunc('month', now() AT TIME ZONE 'UTC')
                          + make_interval(months => i))::date;
                partition := 'core_auditevent_' || to_char(month, 'YYYY_MM');
                outcome := core_auditevent_partition_create(month);
                RETURN NEXT;
            END LOOP;
        END; $$
        """,
        # Only whoever the owner lets (the application's role, docs/deployment.md) may call them.
        "REVOKE ALL ON FUNCTION core_auditevent_partition_create(date) FROM PUBLIC",
        "REVOKE ALL ON FUNCTION core_auditevent_partitions_ensure(integer) FROM PUBLIC",
    ]


def _triggers_copy(cursor, schema: str, source: str) -> list[str]:
    """The statements that put ``source``'s own triggers (django-pgtrigger's, with the hash
    comment it checks) on ``core_auditevent``."""
    cursor.execute(
        "SELECT tgname, pg_get_triggerdef(oid), obj_description(oid, 'pg_trigger') "
        "FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
        [source],
    )
    statements = []
    for name, definition, comment in cursor.fetchall():
        if name == "core_auditevent_partition_no_truncate":
            continue
        statements.append(definition.replace(f" ON {schema}.{source} ", " ON core_auditevent ", 1))
        if comment:
            statements.append(f"COMMENT ON TRIGGER {name} ON core_auditevent IS '{comment}'")
    return statements


def _schema(cursor) -> str:
    cursor.execute("SELECT current_schema()")
    return cursor.fetchone()[0]


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        execute = cursor.execute  # no parameters: the SQL holds literal % signs
        schema = _schema(cursor)
        execute("ALTER TABLE core_auditevent RENAME TO core_auditevent_unpartitioned")
        triggers = _triggers_copy(cursor, schema, "core_auditevent_unpartitioned")
        execute(
            "CREATE TABLE core_auditevent (LIKE core_auditevent_unpartitioned) "
            "PARTITION BY RANGE (occurred_at)"
        )
        execute("CREATE TABLE core_auditevent_default PARTITION OF core_auditevent DEFAULT")
        for statement in _functions_sql(schema):
            execute(statement)
        execute(
            "CREATE TRIGGER core_auditevent_partition_no_truncate BEFORE TRUNCATE ON "
            "core_auditevent_default FOR EACH STATEMENT "
            "EXECUTE FUNCTION core_auditevent_refuse_truncate()"
        )
        cursor.execute(
            "SELECT core_auditevent_partition_create(month::date) FROM generate_series("
            "  LEAST(date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => %s),"
            "        (SELECT date_trunc('month', min(occurred_at) AT TIME ZONE 'UTC')"
            "         FROM core_auditevent_unpartitioned)),"
            "  date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => %s),"
            "  interval '1 month') AS month",
            [MONTHS_BACK, MONTHS_AHEAD],
        )
        # The entries as they are: numbers and hashes kept (no numbering trigger here yet).
        execute("INSERT INTO core_auditevent SELECT * FROM core_auditevent_unpartitioned")
        execute("DROP TABLE core_auditevent_unpartitioned")
        execute(
            "ALTER TABLE core_auditevent ADD CONSTRAINT core_auditevent_pkey "
            "PRIMARY KEY (sequence, occurred_at)"
        )
        for name, columns in INDEXES:
            execute(f"CREATE INDEX {name} ON core_auditevent ({columns})")
        execute(ACTOR_FK)
        for statement in triggers:
            execute(statement)


def unpartition(apps, schema_editor):
    """Back to one table (the entries copied as they are), as migration 0004 left it."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        execute = cursor.execute
        schema = _schema(cursor)
        execute("ALTER TABLE core_auditevent RENAME TO core_auditevent_partitioned")
        triggers = _triggers_copy(cursor, schema, "core_auditevent_partitioned")
        execute("CREATE TABLE core_auditevent (LIKE core_auditevent_partitioned)")
        execute("INSERT INTO core_auditevent SELECT * FROM core_auditevent_partitioned")
        execute("DROP TABLE core_auditevent_partitioned")
        execute(
            "ALTER TABLE core_auditevent ALTER COLUMN sequence ADD GENERATED BY DEFAULT AS IDENTITY"
        )
        execute(
            "SELECT setval(pg_get_serial_sequence('core_auditevent', 'sequence'), "
            "COALESCE((SELECT max(sequence) FROM core_auditevent), 0) + 1, false)"
        )
        execute(
            "ALTER TABLE core_auditevent ADD CONSTRAINT core_auditevent_pkey PRIMARY KEY (sequence)"
        )
        for name, columns in INDEXES:
            execute(f"CREATE INDEX {name} ON core_auditevent ({columns})")
        execute(ACTOR_FK)
        for statement in triggers:
            execute(statement)
        execute("DROP FUNCTION core_auditevent_partitions_ensure(integer)")
        execute("DROP FUNCTION core_auditevent_partition_create(date)")
        execute("DROP FUNCTION core_auditevent_refuse_truncate()")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_verifiable_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
        # A person's access history pages newest first by number: with this index each month's
        # partition gives its newest entries for the person in order (a merge, not a sort).
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["person_id", "sequence"], name="audit_person_sequence"),
        ),
        # Who may open the audit log's sealing page (system administrators, data protection).
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["sequence"],
                "permissions": [
                    (
                        "view_access_history",
                        "Can see a person's access history (subject access, investigations)",
                    ),
                    ("verify_audit", "Can run the audit chain verification"),
                    ("view_audit_sealing", "Can see the audit log's sealing status"),
                ],
            },
        ),
    ]
