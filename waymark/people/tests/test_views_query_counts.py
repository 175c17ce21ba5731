"""The person page and search make a fixed number of queries, however much a person has on their
record or a search finds: no query per row (issue 17 item 5). The bounds are today's counts; a
change that adds a query per alias, address, flag or result fails here whatever the data."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.people import services
from waymark.people.models import FlagType
from waymark.people.search import person_search
from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_user

pytestmark = pytest.mark.django_db

# session, user, two permission reads, teams, the record, audit, its lists (one statement),
# notifications; no session save within a minute of the last (SessionTouchMiddleware)
PERSON_PAGE_MAX_QUERIES = 8
SEARCH_MAX_QUERIES = 5  # one search: teams, candidate ids, people, nationalities


@pytest.fixture
def editor(team):
    return make_user(*CASEWORKER_PERMS, "people.change_person", teams=[team])


def _fill(person, editor, rows: int) -> None:
    """``rows`` of each list the summary shows: names, addresses, phones and flags."""
    for i in range(rows):
        services.alias_add(
            actor=editor, person=person, given_names=f"Alias{i}", family_name=f"Other{i}"
        )
        services.address_add(
            actor=editor, person=person, line_1=f"{i} High Street", valid_from=date(2020, 1, 1)
        )
        services.phone_add(actor=editor, person=person, number=f"07700 900{i:03d}")
        services.flag_set(
            actor=editor, person=person, flag_type=FlagType.WARNING_MARKER, detail=f"Flag {i}"
        )


def _person_page_queries(client, person) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("people:detail", args=[person.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_person_page_queries_do_not_grow_with_the_record(client, team, editor):
    small, large = make_person(owning_team=team), make_person(owning_team=team, given_names="Bo")
    _fill(small, editor, 2)
    _fill(large, editor, 20)
    client.force_login(editor)
    _person_page_queries(client, small)  # first request of the session: caches warmed
    few, _ = _person_page_queries(client, small)
    many, page = _person_page_queries(client, large)
    assert page.count("Warning marker") >= 20 and "Alias19" in page and "19 High Street" in page
    assert few == many
    assert many <= PERSON_PAGE_MAX_QUERIES


def test_person_page_reads_the_flags_once_for_badges_and_card(client, team, editor):
    person = make_person(owning_team=team)
    _fill(person, editor, 3)
    client.force_login(editor)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("people:detail", args=[person.pk]))
    flag_reads = [q for q in ctx.captured_queries if 'FROM "people_flag"' in q["sql"]]
    assert len(flag_reads) == 1


def test_search_queries_do_not_grow_with_the_results(team):
    user = make_user(*CASEWORKER_PERMS, teams=[team])
    for i in range(3):
        make_person(owning_team=team, given_names=f"Amir{i}", date_of_birth=date(1990, 5, 17))
    person_search(user=user, query="Haddad")  # the user's permissions, cached on the user
    counts = {}
    for label in ("few", "many"):
        with CaptureQueriesContext(connection) as ctx:
            found_by_name = person_search(user=user, query="Haddad")
            found_by_dob = person_search(
                user=user, date_of_birth=date(1990, 5, 17), nationality="SYR"
            )
        counts[label] = len(ctx.captured_queries)
        assert len(found_by_name) == len(found_by_dob) == (3 if label == "few" else 30)
        for i in range(27 if label == "few" else 0):
            make_person(owning_team=team, given_names=f"Bea{i}", date_of_birth=date(1990, 5, 17))
    assert counts["few"] == counts["many"] <= 2 * SEARCH_MAX_QUERIES


def test_search_by_date_of_birth_finds_other_recorded_dates_and_references_find_survivors(team):
    """The two searches rewritten as id lookups keep their meaning: another recorded date of
    birth finds the person, and a reference finds its own record or an external reference's."""
    user = make_user(*CASEWORKER_PERMS, teams=[team])
    person = make_person(owning_team=team, date_of_birth=date(1985, 1, 2))
    editor = make_user(*CASEWORKER_PERMS, "people.change_person", teams=[team])
    services.date_of_birth_add(actor=editor, person=person, date_of_birth=date(1986, 2, 3))
    services.reference_add(
        actor=editor, person=person, reference_type="home_office", value="b 123 4567"
    )
    assert [r.person for r in person_search(user=user, date_of_birth=date(1986, 2, 3))] == [person]
    assert [r.person for r in person_search(user=user, date_of_birth=date(1985, 1, 2))] == [person]
    assert person_search(user=user, date_of_birth=date(1985, 1, 3)) == []
    assert [r.person for r in person_search(user=user, reference="B1234567")] == [person]
    assert [r.person for r in person_search(user=user, reference=person.reference)] == [person]
    assert person_search(user=user, reference="B1234568") == []


def test_summary_lists_keep_each_models_order_and_the_people_they_name(team, editor):
    """The one-statement read gives each list in its model's order, without the primary name,
    with who set a flag and the flags and nationalities cached for the identity bar: nothing
    read afterwards goes back to the database."""
    from waymark.people.selectors import person_summary_lists

    person = make_person(owning_team=team, nationalities=("SYR", "IRQ"))
    services.alias_add(actor=editor, person=person, given_names="Bo", family_name="Other")
    services.address_add(
        actor=editor, person=person, line_1="1 Old Road", valid_from=date(2019, 1, 1)
    )
    services.address_add(
        actor=editor, person=person, line_1="2 New Road", valid_from=date(2024, 1, 1)
    )
    ended = services.flag_set(actor=editor, person=person, flag_type=FlagType.WARNING_MARKER)
    services.flag_end(actor=editor, flag=ended)
    services.flag_set(actor=editor, person=person, flag_type=FlagType.SAFEGUARDING)
    with CaptureQueriesContext(connection) as ctx:
        lists = person_summary_lists(person)
        names = [str(n) for n in lists["names"]]
        lines = [a.line_1 for a in lists["addresses"]]
        flags = [(f.flag_type, f.is_active, f.set_by.display_name) for f in person.flags.all()]
        countries = [n.country for n in person.nationalities.all()]
        ended_by = lists["flags"][1].ended_by.display_name
        ended_at = lists["flags"][1].ended_at
    assert len(ctx.captured_queries) == 1
    assert names == ["Bo OTHER"]
    assert lines == ["2 New Road", "1 Old Road"]
    assert flags == [
        (FlagType.SAFEGUARDING, True, editor.display_name),
        (FlagType.WARNING_MARKER, False, editor.display_name),
    ]
    assert ended_by == editor.display_name and ended_at.tzinfo is not None
    assert sorted(countries) == ["IRQ", "SYR"]
