"""Approval states (issue 20 item 7): draft / published, second check owed / approved /
withdrawn; approval by someone other than the author; staff see the version in force; withdrawal
with a reason; the version in force on a date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.guidance import selectors, services
from waymark.guidance.models import ApprovalState, GuidancePage, GuidanceVersion
from waymark.guidance.tests.conftest import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def checker(db):
    return user_make("assurance")


def _page(actor, **extra):
    data = {
        "title": "Absconders: declaring a person an absconder",
        "summary": "When a person who has stopped reporting is declared an absconder.",
        "body": "Declare a person an absconder after the checks on their last known address.",
        "module": "casework",
        "step_key": "casework.absconder",
    }
    data.update(extra)
    return services.guidance_publish(actor=actor, **data)


def _revise(actor, page, **extra):
    return services.guidance_revise(
        actor=actor,
        page=page,
        title=page.title,
        summary=page.summary,
        body=page.body + "\n\nCheck the port records first.",
        change_note="Port records first",
        **extra,
    )


def test_published_at_once_is_owed_its_second_check_and_the_author_cannot_give_it(
    publisher, checker
):
    page = _page(publisher)
    version = page.versions.get()
    assert page.state == version.state == ApprovalState.UNCHECKED
    assert page.owner == publisher and version.effective_from == clock.today()
    with pytest.raises(ValidationError, match="someone other than its author"):
        services.guidance_approve(actor=publisher, version=version)
    version.refresh_from_db()
    assert version.state == ApprovalState.UNCHECKED and version.approved_by is None
    assert not AuditEvent.objects.filter(verb="guidance.approved").exists()

    services.guidance_approve(actor=checker, version=version)
    page.refresh_from_db()
    version.refresh_from_db()
    assert page.state == version.state == ApprovalState.APPROVED
    assert version.approved_by == checker
    assert AuditEvent.objects.filter(verb="guidance.approved", target_id=str(page.pk)).count() == 1
    with pytest.raises(ValidationError, match="already approved"):
        services.guidance_approve(actor=checker, version=version)


def test_a_draft_is_hidden_from_staff_until_someone_else_approves_it(publisher, checker, reader):
    page = _page(publisher)
    services.guidance_approve(actor=checker, version=page.versions.get())
    _revise(publisher, page, draft=True)
    page.refresh_from_db()
    draft = page.versions.get(version=2)
    # Staff keep reading version 1; the draft is invisible to them and marked for publishers.
    assert page.version == 1 and "port records" not in page.body
    assert draft.state == ApprovalState.DRAFT and draft.published_at is None
    assert [v.version for v in selectors.guidance_versions(page, reader)] == [1]
    assert [v.version for v in selectors.guidance_versions(page, publisher)] == [2, 1]
    assert AuditEvent.objects.filter(verb="guidance.drafted").count() == 1

    with pytest.raises(ValidationError):
        services.guidance_approve(actor=publisher, version=draft)
    page.refresh_from_db()
    assert page.version == 1

    services.guidance_approve(actor=checker, version=draft)
    page.refresh_from_db()
    assert page.version == 2 and "port records" in page.body
    assert page.state == ApprovalState.APPROVED


def test_a_new_page_saved_as_a_draft_is_not_listed_or_found_by_staff(publisher, reader):
    page = _page(publisher, draft=True)
    assert page.state == ApprovalState.DRAFT
    assert not selectors.guidance_search("absconder", user=reader).exists()
    assert selectors.guidance_search("absconder", user=publisher).first() == page
    assert selectors.guidance_for_step("casework.absconder") is None
    assert all(page not in pages for _, _, pages in selectors.guidance_list_by_module(reader))


def test_withdrawal_needs_a_reason_and_keeps_the_versions(publisher, reader):
    page = _page(publisher)
    with pytest.raises(ValidationError, match="Enter the reason"):
        services.guidance_withdraw(actor=publisher, page=page, reason="  ")
    page.refresh_from_db()
    assert page.state == ApprovalState.UNCHECKED
    with pytest.raises(PermissionDenied):
        services.guidance_withdraw(actor=reader, page=page, reason="Old")
    services.guidance_withdraw(actor=publisher, page=page, reason="Replaced by the new policy")
    page.refresh_from_db()
    assert page.state == ApprovalState.WITHDRAWN
    assert page.withdrawn_reason == "Replaced by the new policy"
    assert page.versions.count() == 1
    assert selectors.guidance_for_step("casework.absconder") is None
    assert not selectors.guidance_search("absconder", user=reader).exists()
    audit = AuditEvent.objects.get(verb="guidance.withdrawn")
    assert audit.payload["reason"] == "Replaced by the new policy"
    with pytest.raises(ValidationError, match="already been withdrawn"):
        services.guidance_withdraw(actor=publisher, page=page, reason="Again")
    with pytest.raises(ValidationError, match="withdrawn"):
        _revise(publisher, page)


def test_version_in_force_on_a_date_by_step_key_or_slug(publisher, checker):
    today = clock.today()
    page = _page(publisher)
    first = page.versions.get()
    _revise(publisher, page, effective_from=today + timedelta(days=10))
    second = page.versions.get(version=2)
    assert selectors.guidance_version_in_force("casework.absconder") == first
    assert selectors.guidance_version_in_force(page.slug, on=today + timedelta(days=9)) == first
    assert selectors.guidance_version_in_force(page.slug, on=today + timedelta(days=10)) == second
    assert selectors.guidance_version_in_force(page.slug, on=today - timedelta(days=1)) is None
    assert selectors.guidance_version_in_force("casework.nothing") is None
    # A draft is never in force; a withdrawn page has nothing in force from its withdrawal.
    _revise(checker, GuidancePage.objects.get(pk=page.pk), draft=True)
    assert selectors.guidance_version_in_force(page.slug, on=today + timedelta(days=30)) == second
    services.guidance_withdraw(actor=publisher, page=page, reason="Superseded")
    assert selectors.guidance_version_in_force(page.slug) is None
    assert selectors.guidance_version_in_force(page.slug, on=today - timedelta(days=1)) is None


def test_an_effective_date_in_the_past_is_refused_and_nothing_saved(publisher):
    with pytest.raises(ValidationError, match="today or in the future"):
        _page(publisher, effective_from=clock.today() - timedelta(days=1))
    assert not GuidancePage.objects.filter(step_key="casework.absconder").exists()
    assert not GuidanceVersion.objects.filter(title__startswith="Absconders").exists()
