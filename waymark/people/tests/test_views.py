from __future__ import annotations

import pytest
from django.urls import reverse

from waymark.core.models import AuditAction, AuditEvent
from waymark.people import services
from waymark.people.models import Note, Person
from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, caseworker):
    client.force_login(caseworker)
    return client


@pytest.fixture
def person(team):
    return make_person(owning_team=team)


def test_viewing_person_writes_consultation_audit(signed_in, caseworker, person):
    response = signed_in.get(reverse("people:detail", args=[person.pk]))
    assert response.status_code == 200
    assert person.reference in response.content.decode()
    entry = AuditEvent.objects.get(verb="person.viewed")
    assert entry.action == AuditAction.CONSULTATION
    assert entry.person_id == person.pk and entry.actor == caseworker and entry.channel == "web"


def test_other_team_without_view_any_person_gets_404_everywhere(client, person):
    outsider = make_user(
        *CASEWORKER_PERMS,
        "core.view_access_history",
        "people.change_ownership",
        "people.merge_person",
        "people.view_protected_characteristics",
        teams=[make_team()],
    )
    client.force_login(outsider)
    for name in (
        "detail",
        "timeline",
        "tasks",
        "documents",
        "access-history",
        "protected-characteristics",
        "note-add",
        "ownership",
        "alias-add",
        "merge",
    ):
        assert client.get(reverse(f"people:{name}", args=[person.pk])).status_code == 404, name
    assert not AuditEvent.objects.filter(verb="person.viewed").exists()
    national = make_user("people.view_person", "people.view_any_person")
    client.force_login(national)
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 200


def test_search_page_finds_by_name_and_shows_empty_state(signed_in, person):
    response = signed_in.get(reverse("people:search"), {"name": "Amir Hadad"})
    assert response.status_code == 200
    assert person.reference in response.content.decode()
    response = signed_in.get(reverse("people:search"), {"name": "Nobody Atall"})
    assert "No matching people" in response.content.decode()


