"""Importing a real shared mailbox export: every message registered or reported, the report
honest about what was skipped and why, one bad message never stopping the rest."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from waymark.core import clock
from waymark.correspondence.models import Attachment, CorrespondenceItem
from waymark.correspondence.services import correspondence_register_eml
from waymark.correspondence.tests.emails import eml
from waymark.documents.models import Document
from waymark.documents.tests.factories import PDF

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NOW = WHEN + timedelta(hours=1)
BOX = "em.hub@waymark.example"


def _import(*paths, capsys):
    with clock.frozen(NOW):
        call_command("correspondence_import_eml", *map(str, paths), "--mailbox", BOX)
    return capsys.readouterr()


def test_a_date_in_the_future_keeps_the_message_and_says_so(caseworker):
    raw = b"From: a@b.example\r\nSubject: Clock wrong\r\nDate: Mon, 2 Mar 2036 09:30:00 +0000\r\n\r\nx\r\n"
    notes: list[str] = []
    with clock.frozen(NOW):
        item, created = correspondence_register_eml(
            actor=caseworker, raw=raw, mailbox=BOX, notes=notes
        )
    assert created and item.received_at == NOW
    assert any("in the future" in note for note in notes)


def test_a_message_with_only_an_attachment_is_registered(caseworker):
    raw = eml(subject="", body="", when=WHEN, attachments=[("scan.pdf", PDF, "application", "pdf")])
    with clock.frozen(NOW):
        item, created = correspondence_register_eml(actor=caseworker, raw=raw, mailbox=BOX)
    assert created and item.attachments.get().document.original_name == "scan.pdf"


def test_a_very_long_attachment_name_keeps_its_extension(caseworker):
    name = "scan " + "x" * 300 + ".pdf"
    raw = eml(when=WHEN, attachments=[(name, PDF, "application", "pdf")])
    with clock.frozen(NOW):
        item, _ = correspondence_register_eml(actor=caseworker, raw=raw, mailbox=BOX)
    attachment = item.attachments.get()
    assert attachment.file_name.endswith(".pdf") and len(attachment.file_name) == 255
    assert attachment.document.original_name == attachment.file_name


def test_a_mailbox_folder_with_subfolders_mbox_and_other_files(tmp_path, capsys):
    (tmp_path / "2024" / "March").mkdir(parents=True)
    (tmp_path / "a.eml").write_bytes(eml(when=WHEN, subject="A", message_id="<a@x>"))
    (tmp_path / "2024" / "March" / "a-again.EML").write_bytes(
        eml(when=WHEN, subject="A", message_id="<a@x>")
    )
    (tmp_path / "2024" / "bom.eml").write_bytes(
        b"\xef\xbb\xbf"
        + eml(when=WHEN, subject="BOM", message_id="<bom@x>").replace(b"\n", b"\r\n")
    )
    (tmp_path / "2024" / "archive.mbox").write_bytes(
        b"From rep@smithlaw.example Mon Mar  2 09:30:00 2026\n"
        + eml(when=WHEN, subject="M1", message_id="<m1@x>")
        + b"\nFrom rep@smithlaw.example Mon Mar  2 09:31:00 2026\n"
        + eml(when=WHEN, subject="M2", message_id="<m2@x>")
        + b"\n"
    )
    (tmp_path / "outlook.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    (tmp_path / "notes.txt").write_bytes(b"a note")
    (tmp_path / "empty.eml").write_bytes(b"")

    out = _import(tmp_path, capsys=capsys)

    assert sorted(CorrespondenceItem.objects.values_list("subject", flat=True)) == [
        "A",
        "BOM",
        "M1",
        "M2",
    ]
    assert (
        "5 files (6 messages): 4 registered, 1 duplicates, 4 match needed, 1 failed; "
        "2 other files skipped" in out.out
    )
    assert "outlook.msg: skipped, an Outlook .msg file" in out.err
    assert "notes.txt: skipped, not an .eml or .mbox file" in out.err
    assert "empty.eml: The file is empty" in out.err


def test_an_mbox_file_named_on_the_command_line(tmp_path, capsys):
    mbox = tmp_path / "Inbox"
    mbox.write_bytes(
        b"From MAILER-DAEMON Mon Mar  2 09:30:00 2026\n"
        + eml(when=WHEN, subject="M1", message_id="<m1@x>")
        + b"\nFrom MAILER-DAEMON Mon Mar  2 09:31:00 2026\n"
        + eml(when=WHEN, subject="M2", message_id="<m2@x>")
        + b"\n"
    )
    out = _import(mbox, capsys=capsys)
    assert CorrespondenceItem.objects.count() == 2
    assert "1 files (2 messages): 2 registered" in out.out


def test_one_message_that_fails_unexpectedly_does_not_stop_the_import(
    tmp_path, capsys, monkeypatch
):
    from django.db import DataError

    from waymark.correspondence.management.commands import correspondence_import_eml as command

    real = command.correspondence_register_eml

    def register(*, raw, **kwargs):
        if b"Broken" in raw:
            raise DataError("A string literal cannot contain NUL (0x00) characters.")
        return real(raw=raw, **kwargs)

    monkeypatch.setattr(command, "correspondence_register_eml", register)
    (tmp_path / "a.eml").write_bytes(eml(when=WHEN, subject="Broken", message_id="<a@x>"))
    (tmp_path / "b.eml").write_bytes(eml(when=WHEN, subject="Fine", message_id="<b@x>"))
    out = _import(tmp_path, capsys=capsys)
    assert list(CorrespondenceItem.objects.values_list("subject", flat=True)) == ["Fine"]
    assert "2 files: 1 registered, 0 duplicates, 1 match needed, 1 failed" in out.out
    assert "a.eml: not registered, an unexpected error (DataError)" in out.err


def test_the_report_says_which_dates_were_not_used(tmp_path, capsys):
    (tmp_path / "nodate.eml").write_bytes(b"From: a@b.example\r\nSubject: No date\r\n\r\nx\r\n")
    out = _import(tmp_path, capsys=capsys)
    assert "nodate.eml: no date Waymark could use" in out.err
    assert CorrespondenceItem.objects.get().received_at == NOW


def test_the_intake_page_says_what_it_could_not_use(client, caseworker):
    client.force_login(caseworker)
    raw = b"From: a@b.example\r\nSubject: Clock wrong\r\nDate: Mon, 2 Mar 2036 09:30:00 +0000\r\n\r\nx\r\n"
    with clock.frozen(NOW):
        response = client.post(
            "/correspondence/new/",
            {"kind": "eml", "eml-file": SimpleUploadedFile("m.eml", raw, "message/rfc822")},
            follow=True,
        )
    assert "is in the future, so it was not used" in response.content.decode()
    assert Attachment.objects.count() == 0 and Document.objects.count() == 0


def test_a_nul_in_the_body_or_an_attachment_name_is_stored_on_any_database(caseworker):
    raw = (
        b"From: a@b.example\r\nSubject: Nul\r\nDate: Mon, 2 Mar 2026 09:30:00 +0000\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="M"\r\n\r\n'
        b"--M\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"YQBi\r\n--M\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''sc%00an.pdf\r\n\r\n"
        b"JVBERi0xLjQKJSVFT0YK\r\n--M--\r\n"
    )
    with clock.frozen(NOW):
        item, created = correspondence_register_eml(actor=caseworker, raw=raw, mailbox=BOX)
    item.refresh_from_db()
    assert created and item.body == "ab" and item.attachments.get().file_name == "scan.pdf"


def test_the_senders_name_is_kept_shown_and_searched_but_copies_still_match_by_address(
    caseworker,
):
    """Only the address was kept: a caseworker read 'amal.h1987@example.org' where their mail
    program showed 'Amal Haddad'. The name is not part of a copy's fingerprint: the same message
    from the same address is one item whatever name the sender's program gave."""
    from waymark.correspondence.selectors import correspondence_list

    raw = (
        b"From: =?utf-8?B?QW1hbCBIYWRkYWQgKNij2YXZhCk=?= <Amal.H1987@example.org>\r\n"
        b"Subject: My reporting date\r\nDate: Mon, 2 Mar 2026 09:30:00 +0000\r\n\r\nPlease call.\r\n"
    )
    with clock.frozen(NOW):
        item, created = correspondence_register_eml(actor=caseworker, raw=raw, mailbox=BOX)
        again, copy = correspondence_register_eml(
            actor=caseworker,
            raw=raw.replace(b"=?utf-8?B?QW1hbCBIYWRkYWQgKNij2YXZhCk=?=", b"A. Haddad"),
            mailbox=BOX,
        )
    assert created and not copy and again.pk == item.pk
    item.refresh_from_db()
    assert (item.sender, item.sender_name) == (
        "amal.h1987@example.org",
        "Amal Haddad (\u0623\u0645\u0644)",
    )
    assert item.sender_shown == "Amal Haddad (\u0623\u0645\u0644) <amal.h1987@example.org>"
    assert list(correspondence_list(user=caseworker, q="haddad")) == [item]


