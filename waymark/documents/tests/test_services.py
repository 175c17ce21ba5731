from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.documents import scanning
from waymark.documents.models import Document, LetterService, LetterTemplate
from waymark.documents.rules import MAX_DOCUMENT_BYTES
from waymark.documents.selectors import letter_template_get_current
from waymark.documents.services import (
    document_store,
    letter_generate,
    letter_record_service,
    letter_template_create,
)
from waymark.documents.tests.factories import PDF, PNG, person_make
from waymark.people.models import TimelineEvent

pytestmark = pytest.mark.django_db


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_store_keeps_the_file_with_its_hash_and_audits_and_adds_to_timeline(caseworker, settings):
    person = person_make()
    document = document_store(
        actor=caseworker,
        person=person,
        file_name="../../etc/Bail letter.pdf",
        content=PDF,
        content_type="application/octet-stream",
        document_type="legal",
    )
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.original_name == "../../etc/Bail letter.pdf"
    assert (
        "etc" not in document.file.name and "Bail" not in document.file.name
    )  # path not from input
    assert document.file.name.startswith("documents/") and document.file.name.endswith(".pdf")
    assert document.file.read() == PDF
    assert document.scan_status == "not_scanned"
    audit = AuditEvent.objects.get(verb="document.stored")
    assert audit.action == "collection" and audit.person_id == person.pk
    event = TimelineEvent.objects.get(person=person, event_type="document.added")
    assert event.detail["document_id"] == document.pk


@pytest.mark.parametrize(
    ("file_name", "content", "message"),
    [
        ("photo.pdf", PNG, "must be a"),
        ("program.exe", b"MZ\x90\x00", "must be a"),
        ("page.html", b"<html><script>alert(1)</script></html>", "must be a"),
        ("empty.pdf", b"", "empty"),
        ("huge.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, "smaller than 20 MB"),
    ],
)
def test_wrong_type_or_oversize_is_refused_and_nothing_is_stored(
    caseworker, settings, file_name, content, message
):
    person = person_make()
    with pytest.raises(ValidationError) as error:
        document_store(
            actor=caseworker,
            person=person,
            file_name=file_name,
            content=content,
            content_type="application/pdf",
            document_type="other",
        )
    assert message in " ".join(error.value.messages)
    assert Document.objects.count() == 0
    assert _stored_files(settings) == []
    assert not TimelineEvent.objects.filter(event_type="document.added").exists()
    assert not AuditEvent.objects.filter(verb="document.stored").exists()


def infected_scanner(content):
    return scanning.ScanResult(scanning.INFECTED, "EICAR test signature")


def test_virus_scan_hook_refuses_an_infected_file(caseworker, settings):
    settings.WAYMARK_VIRUS_SCANNER = "waymark.documents.tests.test_services.infected_scanner"
    with pytest.raises(ValidationError, match="virus"):
        document_store(
            actor=caseworker,
            person=person_make(),
            file_name="a.pdf",
            content=PDF,
            content_type="application/pdf",
            document_type="other",
        )
    assert Document.objects.count() == 0
    assert _stored_files(settings) == []


def test_seeded_templates_exist():
    for key in (
        "general-acknowledgement",
        "failure-to-report-warning",
        "reporting-restriction-change",
    ):
        assert letter_template_get_current(key) is not None


def test_letter_generation_and_service_go_on_the_timeline(caseworker):
    person = person_make(
        given_names="Amina", family_name="Okafor", home_office_reference="B1234567"
    )
    template = letter_template_get_current("failure-to-report-warning")
    with clock.frozen(datetime(2026, 3, 2, 10, 0)):
        document = letter_generate(
            actor=caseworker,
            template=template,
            person=person,
            extra={"missed_on": "27 February 2026"},
        )
    html = document.file.read().decode()
    assert "Amina OKAFOR" in html and person.reference in html and "B1234567" in html
    assert "27 February 2026" in html and "2 March 2026" in html
    assert document.document_type == "letter" and document.source == "letter"
    assert document.letter_template == template
    generated = TimelineEvent.objects.get(person=person, event_type="letter.generated")
    assert generated.detail["template"] == "failure-to-report-warning"

    with clock.frozen(datetime(2026, 3, 3, 12, 0)):
        service = letter_record_service(
            actor=caseworker,
            document=document,
            method="recorded_delivery",
            served_on=date(2026, 3, 3),
        )
    assert LetterService.objects.get() == service
    served = TimelineEvent.objects.get(person=person, event_type="letter.served")
    assert served.detail == {
        "document_id": document.pk,
        "method": "recorded_delivery",
        "served_on": "2026-03-03",
    }
    assert "recorded delivery" in served.summary
    assert AuditEvent.objects.filter(
        verb="letter.served", action="collection", person_id=person.pk
    ).exists()


def test_service_date_cannot_be_in_the_future(caseworker):
    person = person_make()
    template = letter_template_get_current("general-acknowledgement")
    with clock.frozen(datetime(2026, 3, 2, 10, 0)):
        document = letter_generate(actor=caseworker, template=template, person=person)
        with pytest.raises(ValidationError, match="today or in the past"):
            letter_record_service(
                actor=caseworker, document=document, method="post", served_on=date(2026, 3, 9)
            )
    assert LetterService.objects.count() == 0


def test_templates_may_use_only_allowed_fields_and_are_sandboxed(caseworker):
    with pytest.raises(ValidationError, match="Unknown merge fields: settings"):
        letter_template_create(
            actor=caseworker, key="bad", name="Bad", body="{{ settings.SECRET_KEY }}"
        )
    sneaky = letter_template_create(
        actor=caseworker, key="sneaky", name="Sneaky", body="{{ person.__class__.__mro__ }}"
    )
    with pytest.raises(ValidationError):
        letter_generate(actor=caseworker, template=sneaky, person=person_make())
    assert not Document.objects.exists()


def test_editing_a_template_adds_a_version(caseworker):
    first = letter_template_get_current("general-acknowledgement")
    second = letter_template_create(
        actor=caseworker, key=first.key, name=first.name, body="Dear {{ person.full_name }}"
    )
    assert second.version == first.version + 1
    assert letter_template_get_current(first.key) == second
    assert LetterTemplate.objects.filter(key=first.key).count() == 2
