"""Sign in, lockout, the second factor, sign out and keep-alive, through the pages."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from waymark.accounts import rules
from waymark.accounts.forms import SIGN_IN_FAILED
from waymark.accounts.models import User
from waymark.accounts.tests.conftest import PASSWORD

SIGN_IN = "/accounts/sign-in/"


def _code(device: TOTPDevice, offset_steps: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset_steps):06d}"


def _sign_in(client, username, password, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def _signed_in_user(client):
    return client.get("/").wsgi_request.user


@pytest.mark.django_db
def test_sign_in_page_is_public_with_the_fields_the_browser_journey_uses(client):
    assert reverse("accounts:sign-in") == SIGN_IN
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html and 'type="password"' in html
    assert re.search(r"<button[^>]*>\s*Sign in\s*</button>", html)


@pytest.mark.django_db
def test_sign_in_with_the_right_password_goes_to_my_work(client, person_user):
    response = _sign_in(client, "sam.signer", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert _signed_in_user(client) == person_user


@pytest.mark.django_db
def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, person_user):
    response = _sign_in(client, "sam.signer", PASSWORD, next="/work/queues/")
    assert response["Location"] == "/work/queues/"
    client.logout()
    response = _sign_in(client, "sam.signer", PASSWORD, next="https://evil.example/")
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


@pytest.mark.django_db
def test_wrong_password_shows_the_error_summary_and_signs_no_one_in(client, person_user):
    response = _sign_in(client, "sam.signer", "not-the-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "There is a problem" in html
    assert SIGN_IN_FAILED in html
    assert 'href="#id_username"' in html
    assert "<title>Error: Sign in" in html
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_empty_form_asks_for_both_fields(client):
    html = _sign_in(client, "", "").content.decode()
    assert "Enter your username" in html
    assert "Enter your password" in html
    assert 'href="#id_password"' in html


@pytest.mark.django_db
def test_machine_accounts_cannot_sign_in_to_pages(client):
    User.objects.create_user(username="supplier-bot", password=PASSWORD, is_machine=True)
    response = _sign_in(client, "supplier-bot", PASSWORD)
    assert response.status_code == 200
    assert SIGN_IN_FAILED in response.content.decode()
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_lockout_after_the_failure_limit(client, person_user):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = _sign_in(client, "sam.signer", "wrong-password")
        assert response.status_code == 200
    response = _sign_in(client, "sam.signer", "wrong-password")
    assert response.status_code == 429
    assert "You cannot sign in at the moment" in response.content.decode()
    assert f"There have been {limit} unsuccessful attempts" in response.content.decode()
    # Even the right password is refused while locked out.
    response = _sign_in(client, "sam.signer", PASSWORD)
    assert response.status_code == 429
    assert "Wait 30 minutes" in response.content.decode()
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_one_fewer_failure_than_the_limit_does_not_lock_out(client, person_user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "sam.signer", "wrong-password")
    response = _sign_in(client, "sam.signer", PASSWORD)
    assert response.status_code == 302
    assert _signed_in_user(client) == person_user


@pytest.mark.django_db
def test_signed_in_user_visiting_sign_in_goes_to_my_work(client, person_user):
    client.force_login(person_user)
    response = client.get(SIGN_IN)
    assert response.status_code == 302


# ---------------------------------------------------------------------------------------------
# Second factor


@pytest.fixture
def device(person_user):
    return TOTPDevice.objects.create(user=person_user, name="Authenticator app", confirmed=True)


@pytest.mark.django_db
def test_with_a_second_factor_the_password_alone_does_not_sign_in(client, person_user, device):
    response = _sign_in(client, "sam.signer", PASSWORD, next="/work/queues/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")
    assert not _signed_in_user(client).is_authenticated
    page = client.get(reverse("accounts:verify"))
    assert "Enter your security code" in page.content.decode()


@pytest.mark.django_db
def test_totp_code_completes_sign_in(client, person_user, device):
    _sign_in(client, "sam.signer", PASSWORD, next="/work/queues/")
    response = client.post(reverse("accounts:verify"), {"code": _code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/work/queues/"
    request = client.get("/").wsgi_request
    assert request.user == person_user
    assert request.user.is_verified()  # django-otp recorded the device for this session


@pytest.mark.django_db
def test_wrong_totp_code_shows_an_error_and_does_not_sign_in(client, person_user, device):
    _sign_in(client, "sam.signer", PASSWORD)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:verify"), {"code": wrong})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "The security code is not correct" in html
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_code_must_be_six_digits(client, person_user, device):
    _sign_in(client, "sam.signer", PASSWORD)
    html = client.post(reverse("accounts:verify"), {"code": "12ab"}).content.decode()
    assert "Enter the 6-digit security code" in html


@pytest.mark.django_db
def test_guessing_codes_locks_out_like_passwords(client, person_user, device):
    _sign_in(client, "sam.signer", PASSWORD)
    response = None
    for n in range(settings.AXES_FAILURE_LIMIT):
        device.refresh_from_db()
        device.throttle_reset()  # isolate axes's lockout from django-otp's own throttle
        wrong = f"{(int(_code(device)) + 1 + n) % 1_000_000:06d}"
        response = client.post(reverse("accounts:verify"), {"code": wrong})
    assert response is not None and response.status_code == 429
    response = client.post(reverse("accounts:verify"), {"code": _code(device)})
    assert response.status_code == 429
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_verify_without_a_password_first_goes_back_to_sign_in(client):
    response = client.get(reverse("accounts:verify"))
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN


@pytest.mark.django_db
def test_second_step_expires(client, person_user, device, monkeypatch):
    _sign_in(client, "sam.signer", PASSWORD)
    later = time.time() + rules.SECOND_FACTOR_PENDING_LIMIT.total_seconds() + 1
    monkeypatch.setattr("waymark.accounts.views.time.time", lambda: later)
    response = client.post(reverse("accounts:verify"), {"code": _code(device)})
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_set_up_two_factor_with_a_qr_code_then_sign_in_with_it(client, person_user):
    client.force_login(person_user)
    page = client.get(reverse("accounts:two-factor"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<?xml" not in html  # QR code inline
    pending = TOTPDevice.objects.get(user=person_user, confirmed=False)
    response = client.post(reverse("accounts:two-factor"), {"code": _code(pending)})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed
    assert (
        "Two-factor authentication is on"
        in client.get(reverse("accounts:two-factor")).content.decode()
    )

    client.post(reverse("accounts:sign-out"))
    response = _sign_in(client, "sam.signer", PASSWORD)
    assert response["Location"] == reverse("accounts:verify")
    response = client.post(reverse("accounts:verify"), {"code": _code(pending, offset_steps=1)})
    assert response.status_code == 302
    assert _signed_in_user(client) == person_user


@pytest.mark.django_db
def test_wrong_set_up_code_leaves_two_factor_off(client, person_user):
    client.force_login(person_user)
    client.get(reverse("accounts:two-factor"))
    pending = TOTPDevice.objects.get(user=person_user, confirmed=False)
    wrong = f"{(int(_code(pending)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:two-factor"), {"code": wrong})
    assert response.status_code == 200
    assert "The security code is not correct" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=person_user, confirmed=True).exists()


@pytest.mark.django_db
def test_turn_two_factor_off_with_a_current_code(client, person_user, device):
    client.force_login(person_user)
    response = client.post(reverse("accounts:two-factor"), {"code": _code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person_user).exists()


# ---------------------------------------------------------------------------------------------
# Sign out, timeout and keep-alive


@pytest.mark.django_db
def test_sign_out_is_a_post_and_ends_the_session(client, person_user):
    client.force_login(person_user)
    assert client.get(reverse("accounts:sign-out")).status_code == 405
    assert _signed_in_user(client).is_authenticated
    response = client.post(reverse("accounts:sign-out"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signed-out")
    assert not _signed_in_user(client).is_authenticated
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "You have been signed out" in page.content.decode()


@pytest.mark.django_db
def test_signed_out_after_a_timeout_says_why(client):
    html = client.get(reverse("accounts:signed-out") + "?timeout=1").content.decode()
    assert "because you did not do anything for 30 minutes" in html


@pytest.mark.django_db
def test_keep_alive_returns_204_and_refreshes_the_session(client, person_user):
    client.force_login(person_user)
    response = client.post(reverse("accounts:keep-alive"))
    assert response.status_code == 204
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value  # the session cookie is sent again, so its idle timer restarts
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


@pytest.mark.django_db
def test_keep_alive_needs_a_session_and_a_post(client, person_user):
    assert client.post(reverse("accounts:keep-alive")).status_code == 302  # to sign in
    client.force_login(person_user)
    assert client.get(reverse("accounts:keep-alive")).status_code == 405


@pytest.mark.django_db
def test_signed_in_pages_carry_the_timeout_warning(client, person_user):
    client.force_login(person_user)
    html = client.get(reverse("accounts:two-factor")).content.decode()
    assert 'data-module="waymark-session-timeout"' in html
    assert f'data-session-seconds="{settings.SESSION_COOKIE_AGE}"' in html
    assert 'data-warning-seconds="120"' in html
    assert 'data-keep-alive-url="/accounts/keep-alive/"' in html
    assert 'data-signed-out-url="/accounts/signed-out/?timeout=1"' in html
    assert "Stay signed in" in html
    assert 'name="waymark-csrf-token"' in html


@pytest.mark.django_db
def test_sign_in_page_has_no_timeout_warning(client):
    html = client.get(SIGN_IN).content.decode()
    assert "waymark-session-timeout" not in html


@pytest.mark.django_db
def test_a_page_pushes_the_session_expiry_back_at_most_once_a_minute(client, person_user):
    """A signed-in page writes its session row only when the last write is a minute old or more
    (rules.SESSION_TOUCH_INTERVAL): the idle timeout still restarts, without a write a page."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waymark.accounts.middleware import TOUCHED

    client.force_login(person_user)
    url = reverse("accounts:account")
    client.get(url)  # the first page after signing in stamps the session
    key = client.session.session_key
    stamped = client.session[TOUCHED]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert writes == [] and client.session[TOUCHED] == stamped
    # A minute later (the stamp moved back), the next page writes it with a fresh expiry.
    session = client.session
    session[TOUCHED] = stamped - 61
    session.save()
    Session.objects.filter(pk=key).update(
        expire_date=Session.objects.get(pk=key).expire_date - timedelta(minutes=5)
    )
    before = Session.objects.get(pk=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert len(writes) == 1
    assert Session.objects.get(pk=key).expire_date > before
    assert client.session[TOUCHED] >= stamped


@pytest.mark.django_db
def test_an_anonymous_visit_creates_no_session(client):
    from django.contrib.sessions.models import Session

    client.get(reverse("accounts:signed-out"))
    assert not Session.objects.exists()
