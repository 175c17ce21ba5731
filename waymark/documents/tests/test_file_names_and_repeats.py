"""File names as people's files have them, and the same file sent twice."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from waymark.documents.models import Document
from waymark.documents.services import document_store, file_name_clean
from waymark.documents.tests.factories import PDF, person_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("let\r\nter\x00.pdf", "letter.pdf"),
        (
            "\u0631\u0633\u0627\u0644\u0629 \U0001f600.pdf",
            "\u0631\u0633\u0627\u0644\u0629 \U0001f600.pdf",
        ),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_file_name_clean(given, kept):
    assert file_name_clean(given) == kept


def test_a_stored_file_keeps_a_safe_name_with_its_extension(caseworker):
    person = person_make()
    document = document_store(
        actor=caseworker, person=person, file_name="scan\r\n\x00" + "x" * 300 + ".pdf", content=PDF
    )
    assert document.original_name == "scan" + "x" * 247 + ".pdf"


def test_the_same_file_uploaded_twice_is_stored_once_and_says_where_it_is(client, caseworker):
    client.force_login(caseworker)
    person = person_make()
    url = f"/documents/person/{person.pk}/upload/"
    for _ in range(2):  # a double click, or a second try after a slow answer
        response = client.post(
            url,
            {
                "file": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
                "document_type": "legal",
                "title": "Bail summary",
            },
        )
    assert Document.objects.filter(person=person).count() == 1
    assert response.status_code == 200
    assert "already on the record as \u201cBail summary\u201d" in response.content.decode()


def test_the_same_file_may_still_come_with_correspondence_or_for_another_person(caseworker):
    first, second = person_make(), person_make()
    document_store(actor=caseworker, person=first, file_name="a.pdf", content=PDF)
    document_store(actor=caseworker, person=first, file_name="a.pdf", content=PDF)
    document_store(
        actor=caseworker, person=second, file_name="a.pdf", content=PDF, refuse_same_file=True
    )
    assert Document.objects.count() == 3
