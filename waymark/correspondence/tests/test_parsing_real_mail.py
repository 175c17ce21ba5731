""".eml files as real mailboxes hold them, not as the standard library writes them: wrong and
unknown charsets, raw 8-bit headers, byte-order marks, odd dates, messages that are one PDF,
attachments with no name or a path for a name, Outlook files passed by mistake."""

from datetime import UTC, datetime

import pytest

from waymark.core.clock import LONDON
from waymark.correspondence.parsing import EmlError, eml_parse

HEAD = b"From: Jo Smith <jo@smithlaw.example>\r\nSubject: Enquiry\r\nDate: Mon, 2 Mar 2026 09:30:00 +0000\r\n"
PDF = b"%PDF-1.4\n%%EOF\n"
PDF_B64 = b"JVBERi0xLjQKJSVFT0YK"


def _plain(charset: bytes | None, body: bytes) -> bytes:
    declared = b"; charset=" + charset if charset else b""
    return (
        HEAD
        + b"MIME-Version: 1.0\r\nContent-Type: text/plain"
        + declared
        + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body
    )


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        # Windows-1252 bytes in a message that says UTF-8 (a common mailer bug)
        (b"utf-8", b"caf\xe9 \xa3100 \x93quoted\x94", "caf\u00e9 \u00a3100 \u201cquoted\u201d"),
        # a charset Python does not know
        (b"x-mac-unknown", b"caf\xe9", "caf\u00e9"),
        # UTF-8 in a message that says ASCII, or says nothing
        (b"us-ascii", b"caf\xc3\xa9", "caf\u00e9"),
        (None, b"caf\xc3\xa9", "caf\u00e9"),
        # "ISO-8859-1" that is really Windows-1252: curly quotes and the euro sign, not controls
        (b"iso-8859-1", b"\x93Hello\x94 \x80 5", "\u201cHello\u201d \u20ac 5"),
    ],
)
def test_body_in_a_wrong_unknown_or_missing_charset_is_readable(charset, body, expected):
    assert eml_parse(_plain(charset, body)).body == expected


def test_raw_8bit_latin1_headers_are_readable():
    raw = (
        b"From: Jos\xe9 <jose@example.com>\r\nSubject: R\xe9sum\xe9 \xa3\r\n"
        b"Date: Mon, 2 Mar 2026 09:30:00 +0000\r\n\r\nx\r\n"
    )
    parsed = eml_parse(raw)
    assert parsed.subject == "R\u00e9sum\u00e9 \u00a3" and parsed.sender == "jose@example.com"


def test_a_byte_order_mark_or_blank_lines_before_the_headers_are_passed_over():
    assert eml_parse(b"\xef\xbb\xbf" + HEAD + b"\r\nHello\r\n").subject == "Enquiry"
    assert eml_parse(b"\r\n\r\n" + HEAD + b"\r\nHello\r\n").subject == "Enquiry"
    utf16 = ("\ufeff" + (HEAD + b"\r\nHello\r\n").decode()).encode("utf-16-le")
    assert eml_parse(utf16).body == "Hello"


def test_an_outlook_msg_file_is_refused_saying_what_it_is():
    with pytest.raises(EmlError, match=r"Outlook message \(\.msg\)"):
        eml_parse(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)


def test_the_sender_falls_back_to_sender_or_reply_to_and_a_missing_one_is_said_plainly():
    raw = b"Reply-To: clerk@court.example\r\nSubject: Listing\r\nDate: Mon, 2 Mar 2026 09:30:00 +0000\r\n\r\nx\r\n"
    assert eml_parse(raw).sender == "clerk@court.example"
    with pytest.raises(EmlError, match="no sender") as refused:
        eml_parse(b"Subject: Listing\r\nDate: Mon, 2 Mar 2026 09:30:00 +0000\r\n\r\nx\r\n")
    assert "Subject" not in str(refused.value)  # it has a Subject and a Date: not "no Subject"


