from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from waymark.core import clock
from waymark.core.clock import LONDON
from waymark.core.models import AuditEvent
from waymark.correspondence.models import CorrespondenceItem
from waymark.correspondence.services import (
    correspondence_match,
    correspondence_register,
    correspondence_register_eml,
)
from waymark.correspondence.tests.emails import eml
from waymark.documents.models import Document
from waymark.documents.tests.factories import PDF, person_make
from waymark.people.models import TimelineEvent
from waymark.work.models import Task

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _register(actor, **kwargs):
    values = {
        "channel": "email",
        "sender": "rep@smithlaw.example",
        "recipients": ["em.hub@waymark.example"],
        "subject": "Enquiry",
        "body": "When must my client report?",
        "received_at": WHEN,
    }
    values.update(kwargs)
    with clock.frozen(values["received_at"] + timedelta(hours=1)):
        return correspondence_register(actor=actor, **values)


def test_the_same_message_twice_is_one_item(caseworker):
    raw = eml(when=WHEN)
    with clock.frozen(WHEN + timedelta(hours=1)):
        first, created = correspondence_register_eml(
            actor=caseworker, raw=raw, mailbox="em.hub@waymark.example"
        )
        again, created_again = correspondence_register_eml(
            actor=caseworker, raw=raw, mailbox="em.hub@waymark.example"
        )
    assert created and not created_again and again == first
    assert CorrespondenceItem.objects.count() == 1
    assert first.copies.count() == 1  # the very same file imported twice is not a second arrival


def test_the_same_message_to_two_addresses_is_one_item_with_two_copies(caseworker):
    raw = eml(when=WHEN, to="em.hub@waymark.example, ccd@waymark.example")
    with clock.frozen(WHEN + timedelta(hours=1)):
        item, _ = correspondence_register_eml(
            actor=caseworker, raw=raw, mailbox="em.hub@waymark.example"
        )
        copy, created = correspondence_register_eml(
            actor=caseworker, raw=raw, mailbox="ccd@waymark.example"
        )
    assert not created and copy == item
    assert sorted(item.copies.values_list("address", flat=True)) == [
        "ccd@waymark.example",
        "em.hub@waymark.example",
    ]
    assert Task.objects.filter(subject_id=str(item.pk)).count() == 1  # one piece of work, not two


def test_the_same_content_sent_again_within_the_window_is_a_copy(caseworker):
    item, _ = _register(caseworker, message_id="<one@x>")
    again, created = _register(
        caseworker,
        message_id="<two@x>",
        received_at=WHEN + timedelta(days=6),
        body="When must  my client REPORT?",
    )
    assert not created and again == item and item.copies.count() == 2
    later, created_later = _register(
        caseworker, message_id="<three@x>", received_at=WHEN + timedelta(days=8)
    )
    assert created_later and later != item


def test_matched_by_reference_files_attachments_at_once_and_creates_the_reply_task(caseworker):
    person = person_make(home_office_reference="B1234567")
    item, created = _register(
        caseworker,
        subject="Re: HO ref B1234567",
        attachments=[("medical.pdf", PDF, "application/pdf")],
    )
    assert created and item.match_status == "matched" and item.person == person
    assert item.match_method == "home_office_reference"
    document = Document.objects.get()
    assert (
        document.person == person
        and document.filed_at is not None
        and document.source == "correspondence"
    )
    assert item.attachments.get().document == document
    assert TimelineEvent.objects.filter(
        person=person, event_type="correspondence.received"
    ).exists()
    assert TimelineEvent.objects.filter(person=person, event_type="document.added").exists()
    task = Task.objects.get(pk=item.task_id)
    assert task.task_type == "general.enquiry" and task.person == person
    assert AuditEvent.objects.filter(verb="correspondence.registered", action="collection").exists()


