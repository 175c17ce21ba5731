from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core.models import AuditEvent
from waymark.guidance import selectors, services
from waymark.guidance.models import GuidancePage, GuidanceVersion

pytestmark = pytest.mark.django_db


def _publish(actor, **overrides):
    data = {
        "title": "Sham marriage referrals",
        "summary": "When and how to refer a suspected sham marriage.",
        "body": "Refer a suspected sham marriage or civil partnership to the marriage referral team.",
        "module": "operations",
    }
    data.update(overrides)
    return services.guidance_publish(actor=actor, **data)


def test_publish_writes_version_one_and_audits(publisher):
    page = _publish(publisher)
    assert page.slug == "sham-marriage-referrals"
    assert page.version == 1
    assert list(page.versions.values_list("version", "change_note")) == [(1, "First published")]
    assert AuditEvent.objects.filter(verb="guidance.published", target_id=str(page.pk)).count() == 1


def test_non_publisher_cannot_publish_and_nothing_is_saved(reader):
    with pytest.raises(PermissionDenied):
        _publish(reader)
    assert not GuidancePage.objects.filter(slug="sham-marriage-referrals").exists()
    assert not AuditEvent.objects.filter(verb="guidance.published").exists()


def test_publish_refuses_blank_text_and_duplicate_slug(publisher):
    with pytest.raises(ValidationError) as error:
        _publish(publisher, summary="", body="  ")
    assert set(error.value.message_dict) == {"summary", "body"}
    _publish(publisher)
    with pytest.raises(ValidationError) as error:
        _publish(publisher)
    assert "slug" in error.value.message_dict
    assert GuidancePage.objects.filter(slug="sham-marriage-referrals").count() == 1


def test_revise_keeps_the_old_version_readable(publisher):
    page = _publish(publisher)
    revised = services.guidance_revise(
        actor=publisher,
        page=page,
        title=page.title,
        summary=page.summary,
        body="Refer within one working day.",
        change_note="Added the time limit",
    )
    assert revised.version == 2
    assert revised.body == "Refer within one working day."
    old = selectors.guidance_version_get(revised, 1)
    assert old.body.startswith("Refer a suspected sham marriage")
    assert selectors.guidance_version_get(revised, 2).change_note == "Added the time limit"
    event = AuditEvent.objects.get(verb="guidance.revised")
    assert event.payload["old"]["version"] == 1 and event.payload["new"]["version"] == 2


def test_revise_needs_a_change_note_and_a_change(publisher):
    page = _publish(publisher)
    with pytest.raises(ValidationError) as error:
        services.guidance_revise(
            actor=publisher,
            page=page,
            title=page.title,
            summary=page.summary,
            body="New text",
            change_note=" ",
        )
    assert "change_note" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.guidance_revise(
            actor=publisher,
            page=page,
            title=page.title,
            summary=page.summary,
            body=page.body,
            change_note="No change",
        )
    page.refresh_from_db()
    assert page.version == 1
    assert GuidanceVersion.objects.filter(page=page).count() == 1


def test_non_publisher_cannot_revise(publisher, reader):
    page = _publish(publisher)
    with pytest.raises(PermissionDenied):
        services.guidance_revise(
            actor=reader,
            page=page,
            title="Changed",
            summary=page.summary,
            body=page.body,
            change_note="Sneaky",
        )
    page.refresh_from_db()
    assert (page.version, page.title) == (1, "Sham marriage referrals")


def test_search_finds_a_word_in_the_body(seeded):
    results = list(selectors.guidance_search("sealed-bag"))
    assert results[0].slug == "searches-and-seizures"
    assert [p.slug for p in selectors.guidance_search("Street View")][:1] == ["reconnaissance"]
    assert not selectors.guidance_search("zzzqqq").exists()
    assert not selectors.guidance_search("   ").exists()


def test_search_ranks_a_title_match_first(seeded):
    # "consent" appears in the body of several pages but in the title of only one.
    body_only = [
        p
        for p in GuidancePage.objects.filter(body__icontains="consent")
        if "consent" not in p.title.lower()
    ]
    assert body_only, "the seed should mention consent outside the entry page too"
    results = list(selectors.guidance_search("consent"))
    assert results[0].slug == "power-of-entry"
    assert len(results) > 1


def test_snippet_highlights_the_word(seeded):
    page = GuidancePage.objects.get(slug="operational-notification-form")
    text = str(selectors.snippet(page, ["72"]))
    assert "<mark>72</mark>" in text
    assert len(text) < 300


def test_highlight_escapes_html():
    assert (
        str(selectors.highlight("<b>ONF</b> form", ["onf"]))
        == "&lt;b&gt;<mark>ONF</mark>&lt;/b&gt; form"
    )