def test_a_date_at_minus_0000_is_utc():
    raw = HEAD.replace(b"09:30:00 +0000", b"08:00:00 -0000") + b"\r\nx\r\n"
    assert eml_parse(raw).received_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_no_usable_date_falls_back_to_the_received_header_then_uk_time():
    received = b"Received: from mx.example by mail.gov.example; Tue, 3 Mar 2026 10:15:00 +0000\r\n"
    no_date = b"From: a@b.example\r\nSubject: s\r\n"
    parsed = eml_parse(received + no_date + b"\r\nx\r\n")
    assert parsed.received_at == datetime(2026, 3, 3, 10, 15, tzinfo=UTC)
    assert parsed.dates[0][1] == "Received header"
    garbled = no_date + b"Date: sometime on Tuesday\r\n"
    assert eml_parse(received + garbled + b"\r\nx\r\n").received_at == datetime(
        2026, 3, 3, 10, 15, tzinfo=UTC
    )
    zoneless = no_date + b"Date: Mon, 6 Jul 2026 09:30:00\r\n"
    assert eml_parse(zoneless + b"\r\nx\r\n").received_at == datetime(
        2026, 7, 6, 9, 30, tzinfo=LONDON
    )


def test_a_message_that_is_only_a_pdf_keeps_the_pdf():
    raw = (
        HEAD + b"MIME-Version: 1.0\r\nContent-Type: application/pdf; name=scan.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + PDF_B64 + b"\r\n"
    )
    parsed = eml_parse(raw)
    assert [(a.file_name, a.content) for a in parsed.attachments] == [("scan.pdf", PDF)]


def _mixed(*parts: bytes) -> bytes:
    body = b"".join(b"--MM\r\n" + part + b"\r\n" for part in parts)
    return (
        HEAD
        + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="MM"\r\n\r\n'
        + body
        + b"--MM--\r\n"
    )


def test_attachment_names_missing_or_with_paths_are_made_safe_and_typed():
    parsed = eml_parse(
        _mixed(
            b"Content-Type: text/plain\r\n\r\nSee attached",
            b"Content-Type: application/pdf\r\nContent-Disposition: attachment\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + PDF_B64,
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + PDF_B64,
            b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="..\\\\..\\\\x.pdf"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + PDF_B64,
            b"Content-Type: application/pdf\r\nContent-Disposition: attachment; "
            b"filename*=utf-8''%D8%B1%D8%B3%D8%A7%D9%84%D8%A9%0D%0A.pdf\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + PDF_B64,
        )
    )
    assert [a.file_name for a in parsed.attachments] == [
        "attachment.pdf",
        "attachment.pdf",
        "x.pdf",
        "\u0631\u0633\u0627\u0644\u0629.pdf",
    ]


def test_a_forwarded_message_is_named_by_its_subject():
    inner = (
        b"From: a@b.example\r\nSubject: =?utf-8?Q?Caf=C3=A9_order?=\r\n"
        b"Date: Sun, 1 Mar 2026 09:00:00 +0000\r\n\r\ninner\r\n"
    )
    parsed = eml_parse(
        _mixed(
            b"Content-Type: text/plain\r\n\r\nFYI", b"Content-Type: message/rfc822\r\n\r\n" + inner
        )
    )
    assert [a.file_name for a in parsed.attachments] == ["Caf\u00e9 order.eml"]
    assert b"inner" in parsed.attachments[0].content


def test_inline_images_in_the_html_and_text_after_them_are_kept():
    alternative = (
        b'Content-Type: multipart/alternative; boundary="AA"\r\n\r\n'
        b"--AA\r\nContent-Type: text/plain\r\n\r\nFirst part\r\n"
        b'--AA\r\nContent-Type: multipart/related; boundary="RR"\r\n\r\n'
        b"--RR\r\nContent-Type: text/html\r\n\r\n<p>First part <img src=cid:i1></p>\r\n"
        b"--RR\r\nContent-Type: image/png\r\nContent-ID: <i1>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
        b"--RR--\r\n--AA--"
    )
    parsed = eml_parse(
        _mixed(
            alternative,
            b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + PDF_B64,
            b"Content-Type: text/plain\r\n\r\nSecond part, after the file",
            b"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n\r\nMIAGCSqG",
        )
    )
    assert parsed.body == "First part\n\nSecond part, after the file"
    assert [a.file_name for a in parsed.attachments] == ["attachment.png", "a.pdf"]


def test_nul_characters_are_removed_and_a_multipart_without_its_boundary_keeps_its_text():
    nul = (
        HEAD
        + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nYQBi\r\n"
    )
    assert eml_parse(nul).body == "ab"  # PostgreSQL refuses NUL in text
    broken = HEAD + b'Content-Type: multipart/mixed; boundary="ZZ"\r\n\r\nThe whole text\r\n'
    assert eml_parse(broken).body == "The whole text"


