"""The timeline's date filters with a year of 20 digits: the filter's error, not a 500
(``date()`` raises OverflowError, not ValueError, for such a year)."""

from __future__ import annotations

import pytest

from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["from", "to"])
def test_a_twenty_digit_year_in_a_timeline_filter_is_the_filter_s_error(client, team, field):
    person = make_person(owning_team=team)
    client.force_login(make_user(*CASEWORKER_PERMS, teams=[team]))
    response = client.get(f"/people/{person.pk}/timeline/", {field: f"1/1/{'9' * 20}"})
    assert response.status_code == 200
    assert "as a real date" in response.content.decode()
