"""The enforcement visits list's saved and remembered filters (core.saved_views, issue 16)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from waymark.core.models import SavedView

HOME = reverse("operations:home")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_visits_filters_are_remembered_until_cleared(visit, oic, frozen):
    c = client_for(oic)
    page = c.get(HOME, {"status": "planning", "rating": ""}).content.decode()
    assert visit.premises.business_name in page and "Save these filters as" in page

    back = c.get(HOME)
    assert back.status_code == 302 and back.url == HOME + "?status=planning"
    page = c.get(HOME + "?rating=red").content.decode()
    assert visit.premises.business_name not in page
    assert f'href="{HOME}?clear-filters=1">Clear the filters</a>' in page
    assert c.get(HOME).url == HOME + "?rating=red"

    assert c.get(HOME + "?clear-filters=1").url == HOME
    page = c.get(HOME).content.decode()
    assert visit.premises.business_name in page
    assert "Filter the page to save the filters for next time." in page


def test_the_visits_filters_are_saved_applied_and_deleted(visit, oic, frozen):
    c = client_for(oic)
    query = "status=planning&date_from_0=1&date_from_1=1&date_from_2=2026"
    response = c.post(
        reverse("core:saved-view-create"),
        {"page": "operations:home", "name": "Planning this year", "query_string": query},
    )
    assert response.url == f"{HOME}?{query}"
    page = c.get(response.url).content.decode()
    assert "Planning this year" in page and visit.premises.business_name in page
    saved = SavedView.objects.get(user=oic)
    c.post(reverse("core:saved-view-delete", args=[saved.pk]))
    assert not SavedView.objects.exists()


def test_a_refused_save_shows_the_govuk_error_on_the_visits_list(visit, oic, frozen):
    c = client_for(oic)
    page = c.post(
        reverse("core:saved-view-create"),
        {"page": "operations:home", "name": "x" * 500, "query_string": "status=planning"},
        follow=True,
    ).content.decode()
    assert "There is a problem" in page and "Name must be 100 characters or fewer" in page
    assert not SavedView.objects.exists()
