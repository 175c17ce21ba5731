"""The session store reads a session as Django's database store does (accounts/sessions.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from waymark.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_project_uses_this_store():
    assert settings.SESSION_ENGINE == "waymark.accounts.sessions"


def test_a_saved_session_loads_as_djangos_store_loads_it():
    saved = SessionStore()
    saved["_auth_user_id"] = "7"
    saved["note"] = "a'b \u00e9"
    saved.save()
    ours, django = SessionStore(saved.session_key), DjangoStore(saved.session_key)
    assert ours.load() == django.load() == {"_auth_user_id": "7", "note": "a'b \u00e9"}
    assert ours.session_key == django.session_key == saved.session_key


def test_an_expired_session_loads_empty_and_its_key_is_dropped():
    saved = SessionStore()
    saved["_auth_user_id"] = "7"
    saved.save()
    Session.objects.filter(session_key=saved.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)  # noqa: TID251 - Django's clock
    )
    ours, django = SessionStore(saved.session_key), DjangoStore(saved.session_key)
    assert ours.load() == django.load() == {}
    assert ours.session_key is None and django.session_key is None


@pytest.mark.parametrize("key", ["nosuchsessionkeyatall0123456789", "short", None])
def test_an_unknown_or_invalid_key_loads_empty(key):
    ours, django = SessionStore(key), DjangoStore(key)
    assert ours.load() == django.load() == {}
    assert ours.session_key is None and django.session_key is None


def test_a_signed_in_request_reads_its_session_in_one_statement(client, django_user_model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = django_user_model.objects.create_user(username="s-reader", password="x" * 12)
    client.force_login(user)
    with CaptureQueriesContext(connection) as logged:
        client.get("/accessibility/")
    session_reads = [
        q
        for q in logged.captured_queries
        if q["sql"].startswith("SELECT") and "django_session" in q["sql"]
    ]
    assert len(session_reads) == 1
    assert client.session.get("_auth_user_id") == str(user.pk)
