"""Every link to guidance leads to a page in force (oversight.md §5: "a broken link is found by a
check, not by a user"; 001 §6.30). The first test fails naming each broken link; the others show
the ``guidance.check_links`` sweep records a broken link once, tells the page's owner, and marks it
resolved when the page is back."""

from __future__ import annotations

import pytest

from waymark.core.models import AuditEvent, Notification
from waymark.guidance import links, services
from waymark.guidance.models import GuidanceLinkProblem, GuidancePage
from waymark.work.registry import task_types
from waymark.work.sweeps import sweeps

pytestmark = pytest.mark.django_db


def test_no_link_to_guidance_is_broken(seeded):
    broken = [str(b) for b in links.guidance_broken_links()]
    assert broken == [], "Broken guidance links:\n" + "\n".join(broken)


def test_the_check_finds_links_in_templates_code_registry_and_task_types(seeded):
    found = {(link.step_key, link.where.split(" ")[0]) for link in links.guidance_links()}
    assert ("operations.authorise", "template") in found
    assert ("operations.debrief", "code") in found
    assert ("operations.measures", "operations") in found
    with_guidance = [t for t in task_types() if t.guidance]
    assert all((t.guidance, "task") in found for t in with_guidance)


def test_the_sweep_is_registered():
    assert sweeps()["guidance.check_links"] is services.guidance_links_check


def test_a_withdrawn_page_is_reported_once_to_its_owner_then_resolved(seeded, publisher):
    page = GuidancePage.objects.get(step_key="operations.authorise")
    page.owner = publisher
    page.save(update_fields=["owner"])
    assert services.guidance_links_check()["new"] == 0

    services.guidance_withdraw(actor=publisher, page=page, reason="Rewritten")
    broken = links.guidance_broken_links()
    assert broken and all(b.step_key == "operations.authorise" for b in broken)
    assert all("has been withdrawn (Rewritten)" in b.problem for b in broken)

    result = services.guidance_links_check()
    assert result["new"] == len(broken) > 0
    problems = GuidanceLinkProblem.objects.filter(resolved_at=None)
    assert {p.step_key for p in problems} == {"operations.authorise"}
    told = Notification.objects.filter(user=publisher, text__contains="operations.authorise")
    assert told.count() == len(broken)
    assert AuditEvent.objects.filter(verb="guidance.links_checked").count() == 1

    # Idempotent: a second run records and tells nothing new.
    assert services.guidance_links_check()["new"] == 0
    assert told.count() == len(broken)

    # The page comes back (a new page for the step): the problems are resolved.
    page.step_key = ""
    page.save(update_fields=["step_key"])
    services.guidance_publish(
        actor=publisher,
        title="Authorising a visit (new)",
        summary="Who may authorise a visit.",
        body="An inspector or above authorises.",
        module="operations",
        step_key="operations.authorise",
    )
    assert services.guidance_links_check()["resolved"] == len(broken)
    assert not GuidanceLinkProblem.objects.filter(resolved_at=None).exists()


def test_a_step_with_no_page_is_reported_to_the_publishers(seeded, publisher):
    links.register_guidance_steps("testing", ["testing.no_such_step"])
    try:
        broken = [str(b) for b in links.guidance_broken_links()]
        assert broken == [
            "testing journey step links to 'testing.no_such_step': "
            "no guidance page has this step key"
        ]
        services.guidance_links_check()
        assert Notification.objects.filter(
            user=publisher, text__contains="testing.no_such_step"
        ).exists()
    finally:
        links._STEPS.pop("testing")


def test_a_task_page_links_to_its_task_type_s_guidance(seeded, client):
    from waymark.accounts.models import Team, User
    from waymark.work import services as work_services
    from waymark.work.models import Queue

    team = Team.objects.create(slug="g-team", name="Guidance team")
    queue = Queue.objects.create(slug="g-queue", name="Guidance queue", team=team)
    task = work_services.task_create(
        actor=None, task_type="ops_authorise_visit", title="Authorise", queue=queue
    )
    admin = User.objects.create_superuser(username="g-admin", password="a-long-test-password-1")
    admin.teams.add(team)
    client.force_login(admin)
    html = client.get(f"/work/tasks/{task.pk}/").content.decode()
    assert "Guidance for this step: Authorising a visit" in html