def test_search_page_invalid_date_shows_error_summary(signed_in):
    response = signed_in.get(
        reverse("people:search"),
        {"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "1990"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body and "must be a real date" in body


def test_invalid_note_form_shows_error_summary_and_saves_nothing(signed_in, person):
    response = signed_in.post(reverse("people:note-add", args=[person.pk]), {"text": "   "})
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body and "Enter the note" in body
    assert 'class="govuk-error-message"' in body
    assert not Note.objects.exists()


def test_note_add_and_correct_pages(signed_in, person):
    signed_in.post(reverse("people:note-add", args=[person.pk]), {"text": "Reported on time"})
    note = Note.objects.get()
    response = signed_in.post(
        reverse("people:note-correct", args=[person.pk, note.pk]),
        {"text": "Reported late", "reason": "Typed wrongly"},
    )
    assert response.status_code == 302
    timeline = signed_in.get(reverse("people:timeline", args=[person.pk])).content.decode()
    assert (
        "Reported late" in timeline
        and "Reported on time" in timeline
        and "Typed wrongly" in timeline
    )


def test_timeline_filters_by_module(signed_in, person):
    services.timeline_event_record(
        person=person, module="monitoring", event_type="tag.fitted", summary="Tag fitted at home"
    )
    body = signed_in.get(
        reverse("people:timeline", args=[person.pk]), {"module": "monitoring"}
    ).content.decode()
    assert "Tag fitted at home" in body and "Record created" not in body


def test_reference_clash_shown_on_form(signed_in, person):
    make_person(given_names="Other", family_name="Person", references={"pnc": "99/1X"})
    response = signed_in.post(
        reverse("people:reference-add", args=[person.pk]),
        {"reference_type": "pnc", "value": "99/1x"},
    )
    assert response.status_code == 400
    assert "already recorded on another person" in response.content.decode()
    assert not person.references.exists()


def test_protected_characteristics_page_asks_reason_then_logs(client, person):
    viewer = make_user(
        "people.view_person", "people.view_any_person", "people.view_protected_characteristics"
    )
    services.protected_characteristics_record(actor=None, person=person, religion="Buddhist")
    client.force_login(viewer)
    url = reverse("people:protected-characteristics", args=[person.pk])
    first = client.get(url).content.decode()
    assert "Buddhist" not in first
    shown = client.post(url, {"reason": "Subject access request 42"}).content.decode()
    assert "Buddhist" in shown
    assert (
        AuditEvent.objects.get(verb="person.protected_characteristics_viewed").purpose
        == "Subject access request 42"
    )


def test_access_history_lists_views(client, person):
    dpo = make_user("people.view_person", "people.view_any_person", "core.view_access_history")
    client.force_login(dpo)
    client.get(reverse("people:detail", args=[person.pk]))
    body = client.get(reverse("people:access-history", args=[person.pk])).content.decode()
    assert "person.viewed" in body and dpo.username in body
    client.force_login(make_user("people.view_person", "people.view_any_person"))
    assert client.get(reverse("people:access-history", args=[person.pk])).status_code == 403


def test_merge_confirm_then_merge_then_unmerge(client, person):
    other = make_person(given_names="Amir", family_name="Hadad")
    manager = make_user("people.view_person", "people.view_any_person", "people.merge_person")
    client.force_login(manager)
    url = reverse("people:merge", args=[person.pk])
    confirm = client.post(url, {"other_reference": other.reference, "reason": "Same fingerprints"})
    assert "Check these are the same person" in confirm.content.decode()
    assert Person.objects.get(pk=other.pk).record_status == "active"
    done = client.post(
        url, {"other_reference": other.reference, "reason": "Same fingerprints", "confirm": "yes"}
    )
    assert done.status_code == 302
    merge = person.merges_absorbed.get()
    assert Person.objects.get(pk=other.pk).record_status == "merged"
    response = client.post(
        reverse("people:unmerge", args=[person.pk, merge.pk]), {"reason": "Mistake"}
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=other.pk).record_status == "active"


def test_ownership_page(client, person, team):
    manager = make_user("people.view_person", "people.view_any_person", "people.change_ownership")
    client.force_login(manager)
    response = client.post(
        reverse("people:ownership", args=[person.pk]), {"team": "", "owner": "", "reason": ""}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("people:ownership", args=[person.pk]),
        {"team": "", "owner": "", "reason": "Team disbanded"},
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).ownership_state == "unclear"


def test_all_person_tabs_render(signed_in, person):
    for name in ("detail", "timeline", "tasks", "documents"):
        response = signed_in.get(reverse(f"people:{name}", args=[person.pk]))
        assert response.status_code == 200, name
        assert "moj-sub-navigation" in response.content.decode()


def test_the_person_s_name_is_the_page_heading(signed_in, person):
    """The record's h1 is the person's name, not a hidden "Summary" (issue 16, problem 8)."""
    import re

    page = signed_in.get(reverse("people:detail", args=[person.pk])).content.decode()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert heading and person.full_name in heading.group(1)
    assert "govuk-visually-hidden" not in heading.group(0)


def test_timeline_filters_by_kind_words_and_dates_names_authors_and_links_events(signed_in, person):
    """Issue 16, problem 8: filters beyond the module, the real author (never 'the system' for
    what a person did), events linked to their page where a module registered one."""
    from datetime import datetime

    from waymark.core.clock import LONDON

    services.timeline_event_record(
        person=person,
        module="monitoring",
        event_type="tag.fitted",
        summary="Tag fitted at home",
        occurred_at=datetime(2026, 3, 2, 10, 0, tzinfo=LONDON),
    )
    services.timeline_event_record(
        person=person,
        module="monitoring",
        event_type="breach.received",
        summary="Curfew missed",
        occurred_at=datetime(2026, 5, 9, 23, 0, tzinfo=LONDON),
    )
    url = reverse("people:timeline", args=[person.pk])
    body = signed_in.get(url, {"kind": "breach.received"}).content.decode()
    assert "Curfew missed" in body and "Tag fitted at home" not in body
    body = signed_in.get(url, {"q": "fitted"}).content.decode()
    assert "Tag fitted at home" in body and "Curfew missed" not in body
    body = signed_in.get(url, {"from": "1 5 2026", "to": "31/5/2026"}).content.decode()
    assert "Curfew missed" in body and "Tag fitted at home" not in body
    wrong = signed_in.get(url, {"from": "31 2 2026"}).content.decode()
    assert "Enter the first day as a real date" in wrong
    assert "No events match these filters." in signed_in.get(url, {"q": "zzz"}).content.decode()
    assert "the system" not in signed_in.get(url).content.decode()
