"""Reading .eml files with the standard library's ``email`` package (``policy.default``).

``eml_parse(raw)`` returns the headers Waymark keeps, a plain-text body (from the text/plain part,
or the HTML part with its tags stripped when there is no plain part) and the attachments. A file
that is not an email raises ``EmlError`` with a sentence a caseworker can act on.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser


class EmlError(ValueError):
    pass


@dataclass
class ParsedAttachment:
    file_name: str
    content: bytes
    content_type: str


@dataclass
class ParsedEmail:
    sender: str
    recipients: list[str]
    subject: str
    body: str
    received_at: datetime | None
    message_id: str
    attachments: list[ParsedAttachment] = field(default_factory=list)


class _TextExtractor(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "head"}:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in {"script", "style", "head"} and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _addresses(values: list[str]) -> list[str]:
    return [address.lower() for _name, address in getaddresses(values) if address]


def _sender(message) -> str:
    header = message.get("From")
    if header is None:
        return ""
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    if addresses:
        return addresses[0].addr_spec.lower()
    return str(header).strip().lower()


def eml_parse(raw: bytes) -> ParsedEmail:
    if not raw or not raw.strip():
        raise EmlError("The file is empty")
    if b"\x00" in raw[:4096]:
        raise EmlError("The file is not an email message (.eml)")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything it raises means a broken file
        raise EmlError(f"The email could not be read: {exc}") from exc
    if message.get("From") is None or (
        message.get("Subject") is None and message.get("Date") is None
    ):
        raise EmlError(
            "The file is not an email message (.eml): it has no From, Subject or Date header"
        )

    try:
        received_at = parsedate_to_datetime(str(message["Date"])) if message.get("Date") else None
    except (TypeError, ValueError):
        received_at = None
    if received_at is not None and received_at.tzinfo is None:
        received_at = None  # a date without a zone is ambiguous; the caller uses the import time

    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        try:
            content = body_part.get_content()
        except (LookupError, UnicodeDecodeError):
            decoded = body_part.get_payload(decode=True)
            content = (
                decoded.decode("utf-8", errors="replace") if isinstance(decoded, bytes) else ""
            )
        body = (
            html_to_text(content) if body_part.get_content_subtype() == "html" else content.strip()
        )

    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if payload is None:  # an attached message: keep it as an .eml file
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                payload = inner[0].as_bytes(policy=policy.default)
            else:
                continue
        if not isinstance(payload, bytes):  # pragma: no cover - a decoded payload is bytes
            continue
        name = part.get_filename() or (
            "attached-message.eml" if part.get_content_type() == "message/rfc822" else "attachment"
        )
        attachments.append(ParsedAttachment(name, payload, part.get_content_type()))

    return ParsedEmail(
        sender=_sender(message),
        recipients=_addresses([str(v) for key in ("To", "Cc") for v in message.get_all(key, [])]),
        subject=str(message.get("Subject", "")).strip(),
        body=body,
        received_at=received_at,
        message_id=str(message.get("Message-ID", "")).strip(),
        attachments=attachments,
    )
