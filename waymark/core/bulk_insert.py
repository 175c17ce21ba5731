"""Writing many rows of one model at once, for the bulk services (an archive replay, an import).

On PostgreSQL the rows go in with ``COPY`` (row triggers fire as for INSERT): ``bulk_create``
builds one multi-row ``INSERT`` whose parameters Django prepares field by field, which cost
nineteen twentieths of a 5,000-row archive replay batch's writes (issue 17 item 3: 2,000 audit
entries took 0.7 s through ``bulk_create`` against 0.04 s through ``COPY``). ``COPY`` returns no
ids, so they are reserved first from the table's own sequence (``ids_reserve``), one statement for
the batch. Elsewhere (SQLite) ``bulk_create``.

Only plain values are written: a field holding an expression (a ``db_default``) is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Expression, JSONField, Model

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
