"""The guidance hub's slug routes under hostile and foreign input and double submissions.

A page may not take one of the hub's own addresses (``/guidance/new/``, ``search/``, ``links/``),
where it could never be opened. The same address published twice at the same moment is refused on
the form with the reason (it was the platform's generic 409 page). A text of a couple of megabytes
overflowed PostgreSQL's search vector (a server error): the text has a limit. The same revision
submitted twice at once made two identical versions, and the same draft saved twice two identical
drafts: refused under the page's lock. Odd slugs and versions are 404s; foreign text is stored and
shown as typed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import URLPattern, reverse

from waymark.guidance import rules, services, urls
from waymark.guidance.models import GuidancePage

pytestmark = pytest.mark.django_db

TEXT = {
    "summary": "When and how to refer a suspected sham marriage.",
    "body": "Refer a suspected sham marriage to the marriage referral team.",
    "module": "operations",
}


def _form(**overrides) -> dict[str, str]:
    return {
        "title": "Sham marriage referrals",
        "slug": "",
        "step_key": "",
        "owner_team": "",
        "change_note": "First published",
        "how": "publish",
        **TEXT,
        **overrides,
    }


@contextmanager
def _check_misses_once(model) -> Iterator[None]:
    """As when another request writes the same row between the service's check and its insert
    (a double-submitted form): the first ``exists()`` check on ``model`` sees nothing."""
    original = QuerySet.exists
    missed: list[QuerySet] = []

    def exists(queryset: QuerySet) -> bool:
        if queryset.model is model and not missed:
            missed.append(queryset)
            return False
        return original(queryset)

    with mock.patch.object(QuerySet, "exists", exists):
        yield


def test_the_reserved_addresses_are_every_fixed_address_of_the_hub():
    fixed = {
        str(p.pattern).strip("/").split("/")[0]
        for p in urls.urlpatterns
        if isinstance(p, URLPattern) and "<" not in str(p.pattern) and str(p.pattern)
    }
    assert fixed == set(rules.RESERVED_SLUGS)


@pytest.mark.parametrize("slug", sorted(rules.RESERVED_SLUGS))
def test_a_page_may_not_take_an_address_of_the_hub_s_own(publisher, client, slug):
    """Published at ``/guidance/search/`` a page could never be read: the search page answers
    there. Refused by address or by a title that makes it, with the reason, nothing saved."""
    client.force_login(publisher)
    for form in (_form(slug=slug), _form(title=slug.title())):
        response = client.post(reverse("guidance:publish"), form)
        assert response.status_code == 400
        assert "one of the guidance hub&#39;s own pages" in response.content.decode()
    with pytest.raises(ValidationError) as error:
        services.guidance_publish(actor=publisher, title="Anything", slug=slug, **TEXT)
    assert "slug" in error.value.message_dict
    assert not GuidancePage.objects.filter(slug=slug).exists()


def test_the_same_address_published_at_the_same_moment_is_refused_on_the_form(publisher, client):
    services.guidance_publish(actor=publisher, title="Sham marriage referrals", **TEXT)
    client.force_login(publisher)
    with _check_misses_once(GuidancePage):
        response = client.post(reverse("guidance:publish"), _form())
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert GuidancePage.objects.filter(title="Sham marriage referrals").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/guidance/no-such-page/",
        "/guidance/no-such-page/revise/",
        "/guidance/no-such-page/withdraw/",
        "/guidance/no-such-page/1/approve/",
        "/guidance/SHAM-MARRIAGE-REFERRALS/",
        "/guidance/sham_marriage_referrals/",
        "/guidance/%D9%85%D8%B1%D8%AD%D8%A8%D8%A7/",  # Arabic: not a slug
        "/guidance/sham-marriage-referrals/99999999999999999999/",
        "/guidance/sham-marriage-referrals/99999999999999999999/approve/",
        "/guidance/sham-marriage-referrals/0/",
        "/guidance/sham-marriage-referrals/%C2%B2/",  # superscript two: not a version
    ],
)
def test_odd_slugs_and_versions_are_404(publisher, client, path):
    services.guidance_publish(actor=publisher, title="Sham marriage referrals", **TEXT)
    client.force_login(publisher)
    assert client.get(path).status_code == 404


def test_foreign_text_is_kept_as_typed_and_an_unsluggable_title_asks_for_an_address(
    publisher, client
):
    client.force_login(publisher)
    arabic = "إحالات الزواج الصوري"
    refused = client.post(reverse("guidance:publish"), _form(title=arabic))
    assert refused.status_code == 400
    assert "Enter a web address made of letters" in refused.content.decode()
    title = "Cafe\u0301 visits \U0001f6a8 " + arabic
    done = client.post(reverse("guidance:publish"), _form(title=title, slug="cafe-visits"))
    assert done.status_code == 302
    page = GuidancePage.objects.get(slug="cafe-visits")
    assert page.title == title
    assert title in client.get(reverse("guidance:page", args=["cafe-visits"])).content.decode()


def test_a_text_longer_than_the_limit_is_refused_on_the_page_and_by_the_service(publisher, client):
    """Two megabytes of distinct words overflowed PostgreSQL's search vector (1 MB at most) when
    the search index was computed on the write: the publish failed with a server error."""
    long_text = "word " * (rules.BODY_MAX_CHARS // 5 + 1)
    client.force_login(publisher)
    response = client.post(reverse("guidance:publish"), _form(body=long_text))
    assert response.status_code == 400
    assert f"{rules.BODY_MAX_CHARS:,} characters" in response.content.decode()
    page = services.guidance_publish(actor=publisher, title="Sham marriage referrals", **TEXT)
    for write in (
        lambda: services.guidance_publish(
            actor=publisher, title="Other", **{**TEXT, "body": long_text}
        ),
        lambda: services.guidance_revise(
            actor=publisher,
            page=page,
            title=page.title,
            summary=page.summary,
            body=long_text,
            change_note="Longer",
        ),
    ):
        with pytest.raises(ValidationError) as error:
            write()
        assert "body" in error.value.message_dict
    assert not GuidancePage.objects.filter(title="Other").exists()
    assert GuidancePage.objects.get(pk=page.pk).version == 1


def _revise(actor, page, body: str, *, draft: bool = False):
    return services.guidance_revise(
        actor=actor,
        page=page,
        title=page.title,
        summary=page.summary,
        body=body,
        change_note="Added the time limit",
        draft=draft,
    )


@pytest.mark.parametrize("draft", [False, True], ids=["published", "draft"])
def test_the_same_revision_submitted_twice_at_once_makes_one_version(publisher, draft):
    """Both requests read the page before either wrote: the second used to pass the "nothing has
    changed" check against what it had read and write an identical version."""
    page = services.guidance_publish(actor=publisher, title="Sham marriage referrals", **TEXT)
    read_by_both = GuidancePage.objects.get(pk=page.pk)
    _revise(publisher, read_by_both, "Refer within one working day.", draft=draft)
    with pytest.raises(ValidationError) as error:
        _revise(publisher, read_by_both, "Refer within one working day.", draft=draft)
    assert "body" in error.value.message_dict
    assert page.versions.count() == 2


def test_the_same_draft_saved_twice_through_the_page_is_refused_the_second_time(publisher, client):
    page = services.guidance_publish(actor=publisher, title="Sham marriage referrals", **TEXT)
    client.force_login(publisher)
    form = {
        "title": page.title,
        "summary": page.summary,
        "body": "Refer within one working day.",
        "owner_team": "",
        "change_note": "Added the time limit",
        "how": "draft",
    }
    url = reverse("guidance:revise", args=[page.slug])
    assert client.post(url, form).status_code == 302
    again = client.post(url, form)
    assert again.status_code == 400
    assert "already waiting for approval as version 2" in again.content.decode()
    assert page.versions.count() == 2
