"""``core.kept_cursors``: placeholders numbered as PostgreSQL writes them, and a statement on the
kept cursors answering as on Django's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core.kept_cursors import fetch_all, fetch_one, numbered


def test_placeholders_are_numbered_and_literals_left_alone():
    assert numbered("SELECT %s, %s") == "SELECT $1, $2"
    assert numbered("SELECT 'it''s %s', \"co%%l\", %s") == "SELECT 'it''s %s', \"co%%l\", $1"
    assert numbered("SELECT x FROM t WHERE a LIKE 'a%%' || %s") == (
        "SELECT x FROM t WHERE a LIKE 'a%%' || $1"
    )
    assert numbered("SELECT 5 %% 3, %s") == "SELECT 5 % 3, $1"
    with pytest.raises(ValueError, match="%d"):
        numbered("SELECT %d")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs Django's cursor only")
def test_a_statement_answers_the_same_on_the_kept_cursors_and_on_djangos():
    sql = "SELECT %s::int + 1, %s::text, 5 %% 3"
    params = (41, "a'b")
    kept = fetch_one(connection, sql, params)
    kept_numbered = fetch_one(connection, sql, params, sql_numbered=numbered(sql))
    with CaptureQueriesContext(connection) as logged:
        django = fetch_one(connection, sql, params)
    assert len(logged.captured_queries) == 1  # logged: Django's cursor ran it
    assert tuple(kept) == tuple(kept_numbered) == tuple(django) == (42, "a'b", 2)
    assert fetch_one(connection, "SELECT 1 WHERE %s", (False,)) is None


@pytest.mark.django_db
def test_every_row_answers_the_same_on_the_kept_cursor_and_on_djangos():
    sql = (
        "SELECT n, CAST(%s AS TEXT) FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) v"
        " WHERE n >= %s ORDER BY n"
    )
    kept = fetch_all(connection, sql, ("x", 2))
    with CaptureQueriesContext(connection) as logged:
        django = fetch_all(connection, sql, ("x", 2))
    assert len(logged.captured_queries) == 1
    assert [tuple(r) for r in kept] == [tuple(r) for r in django] == [(2, "x"), (3, "x")]
    assert fetch_all(connection, sql, ("x", 9)) == []


def test_one_placeholder_is_inlined_and_the_others_kept():
    from waymark.core.kept_cursors import placeholder_inlined

    sql = "SELECT %s, 'a %s', %s, 5 %% 3, %s"
    assert placeholder_inlined(sql, 1, "'open'") == "SELECT %s, 'a %s', 'open', 5 %% 3, %s"
    assert placeholder_inlined(sql, 0, "qs.id") == "SELECT qs.id, 'a %s', %s, 5 %% 3, %s"
    assert numbered(placeholder_inlined(sql, 2, "7")) == "SELECT $1, 'a %s', $2, 5 % 3, 7"
    with pytest.raises(ValueError, match="none at 3"):
        placeholder_inlined(sql, 3, "1")


def test_constants_are_written_as_sql_literals_and_anything_else_refused():
    from datetime import date

    from psycopg.types.numeric import Int4

    from waymark.core.kept_cursors import sql_literal

    assert sql_literal("nrm.decide") == "'nrm.decide'"
    assert sql_literal("it's") == "'it''s'"
    assert sql_literal(Int4(1)) == "1" and sql_literal(-3) == "-3"
    assert (sql_literal(True), sql_literal(False)) == ("TRUE", "FALSE")
    for refused in (date(2026, 1, 1), None, 1.5, "nul\x00", ["a"]):
        with pytest.raises(TypeError):
            sql_literal(refused)


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_a_prepared_statement_is_prepared_once_and_answers_as_unprepared():
    sql = "SELECT %s::int * 2, %s::text"
    for n in range(3):
        assert fetch_one(connection, sql, (n, "x"), sql_numbered=numbered(sql), prepared=True) == (
            n * 2,
            "x",
        )
    assert connection.connection.prepare_threshold is None  # Django's: nothing else prepared
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [numbered(sql)]
        )
        assert cursor.fetchone() == (1,)
    assert fetch_one(connection, sql, (5, "y"), sql_numbered=numbered(sql)) == (10, "y")


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_with_prepared_statements_off_nothing_is_prepared(settings):
    """For a transaction-mode pooler without prepared-statement support."""
    settings.WAYMARK_DB_PREPARED_STATEMENTS = False
    sql = "SELECT %s::int * 3"
    for n in range(3):
        assert fetch_one(connection, sql, (n,), sql_numbered=numbered(sql), prepared=True) == (
            n * 3,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [numbered(sql)]
        )
        assert cursor.fetchone() == (0,)
