from datetime import UTC, datetime

import pytest

from waymark.correspondence.parsing import EmlError, eml_parse
from waymark.correspondence.tests.emails import eml
from waymark.documents.tests.factories import PDF


def test_headers_body_and_attachments():
    when = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    parsed = eml_parse(
        eml(
            subject="Re: Amina OKAFOR",
            body="Dear Sir,\nPlease see attached.",
            when=when,
            to="em.hub@waymark.example, other@waymark.example",
            attachments=[("letter.pdf", PDF, "application", "pdf")],
        )
    )
    assert parsed.sender == "rep@smithlaw.example"
    assert parsed.recipients == ["em.hub@waymark.example", "other@waymark.example"]
    assert parsed.subject == "Re: Amina OKAFOR"
    assert parsed.body == "Dear Sir,\nPlease see attached."
    assert parsed.received_at == when
    assert parsed.message_id == "<abc123@smithlaw.example>"
    assert [(a.file_name, a.content, a.content_type) for a in parsed.attachments] == [
        ("letter.pdf", PDF, "application/pdf")
    ]


def test_html_only_body_is_stripped_to_text():
    parsed = eml_parse(
        eml(
            body=None,
            html="<html><head><style>p{}</style></head><body><p>Hello</p>"
            "<p>WM-0001234 &amp; more</p><script>x()</script></body></html>",
        )
    )
    assert parsed.body == "Hello\n\nWM-0001234 & more"


def test_plain_part_is_preferred_to_html():
    assert eml_parse(eml(body="plain words", html="<p>html words</p>")).body == "plain words"


@pytest.mark.parametrize("raw", [b"", b"\x89PNG\r\n\x1a\n\x00\x00", b"this is not an email at all"])
def test_bad_eml_is_a_clear_error(raw):
    with pytest.raises(EmlError, match=r"empty|not an email"):
        eml_parse(raw)
