from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from waymark.core import clock
from waymark.correspondence.models import CorrespondenceItem
from waymark.correspondence.services import correspondence_register
from waymark.correspondence.tests.emails import eml
from waymark.documents.tests.factories import person_make

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def client_in(client, caseworker):
    client.force_login(caseworker)
    return client


def _unmatched(actor=None):
    with clock.frozen(WHEN):
        item, _ = correspondence_register(
            actor=actor,
            channel="email",
            sender="a@b.example",
            recipients=[],
            subject="Help please",
            body="Nothing to go on",
            received_at=WHEN,
        )
    return item


def test_intake_of_an_eml_file(client_in):
    response = client_in.post(
        "/correspondence/new/",
        {
            "kind": "eml",
            "eml-file": SimpleUploadedFile("m.eml", eml(when=WHEN), content_type="message/rfc822"),
        },
    )
    item = CorrespondenceItem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/correspondence/{item.pk}/"
    page = client_in.get(response["Location"]).content.decode()
    assert "Enquiry" in page and "rep@smithlaw.example" in page


def test_intake_of_a_bad_file_shows_the_error(client_in):
    html = client_in.post(
        "/correspondence/new/",
        {
            "kind": "eml",
            "eml-file": SimpleUploadedFile("m.eml", b"rubbish", content_type="message/rfc822"),
        },
    ).content.decode()
    assert "govuk-error-summary" in html and "not an email" in html
    assert CorrespondenceItem.objects.count() == 0


def test_posted_letter_needs_a_sender_and_date(client_in):
    html = client_in.post("/correspondence/new/", {"kind": "post"}).content.decode()
    assert "Enter who sent the letter" in html and "Enter the date received" in html
    assert CorrespondenceItem.objects.count() == 0


def test_posted_letter_is_registered(client_in):
    person = person_make()
    with clock.frozen(WHEN + timedelta(days=1)):
        response = client_in.post(
            "/correspondence/new/",
            {
                "kind": "post",
                "post-sender": "Mr Nowak, 1 High Street",
                "post-subject": f"My case {person.reference}",
                "post-received_on_0": "2",
                "post-received_on_1": "3",
                "post-received_on_2": "2026",
            },
        )
    assert response.status_code == 302
    item = CorrespondenceItem.objects.get()
    assert item.channel == "post" and item.person == person


def test_match_queue_search_confirm_and_match(client_in):
    item = _unmatched()
    person = person_make(given_names="Tomasz", family_name="Nowak")
    assert "Help please" in client_in.get("/correspondence/match-needed/").content.decode()
    page = client_in.get(
        f"/correspondence/{item.pk}/", {"reference": person.reference}
    ).content.decode()
    assert "Tomasz NOWAK" in page
    confirm = client_in.post(f"/correspondence/{item.pk}/match/", {"person": person.pk})
    assert "Match to this person?" in confirm.content.decode()
    item.refresh_from_db()
    assert item.match_status == "match_needed"
    with clock.frozen(WHEN + timedelta(hours=2)):
        done = client_in.post(
            f"/correspondence/{item.pk}/match/", {"person": person.pk, "confirm": "yes"}
        )
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.person == person
    assert "Help please" not in client_in.get("/correspondence/match-needed/").content.decode()


def test_items_about_people_the_user_cannot_see_are_404(client_in):
    hidden = person_make(restricted=True)
    with clock.frozen(WHEN):
        item, _ = correspondence_register(
            actor=None,
            channel="email",
            sender="a@b.example",
            recipients=[],
            subject=f"About {hidden.reference}",
            body="",
            received_at=WHEN,
        )
    assert item.person == hidden
    assert client_in.get(f"/correspondence/{item.pk}/").status_code == 404
    assert "About" not in client_in.get("/correspondence/").content.decode()
    unmatched = _unmatched()
    assert (
        client_in.post(
            f"/correspondence/{unmatched.pk}/match/", {"person": hidden.pk, "confirm": "yes"}
        ).status_code
        == 404
    )
    unmatched.refresh_from_db()
    assert unmatched.person is None


def test_list_filters(client_in):
    _unmatched()
    assert (
        "Help please"
        in client_in.get("/correspondence/", {"match_status": "match_needed"}).content.decode()
    )
    assert (
        "Help please"
        not in client_in.get("/correspondence/", {"match_status": "matched"}).content.decode()
    )