def _mbox(*messages: bytes) -> bytes:
    return b"".join(b"From MAILER-DAEMON Mon Mar  2 09:30:00 2026\n" + m + b"\n" for m in messages)


def test_a_message_over_the_size_limit_is_refused_saying_why_and_the_rest_imported(
    tmp_path, capsys, monkeypatch
):
    from waymark.correspondence import rules

    monkeypatch.setattr(rules, "MAX_MESSAGE_BYTES", 1024 * 1024)
    huge = eml(when=WHEN, subject="Huge", message_id="<h@x>", body="x" * (3 * 1024 * 1024))
    (tmp_path / "box.mbox").write_bytes(
        _mbox(
            eml(when=WHEN, subject="Before", message_id="<a@x>"),
            huge,
            eml(when=WHEN, subject="After", message_id="<b@x>"),
        )
    )
    (tmp_path / "huge.eml").write_bytes(huge)
    out = _import(tmp_path, capsys=capsys)
    assert sorted(CorrespondenceItem.objects.values_list("subject", flat=True)) == [
        "After",
        "Before",
    ]
    assert "2 files (4 messages): 2 registered, 0 duplicates, 2 match needed, 2 failed" in out.out
    size = f"{len(huge) / 1024 / 1024:.1f} MB"
    assert (
        f"box.mbox message 2: The email is {size}, larger than the 1 MB Waymark reads in one "
        "message" in out.err
    )
    assert f"huge.eml: The email is {size}, larger than the 1 MB" in out.err


