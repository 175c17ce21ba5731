"""Change tracking for the measures' read model (issue 17 item 4): every statement that writes a
record the measures count notes the (team, London day) groups of the visits it touched in
``operations_measurechange``, so a refresh recounts only those (``services.measures_read_model``).

Statement-level triggers with transition tables: a bulk load of a million encounters fires each
once and notes each group once. PostgreSQL only; on SQLite every refresh rebuilds whole."""

# ruff: noqa: S608 - table and column names only, no values
from django.db import migrations, models

DAY = "(v.planned_start AT TIME ZONE 'Europe/London')::date"

FUNCTIONS = {
    # A visit's own row: the groups before and after (a visit moved to another day or team
    # leaves its old group's rows wrong too).
    "operations_measure_change_visit": f"""
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO operations_measurechange (team_id, day)
            SELECT DISTINCT v.team_id, {DAY} FROM new_rows v;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO operations_measurechange (team_id, day)
            SELECT DISTINCT v.team_id, {DAY} FROM old_rows v;
        END IF;""",
    # A record hanging off a visit: its visit's group (both visits' when it moved).
    "operations_measure_change_by_visit": f"""
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO operations_measurechange (team_id, day)
            SELECT DISTINCT v.team_id, {DAY} FROM operations_visit v
            WHERE v.id IN (SELECT visit_id FROM new_rows);
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO operations_measurechange (team_id, day)
            SELECT DISTINCT v.team_id, {DAY} FROM operations_visit v
            WHERE v.id IN (SELECT visit_id FROM old_rows);
        END IF;""",
    # A premises moved to another sector: the groups of every visit to it.
    "operations_measure_change_premises": f"""
        INSERT INTO operations_measurechange (team_id, day)
        SELECT DISTINCT v.team_id, {DAY} FROM operations_visit v
        WHERE v.premises_id IN (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.sector_id IS DISTINCT FROM n.sector_id
        );""",
    # A sector renamed: the groups of every visit to its premises.
    "operations_measure_change_sector": f"""
        INSERT INTO operations_measurechange (team_id, day)
        SELECT DISTINCT v.team_id, {DAY} FROM operations_visit v
        JOIN operations_premises p ON p.id = v.premises_id
        WHERE p.sector_id IN (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.name IS DISTINCT FROM n.name
        );""",
}

BY_VISIT = (
    "operations_encounter",
    "operations_employersanction",
    "operations_safeguardingrecord",
    "operations_criticalincident",
    "operations_debrief",
    "operations_visitofficer",
)
REFERENCING = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}
# (table, function, events): PostgreSQL allows transition tables on one event a trigger.
TRIGGERS = [
    ("operations_visit", "operations_measure_change_visit", ("INSERT", "UPDATE", "DELETE")),
    *[(t, "operations_measure_change_by_visit", ("INSERT", "UPDATE", "DELETE")) for t in BY_VISIT],
    ("operations_premises", "operations_measure_change_premises", ("UPDATE",)),
    ("operations_sector", "operations_measure_change_sector", ("UPDATE",)),
]


def _trigger(table: str, event: str) -> str:
    return f"{table.removeprefix('operations_')}_measure_change_{event.lower()}"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, body in FUNCTIONS.items():
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body} RETURN NULL; END $$"
        )
    for table, function, events in TRIGGERS:
        for event in events:
            schema_editor.execute(
                f"CREATE TRIGGER {_trigger(table, event)} AFTER {event} ON {table} "
                f"{REFERENCING[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _function, events in TRIGGERS:
        for event in events:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, event)} ON {table}")
    for name in FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0003_measures_read_model"),
    ]

    operations = [
        migrations.CreateModel(
            name="MeasureChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("team_id", models.BigIntegerField()),
                ("day", models.DateField()),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
