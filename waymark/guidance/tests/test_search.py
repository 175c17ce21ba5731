"""Search finds the right page in a few keystrokes, and the top results agree on SQLite (the
token-prefix fallback) and PostgreSQL (full-text search): the suite runs on both engines, and the
same expectations hold on each."""

from __future__ import annotations

import pytest
from django.db import connection

from waymark.guidance import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def absconders(seeded, publisher):
    return services.guidance_publish(
        actor=publisher,
        title="Absconders: declaring a person an absconder",
        summary="When a person who has stopped reporting is declared an absconder.",
        body="Declare a person an absconder after the checks on their last known address.",
        module="casework",
    )


# (query, the page that must come first) — typed on a phone: short, partial, lower case.
TOP_RESULTS = [
    ("abscond", "absconders-declaring-a-person-an-absconder"),
    ("absconders", "absconders-declaring-a-person-an-absconder"),
    ("consent", "power-of-entry"),
    ("onf", "operational-notification-form"),
    ("exhib", "searches-and-seizures"),
    ("sealed bag", "searches-and-seizures"),
    ("who may authorise", "authorising-a-visit"),
    ("debrief", "structured-debrief"),
    ("gold silver bronze", "command-structure"),
    ("safeguard", "safeguarding"),
    ("reconn", "reconnaissance"),
]


@pytest.mark.parametrize(("query", "slug"), TOP_RESULTS)
def test_the_right_page_comes_first_on_this_engine(absconders, reader, query, slug):
    found = list(selectors.guidance_search(query, user=reader).values_list("slug", flat=True))
    assert found and found[0] == slug, f"{connection.vendor}: {query!r} gave {found[:5]}"


def test_a_word_missing_from_every_page_finds_nothing(seeded, reader):
    assert not selectors.guidance_search("zebra crossing", user=reader).exists()


def test_a_word_still_being_typed_finds_its_page(absconders, reader):
    assert selectors.guidance_search("absc", user=reader).first() == absconders
    assert selectors.guidance_search("declaring absc", user=reader).first() == absconders
    # Every word is needed: a finished word the page lacks rules it out.
    assert not selectors.guidance_search("absc zebra", user=reader).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL")
def test_postgresql_has_the_gin_index_over_the_search_vector(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'guidance_page_search_gin'"
        )
        row = cursor.fetchone()
    assert row is not None and "gin" in row[0].lower() and "to_tsvector" in row[0]
