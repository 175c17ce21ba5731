from __future__ import annotations

import importlib

import pytest
from django.template import engines
from django.urls import reverse

from waymark.guidance import services
from waymark.guidance.models import GuidancePage

pytestmark = pytest.mark.django_db
# test_seed_is_idempotent tests the data migration's own seed function.
SEED = importlib.import_module("waymark.guidance.migrations.0002_h4_operations_guidance")

STEP_KEYS = [
    "operations.intelligence",
    "operations.plan",
    "operations.risk_assessment",
    "operations.ecia",
    "operations.plan_assessment",
    "operations.authorise",
    "operations.checks",
    "operations.notification",
    "operations.reconnaissance",
    "operations.command",
    "operations.order",
    "operations.briefing",
    "operations.deploy",
    "operations.arrival",
    "operations.entry",
    "operations.encounter",
    "operations.interview",
    "operations.seizure",
    "operations.safeguarding",
    "operations.employer_sanction",
    "operations.engagement",
    "operations.critical_incident",
    "operations.offline",
    "operations.debrief",
    "operations.closure",
    "operations.measures",
]


def test_urls_are_under_guidance():
    assert reverse("guidance:index") == "/guidance/"
    assert reverse("guidance:search") == "/guidance/search/"
    assert reverse("guidance:page", args=["power-of-entry"]) == "/guidance/power-of-entry/"
    assert reverse("guidance:version", args=["power-of-entry", 1]) == "/guidance/power-of-entry/1/"


def test_every_contract_step_key_has_a_seeded_page(seeded):
    assert sorted(GuidancePage.objects.values_list("step_key", flat=True)) == sorted(STEP_KEYS)
    assert all(p.version == 1 and p.versions.count() == 1 for p in GuidancePage.objects.all())
    assert all("003 §" in p.body for p in GuidancePage.objects.all())


def test_pages_render_for_a_signed_in_user(client, reader, seeded):
    client.force_login(reader)
    index = client.get("/guidance/")
    assert index.status_code == 200
    assert "Enforcement operations" in index.content.decode()
    assert 'href="/guidance/authorising-a-visit/"' in index.content.decode()
    page = client.get("/guidance/authorising-a-visit/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Higher Executive Officer" in html
    assert "Last reviewed" in html and "Version" in html
    assert 'name="viewport"' in html  # readable on a phone
    assert "Revise this page" not in html  # a reader cannot revise
    assert client.get("/guidance/no-such-page/").status_code == 404


def test_search_page_shows_highlighted_results_and_an_empty_state(client, reader, seeded):
    client.force_login(reader)
    found = client.get("/guidance/search/", {"q": "exhibit"}).content.decode()
    assert "Searches and seizures" in found
    assert "<mark>exhibit</mark>" in found.lower()
    empty = client.get("/guidance/search/", {"q": "zzzqqq"}).content.decode()
    assert "No guidance found for" in empty
    assert client.get("/guidance/search/").status_code == 200


def test_signed_out_user_is_sent_to_sign_in(client, seeded):
    response = client.get("/guidance/power-of-entry/")
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_earlier_version_stays_readable(client, publisher, reader, seeded):
    page = GuidancePage.objects.get(slug="closing-a-visit")
    old_body = page.body
    services.guidance_revise(
        actor=publisher,
        page=page,
        title=page.title,
        summary=page.summary,
        body=old_body + "\n\nAdd closing comments.",
        change_note="Added closing comments",
    )
    client.force_login(reader)
    current = client.get("/guidance/closing-a-visit/").content.decode()
    assert "Add closing comments." in current and "History" in current
    assert 'href="/guidance/closing-a-visit/1/"' in current
    old = client.get("/guidance/closing-a-visit/1/")
    assert old.status_code == 200
    assert "This is an earlier version" in old.content.decode()
    assert "Add closing comments." not in old.content.decode()
    assert client.get("/guidance/closing-a-visit/9/").status_code == 404
    assert client.get("/guidance/closing-a-visit/2/").status_code == 302  # the current version


def test_non_publisher_gets_403_and_nothing_changes(client, reader, seeded):
    client.force_login(reader)
    page = GuidancePage.objects.get(slug="closing-a-visit")
    data = {"title": "Hacked", "summary": "x", "body": "y", "change_note": "z"}
    assert client.post(reverse("guidance:revise", args=[page.slug]), data).status_code == 403
    assert client.get(reverse("guidance:publish")).status_code == 403
    assert (
        client.post(reverse("guidance:publish"), dict(data, module="operations")).status_code == 403
    )
    page.refresh_from_db()
    assert (page.title, page.version) != ("Hacked", 2)
    assert page.version == 1
    assert not GuidancePage.objects.filter(title="Hacked").exists()


def test_publisher_revises_through_the_form(client, publisher, seeded):
    client.force_login(publisher)
    page = GuidancePage.objects.get(slug="closing-a-visit")
    form = client.get(reverse("guidance:revise", args=[page.slug]))
    assert form.status_code == 200
    bad = client.post(
        reverse("guidance:revise", args=[page.slug]),
        {"title": page.title, "summary": page.summary, "body": "New", "change_note": ""},
    )
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    page.refresh_from_db()
    assert page.version == 1
    ok = client.post(
        reverse("guidance:revise", args=[page.slug]),
        {
            "title": page.title,
            "summary": page.summary,
            "body": "New text",
            "change_note": "Shorter",
        },
    )
    assert ok.status_code == 302
    page.refresh_from_db()
    assert (page.version, page.body) == (2, "New text")


def test_publisher_publishes_through_the_form(client, publisher, db):
    client.force_login(publisher)
    assert client.get(reverse("guidance:publish")).status_code == 200
    response = client.post(
        reverse("guidance:publish"),
        {
            "title": "Using the notebook",
            "module": "platform",
            "summary": "Getting started.",
            "body": "Sign in on your phone.",
            "change_note": "First published",
        },
    )
    assert response.status_code == 302
    assert GuidancePage.objects.get(slug="using-the-notebook").versions.count() == 1


def test_guidance_link_macro_renders_for_a_seeded_step(seeded):
    env = engines["jinja2"]
    template = env.from_string(
        '{% from "guidance/_link.html" import guidance_link %}'
        '{{ guidance_link("operations.seizure") }}|{{ guidance_link("operations.nope") }}'
    )
    html = template.render({})
    link, missing = html.split("|")
    assert 'href="/guidance/searches-and-seizures/"' in link
    assert "Guidance for this step" in link
    assert missing.strip() == ""


def test_nav_shows_guidance_to_a_signed_in_user(client, reader, seeded):
    client.force_login(reader)
    assert 'href="/guidance/"' in client.get("/guidance/power-of-entry/").content.decode()


def test_seed_is_idempotent(seeded):
    before = GuidancePage.objects.count()
    from django.apps import apps as django_apps

    SEED.seed(django_apps, None)
    assert GuidancePage.objects.count() == before


def test_every_step_link_in_a_template_has_a_guidance_page(seeded):
    """oversight.md §5: a broken guidance link is found by a check, not by a user (001 §6.30)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    used = {}
    for template in root.rglob("jinja2/**/*.html"):
        for key in re.findall(r"guidance_link\(\s*[\"']([^\"']+)[\"']\s*\)", template.read_text()):
            used.setdefault(key, str(template.relative_to(root)))
    used.pop("<key>", None)
    known = set(GuidancePage.objects.values_list("step_key", flat=True))
    assert {key: where for key, where in used.items() if key not in known} == {}
