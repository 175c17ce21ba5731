"""One statement on a psycopg cursor kept for the connection, for the few statements that run on
every press of a button or view of a page (the audit append, get next's claim).

Django makes a cursor for every statement and, with psycopg's default client-side binding, quotes
each value into the statement's text in Python; for a statement longer than psycopg's cache
(about 4 KB, such as get next's claim with its competence gate) it also parses the text for its
placeholders every time. Measured on the audit append: 60 of its 156 microseconds of CPU. Here the
values are bound on the server, and never as a named prepared statement (``prepare=False``), so
this is as safe behind pgbouncer in transaction mode as Django's own cursor. Errors are Django's,
and a statement after an error in the same atomic block is refused as Django refuses it.

When Django is logging statements (``CaptureQueriesContext``, ``DEBUG``) or has execute wrappers,
the statement goes through Django's cursor instead, so that it is counted and wrapped like any
other (tests pin pages' statement counts).
"""

from __future__ import annotations

from typing import Any


def numbered(sql: str) -> str:
    """``sql`` with its ``%s`` placeholders written as PostgreSQL's ``$1``, ``$2`` … and ``%%`` as
    ``%`` (what Django's compiler writes), leaving quoted literals and identifiers alone."""
    return _placeholders(sql)


def placeholder_inlined(sql: str, index: int, literal: str) -> str:
    """``sql`` (``%s`` placeholders) with its ``index``-th placeholder (from 0) replaced by
    ``literal``, SQL text the caller vouches for: a constant a partial index's predicate names must
    be in the statement's text for a plan made once (a prepared statement's generic plan) to use
    that index. The caller drops the parameter at ``index``."""
    return _placeholders(sql, inline_at=index, literal=literal)


def sql_literal(value: Any) -> str:
    """A constant as SQL text, for ``placeholder_inlined``: a string quoted (quotes doubled; the
    connection's ``standard_conforming_strings`` is on, PostgreSQL's default since 9.1), an integer
    or a boolean as written. Anything else is refused rather than guessed at."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"No literal for {type(value).__name__} values")


def _placeholders(sql: str, *, inline_at: int = -1, literal: str = "") -> str:
    keep = inline_at >= 0  # inlining one placeholder: keep the others as ``%s``
    out: list[str] = []
    number = 0
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"":  # a literal or quoted identifier: copy it to its closing quote
            end = i + 1
            while end < n:
                if sql[end] == char:
                    if end + 1 < n and sql[end + 1] == char:  # a doubled quote inside
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
            continue
        if char == "%":
            following = sql[i + 1 : i + 2]
            if following == "s":
                if keep:
                    out.append(literal if number == inline_at else "%s")
                else:
                    out.append(f"${number + 1}")
                number += 1
            elif following == "%":
                out.append("%%" if keep else "%")
            else:
                raise ValueError(f"Unexpected placeholder %{following} in the statement")
            i += 2
            continue
        out.append(char)
        i += 1
    if keep and inline_at >= number:
        raise ValueError(f"The statement has {number} placeholders, none at {inline_at}")
    return "".join(out)


def fetch_one(
    connection, sql: str, params, *, sql_numbered: str | None = None, prepared: bool = False
) -> Any:
    """Run ``sql`` (``%s`` placeholders) with ``params`` and return its first row, or None.
    With ``sql_numbered`` (the same statement through ``numbered``), the kept cursor binds it
    without reading the text for placeholders again (a ``RawCursor``).

    ``prepared``: run it as a named prepared statement of the connection (psycopg prepares it on
    its first run and keeps it), so that PostgreSQL parses it once and, once its generic plan
    costs no more than the plans it made for the values given, stops planning it. For a long
    statement run on every press of a button (get next: its parsing and planning were three
    quarters of the database's work a press). Django turns psycopg's automatic preparing off
    (``prepare_threshold`` None, for connection poolers), which also ignores ``prepare=True``, so
    the threshold is set for this one execution. Behind PgBouncer in transaction mode this needs
    ``max_prepared_statements`` (PgBouncer 1.21 or later; docs/deployment.md); with
    ``WAYMARK_DB_PREPARED_STATEMENTS`` off the statement runs unprepared."""
    return _run(connection, sql, params, sql_numbered, prepared, all_rows=False)


def fetch_all(
    connection, sql: str, params, *, sql_numbered: str | None = None, prepared: bool = False
) -> list:
    """Run ``sql`` with ``params`` on the kept cursor, as ``fetch_one``, and return every row."""
    return _run(connection, sql, params, sql_numbered, prepared, all_rows=True)


def _run(connection, sql, params, sql_numbered, prepared, *, all_rows: bool):
    if (
        connection.vendor != "postgresql"
        or connection.queries_logged
        or connection.execute_wrappers
    ):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if all_rows else cursor.fetchone()
    import psycopg

    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    raw = connection.connection
    kept = getattr(connection, "_waymark_kept_cursors", None)
    if kept is None or kept[0] is not raw:
        kept = (raw, psycopg.Cursor(raw), psycopg.RawCursor(raw))
        connection._waymark_kept_cursors = kept
    if prepared:
        from django.conf import settings

        prepared = settings.WAYMARK_DB_PREPARED_STATEMENTS
    with connection.wrap_database_errors:
        if prepared and sql_numbered is not None:
            threshold = raw.prepare_threshold
            raw.prepare_threshold = 0
            try:
                cursor = kept[2].execute(sql_numbered, params, prepare=True)
            finally:
                raw.prepare_threshold = threshold
        elif sql_numbered is None:
            cursor = kept[1].execute(sql, params, prepare=False)
        else:
            cursor = kept[2].execute(sql_numbered, params, prepare=False)
        return cursor.fetchall() if all_rows else cursor.fetchone()
