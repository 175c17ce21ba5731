"""Model instances from rows read by a fixed statement, as the ORM would have built them.

For the few reads on every view of a page or press of a button that run as a statement written
once (``core.kept_cursors``) rather than compiled by the ORM each time: the columns are selected
in the model's field order and each value goes through the converters the ORM applies to that
field on that database (JSON decoded, for one), so the instance equals the ORM's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models


def columns_sql(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns, in field order, qualified by the table ``alias``."""
    from django.db import connection

    q = connection.ops.quote_name
    return ", ".join(f"{alias}.{q(f.column)}" for f in model._meta.concrete_fields)


def width(model: type[models.Model]) -> int:
    """How many values ``columns_sql`` selects."""
    return len(model._meta.concrete_fields)


def instance(model: type[models.Model], values: Sequence[Any], using: str) -> models.Model:
    """The instance of ``model`` for ``values`` (``columns_sql``'s columns, in order) read from
    the database ``using``: every field loaded, not deferred, saved as an update."""
    values = list(values)
    for index, converters, column in _converters(model, using):
        for converter in converters:
            values[index] = converter(values[index], column, connections[using])
    return model.from_db(using, _attnames(model), values)


@functools.cache
def _attnames(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


@functools.cache
def _converters(model: type[models.Model], using: str) -> list[tuple[int, list[Any], Any]]:
    connection = connections[using]
    found: list[tuple[int, list[Any], Any]] = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, converters, column))
    return found


# ------------------------------------------------------------------------------------------------
# A select-related read written once


@dataclass(frozen=True)
class Joined:
    """``model`` with the forward foreign keys ``related`` (``"visit"``, ``"visit__premises"``:
    each path's parent named before it) as one statement's select list and FROM clause: the model
    as alias ``t``, each related table LEFT JOINed. ``instance`` builds from a row what
    ``select_related(*related)`` would have built."""

    model: type[models.Model]
    related: tuple[str, ...]
    select: str
    tables: str
    steps: tuple[tuple[str, str, Any, type[models.Model]], ...]  # (parent path, path, field, model)

    def statement(self, where: str, tail: str = "") -> tuple[str, str]:
        """``SELECT`` of this read ``WHERE where`` (``%s`` placeholders; the model is ``t``) and
        ``tail`` (``FOR UPDATE OF t``, say): the text, and the text with its placeholders
        numbered for ``kept_cursors.fetch_one(..., sql_numbered=..., prepared=True)``."""
        from waymark.core.kept_cursors import numbered

        sql = f"SELECT {self.select} FROM {self.tables} WHERE {where} {tail}".rstrip()  # noqa: S608 - the caller's text
        return sql, numbered(sql)

    def instance(self, row: Sequence[Any], using: str) -> models.Model:
        at = width(self.model)
        root = instance(self.model, row[:at], using)
        made: dict[str, models.Model | None] = {"": root}
        for parent_path, path, field, model in self.steps:
            values = row[at : at + width(model)]
            at += len(values)
            pk_at = model._meta.concrete_fields.index(model._meta.pk)
            related = None if values[pk_at] is None else instance(model, values, using)
            parent = made[parent_path]
            if parent is not None:
                field.set_cached_value(parent, related)
            made[path] = related
        return root


@functools.cache
def joined(model: type[models.Model], related: tuple[str, ...]) -> Joined:
    """The ``Joined`` read of ``model`` with ``related`` (cached: the text is built once)."""
    from django.db import connection

    q = connection.ops.quote_name
    select = [columns_sql(model, "t")]
    tables = [f"{q(model._meta.db_table)} t"]
    aliases: dict[str, tuple[str, type[models.Model]]] = {"": ("t", model)}
    steps = []
    for n, path in enumerate(related):
        parent_path, _, name = path.rpartition("__")
        parent_alias, parent_model = aliases[parent_path]
        field = parent_model._meta.get_field(name)
        if not (field.many_to_one or field.one_to_one) or field.auto_created:
            raise ValueError(f"{parent_model.__name__}.{name} is not a forward foreign key")
        target = field.related_model
        alias = f"r{n}"
        aliases[path] = (alias, target)
        select.append(columns_sql(target, alias))
        tables.append(
            f"LEFT JOIN {q(target._meta.db_table)} {alias} "
            f"ON {alias}.{q(target._meta.pk.column)} = {parent_alias}.{q(field.column)}"
        )
        steps.append((parent_path, path, field, target))
    return Joined(model, tuple(related), ", ".join(select), " ".join(tables), tuple(steps))
