from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.documents.models import Document, LetterService
from waymark.documents.selectors import letter_template_get_current
from waymark.documents.services import document_store
from waymark.documents.tests.factories import PDF, PNG, person_make, user_make
from waymark.people.models import TimelineEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(client, caseworker):
    client.force_login(caseworker)
    return client


def test_upload_stores_a_document(client_in):
    person = person_make()
    response = client_in.post(
        f"/documents/person/{person.pk}/upload/",
        {
            "file": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
            "document_type": "legal",
            "title": "Bail summary",
        },
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.person == person and document.title == "Bail summary"
    listing = client_in.get(f"/documents/person/{person.pk}/")
    assert "Bail summary" in listing.content.decode()


def test_upload_of_the_wrong_type_shows_the_error_summary_and_stores_nothing(client_in):
    person = person_make()
    response = client_in.post(
        f"/documents/person/{person.pk}/upload/",
        {
            "file": SimpleUploadedFile("scan.pdf", PNG, content_type="application/pdf"),
            "document_type": "legal",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "The selected file must be a" in html
    assert 'class="govuk-error-message"' in html
    assert Document.objects.count() == 0


def test_upload_without_a_file_or_type_shows_both_errors(client_in):
    person = person_make()
    html = client_in.post(f"/documents/person/{person.pk}/upload/", {}).content.decode()
    assert "Select a file" in html and "Select the type of document" in html


def test_download_is_audited_as_a_consultation(client_in, caseworker):
    person = person_make()
    document = document_store(
        actor=caseworker, person=person, file_name="scan.pdf", content=PDF, document_type="legal"
    )
    response = client_in.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(
        verb="document.downloaded", action="consultation", person_id=person.pk
    ).exists()


def test_pages_for_a_person_the_user_cannot_see_are_404(client, caseworker):
    hidden = person_make(restricted=True)
    document = document_store(
        actor=None, person=hidden, file_name="scan.pdf", content=PDF, document_type="legal"
    )
    client.force_login(caseworker)  # has view_any_person but not view_restricted_person
    for url in [
        f"/documents/{document.pk}/download/",
        f"/documents/{document.pk}/",
        f"/documents/person/{hidden.pk}/",
        f"/documents/person/{hidden.pk}/upload/",
        f"/documents/person/{hidden.pk}/letter/",
        f"/documents/{document.pk}/service/",
    ]:
        assert client.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(verb="document.downloaded").exists()


def test_a_user_without_the_permission_is_refused(client):
    person = person_make()
    client.force_login(user_make("people.view_person", "people.view_any_person"))
    assert client.get(f"/documents/person/{person.pk}/upload/").status_code == 403


def test_generate_letter_preview_then_confirm_then_record_service(client_in):
    person = person_make(given_names="Tomasz", family_name="Nowak")
    template = letter_template_get_current("general-acknowledgement")
    url = f"/documents/person/{person.pk}/letter/"
    assert "General acknowledgement" in client_in.get(url).content.decode()
    preview = client_in.post(url, {"template": template.pk}).content.decode()
    assert "Check the letter" in preview and "Tomasz NOWAK" in preview
    assert Document.objects.count() == 0
    response = client_in.post(url, {"template": template.pk, "confirm": "yes"})
    document = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/{document.pk}/"

    with clock.frozen(datetime(2030, 1, 2, 12, 0)):
        bad = client_in.post(
            f"/documents/{document.pk}/service/",
            {"method": "", "served_on_0": "", "served_on_1": "", "served_on_2": ""},
        )
        assert "Select how the letter was served" in bad.content.decode()
        assert "Enter the date the letter was served" in bad.content.decode()
        assert LetterService.objects.count() == 0
        response = client_in.post(
            f"/documents/{document.pk}/service/",
            {
                "method": "hand",
                "served_on_0": "2",
                "served_on_1": "1",
                "served_on_2": "2030",
            },
        )
    assert response.status_code == 302
    assert LetterService.objects.get().method == "hand"
    assert TimelineEvent.objects.filter(person=person, event_type="letter.served").exists()


def test_choosing_no_letter_is_an_error(client_in):
    person = person_make()
    html = client_in.post(f"/documents/person/{person.pk}/letter/", {}).content.decode()
    assert "govuk-error-summary" in html and "Select a letter" in html
