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
                number += 1
                out.append(f"${number}")
            elif following == "%":
                out.append("%")
            else:
                raise ValueError(f"Unexpected placeholder %{following} in the statement")
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def fetch_one(connection, sql: str, params, *, sql_numbered: str | None = None) -> Any:
    """Run ``sql`` (``%s`` placeholders) with ``params`` and return its first row, or None.
    With ``sql_numbered`` (the same statement through ``numbered``), the kept cursor binds it
    without reading the text for placeholders again (a ``RawCursor``)."""
    if (
        connection.vendor != "postgresql"
        or connection.queries_logged
        or connection.execute_wrappers
    ):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    import psycopg

    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    raw = connection.connection
    kept = getattr(connection, "_waymark_kept_cursors", None)
    if kept is None or kept[0] is not raw:
        kept = (raw, psycopg.Cursor(raw), psycopg.RawCursor(raw))
        connection._waymark_kept_cursors = kept
    with connection.wrap_database_errors:
        if sql_numbered is None:
            return kept[1].execute(sql, params, prepare=False).fetchone()
        return kept[2].execute(sql_numbered, params, prepare=False).fetchone()
