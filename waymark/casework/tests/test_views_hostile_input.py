"""The reporting day list's date boxes with a number of 20 digits: today with the GOV.UK message,
not a 500 (``date()`` raises OverflowError, not ValueError, for such a day or month)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("box", ["day-0", "day-1"])
def test_a_twenty_digit_day_or_month_shows_today_with_the_message(centre_officer, box):
    client = Client()
    client.force_login(centre_officer)
    asked = {"day-0": "5", "day-1": "1", "day-2": "2026", box: "9" * 20}
    response = client.get("/casework/centre/", asked)
    assert response.status_code == 200
    assert "The date must be a real date" in response.content.decode()
