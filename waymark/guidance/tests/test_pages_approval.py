"""The approve and withdraw pages: GOV.UK error summaries on refusal, the page's history with
approval states, a withdrawn page explaining itself, drafts marked only for publishers; and each
role's access to the hub's pages."""

from __future__ import annotations

import pytest

from waymark.accounts.roles import ROLES
from waymark.guidance import services
from waymark.guidance.models import ApprovalState
from waymark.guidance.permissions import PUBLISH_GUIDANCE
from waymark.guidance.tests.conftest import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(publisher):
    return services.guidance_publish(
        actor=publisher,
        title="Reporting events",
        summary="How a reporting event is recorded.",
        body="Record the event on the day it happens.",
        module="monitoring",
        step_key="monitoring.reporting",
    )


def test_the_author_approving_sees_an_error_summary_and_nothing_is_saved(client, publisher, page):
    client.force_login(publisher)
    response = client.post(f"/guidance/{page.slug}/1/approve/", {})
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and "someone other than its author" in html
    page.refresh_from_db()
    assert page.state == ApprovalState.UNCHECKED


def test_another_publisher_approves_and_the_history_shows_the_states(client, publisher, page):
    checker = user_make("assurance")
    client.force_login(checker)
    response = client.post(f"/guidance/{page.slug}/1/approve/", {})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.state == ApprovalState.APPROVED
    html = client.get(f"/guidance/{page.slug}/").content.decode()
    assert "History" in html and "Approved" in html and "In force from" in html


def test_withdraw_form_needs_a_reason_then_a_link_shows_why(client, publisher, reader, page):
    client.force_login(publisher)
    response = client.post(f"/guidance/{page.slug}/withdraw/", {"reason": ""})
    assert "govuk-error-summary" in response.content.decode()
    assert "Enter the reason the page is withdrawn" in response.content.decode()
    response = client.post(f"/guidance/{page.slug}/withdraw/", {"reason": "Policy replaced"})
    assert response.status_code == 302
    client.force_login(reader)
    html = client.get(f"/guidance/{page.slug}/").content.decode()
    assert "Withdrawn" in html and "Policy replaced" in html
    assert page.title not in client.get("/guidance/").content.decode()


def test_drafts_are_marked_for_publishers_and_not_found_by_staff(client, publisher, reader, page):
    client.force_login(publisher)
    client.post(
        f"/guidance/{page.slug}/revise/",
        {
            "title": page.title,
            "summary": page.summary,
            "body": page.body + "\n\nRecord the time too.",
            "change_note": "Time",
            "how": "draft",
        },
    )
    page.refresh_from_db()
    assert page.version == 1 and page.versions.get(version=2).state == ApprovalState.DRAFT
    html = client.get(f"/guidance/{page.slug}/2/").content.decode()
    assert "This is a draft" in html and "Approve version 2" in html
    client.force_login(reader)
    assert client.get(f"/guidance/{page.slug}/2/").status_code == 404
    assert "Record the time too" not in client.get(f"/guidance/{page.slug}/").content.decode()


def test_a_publisher_can_read_the_link_check(client, publisher):
    client.force_login(publisher)
    html = client.get("/guidance/links/").content.decode()
    assert "Links to guidance" in html and "operations.authorise" in html


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_each_role_reads_guidance_and_only_publishers_change_it(role_key, client, page):
    user = user_make(role_key)
    client.force_login(user)
    assert client.get("/guidance/").status_code == 200
    assert client.get("/guidance/search/?q=report").status_code == 200
    assert client.get(f"/guidance/{page.slug}/").status_code == 200
    expected = 200 if user.has_perm(PUBLISH_GUIDANCE) else 403
    for url in (
        "/guidance/new/",
        "/guidance/links/",
        f"/guidance/{page.slug}/revise/",
        f"/guidance/{page.slug}/withdraw/",
        f"/guidance/{page.slug}/1/approve/",
    ):
        assert client.get(url).status_code == expected, url
