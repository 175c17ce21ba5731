"""Issue 14 items 2, 4, 5: the second factor is mandatory for national, restricted and trail access
and for staff (including the Django admin), the demo password never signs in to production, and
lockout is per username across addresses with an audited unlock."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from waymark.accounts import rules
from waymark.accounts.models import Grade, User
from waymark.accounts.tests.conftest import PASSWORD
from waymark.core.models import AuditEvent

SIGN_IN = "/accounts/sign-in/"
required = override_settings(WAYMARK_OTP_REQUIRED=True)


def _code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _user(username, role=None, **extra):
    user = User.objects.create_user(username=username, password=PASSWORD, grade=Grade.HEO, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def staff(db):
    user = _user("stella.staff", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device


@required
@pytest.mark.django_db
def test_the_admin_login_form_goes_to_waymark_sign_in_with_its_second_factor(client, staff):
    user, _ = staff
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)
    # Posting a password to the admin's form signs no one in.
    client.post(
        "/django-admin/login/",
        {"username": user.username, "password": PASSWORD, "next": "/django-admin/"},
    )
    assert client.get("/people/").status_code == 302
    assert not client.get(SIGN_IN).wsgi_request.user.is_authenticated


@required
@pytest.mark.django_db
def test_a_staff_session_without_the_code_reaches_no_page_of_people(client, staff):
    user, _ = staff
    for path in (
        "/people/",
        "/",
        "/django-admin/",
        "/django-admin/people/person/",
        "/work/queues/",
    ):
        client.force_login(user)  # a session opened with the password alone
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(SIGN_IN), path
        # ... and the session has ended: signing in again needs the code.
        assert not client.get(SIGN_IN).wsgi_request.user.is_authenticated


@required
@pytest.mark.django_db
def test_the_session_api_says_a_second_factor_is_needed(client, staff):
    user, _ = staff
    client.force_login(user)
    response = client.get("/api/v1/persons/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert "authenticator app" in response.json()["detail"]


@required
@pytest.mark.django_db
def test_with_the_code_the_staff_user_reaches_people(client, staff):
    user, device = staff
    client.post(SIGN_IN, {"username": user.username, "password": PASSWORD})
    response = client.post("/accounts/verify/", {"code": _code(device)})
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200


@required
@pytest.mark.django_db
@pytest.mark.parametrize("role", ["field_officer", "data_protection", "records_manager"])
def test_a_national_role_without_an_app_must_enrol_on_first_sign_in(client, role):
    user = _user("nina.national", role)
    assert rules.second_factor_required(user)
    response = client.post(SIGN_IN, {"username": user.username, "password": PASSWORD})
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
    page = client.get(response["Location"])
    assert (
        "You need to set up two-factor authentication before you can continue"
        in page.content.decode()
    )
    # Enrol: the device the page started is confirmed with a code, then people open.
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/accounts/two-factor/", {"code": _code(device)})
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200
    # It cannot be turned off again.
    response = client.post("/accounts/two-factor/", {"code": _code(device)})
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@required
@pytest.mark.django_db
def test_a_team_role_is_not_forced_to_enrol(client):
    user = _user("tom.team", "case_owner")
    assert not rules.second_factor_required(user)
    client.force_login(user)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_every_role_that_sees_people_nationally_or_restricted_or_trails_needs_the_code():
    from waymark.accounts.roles import ROLES

    with required:
        for key, role in ROLES.items():
            user = _user(f"user-{key}", key)
            needs = bool(role.permissions & rules.SECOND_FACTOR_PERMISSIONS)
            assert rules.second_factor_required(user) is needs, key


def test_production_refuses_to_relax_the_second_factor():
    import subprocess
    import sys

    env = {
        "WAYMARK_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "h",
        "WAYMARK_OTP_REQUIRED": "0",
        "WAYMARK_ALLOW_UNSCANNED_UPLOADS": "1",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "WAYMARK_OTP_REQUIRED cannot be turned off in production" in result.stderr


# ---------------------------------------------------------------------------------------------
# Item 2: the published demo password


@pytest.mark.django_db
def test_the_demo_password_never_signs_in_to_production(client):
    _user("demo.user")
    user = User.objects.get(username="demo.user")
    user.set_password(rules.DEMO_PASSWORD)
    user.save()
    with override_settings(PRODUCTION=True):
        response = client.post(SIGN_IN, {"username": "demo.user", "password": rules.DEMO_PASSWORD})
        assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    response = client.post(SIGN_IN, {"username": "demo.user", "password": rules.DEMO_PASSWORD})
    assert response.status_code == 302  # the demo itself still works


@pytest.mark.django_db
def test_demo_load_refuses_in_production_and_writes_nothing():
    from io import StringIO

    from django.core.management import CommandError, call_command

    from waymark.demo.generator import demo_load
    from waymark.people.models import Person

    users, events = User.objects.count(), AuditEvent.objects.count()
    with override_settings(PRODUCTION=True):
        with pytest.raises(CommandError, match="never loaded in production"):
            call_command("demo_load", stdout=StringIO())
        with pytest.raises(PermissionError):
            demo_load(scale=0.01)
    assert User.objects.count() == users and AuditEvent.objects.count() == events
    assert not Person.objects.exists()


# ---------------------------------------------------------------------------------------------
# Item 5: lockout by username across addresses, audited unlock


def _fail(client, username, address):
    return client.post(SIGN_IN, {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_a_locked_user_cannot_sign_in_from_another_address(client, person_user):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, person_user.username, f"10.0.0.{attempt + 1}")
    response = client.post(
        SIGN_IN, {"username": person_user.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.77"
    )
    assert response.status_code == 429
    assert "You cannot sign in at the moment" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_a_system_administrator_unlocks_with_a_reason_and_it_is_audited(client, person_user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, person_user.username, "10.0.0.9")
    admin = _user("ada.admin", "system_admin")
    other = _user("owen.owner", "case_owner")
    client.force_login(other)
    assert client.get("/accounts/locked/").status_code == 403
    client.force_login(admin)
    page = client.get("/accounts/locked/")
    assert page.status_code == 200 and person_user.username in page.content.decode()
    response = client.post("/accounts/locked/", {"username": person_user.username, "reason": ""})
    assert (
        response.status_code == 200
        and "Enter why you are unlocking this account" in response.content.decode()
    )
    response = client.post(
        "/accounts/locked/",
        {"username": person_user.username, "reason": "Called the service desk; identity checked"},
    )
    assert response.status_code == 302
    entry = AuditEvent.objects.filter(verb="account.unlocked").get()
    assert entry.actor == admin and entry.payload["reason"].startswith("Called the service desk")
    client.logout()
    response = client.post(
        SIGN_IN, {"username": person_user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_unlocking_an_account_that_is_not_locked_says_so(client, person_user):
    admin = _user("ada.admin", "system_admin")
    client.force_login(admin)
    response = client.post(
        "/accounts/locked/", {"username": person_user.username, "reason": "check"}
    )
    assert response.status_code == 200 and "is not locked" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="account.unlocked").exists()


@required
@pytest.mark.django_db(transaction=True)  # the health checks read from threads of their own
def test_both_health_checks_answer_a_session_without_the_code(client, staff):
    """A monitor or an operator signed in with the password alone is answered by both health
    endpoints (200 or 500: whether the processes are running), never sent to sign in."""
    user, _ = staff
    for path in ("/health/", "/health/background/"):
        client.force_login(user)
        response = client.get(path, {"format": "json"})
        assert response.status_code in (200, 500), path
        assert response["Content-Type"].startswith("application/json"), path
