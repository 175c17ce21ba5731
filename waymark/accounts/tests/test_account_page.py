"""Your account: name, teams, roles, grade and the second factor's state, without being sent
straight into setting it up (issue 16, "what comparable tools have")."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from waymark.accounts.models import Team, User
from waymark.accounts.roles import ROLES

pytestmark = pytest.mark.django_db


def test_the_account_page_says_who_you_are_and_whether_two_factor_is_on(client):
    team = Team.objects.create(slug="test-alpha", name="Test team Alpha")
    user = User.objects.create_user(
        username="ada",
        password="a-long-test-password-123",
        first_name="Ada",
        last_name="Lovelace",
        grade="HEO",
    )
    user.teams.add(team)
    user.groups.add(Group.objects.get_or_create(name="em_caseworker")[0])
    client.force_login(user)
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ada Lovelace" in page and "Test team Alpha" in page
    assert ROLES["em_caseworker"].name in page and user.get_grade_display() in page
    assert "data-second-factor" in page and "Off" in page
    assert f'href="{reverse("accounts:two-factor")}"' in page
    assert f'href="{reverse("accounts:account")}"' in page  # the header's "Your account"


def test_the_account_page_needs_a_signed_in_user(client):
    response = client.get(reverse("accounts:account"))
    assert response.status_code in (302, 403)
