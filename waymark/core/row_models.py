"""Model instances from rows read by a fixed statement, as the ORM would have built them.

For the few reads on every view of a page or press of a button that run as a statement written
once (``core.kept_cursors``) rather than compiled by the ORM each time: the columns are selected
in the model's field order and each value goes through the converters the ORM applies to that
field on that database (JSON decoded, for one), so the instance equals the ORM's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
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