def test_general_enquiry_is_due_five_uk_working_days_later_across_easter(caseworker):
    person = person_make()
    received = datetime(2026, 4, 2, 11, 0, tzinfo=LONDON)  # Thursday before Good Friday
    with clock.frozen(received):
        item, _ = correspondence_register(
            actor=caseworker,
            channel="email",
            sender="a@b.example",
            recipients=[],
            subject=f"Question about {person.reference}",
            body="When do I report?",
            received_at=received,
        )
    task = Task.objects.get(pk=item.task_id)
    # Good Friday 3 April and Easter Monday 6 April are bank holidays: 7, 8, 9, 10, 13 April.
    assert task.due_at.astimezone(LONDON).date() == date(2026, 4, 13)


def test_pre_action_letter_is_due_fourteen_days_later(caseworker):
    person = person_make()
    item, _ = _register(caseworker, subject=f"Pre-action protocol letter: {person.reference}")
    task = Task.objects.get(pk=item.task_id)
    assert task.task_type == "correspondence.pre_action_letter"
    assert task.due_at == WHEN + timedelta(days=14)


def test_unmatched_goes_to_the_match_queue_and_matching_files_the_attachments(caseworker):
    item, _ = _register(
        caseworker,
        subject="Please help",
        body="No references here",
        attachments=[("scan.pdf", PDF, "application/pdf"), ("virus.exe", b"MZ\x90", "")],
    )
    assert item.match_status == "match_needed" and item.person is None and item.task_id is None
    match_task = Task.objects.get(pk=item.match_task_id)
    assert match_task.task_type == "correspondence.match_needed" and match_task.is_active
    document = Document.objects.get()
    assert document.person is None and document.filed_at is None
    refused = item.attachments.get(file_name="virus.exe")
    assert refused.document is None and "must be a" in refused.refused_reason

    person = person_make()
    with clock.frozen(WHEN + timedelta(days=1)):
        correspondence_match(actor=caseworker, item=item, person=person)
    item.refresh_from_db()
    document.refresh_from_db()
    match_task.refresh_from_db()
    assert (
        item.match_status == "matched" and item.match_method == "manual" and item.person == person
    )
    assert document.person == person and document.filed_at is not None
    assert match_task.status == "done"
    reply = Task.objects.get(pk=item.task_id)
    assert reply.task_type == "general.enquiry" and reply.person == person
    assert TimelineEvent.objects.filter(
        person=person, event_type="correspondence.received"
    ).exists()


def test_ambiguous_name_and_date_of_birth_needs_a_match(caseworker):
    person_make(given_names="Amina", family_name="Okafor", date_of_birth=date(1990, 2, 1))
    person_make(given_names="Amina", family_name="Okafor", date_of_birth=date(1990, 2, 1))
    item, _ = _register(caseworker, subject="Re: Amina OKAFOR", body="Born 01/02/1990")
    assert item.match_status == "match_needed" and "2 people" in item.match_detail


def test_invalid_registration_changes_nothing(caseworker):
    with pytest.raises(ValidationError):
        _register(caseworker, sender="", subject="", body="")
    assert CorrespondenceItem.objects.count() == 0 and Task.objects.count() == 0


def test_bad_eml_is_a_validation_error(caseworker):
    with pytest.raises(ValidationError, match="not an email"):
        correspondence_register_eml(actor=caseworker, raw=b"hello world", mailbox="x@y.example")


def test_import_command_reports_counts(tmp_path, capsys):
    person = person_make()
    (tmp_path / "a.eml").write_bytes(
        eml(when=WHEN, subject=f"About {person.reference}", message_id="<a@x>")
    )
    (tmp_path / "b.eml").write_bytes(
        eml(when=WHEN, subject=f"About {person.reference}", message_id="<a@x>")
    )
    (tmp_path / "c.eml").write_bytes(
        eml(when=WHEN, subject="Nobody", body="who?", message_id="<c@x>")
    )
    (tmp_path / "d.eml").write_bytes(b"not an email")
    with clock.frozen(WHEN + timedelta(hours=1)):
        call_command(
            "correspondence_import_eml", str(tmp_path), "--mailbox", "em.hub@waymark.example"
        )
    out = capsys.readouterr().out
    assert "4 files: 2 registered, 1 duplicates, 1 match needed, 1 failed" in out
