"""SQL aggregates the figures need that Django does not ship, each with a PostgreSQL form and a
portable form (window functions and JSON table functions, which SQLite has too), so that the
figures are computed in the database on both.

- ``grouped_median(qs, key, value, **aggregates)``: the median of a duration per group, as days,
  with other aggregates of the same groups. PostgreSQL uses ``percentile_cont(0.5)``; the
  portable form takes the middle row (or the mean of the two middle rows) by ``ROW_NUMBER()``
  over the ordered values. Both are the statistics median
  (``statistics.median``): the mean of the two middle values for an even count. NULLs are left
  out.
- ``json_array_counts(qs, field)``: how many rows hold each element of a JSON array column,
  one count per element (``jsonb_array_elements_text`` / ``json_each``), and how many rows hold
  an empty or missing array.

The SQL is composed only of Django's own compiled queryset (its values passed as parameters) and
quoted identifiers from the model's metadata: nothing from a request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Aggregate, DurationField, Expression, F, Q, QuerySet

PORTABLE = "portable"


def _vendor(method: str | None) -> str:
    return method or connection.vendor


def _days(value: Any) -> float | None:
    """A duration from the database (an interval on PostgreSQL, microseconds elsewhere) in days."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return float(value) / 1_000_000 / 86400


class _Median(Aggregate):
    """PostgreSQL's median of an ordered set (interpolated: the statistics median)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()
    allow_distinct = False


def grouped_median(
    qs: QuerySet,
    key: str,
    value: Expression,
    *,
    method: str | None = None,
    **aggregates: Aggregate,
) -> dict[Any, dict[str, Any]]:
    """``{group key: {"median": days, **aggregates}}`` over ``qs`` grouped by the field ``key``:
    on PostgreSQL in one grouped query; elsewhere the median by the window-function form and the
    other aggregates in a grouped query beside it. ``method="portable"`` forces the portable form
    (tests run it on PostgreSQL too)."""
    qs = qs.order_by()
    if _vendor(method) == "postgresql":
        rows = qs.values(key).annotate(_median=_Median(value), **aggregates)
        return {
            r[key]: {"median": _days(r.pop("_median")), **{a: r[a] for a in aggregates}}
            for r in rows
        }
    out: dict[Any, dict[str, Any]] = {}
    if aggregates:
        for r in qs.values(key).annotate(**aggregates):
            out[r[key]] = {"median": None, **{a: r[a] for a in aggregates}}
    inner = qs.values(median_k=F(key), median_v=value)
    sql, params = inner.query.sql_with_params()
    outer = (
        "SELECT median_k, AVG(median_v) FROM ("  # noqa: S608
        "SELECT median_k, median_v, "
        "ROW_NUMBER() OVER (PARTITION BY median_k ORDER BY median_v) AS rn, "
        "COUNT(*) OVER (PARTITION BY median_k) AS c "
        f"FROM ({sql}) AS s WHERE median_v IS NOT NULL"
        ") AS w WHERE rn IN ((c + 1) / 2, (c + 2) / 2) GROUP BY median_k"
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        for k, v in cursor.fetchall():
            out.setdefault(k, dict.fromkeys(aggregates))["median"] = _days(v)
    return out


def json_array_counts(
    qs: QuerySet, field: str, *, method: str | None = None
) -> tuple[dict[str, int], int]:
    """(``{element: rows holding it}``, rows whose array is empty or missing) over ``qs``."""
    model = qs.model
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    pk = connection.ops.quote_name(model._meta.pk.column)
    ids_sql, params = qs.order_by().values("pk").query.sql_with_params()
    if _vendor(method) == "postgresql":
        elements = f"jsonb_array_elements_text(r.{column}) AS e (value)"
    else:
        elements = f"json_each(r.{column}) AS e"
    sql = (
        f"SELECT e.value, COUNT(*) FROM {table} AS r, {elements} "  # noqa: S608
        f"WHERE r.{pk} IN ({ids_sql}) GROUP BY e.value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = {str(value): n for value, n in cursor.fetchall()}
    empty = qs.filter(Q(**{f"{field}__isnull": True}) | Q(**{field: []})).count()
    return counts, empty
