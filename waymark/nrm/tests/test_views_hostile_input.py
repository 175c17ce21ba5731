"""Values a careless or hostile client puts where a page expects a quarter or a key: the page's
default or a 404, never a 500."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from waymark.accounts.models import User
from waymark.nrm.selectors.figures import quarter_bounds

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize("label", ["9999-Q4", "0-Q1", "99999999999999999999-Q1", "-5-Q2"])
def test_a_quarter_with_no_real_dates_is_the_last_full_quarter(label):
    """9999-Q4 ends on 1 January 10000 less a day; year 0 does not exist: ``date()`` refused both
    outside the ``try``, a 500 on the figures page."""
    assert quarter_bounds(label, today=TODAY) == (date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")


def test_the_first_and_last_whole_years_still_have_quarters():
    assert quarter_bounds("1-Q1", today=TODAY)[2] == "1-Q1"
    assert quarter_bounds("9998-Q4", today=TODAY)[1] == date(9998, 12, 31)


@pytest.fixture
def reader(db) -> User:
    user = User.objects.create_superuser(username="nrm-hostile", password="a-long-test-pw-123")
    return user


@pytest.mark.django_db
def test_the_figures_page_with_a_quarter_of_no_real_dates_is_the_default(reader):
    client = Client()
    client.force_login(reader)
    assert client.get("/nrm/figures/", {"quarter": "9999-Q4"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["NaN", "1e999", "2026-02-30", "\u00b2"])
def test_offering_reconsideration_of_a_decision_that_is_not_a_key_is_404(reader, decision):
    """``int(request.POST["decision"])`` raised ValueError for anything but digits: a 500."""
    client = Client()
    client.force_login(reader)
    assert client.post("/nrm/superseded/", {"decision": decision}).status_code == 404
