"""The page shell: error pages, public pages, the layout's branding, and the compiled CSS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from waymark.accounts.models import User
from waymark.core import views

CSS = Path(settings.BASE_DIR) / "waymark/core/static/waymark/application.css"


@pytest.fixture
def user(db):
    return User.objects.create_user(username="page.tester", password="a-long-test-password-123")


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_sign_in_from_home(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:sign-in')}?next=/"


def test_unknown_url_when_signed_in_is_the_govuk_404_page(client, user):
    client.force_login(user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page not found \u2013 Waymark</title>" in html
    assert "If you typed the web address, check it is correct." in html
    assert "govuk-service-navigation" in html  # still inside the signed-in layout


@pytest.mark.django_db
def test_accessibility_statement_is_public(client):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Accessibility statement for Waymark" in html
    assert "Web Content" in html and "2.2" in html


@pytest.mark.django_db
def test_cookies_page_is_public_and_lists_the_session_cookie(client):
    response = client.get("/cookies/")
    assert response.status_code == 200
    assert "sessionid" in response.content.decode()


def test_403_page(rf_user_request):
    response = views.permission_denied(rf_user_request, PermissionDenied())
    assert response.status_code == 403
    assert "You do not have permission to use this page" in response.content.decode()


def test_400_page(rf_user_request):
    response = views.bad_request(rf_user_request)
    assert response.status_code == 400
    assert "Sorry, there is a problem with the request" in response.content.decode()


def test_500_page(rf_user_request):
    response = views.server_error(rf_user_request)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_csrf_failure_page(rf_user_request):
    response = views.csrf_failure(rf_user_request)
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()


@pytest.mark.django_db
def test_page_without_permission_gets_the_403_page(client, user):
    client.force_login(user)
    response = client.get(reverse("work:workload"))
    assert response.status_code == 403
    assert "You do not have permission to use this page" in response.content.decode()


def test_error_handlers_are_the_govuk_pages():
    from config import urls

    assert urls.handler400 is views.bad_request
    assert urls.handler403 is views.permission_denied
    assert urls.handler404 is views.page_not_found
    assert urls.handler500 is views.server_error


@pytest.mark.django_db
def test_layout_is_not_govuk_branded(client):
    html = client.get("/accessibility/").content.decode()
    assert "govuk-generic-header" in html and "waymark-header" in html
    assert "govuk-header__logotype" not in html  # no GOV.UK logotype
    assert "govuk-footer__crown" not in html  # no crown
    assert "Crown copyright" not in html
    assert "Open Government Licence" not in html
    assert "govuk-icon-mask" not in html and "waymark/favicon.svg" in html


@pytest.mark.django_db
def test_layout_scripts_are_modules_from_static_and_inline_script_carries_the_nonce(client):
    response = client.get("/accessibility/")
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    inline = [attrs for attrs in scripts if "src=" not in attrs]
    assert inline
    for attrs in inline:
        nonce = re.search(r'nonce="([^"]+)"', attrs)
        assert nonce and f"'nonce-{nonce.group(1)}'" in response["Content-Security-Policy"]
    assert '<script type="module" src="/static/waymark/init.mjs"></script>' in html
    assert 'style="' not in html


@pytest.mark.django_db
def test_signed_in_layout_has_a_sign_out_form_and_the_account_link(client, user):
    client.force_login(user)
    html = client.get("/accessibility/").content.decode()
    assert re.search(r'<form method="post" action="/accounts/sign-out/"', html)
    assert re.search(r'<a[^>]+href="/accounts/"[^>]*>\s*Your account', html)


@pytest.mark.skipif(not CSS.exists(), reason="CSS not built (make setup builds it)")
def test_compiled_css_has_no_gds_transport_font():
    css = CSS.read_text()
    assert "GDS Transport" not in css
    assert "@font-face" not in css
    assert "system-ui" in css


@pytest.mark.skipif(not CSS.exists(), reason="CSS not built (make setup builds it)")
def test_compiled_css_has_waymark_utilities_and_brand():
    css = CSS.read_text()
    assert ".waymark-pre-line{white-space:pre-line}" in css.replace(" ", "")
    assert "#005a5b" in css.lower()
    assert "/assets/images/" not in css.replace("/static/moj/assets/images/", "")


@pytest.fixture
def rf_user_request(db):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.django_db
def test_a_printed_page_carries_its_protective_marking_and_who_printed_it(client, user):
    client.force_login(user)
    html = client.get("/accessibility/").content.decode()
    marking = re.search(r'<p class="wm-print-marking">(.*?)</p>', html, re.S)
    assert marking and "OFFICIAL-SENSITIVE" in marking.group(1)
    assert user.get_username() in marking.group(1)
    if CSS.exists():  # the print stylesheet shows it and hides what cannot be used on paper
        css = CSS.read_text()
        print_rules = css[css.index("@media print") :]
        assert ".wm-print-marking{" in print_rules and ".govuk-service-navigation" in print_rules
