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


NAME_KEYS = (
    "normalised",
    "family_key",
    "given_key",
    "family_alt_key",
    "given_alt_key",
    "family_prefix",
    "given_prefix",
)


@pytest.mark.django_db
@pytest.mark.parametrize("key", NAME_KEYS)
def test_each_name_key_the_search_matches_on_is_answered_by_its_own_index(key):
    from waymark.people.models import PersonName

    plan = _plan(PersonName.objects.filter(**{key: "SMITH"}).order_by().values("person_id"))
    assert f"name_{key}" in plan, plan


@pytest.mark.django_db
def test_a_reference_of_any_type_is_found_through_an_index():
    from waymark.people.models import ExternalReference

    plan = _plan(
        ExternalReference.objects.filter(value_normalised="A1234567").order_by().values("pk")
    )
    assert "reference_value_normalised" in plan, plan


HOT_TABLES = (
    "people_person",
    "people_personname",
    "people_externalreference",
    "people_timelineevent",
    "work_task",
    "monitoring_breach",
    "linkage_sourcerecord",
)


@pytest.mark.django_db
def test_the_tables_written_most_carry_no_index_that_no_query_can_use():
    """No pattern-matching ("_like") index that no query uses, and no single-column index whose
    column already leads a composite one: each is maintained on every row written (linkage writes
    hundreds of thousands of names and tasks at once). The task's dedupe key keeps its pattern
    index: ``work.selectors.tasks_for`` matches it by prefix."""
    if connection.vendor != "postgresql":
        pytest.skip("pattern indexes and index definitions are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [list(HOT_TABLES)],
        )
        rows = cursor.fetchall()
    pattern = sorted(
        name
        for _table, name, definition in rows
        if "pattern_ops" in definition and name != "work_task_dedupe_key_7b489324_like"
    )
    assert pattern == [], pattern
    columns: dict[str, list[tuple[str, ...]]] = {}
    for table, _name, definition in rows:
        if " WHERE " in definition:
            continue
        cols = tuple(
            c.strip().split()[0] for c in definition.split("(", 1)[1].rsplit(")", 1)[0].split(",")
        )
        columns.setdefault(table, []).append(cols)
    covered = sorted(
        f"{table}.{cols[0]}"
        for table, indexes in columns.items()
        for cols in indexes
        if len(cols) == 1 and any(len(other) > 1 and other[0] == cols[0] for other in indexes)
    )
    assert covered == [], covered


@pytest.mark.django_db
def test_a_person_s_first_nationality_is_one_probe_of_its_index_not_a_walk_of_the_table():
    """The disparity figures group people by their first recorded nationality, one subquery a
    person (``people_monitoring_attribute_expression``). Rows written in this transaction have no
    statistics, as after a migration's bulk load: the plan must still probe the person's rows in
    id order, never walk the primary key filtering by person (which made the figures quadratic)."""
    from waymark.people.models import PersonNationality
    from waymark.people.selectors import people_monitoring_attribute_expression
    from waymark.people.tests.factories import make_person

    people = [make_person(given_names=f"Person {i}", nationalities=()) for i in range(20)]
    PersonNationality.objects.bulk_create(
        PersonNationality(person=person, country=f"X{code:02d}")
        for person in people
        for code in range(60)
    )
    first = people_monitoring_attribute_expression("nationality", "pk")
    plan = _plan(Person.objects.annotate(nationality=first).values("pk", "nationality"))
    if connection.vendor == "postgresql":
        assert "nationality_person_first" in plan, plan
        assert "people_personnationality_pkey" not in plan, plan
    else:
        assert "nationality_person_first" in plan or "nationality_once_per_person" in plan, plan
