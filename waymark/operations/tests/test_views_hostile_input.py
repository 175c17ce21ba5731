"""The new-visit page's ``?intelligence=`` link with anything but a key: a 404, not a 500
(``filter(pk="NaN")`` raised ValueError)."""

from __future__ import annotations

import pytest
from django.test import Client

from waymark.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["NaN", "1e999", "2026-02-30", "\u00b2"])
def test_a_new_visit_from_intelligence_that_is_not_a_key_is_404(value):
    reader = User.objects.create_superuser(username="ops-hostile", password="a-long-test-pw-1")
    client = Client()
    client.force_login(reader)
    assert client.get("/operations/visits/new/", {"intelligence": value}).status_code == 404
