"""``core.kept_cursors``: placeholders numbered as PostgreSQL writes them, and a statement on the
kept cursors answering as on Django's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core.kept_cursors import fetch_one, numbered


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
