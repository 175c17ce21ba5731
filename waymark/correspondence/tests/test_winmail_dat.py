"""Outlook's winmail.dat (TNEF): Outlook sending rich text to an outside address packs every
attachment into it. The files inside are stored or refused like any other attachment; one that
cannot be opened is refused saying why, and never stops an import."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from waymark.core import clock
from waymark.correspondence import rules
from waymark.correspondence.models import Attachment, CorrespondenceItem
from waymark.correspondence.parsing import WinmailError, winmail_dat_unpack
from waymark.correspondence.services import correspondence_register_eml
from waymark.correspondence.tests.emails import eml, winmail_dat
from waymark.documents.tests.factories import PDF

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NOW = WHEN + timedelta(hours=1)
BOX = "em.hub@waymark.example"
REPRESENTATIONS = "Representations for Mr OKAFOR (further submissions).pdf"
TNEF = ("application", "ms-tnef")


def test_the_files_in_a_winmail_dat_are_read_with_their_long_names():
    files = winmail_dat_unpack(winmail_dat((REPRESENTATIONS, PDF), ("notes.txt", b"a note")))
    assert [(f.file_name, f.content, f.content_type) for f in files] == [
        (REPRESENTATIONS, PDF, "application/pdf"),
        ("notes.txt", b"a note", "text/plain"),
    ]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"this is not TNEF at all", "it is not in Outlook's TNEF format"),
        (winmail_dat((REPRESENTATIONS, PDF))[:-40], "it is incomplete (cut short)"),
        (
            winmail_dat((REPRESENTATIONS, PDF)).replace(b"%PDF-1.7", b"%PDF-1.4"),
            "it is damaged (a file in it does not match its checksum)",
        ),
    ],
)
def test_a_winmail_dat_that_cannot_be_opened_says_why(content, why):
    with pytest.raises(WinmailError, match=rf"^{why}$".replace("(", r"\(").replace(")", r"\)")):
        winmail_dat_unpack(content)


def test_a_winmail_dat_of_very_many_tiny_parts_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(rules, "WINMAIL_DAT_MAX_BYTES_COPIED", 10_000)
    many = winmail_dat(*[(f"f{n}.txt", b"x") for n in range(100)])
    with pytest.raises(WinmailError, match="too many parts"):
        winmail_dat_unpack(many)


@pytest.mark.django_db
def test_a_solicitors_pdf_in_winmail_dat_is_stored_and_the_rest_go_through_the_same_rules(
    caseworker,
):
    packed = winmail_dat(
        (REPRESENTATIONS, PDF), ("sc\x07an.pdf", PDF), ("run.exe", b"MZ\x90\x00" * 8)
    )
    raw = eml(when=WHEN, attachments=[("winmail.dat", packed, *TNEF)])
    notes: list[str] = []
    with clock.frozen(NOW):
        item, created = correspondence_register_eml(
            actor=caseworker, raw=raw, mailbox=BOX, notes=notes
        )
    assert created
    attachments = list(item.attachments.select_related("document"))
    assert [(a.file_name, a.document is not None) for a in attachments] == [
        (REPRESENTATIONS, True),
        ("scan.pdf", True),
        ("run.exe", False),
    ]
    assert attachments[0].document.original_name == REPRESENTATIONS
    assert attachments[0].document.content_type == "application/pdf"
    assert attachments[2].refused_reason and "winmail" not in attachments[2].refused_reason
    assert notes == [f"attachment run.exe refused: {attachments[2].refused_reason}"]


@pytest.mark.django_db
def test_a_winmail_dat_that_cannot_be_opened_is_refused_and_the_import_goes_on(tmp_path, capsys):
    cut_short = winmail_dat((REPRESENTATIONS, PDF))[:-40]
    messages = [
        eml(
            when=WHEN,
            subject="Cut short",
            message_id="<a@x>",
            attachments=[("winmail.dat", cut_short, *TNEF)],
        ),
        eml(
            when=WHEN,
            subject="Garbage",
            message_id="<b@x>",
            attachments=[("winmail.dat", b"\x00garbage" * 20, "application", "octet-stream")],
        ),
        eml(
            when=WHEN,
            subject="Fine",
            message_id="<c@x>",
            attachments=[("winmail.dat", winmail_dat((REPRESENTATIONS, PDF)), *TNEF)],
        ),
    ]
    (tmp_path / "box.mbox").write_bytes(
        b"".join(b"From MAILER-DAEMON Mon Mar  2 09:30:00 2026\n" + m + b"\n" for m in messages)
    )
    with clock.frozen(NOW):
        call_command("correspondence_import_eml", str(tmp_path), "--mailbox", BOX)
    out = capsys.readouterr()
    assert "1 files (3 messages): 3 registered, 0 duplicates, 3 match needed, 0 failed" in out.out
    refused = dict(
        Attachment.objects.filter(document__isnull=True).values_list(
            "item__subject", "refused_reason"
        )
    )
    assert refused == {
        "Cut short": "winmail.dat is Outlook's packaging of the attachments (TNEF) and it is "
        "incomplete (cut short): ask the sender to send the files again as ordinary attachments",
        "Garbage": "winmail.dat is Outlook's packaging of the attachments (TNEF) and it is not "
        "in Outlook's TNEF format: ask the sender to send the files again as ordinary attachments",
    }
    assert "box.mbox message 1: attachment winmail.dat refused: winmail.dat is Outlook's" in out.err
    fine = CorrespondenceItem.objects.get(subject="Fine").attachments.get()
    assert fine.file_name == REPRESENTATIONS and fine.document is not None
