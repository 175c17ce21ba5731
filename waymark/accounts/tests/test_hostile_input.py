"""Requests a careless or hostile client sends to the sign-in door: never a 500."""

from __future__ import annotations

import pytest

from waymark.accounts.models import User
from waymark.accounts.sessions import SessionStore

SIGN_IN = "/accounts/sign-in/"


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["-1", "work", "NaN", "99999999999999999999"])
def test_a_next_that_is_not_an_address_goes_to_my_work(client, next_url):
    """``redirect("-1")`` reads it as a URL name and raised NoReverseMatch: a 500."""
    user = User.objects.create_user(username="careless", password="a-long-test-password-123")
    client.force_login(user)
    response = client.get(SIGN_IN, {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_next_on_this_site_is_still_followed(client):
    user = User.objects.create_user(username="careful", password="a-long-test-password-123")
    client.force_login(user)
    assert client.get(SIGN_IN, {"next": "/work/queues/"})["Location"] == "/work/queues/"
    absolute = client.get(SIGN_IN, {"next": "http://testserver/work/queues/"})
    assert absolute["Location"] == "http://testserver/work/queues/"


@pytest.mark.parametrize("key", ["abcdefgh\x00ij", "\x00" * 40])
def test_a_session_key_holding_a_nul_is_no_session(key):
    """A quoted cookie's ``\\000`` is a NUL once unquoted; PostgreSQL refuses it in the key's
    read, which every request makes (a 500 on every page)."""
    assert SessionStore(key).session_key is None


def test_a_session_key_django_makes_is_kept():
    assert SessionStore("abcdefgh0123456789").session_key == "abcdefgh0123456789"


@pytest.mark.django_db
def test_a_cookie_whose_session_key_holds_a_nul_is_signed_out_not_a_500(client):
    client.cookies.load('sessionid="abcdefgh\\000ij"')
    assert client.cookies["sessionid"].value == "abcdefgh\x00ij"
    assert client.get(SIGN_IN).status_code == 200
