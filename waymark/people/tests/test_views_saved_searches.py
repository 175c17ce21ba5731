"""The person search's saved and remembered searches (core.saved_views, issue 16)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from waymark.core.models import SavedView
from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_user

SEARCH = reverse("people:search")


@pytest.fixture
def people(team):
    return (
        make_person(given_names="Amir", family_name="Haddad", owning_team=team),
        make_person(given_names="Ada", family_name="Okoro", owning_team=team),
    )


def test_the_last_search_is_remembered_until_cleared(client, caseworker, people):
    client.force_login(caseworker)
    page = client.get(SEARCH, {"name": "Okoro", "search": "1"}).content.decode()
    assert "Ada OKORO" in page and "Amir HADDAD" not in page
    assert "Clear filters" in page and "Save these filters as" in page

    back = client.get(SEARCH)
    assert back.status_code == 302 and back.url == SEARCH + "?name=Okoro"
    assert "Ada OKORO" in client.get(back.url).content.decode()

    assert client.get(SEARCH + "?clear-filters=1").url == SEARCH
    page = client.get(SEARCH).content.decode()
    assert "Ada OKORO" not in page and "Search by any reference" in page


def test_a_search_is_not_remembered_for_another_user(client, caseworker, team, people):
    client.force_login(caseworker)
    client.get(SEARCH, {"name": "Okoro"})
    other = make_user(*CASEWORKER_PERMS, teams=[team], username="other")
    client.force_login(other)
    assert client.get(SEARCH).status_code == 200


def test_a_search_is_saved_applied_and_deleted(client, caseworker, people):
    client.force_login(caseworker)
    response = client.post(
        reverse("core:saved-view-create"),
        {"page": "people:search", "name": "Okoros", "query_string": "name=Okoro"},
    )
    assert response.url == SEARCH + "?name=Okoro"
    saved = SavedView.objects.get(user=caseworker, page="people:search")
    assert saved.query_string == "name=Okoro"
    client.get(SEARCH + "?clear-filters=1")
    page = client.get(SEARCH).content.decode()
    assert f'href="{SEARCH}?name=Okoro">Okoros</a>' in page
    page = client.get(SEARCH + "?name=Okoro").content.decode()
    assert "Ada OKORO" in page

    client.post(reverse("core:saved-view-delete", args=[saved.pk]))
    assert not SavedView.objects.exists()


def test_a_refused_save_keeps_the_search_and_shows_the_error(client, caseworker, people):
    client.force_login(caseworker)
    response = client.post(
        reverse("core:saved-view-create"),
        {"page": "people:search", "name": "", "query_string": "name=Okoro"},
        follow=True,
    )
    page = response.content.decode()
    assert "There is a problem" in page and "Enter a name for these filters" in page
    assert "Ada OKORO" in page  # the search the person was looking at
    assert 'href="#saved-view-name"' in page
