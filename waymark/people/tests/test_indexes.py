"""The restricted records are found through their own partial index (people 0004), not by reading
every person: ``work.selectors.without_withheld`` asks for them on every queue page, every press
of "Get next" and every My work page of a user without the restricted-record permission."""

from __future__ import annotations

import pytest
from django.db import connection

from waymark.people.models import Person


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test database is small enough for a sequential scan to be cheaper; forbid it so
            # that the plan shows whether an index can answer the question at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_restricted_people_are_read_from_their_partial_index():
    # As without_withheld asks: a subquery, so no ordering.
    plan = _plan(Person.objects.filter(restricted_access=True).order_by().values("pk"))
    assert "person_restricted" in plan, plan