def test_an_mbox_is_read_one_message_at_a_time_as_the_standard_library_splits_it(tmp_path):
    import io
    import mailbox

    from waymark.correspondence.parsing import mbox_messages

    separator = b"From MAILER-DAEMON Mon Mar  2 09:30:00 2026\n"
    content = (
        separator
        + eml(when=WHEN, subject="One")
        + b"\n"
        + separator
        + b"Subject: CRLF\r\n\r\nline\r\n\r\n"
        + separator  # no blank line before it
        + eml(when=WHEN, subject="Two")
    )
    (tmp_path / "box.mbox").write_bytes(content)
    box = mailbox.mbox(tmp_path / "box.mbox", create=False)
    expected = [box.get_bytes(key) for key in box.iterkeys()]
    read = [m.raw for m in mbox_messages(io.BytesIO(content), limit=10_000)]
    assert read == expected and len(read) == 3

    class Handle(io.BytesIO):
        """Records the most read at once: a message with no line breaks is never held whole."""

        most = 0

        def readline(self, size=-1):
            line = super().readline(size)
            Handle.most = max(Handle.most, len(line))
            return line

    endless = b"From a@b Mon Mar  2 09:30:00 2026\nSubject: s\n\n" + b"x" * 1_000_000
    endless += b"\n\nFrom a@b Mon Mar  2 09:30:00 2026\nSubject: after\n\nok\n"
    read_ = list(mbox_messages(Handle(endless), limit=100_000))
    assert [(m.number, m.raw is None) for m in read_] == [(1, True), (2, False)]
    assert read_[0].size > 1_000_000 and Handle.most <= 64 * 1024


def test_an_eml_larger_than_the_upload_limit_is_refused_on_the_form_saying_the_limit(
    client, caseworker, monkeypatch
):
    from waymark.correspondence import rules

    client.force_login(caseworker)
    page = client.get("/correspondence/new/").content.decode()
    assert "as an .eml file, smaller than 50 MB. Attachments are kept." in page
    monkeypatch.setattr(rules, "MAX_EML_UPLOAD_BYTES", 1024 * 1024)
    raw = eml(when=WHEN, body="x" * (1024 * 1024))
    with clock.frozen(NOW):
        response = client.post(
            "/correspondence/new/",
            {"kind": "eml", "eml-file": SimpleUploadedFile("m.eml", raw, "message/rfc822")},
        )
    assert response.status_code == 200
    assert "The selected file must be smaller than 1 MB" in response.content.decode()
    assert CorrespondenceItem.objects.count() == 0 and Document.objects.count() == 0


