"""Field pages: each page for its role, a role without permission, the no-JavaScript form path
(a server-made client_uuid, so a double submit is stored once) and the GOV.UK error summary."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from waymark.core import clock
from waymark.operations import models as m
from waymark.operations import rules
from waymark.operations import services as field_services
from waymark.operations.tests.conftest import (
    NOW,
    entry_uuid,
    premises_make,
    user_make,
    visit_deployed_make,
)

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def uuid_from(html: str) -> str:
    return re.search(r'name="client_uuid" value="([0-9a-f-]{36})"', html).group(1)


def test_the_field_page_for_an_assigned_officer(client, frozen, visit_deployed, field_officer):
    field_services.field_entry_record(
        actor=field_officer,
        visit=visit_deployed,
        entry_type="note",
        client_uuid=entry_uuid(),
        recorded_at=NOW,
        latitude=51.5155,
        longitude=-0.0722,
        data={"text": "Rear door locked"},
    )
    response = signed_in(client, field_officer).get(
        reverse("operations:field", args=[visit_deployed.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rear door locked" in html and "51.51550" in html and "I have arrived" in html
    assert "Waiting to be sent" in html and 'data-module="waymark-field-offline"' in html
    assert "operations/field.mjs" in html and "<script>" not in html.replace("<script nonce", "")
    for key in ("encounter", "seizure", "entry"):
        assert reverse("operations:field-entry", args=[visit_deployed.pk, key]) in html
    assert reverse("operations:debrief", args=[visit_deployed.pk]) not in html  # not the OIC


def test_the_field_page_is_404_for_an_officer_not_on_the_visit_and_403_without_the_role(
    client, frozen, visit_deployed, ice_team
):
    outsider = user_make("field_officer", ice_team)
    assert (
        signed_in(client, outsider)
        .get(reverse("operations:field", args=[visit_deployed.pk]))
        .status_code
        == 404
    )
    analyst = user_make("performance_analyst", ice_team)
    client.force_login(analyst)
    assert client.get(reverse("operations:field", args=[visit_deployed.pk])).status_code == 403
    assert (
        client.get(reverse("operations:field-entry", args=[visit_deployed.pk, "note"])).status_code
        == 403
    )
    assert client.get(reverse("operations:where", args=[visit_deployed.pk])).status_code == 403


def test_an_entry_form_without_javascript_is_stored_once_on_a_double_submit(
    client, frozen, visit_deployed, field_officer
):
    url = reverse("operations:field-entry", args=[visit_deployed.pk, "entry"])
    client = signed_in(client, field_officer)
    page = client.get(url)
    assert page.status_code == 200
    key = uuid_from(page.content.decode())
    form = {
        "client_uuid": key,
        "achieved": "yes",
        "power": "informed_consent",
        "consent_given_by": "Mr Li",
        "consent_given_by_role": "Manager",
        "told_could_refuse": "on",
    }
    first = client.post(url, form)
    with clock.frozen(NOW + timedelta(seconds=2)):  # the second tap, a moment later
        second = client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("operations:field", args=[visit_deployed.pk])
    assert m.FieldEntry.objects.filter(client_uuid=key).count() == 1
    assert m.EntryRecord.objects.get(visit=visit_deployed).consent_given_by == "Mr Li"
    assert client.get(url).content.decode().count(key) == 0  # a fresh form gets a fresh id


def test_a_refused_entry_shows_the_error_summary_and_saves_nothing(
    client, frozen, ice_team, sector, oic, field_officer
):
    visit = visit_deployed_make(
        ice_team, premises_make(sector, licensed=False), oic, [field_officer]
    )
    url = reverse("operations:field-entry", args=[visit.pk, "entry"])
    client = signed_in(client, field_officer)
    response = client.post(
        url, {"client_uuid": entry_uuid(), "achieved": "yes", "power": "licensing_s179"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and "Section 179 applies only to licensed premises" in html
    assert not m.FieldEntry.objects.filter(visit=visit).exists()
    seizure = reverse("operations:field-entry", args=[visit.pk, "seizure"])
    response = client.post(
        seizure,
        {
            "client_uuid": entry_uuid(),
            "searched": "Kitchen",
            "search_power": "s25B",
            "item_description": "Payslips",
        },
    )
    html = response.content.decode()
    assert (
        response.status_code == 400
        and "Enter the exhibit number" in html
        and "Enter the sealed-bag number" in html
    )
    assert not m.Seizure.objects.exists()


def test_every_entry_form_renders_and_an_unknown_type_is_404(client, frozen, visit_deployed, oic):
    m.InterviewQuestion.objects.create(text="Where do you live?", predefined=True, created_at=NOW)
    client = signed_in(client, oic)
    for entry_type in rules.ENTRY_TYPES:
        response = client.get(
            reverse("operations:field-entry", args=[visit_deployed.pk, entry_type])
        )
        assert response.status_code == 200, entry_type
        assert 'name="client_uuid"' in response.content.decode()
    assert (
        "Where do you live?"
        in client.get(
            reverse("operations:field-entry", args=[visit_deployed.pk, "interview"])
        ).content.decode()
    )
    assert (
        client.get(
            reverse("operations:field-entry", args=[visit_deployed.pk, "nonsense"])
        ).status_code
        == 404
    )


def test_the_interview_form_saves_an_added_question(client, frozen, visit_deployed, field_officer):
    question = m.InterviewQuestion.objects.create(
        text="Where do you live?", predefined=True, created_at=NOW
    )
    url = reverse("operations:field-entry", args=[visit_deployed.pk, "interview"])
    response = signed_in(client, field_officer).post(
        url,
        {
            "client_uuid": entry_uuid(),
            f"q_{question.pk}": "Ilford",
            "added_question_1": "Who drove you here?",
            "added_answer_1": "The owner",
            "added_save_1": "on",
        },
    )
    assert response.status_code == 302
    assert m.InterviewQuestion.objects.filter(text="Who drove you here?", predefined=False).exists()
    assert len(m.Interview.objects.get(visit=visit_deployed).answers) == 2


def test_who_is_where_for_the_oic_a_remote_manager_and_not_another_team(
    client, frozen, visit_deployed, oic, field_officer, ice_team, other_ice_team
):
    field_services.field_entry_record(
        actor=field_officer,
        visit=visit_deployed,
        entry_type="arrival",
        client_uuid=entry_uuid(),
        recorded_at=NOW,
        data={},
    )
    url = reverse("operations:where", args=[visit_deployed.pk])
    html = signed_in(client, oic).get(url).content.decode()
    assert "On site" in html and "Not arrived" in html
    manager = user_make("authorising_officer", ice_team)
    assert signed_in(client, manager).get(url).status_code == 200
    elsewhere = user_make("authorising_officer", other_ice_team)
    assert signed_in(client, elsewhere).get(url).status_code == 404
    assurance = user_make("assurance", other_ice_team)
    assert signed_in(client, assurance).get(url).status_code == 200


DEBRIEF_POST = {
    **{key: f"Enough said about {label.lower()}." for key, label in rules.DEBRIEF_SECTIONS.items()},
    "intelligence_accuracy": "accurate",
}


def test_the_debrief_page_refuses_a_missing_section_and_is_only_for_the_oic(
    client, frozen, visit_deployed, oic, field_officer
):
    url = reverse("operations:debrief", args=[visit_deployed.pk])
    assert signed_in(client, field_officer).get(url).status_code == 403
    client = signed_in(client, oic)
    assert client.get(url).status_code == 200
    response = client.post(url, {**DEBRIEF_POST, "went_well": ""})
    assert response.status_code == 400
    assert (
        "govuk-error-summary" in response.content.decode()
        and "Enter what went well" in response.content.decode()
    )
    assert not m.Debrief.objects.exists()
    assert client.post(url, DEBRIEF_POST).status_code == 302
    assert m.Debrief.objects.get(visit=visit_deployed).intelligence_accuracy == "accurate"


def test_the_close_page_lists_what_is_incomplete_and_closes_when_ready(
    client, frozen, visit_deployed, oic, field_officer
):
    url = reverse("operations:close", args=[visit_deployed.pk])
    assert signed_in(client, field_officer).get(url).status_code == 403
    client = signed_in(client, oic)
    field_services.field_entry_record(
        actor=field_officer,
        visit=visit_deployed,
        entry_type="arrival",
        client_uuid=entry_uuid(),
        recorded_at=NOW,
        data={},
    )
    page = client.get(url).content.decode()
    assert "still on site" in page and "debrief has not been submitted" in page
    refused = client.post(url, {"confirm": "on"})
    assert refused.status_code == 400 and "still on site" in refused.content.decode()
    assert m.Visit.objects.get(pk=visit_deployed.pk).status == m.VisitStatus.DEPLOYED
    with clock.frozen(NOW + timedelta(minutes=20)):
        field_services.field_entry_record(
            actor=field_officer,
            visit=visit_deployed,
            entry_type="entry",
            client_uuid=entry_uuid(),
            recorded_at=NOW + timedelta(minutes=1),
            data={"achieved": False, "not_achieved_reason": "Closed"},
        )
        field_services.field_entry_record(
            actor=field_officer,
            visit=visit_deployed,
            entry_type="departure",
            client_uuid=entry_uuid(),
            recorded_at=NOW + timedelta(minutes=15),
            data={},
        )
        client.post(reverse("operations:debrief", args=[visit_deployed.pk]), DEBRIEF_POST)
        assert client.post(url, {"confirm": "on"}).status_code == 302
    assert m.Visit.objects.get(pk=visit_deployed.pk).status == m.VisitStatus.CLOSED


def test_the_seizure_sign_off_button(client, frozen, visit_deployed, field_officer):
    entry, _ = field_services.field_entry_record(
        actor=field_officer,
        visit=visit_deployed,
        entry_type="seizure",
        client_uuid=entry_uuid(),
        recorded_at=NOW,
        data={
            "searched": "Till",
            "search_power": "s25B",
            "item_description": "Cash book",
            "exhibit_number": "E1",
            "sealed_bag_number": "B1",
        },
    )
    client = signed_in(client, field_officer)
    assert (
        "Property to sign off"
        in client.get(reverse("operations:field", args=[visit_deployed.pk])).content.decode()
    )
    url = reverse("operations:seizure-sign-off", args=[visit_deployed.pk, entry.seizure.pk])
    assert client.post(url).status_code == 302
    assert m.Seizure.objects.get(pk=entry.seizure.pk).property_signed_off_by == field_officer


def test_the_field_visit_list_and_the_service_worker(client, frozen, visit_deployed, field_officer):
    html = signed_in(client, field_officer).get(reverse("operations:field-visits")).content.decode()
    assert visit_deployed.reference in html
    client.logout()
    worker = client.get(reverse("operations:field-sw"))
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/operations/" and b"networkFirst" in worker.content
    assert reverse("operations:field-sw").startswith("/operations/")
