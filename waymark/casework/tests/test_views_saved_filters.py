"""The reporting day's saved and remembered centre (core.saved_views, issue 16). The day itself
and the person at the counter are never remembered."""

from __future__ import annotations

from django.urls import reverse

from waymark.casework.tests.conftest import user_make
from waymark.core.models import SavedView

CENTRE = reverse("casework:centre")


def _officer_at_both(teams, client):
    officer = user_make("reporting_centre", teams["centre"])
    officer.teams.add(teams["other_centre"])
    client.force_login(officer)
    return officer


def test_the_centre_is_remembered_but_not_the_day_or_the_person(client, frozen, teams):
    _officer_at_both(teams, client)
    other = teams["other_centre"]
    page = client.get(CENTRE, {"centre": other.pk, "day": "2026-01-05", "q": "Brown"})
    assert page.status_code == 200 and "Save these filters as" in page.content.decode()

    back = client.get(CENTRE)
    assert back.status_code == 302 and back.url == f"{CENTRE}?centre={other.pk}"
    page = client.get(back.url).content.decode()
    assert other.name in page and "Clear filters" in page

    assert client.get(CENTRE + "?clear-filters=1").url == CENTRE
    assert client.get(CENTRE).status_code == 200


def test_a_centre_is_saved_applied_and_deleted(client, frozen, teams):
    officer = _officer_at_both(teams, client)
    other = teams["other_centre"]
    response = client.post(
        reverse("core:saved-view-create"),
        {"page": "casework:centre", "name": "Croydon", "query_string": f"centre={other.pk}"},
    )
    assert response.url == f"{CENTRE}?centre={other.pk}"
    client.get(CENTRE + "?clear-filters=1")
    page = client.get(CENTRE).content.decode()
    assert f'href="{CENTRE}?centre={other.pk}">Croydon</a>' in page
    saved = SavedView.objects.get(user=officer)
    client.post(reverse("core:saved-view-delete", args=[saved.pk]))
    assert not SavedView.objects.exists()


def test_the_day_cannot_be_saved(client, frozen, teams):
    _officer_at_both(teams, client)
    page = client.post(
        reverse("core:saved-view-create"),
        {"page": "casework:centre", "name": "A Monday", "query_string": "day=2026-01-05"},
        follow=True,
    ).content.decode()
    assert "There is a problem" in page and "Only this page&#39;s filters can be saved" in page
    assert not SavedView.objects.exists()


def test_one_centre_needs_no_saved_filters(client, frozen, centre_officer):
    client.force_login(centre_officer)
    assert "Saved filters" not in client.get(CENTRE).content.decode()
