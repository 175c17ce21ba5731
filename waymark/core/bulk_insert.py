"""Writing many rows of one model at once, for the bulk services (an archive replay, an import).

On PostgreSQL the rows go in with ``COPY`` (row triggers fire as for INSERT): ``bulk_create``
builds one multi-row ``INSERT`` whose parameters Django prepares field by field, which cost
nineteen twentieths of a 5,000-row archive replay batch's writes (issue 17 item 3: 2,000 audit
entries took 0.7 s through ``bulk_create`` against 0.04 s through ``COPY``). ``COPY`` returns no
ids, so they are reserved first from the table's own sequence (``ids_reserve``), one statement for
the batch. Elsewhere (SQLite) ``bulk_create``.

Only plain values are written: a field holding an expression (a ``db_default``) is refused.
``bulk_insert_rows`` takes tuples instead of instances: making an instance a row took two thirds as
long as the ``COPY`` itself when a linkage run wrote its people's details (issue 18 item 8).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Expression, Field, JSONField, Model

from waymark.core.rules import BULK_INSERT_COPY_FROM


def _connection(model: type[Model]):
    return connections[router.db_for_write(model)]


def ids_reserve(model: type[Model], count: int) -> list[int] | None:
    """``count`` new primary keys from the table's sequence, in increasing order, on PostgreSQL;
    None elsewhere (the database numbers the rows as it inserts them)."""
    connection = _connection(model)
    if connection.vendor != "postgresql":
        return None
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
            [meta.db_table, meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def bulk_insert(
    model: type[Model], objs: Sequence[Model], *, with_pk: bool = True, batch_size: int = 2000
) -> None:
    """Insert ``objs`` (unsaved instances of ``model``) and give each its primary key: one
    ``COPY`` on PostgreSQL (keys already set are kept, the rest reserved with ``ids_reserve``),
    ``bulk_create`` elsewhere and for fewer than ``rules.BULK_INSERT_COPY_FROM`` rows.
    ``with_pk=False``: the database's trigger numbers the rows (the audit trail) and the
    instances are left without keys after a ``COPY``. All or none, in the caller's
    transaction."""
    if not objs:
        return
    connection = _connection(model)
    if connection.vendor != "postgresql" or len(objs) < BULK_INSERT_COPY_FROM:
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return
    from psycopg.types.json import Jsonb

    meta = model._meta
    pk = meta.pk
    missing = [obj for obj in objs if obj.pk is None] if with_pk else []
    if missing:
        for obj, pk_value in zip(missing, ids_reserve(model, len(missing)) or [], strict=True):
            setattr(obj, pk.attname, pk_value)
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    plain = [
        (
            f.attname,
            isinstance(f, JSONField),
            bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)),
            f,
        )
        for f in fields
    ]
    qn = connection.ops.quote_name
    sql = f"COPY {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            row: list[Any] = []
            for attname, is_json, auto, field in plain:
                value = field.pre_save(obj, True) if auto else getattr(obj, attname)
                if isinstance(value, Expression):
                    raise ValueError(
                        f"{meta.label}.{attname}: bulk_insert writes plain values only"
                    )
                if is_json and value is not None:
                    value = Jsonb(value)
                row.append(value)
            copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


class JsonText(str):
    """A JSON field's value already written as JSON text (one text many rows share, or text the
    caller has dumped anyway): ``bulk_insert_rows`` sends it as it is instead of dumping it."""

    __slots__ = ()


def bulk_insert_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = 2000,
) -> int:
    """Insert ``rows``, each a tuple of values for ``columns`` (attnames, values as stored), and
    return how many: what ``bulk_insert`` writes for ``model(**dict(zip(columns, row)))`` each,
    without making the instances. The other fields take their defaults; the primary key, unless
    named, is numbered by the database and not returned. A JSON value may be ``JsonText``. One
    ``COPY`` on PostgreSQL; elsewhere, and for fewer than ``rules.BULK_INSERT_COPY_FROM`` rows,
    the instances through ``bulk_create``."""
    rows = rows if isinstance(rows, Sequence) else list(rows)
    if not rows:
        return 0
    meta = model._meta
    json_at = [i for i, name in enumerate(columns) if isinstance(meta.get_field(name), JSONField)]
    connection = _connection(model)
    if connection.vendor != "postgresql" or len(rows) < BULK_INSERT_COPY_FROM:
        objs = [model(**_values(columns, row, json_at)) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return len(objs)
    from psycopg.types.json import Jsonb

    named = [meta.get_field(name) for name in columns]
    rest = [f for f in meta.concrete_fields if f not in named and not f.primary_key]
    for f in rest:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            raise ValueError(f"{meta.label}.{f.attname}: bulk_insert_rows needs its value")
    each = [f for f in rest if f.has_default() and callable(f.default)]  # made for each row
    fixed = [f for f in rest if f not in each]
    tail = tuple(_stored(f, f.get_default(), lambda v: JsonText(json.dumps(v))) for f in fixed)
    qn = connection.ops.quote_name
    order = ", ".join(qn(f.column) for f in [*named, *fixed, *each])
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({order}) FROM STDIN") as copy,
    ):
        for row in rows:
            made = tuple(_stored(f, f.get_default(), Jsonb) for f in each)
            copy.write_row((*_copied(row, json_at, Jsonb), *tail, *made))
    return len(rows)


def bulk_update_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = 500,
) -> int:
    """Set ``columns`` (attnames) of existing rows: each of ``rows`` is ``(pk, *values)``, values
    as stored (a JSON value may be ``JsonText``). Returns how many rows were given. What
    ``bulk_update`` writes for the same instances, without making them. On PostgreSQL the values
    go into a temporary table with ``COPY`` and one ``UPDATE ... FROM`` joins it on the key:
    ``bulk_update`` writes a ``CASE WHEN pk = ...`` for every row and column, which PostgreSQL
    evaluates row by row (a re-import changing 75,000 records: see ``linkage`` import). Elsewhere
    ``bulk_update``. All or none, in the caller's transaction."""
    rows = rows if isinstance(rows, Sequence) else list(rows)
    if not rows:
        return 0
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    json_at = [i for i, f in enumerate(fields, start=1) if isinstance(f, JSONField)]
    connection = _connection(model)
    if connection.vendor != "postgresql" or len(rows) < BULK_INSERT_COPY_FROM:
        objs = [model(**_values(("pk", *columns), row, json_at)) for row in rows]
        names = [f.name for f in fields]
        model._default_manager.bulk_update(objs, names, batch_size=batch_size)
        return len(objs)
    from psycopg.types.json import Jsonb

    qn = connection.ops.quote_name
    key = qn(meta.pk.column)
    names = ", ".join(qn(f.column) for f in fields)
    staged = qn(f"_wm_update_{meta.db_table}")
    # One transaction (a savepoint inside the caller's): the staging table is created, used and
    # dropped on one server connection even behind a transaction-mode pool, so a transaction
    # may update the same table again; a failed statement rolls it back with the rest.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The staging table takes the target's column types: no constraints, no rows.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staged} AS SELECT {key}, {names} "  # noqa: S608 - names from the model
            f"FROM {qn(meta.db_table)} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {staged} ({key}, {names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_copied(row, json_at, Jsonb))
        assignments = ", ".join(f"{qn(f.column)} = s.{qn(f.column)}" for f in fields)
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model
            f"FROM {staged} AS s WHERE t.{key} = s.{key}"
        )
        cursor.execute(f"DROP TABLE {staged}")
    return len(rows)


def _values(names: Sequence[str], row: Sequence[Any], json_at: list[int]) -> dict[str, Any]:
    """A row as a model's keyword arguments, ``JsonText`` read back into its value."""
    values = dict(zip(names, row, strict=True))
    for i in json_at:
        if isinstance(row[i], JsonText):
            values[names[i]] = json.loads(row[i])
    return values


def _copied(row: Sequence[Any], json_at: list[int], dump: Callable[[Any], Any]) -> Sequence[Any]:
    """A row as ``COPY`` sends it: a JSON value through ``dump``, ``JsonText`` as it is."""
    if not json_at:
        return row
    sent = list(row)
    for i in json_at:
        if sent[i] is not None and not isinstance(sent[i], JsonText):
            sent[i] = dump(sent[i])
    return sent


def _stored(field: Field, default: Any, dump: Callable[[Any], Any]) -> Any:
    """A field's default as ``COPY`` sends it (a JSON value through ``dump``)."""
    if isinstance(default, Expression):
        raise ValueError(f"{field.model._meta.label}.{field.attname}: plain values only")
    return dump(default) if isinstance(field, JSONField) and default is not None else default