def test_an_unknown_charset_in_the_senders_name_is_stored_with_a_note(client, caseworker):
    """The email package leaves such a name as lone surrogates, which no database stores: the
    page answered 500 and the import lost the message."""
    client.force_login(caseworker)
    raw = (
        b"From: =?x-unknown?B?Sm9zw6kgR2FyY8OtYQ==?= <jose@example.com>\r\n"
        b"Subject: =?iso-8859-8-i?Q?=F9=EC=E5=ED?= and =?x-unknown?Q?r=C3=A9sum=C3=A9?=\r\n"
        b"Date: Mon, 2 Mar 2026 09:30:00 +0000\r\n\r\nPlease call.\r\n"
    )
    with clock.frozen(NOW):
        response = client.post(
            "/correspondence/new/",
            {"kind": "eml", "eml-file": SimpleUploadedFile("m.eml", raw, "message/rfc822")},
            follow=True,
        )
    item = CorrespondenceItem.objects.get()
    assert (item.sender_name, item.subject) == (
        "Jos\u00e9 Garc\u00eda",
        "\u05e9\u05dc\u05d5\u05dd and r\u00e9sum\u00e9",
    )
    assert "character set Waymark does not know (x-unknown)" in response.content.decode()


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"To: em.hub@waymark.example\r\n\r\n", "The email has no sender"),
        (b"From: a@b.example\r\n\r\n", "there is nothing to register"),
        (b"Message-ID: <x@y>\r\n\r\n", "The email has no sender"),
        (b"X-Mailer: Scanner 2000\r\n\r\n", "none of the headers of an email"),
    ],
)
def test_a_message_with_nothing_in_it_is_refused_clearly_on_the_page_and_in_the_import(
    client, caseworker, tmp_path, capsys, raw, error
):
    client.force_login(caseworker)
    with clock.frozen(NOW):
        response = client.post(
            "/correspondence/new/",
            {"kind": "eml", "eml-file": SimpleUploadedFile("m.eml", raw, "message/rfc822")},
        )
    assert response.status_code == 200 and error in response.content.decode()
    (tmp_path / "m.eml").write_bytes(raw)
    out = _import(tmp_path, capsys=capsys)
    assert "1 files: 0 registered, 0 duplicates, 0 match needed, 1 failed" in out.out
    assert "m.eml: " in out.err and error in out.err
    assert CorrespondenceItem.objects.count() == 0 and Document.objects.count() == 0


def test_a_sender_with_only_a_name_is_registered_under_the_name(caseworker):
    raw = (
        b"From: Jo Smith\r\nSubject: Reporting\r\nDate: Mon, 2 Mar 2026 09:30:00 +0000\r\n\r\nx\r\n"
    )
    notes: list[str] = []
    with clock.frozen(NOW):
        item, created = correspondence_register_eml(
            actor=caseworker, raw=raw, mailbox=BOX, notes=notes
        )
    assert created and (item.sender, item.sender_shown) == ("Jo Smith", "Jo Smith")
    assert notes == ['the sender gave no email address, only "Jo Smith": there is none to reply to']


def test_a_forwarded_message_alone_keeps_its_text_and_its_files(caseworker):
    raw = (
        b"From: clerk@smithlaw.example\r\nDate: Mon, 2 Mar 2026 09:30:00 +0000\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n"
        + eml(
            when=WHEN,
            subject="Representations",
            body="Our client Amina OKAFOR, HO ref B1234567.",
            message_id="<inner@x>",
            attachments=[("reps.pdf", PDF, "application", "pdf")],
        )
    )
    with clock.frozen(NOW):
        item, created = correspondence_register_eml(actor=caseworker, raw=raw, mailbox=BOX)
    assert created and "Our client Amina OKAFOR, HO ref B1234567." in item.body
    assert item.category == "legal_representations"
    stored = {a.file_name: a.document.original_name for a in item.attachments.all()}
    assert stored == {"Representations.eml": "Representations.eml", "reps.pdf": "reps.pdf"}
