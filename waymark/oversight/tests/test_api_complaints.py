"""The complaints read API (issue 20 item 6): complaints as the page lists them, filtered by the
page's filters and by theme and paged, each with its stage-2 review; a restricted record's
reference withheld from whoever may not see restricted records; every read logged as a
consultation naming the person concerned; every role gets it only with
``oversight.view_complaints``; a machine client needs the ``oversight:read`` scope as well; bad
filters are problem details; an unknown complaint is 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from waymark import testing
from waymark.accounts.models import User
from waymark.accounts.roles import ROLES
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight.selectors import governance as sel
from waymark.oversight.services import governance as services
from waymark.oversight.tests.api_clients import machine_client, session_client
from waymark.people.models import Person
from waymark.people.services import person_create

URL = "/api/v1/oversight/complaints/"
NOW = testing.NOW  # Wednesday 18 November 2026


@pytest.fixture
def person(team):
    with clock.frozen(NOW):
        return person_create(actor=None, given_names="Amir", family_name="Haddad", owning_team=team)


@pytest.fixture
def complaints(assurance, line_manager, second_assurance, person):
    """One responded to and taken to a stage-2 review (about ``person``), one still to allocate."""
    with clock.frozen(NOW):
        first = services.complaint_record(
            actor=assurance,
            channel="mp",
            received_on=date(2026, 10, 1),
            complainant="Their MP",
            summary="The tag stopped charging",
            themes=["em_equipment"],
            person_reference=person.reference,
        )
        services.complaint_allocate(actor=assurance, complaint=first, handler=line_manager)
        first = services.complaint_respond(
            actor=line_manager,
            complaint=first,
            responded_on=date(2026, 10, 20),
            outcome="not_upheld",
            response="The tag was replaced the next day.",
        )
        services.complaint_review_request(
            actor=assurance,
            complaint=first,
            requested_on=date(2026, 10, 26),
            reason="It was not replaced for a week",
        )
        second = services.complaint_record(
            actor=assurance,
            channel="email",
            received_on=date(2026, 11, 16),
            complainant="A neighbour",
            summary="Officers visited at night",
            themes=["staff_conduct"],
        )
    return first, second


def test_the_complaints_as_the_page_lists_them_with_their_review(complaints, assurance, person):
    first, second = complaints
    with clock.frozen(NOW):
        body = session_client(assurance).get(URL).json()
        page_order = [r.complaint.pk for r in sel.complaint_rows(sel.complaints_queryset())]
    assert [r["id"] for r in body["results"]] == page_order
    row = next(r for r in body["results"] if r["id"] == first.pk)
    assert row["person_reference"] == person.reference and row["stage"] == "Stage 2"
    assert row["themes"] == ["em_equipment"] and row["outcome"] == "not_upheld"
    assert row["on_time"] is True and row["status"] == "responded"
    [review] = row["escalations"]
    assert review["stage"] == "review" and review["reason"] == "It was not replaced for a week"
    other = next(r for r in body["results"] if r["id"] == second.pk)
    assert other["person_reference"] is None and other["escalations"] == []
    assert other["stage"] == "Stage 1" and other["responded_on"] is None


def test_every_read_is_logged_naming_the_person(complaints, assurance, person):
    first, _second = complaints
    client = session_client(assurance)
    before = AuditEvent.objects.filter(verb="personal_data.consulted").count()
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{first.pk}/").status_code == 200
    entries = list(AuditEvent.objects.filter(verb="personal_data.consulted").order_by("pk"))
    assert len(entries) == before + 2
    listed, one = entries[-2:]
    assert listed.payload["route"] == "api:oversight-complaints"
    assert listed.payload["people"] == [person.pk] and listed.payload["count"] == 2
    assert one.person_id == person.pk and one.actor_id == assurance.pk


def test_a_restricted_record_s_reference_is_withheld(complaints, assurance, person):
    first, _second = complaints
    Person.objects.filter(pk=person.pk).update(restricted_access=True)
    assert not assurance.has_perm("people.view_restricted_person")
    row = session_client(assurance).get(f"{URL}{first.pk}/").json()
    assert row["person_reference"] == sel.RESTRICTED_REFERENCE
    listed = session_client(assurance).get(URL).json()["results"]
    assert person.reference not in str(listed)
    # Given the restricted-person permission, the same reader sees the reference.
    assurance.user_permissions.add(
        Permission.objects.get(content_type__app_label="people", codename="view_restricted_person")
    )
    reader = User.objects.get(pk=assurance.pk)  # a fresh permission cache
    row = session_client(reader).get(f"{URL}{first.pk}/").json()
    assert row["person_reference"] == person.reference


def test_the_filters_match_the_page_and_bad_ones_are_problems(complaints, assurance):
    first, second = complaints
    client = session_client(assurance)
    with clock.frozen(NOW):
        review = client.get(f"{URL}?status=review").json()["results"]
        to_allocate = client.get(f"{URL}?status=received").json()["results"]
        conduct = client.get(f"{URL}?theme=staff_conduct").json()["results"]
    assert [r["id"] for r in review] == [first.pk]
    assert [r["id"] for r in to_allocate] == [second.pk] == [r["id"] for r in conduct]
    for bad in ("?status=shut", "?theme=weather"):
        response = client.get(URL + bad)
        assert response.status_code == 400, bad
        assert response["Content-Type"].startswith("application/problem+json")
    assert client.get(f"{URL}999999/").status_code == 404


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role(role_key, complaints, team):
    user = testing.user_make(role_key, team)
    first, _second = complaints
    for url in (URL, f"{URL}{first.pk}/"):
        status = session_client(user).get(url).status_code
        expected = 200 if user.has_perm(perms.VIEW_COMPLAINTS) else 403
        assert status == expected, (role_key, url, status)


def test_anonymous_and_machine_clients(complaints, team):
    first, _second = complaints
    one = f"{URL}{first.pk}/"
    assert APIClient().get(URL).status_code == 401
    assert APIClient().get(one).status_code == 401
    reader = machine_client(team, "assurance", ["oversight:read"])
    assert reader.get(URL).status_code == 200 and reader.get(one).status_code == 200
    assert machine_client(team, "assurance", ["monitoring:read"]).get(one).status_code == 403
    # The scope alone is not enough: the client's role must see complaints.
    assert machine_client(team, "em_caseworker", ["oversight:read"]).get(one).status_code == 403


def test_the_pages_withhold_it_too(complaints, assurance, person, client):
    first, _second = complaints
    Person.objects.filter(pk=person.pk).update(restricted_access=True)
    client.force_login(assurance)
    for url in ("/oversight/complaints/", f"/oversight/complaints/{first.pk}/"):
        page = client.get(url)
        assert page.status_code == 200
        assert person.reference not in page.content.decode()
        assert sel.RESTRICTED_REFERENCE in page.content.decode()


def test_recording_a_complaint_never_says_whether_a_restricted_reference_exists(assurance, person):
    """The refusal for a restricted person's reference read "No one has this Waymark reference"
    only when no one had it: a complaints manager could probe which restricted records exist."""
    from django.core.exceptions import ValidationError

    def refusal(reference):
        with clock.frozen(testing.NOW), pytest.raises(ValidationError) as error:
            services.complaint_record(
                actor=assurance,
                channel="letter",
                received_on=date(2026, 11, 18),
                complainant="Their representative",
                summary="The tag stopped charging",
                themes=["delay"],
                person_reference=reference,
            )
        return error.value.message_dict["person_reference"]

    Person.objects.filter(pk=person.pk).update(restricted_access=True)
    assert not assurance.has_perm("people.view_restricted_person")
    assert refusal(person.reference) == refusal("WM-9999999")
    assurance.user_permissions.add(
        Permission.objects.get(content_type__app_label="people", codename="view_restricted_person")
    )
    reader = User.objects.get(pk=assurance.pk)
    with clock.frozen(testing.NOW):
        complaint = services.complaint_record(
            actor=reader,
            channel="letter",
            received_on=date(2026, 11, 18),
            complainant="Their representative",
            summary="The tag stopped charging",
            themes=["delay"],
            person_reference=person.reference,
        )
    assert complaint.person_id == person.pk
