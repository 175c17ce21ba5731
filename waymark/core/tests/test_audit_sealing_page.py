"""The audit log's sealing page (issue 17: sealing lag "shown on the health check and an admin
page"): system administrators and data protection officers see it, every other role is refused as
any page refuses, and it says unhealthy past the health check's threshold, and which sealed range
no checkpoint covers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory

from waymark.accounts.models import User
from waymark.accounts.roles import ROLES
from waymark.core import clock, navigation, rules
from waymark.core.audit import audit_record
from waymark.core.audit_sequencer import audit_seal_once
from waymark.core.models import AuditAction, AuditEvent
from waymark.core.registrations import AUDIT_SEALING_ROLES

pytestmark = pytest.mark.django_db

URL = "/audit/sealing/"


def _member(role_key: str) -> User:
    from waymark.demo.generator import role_group, roles_ensure

    roles_ensure()
    user = User.objects.create_user(
        username=f"m-{role_key}",
        password="a-long-test-password-123",
        grade=ROLES[role_key].demo_grade,
        is_machine=role_key == "supplier",
    )
    user.groups.add(role_group(role_key))
    return User.objects.get(pk=user.pk)


def _append() -> AuditEvent:
    return audit_record(
        actor=None, action=AuditAction.ALTERATION, verb="test.changed", target_type="test"
    )


@pytest.mark.parametrize("role_key", sorted(ROLES))
def test_only_the_system_and_audit_roles_see_the_page(role_key, client):
    client.force_login(_member(role_key))
    response = client.get(URL)
    if role_key in AUDIT_SEALING_ROLES:
        assert response.status_code == 200
        assert '<h1 class="govuk-heading-l">Audit sealing</h1>' in response.content.decode()
    else:
        assert response.status_code == 403


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_the_page_is_in_the_navigation_of_those_who_may_see_it():
    def labels(user):
        request = RequestFactory().get("/")
        request.user = user
        return [item["text"] for item in navigation.nav_items(request)]

    assert "Audit sealing" in labels(_member("system_admin"))
    assert "Audit sealing" in labels(_member("data_protection"))
    assert "Audit sealing" not in labels(_member("field_officer"))


def test_it_shows_sealed_through_waiting_and_the_last_checkpoint_and_is_not_audited(client):
    client.force_login(_member("system_admin"))
    sealed = [_append(), _append()]
    audit_seal_once()
    _append()
    entries = AuditEvent.objects.count()
    page = client.get(URL).content.decode()
    assert 'id="sealing-state">Healthy' in page
    assert f"Entry #{sealed[-1].sequence:,}" in page  # the page formats numbers
    assert "Batch 1, entries through #" in page and "published" in page
    assert "Everything sealed is covered by the last checkpoint" in page
    assert AuditEvent.objects.count() == entries  # no personal data shown, no entry written


def test_it_says_unhealthy_when_the_oldest_entry_has_waited_past_the_alarm(client):
    client.force_login(_member("data_protection"))
    with clock.frozen(clock.now() - rules.AUDIT_SEALING_LAG_ALARM - timedelta(seconds=5)):
        _append()  # the sequencer is not running
    page = client.get(URL).content.decode()
    assert '<span id="sealing-state">Unhealthy</span>' in page
    audit_seal_once()
    assert 'id="sealing-state">Healthy' in client.get(URL).content.decode()


def test_a_sealed_range_no_checkpoint_covers_is_named(client, settings, tmp_path):
    client.force_login(_member("system_admin"))
    _append()
    audit_seal_once()
    store = settings.WAYMARK_AUDIT_CHECKPOINT_DIR
    settings.WAYMARK_AUDIT_CHECKPOINT_DIR = str(tmp_path / "lost")  # the store unreachable
    later = [_append(), _append()]
    audit_seal_once()
    settings.WAYMARK_AUDIT_CHECKPOINT_DIR = store
    page = client.get(URL).content.decode()
    assert f"Entries #{later[0].sequence:,} to #{later[-1].sequence:,}</strong>" in page