@pytest.mark.parametrize(
    ("word", "text", "note"),
    [
        # a charset no one knows, the text in fact UTF-8
        (b"=?x-unknown?B?UsOpc3Vtw6k=?=", "R\u00e9sum\u00e9", "x-unknown"),
        # Hebrew in logical order: the same bytes as ISO-8859-8, which Python knows
        (b"=?iso-8859-8-i?Q?=F9=EC=E5=ED?=", "\u05e9\u05dc\u05d5\u05dd", None),
        # says UTF-8, is Windows-1252
        (b"=?utf-8?Q?caf=E9_=93ok=94?=", "caf\u00e9 \u201cok\u201d", "utf-8"),
        # not a text charset at all, and base64 with its padding lost
        (b"=?base64?B?Y2Fmw6k?=", "caf\u00e9", "base64"),
    ],
)
def test_encoded_words_in_an_unknown_charset_are_read_best_effort_with_a_note(word, text, note):
    raw = (
        b"From: " + word + b" <jose@example.com>\r\nSubject: " + word + b" 1\r\n"
        b"Date: Mon, 2 Mar 2026 09:30:00 +0000\r\n\r\nx\r\n"
    )
    parsed = eml_parse(raw)
    assert (parsed.subject, parsed.sender_name, parsed.sender) == (
        f"{text} 1",
        text,
        "jose@example.com",
    )
    if note is None:
        assert parsed.notes == []
    else:
        assert [n.split(" header")[0] for n in parsed.notes] == ["the Subject", "the From"]
        assert all(f"({note})" in n and "check that it reads correctly" in n for n in parsed.notes)


def test_a_body_in_a_charset_that_is_not_text_is_read_not_raised():
    assert eml_parse(_plain(b"base64", b"caf\xc3\xa9")).body == "caf\u00e9"
    assert eml_parse(_plain(b"rot13", b"caf\xe9")).body == "caf\u00e9"


def test_a_from_header_with_only_a_name_keeps_the_name_and_says_there_is_no_address():
    for from_header in (b"From: Jo Smith\r\n", b'From: "Jo Smith" <>\r\n'):
        parsed = eml_parse(from_header + b"Subject: s\r\n\r\nx\r\n")
        assert (parsed.sender, parsed.sender_name) == ("Jo Smith", "")
        assert parsed.notes == [
            'the sender gave no email address, only "Jo Smith": there is none to reply to'
        ]
    # a name in From and an address in Reply-To: the address, shown with the name
    parsed = eml_parse(
        b"From: Jo Smith\r\nReply-To: jo@smithlaw.example\r\nSubject: s\r\n\r\nx\r\n"
    )
    assert (parsed.sender, parsed.sender_name, parsed.notes) == (
        "jo@smithlaw.example",
        "Jo Smith",
        [],
    )


def test_a_message_that_is_only_a_forwarded_message_keeps_its_text_and_files():
    raw = (
        b"From: clerk@smithlaw.example\r\nDate: Mon, 2 Mar 2026 09:30:00 +0000\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: Jo Smith <jo@smithlaw.example>\r\nSubject: Representations WM-0001234\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nPlease see our client's representations.\r\n"
        b"--B\r\nContent-Type: application/pdf; name=reps.pdf\r\n"
        b"Content-Disposition: attachment; filename=reps.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + PDF_B64 + b"\r\n--B--\r\n"
    )
    parsed = eml_parse(raw)
    assert parsed.body == (
        "---------- Forwarded message ----------\n"
        "From: Jo Smith <jo@smithlaw.example>\nSubject: Representations WM-0001234\n\n"
        "Please see our client's representations."
    )
    assert [(a.file_name, a.content_type) for a in parsed.attachments] == [
        ("Representations WM-0001234.eml", "message/rfc822"),
        ("reps.pdf", "application/pdf"),
    ]
    assert parsed.attachments[1].content == PDF


def test_a_message_larger_than_the_limit_is_refused_before_it_is_parsed(monkeypatch):
    from waymark.correspondence import rules

    monkeypatch.setattr(rules, "MAX_MESSAGE_BYTES", 1024 * 1024)
    big = HEAD + b"\r\n" + b"x" * (2 * 1024 * 1024)
    with pytest.raises(EmlError, match=r"The email is 2\.0 MB, larger than the 1 MB Waymark"):
        eml_parse(big)
    assert eml_parse(HEAD + b"\r\n" + b"x" * (1024 * 1024 - len(HEAD) - 2)).subject == "Enquiry"
