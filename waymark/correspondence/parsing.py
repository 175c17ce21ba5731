"""Reading .eml files with the standard library's ``email`` package (``policy.default``).

``eml_parse(raw)`` returns the headers Waymark keeps, a plain-text body (from the text/plain part,
or the HTML part with its tags stripped when there is no plain part) and the attachments. A file
that is not an email raises ``EmlError`` with a sentence a caseworker can act on.

Real mailboxes are untidy, so the parser is forgiving where a person reading the message would be:

- text in a charset that is wrong, undeclared or unknown is read as UTF-8 if it is valid UTF-8,
  else as Windows-1252 (which is what "ISO-8859-1" mail almost always is); headers sent as raw
  8-bit bytes likewise;
- a UTF-8 (or UTF-16) byte-order mark, or blank lines, before the headers are passed over;
- the sender is the From address, else Sender, Reply-To or Return-Path;
- the date is the Date header (``-0000`` is UTC, RFC 5322 §3.3), else the newest Received header,
  else a Date with no zone read as UK time; ``dates`` lists them, best first, with where each came
  from, so the service can pass over one in the future and say what it used;
- every part that is not the body is kept as an attachment (a message that is only a PDF, an
  image inside the HTML, a forwarded message), named from its type when it has no file name;
  further plain-text parts of the body are added to the body; signatures (S/MIME, PGP) are not
  content and are left out.
"""

from __future__ import annotations

import codecs
import html
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from waymark.core.clock import LONDON


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
    sender_name: str
    recipients: list[str]
    subject: str
    body: str
    received_at: datetime | None
    message_id: str
    attachments: list[ParsedAttachment] = field(default_factory=list)
    # Every date found, best first, with where it came from ("Date header", "Received header").
    dates: list[tuple[datetime, str]] = field(default_factory=list)


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an Outlook .msg (a Compound File), not MIME
_EMAIL_HEADERS = ("From", "Sender", "Subject", "Date", "Message-ID", "Received", "To")
_SIGNATURES = {
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SINGLE_BYTE_LATIN = {"ascii", "latin-1", "iso8859-1"}


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


def text_decode(data: bytes, declared: str | None = None) -> str:
    """Bytes as text: the declared charset if it reads them, else UTF-8, else Windows-1252.

    A declared ASCII or ISO-8859-1 is read as Windows-1252 (as browsers do): those senders mean
    it, and 0x80-0x9F are its curly quotes, dashes and euro sign, not control characters.
    """
    tried: list[str] = []
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:  # a charset Python does not know
            name = ""
        if name:
            tried.append("cp1252" if name in _SINGLE_BYTE_LATIN and name != "ascii" else name)
    for charset in [*tried, "utf-8", "cp1252"]:
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # cp1252 leaves five bytes undefined; latin-1 reads everything


def _clean(text: str) -> str:
    """No NUL or other control characters (PostgreSQL refuses NUL in text); newlines and tabs kept."""
    return _CONTROL.sub("", text)


def _header_raw(message: Message, name: str) -> str:
    """The header's text as sent (the first of that name), unfolded, raw 8-bit bytes read as text."""
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
    if not isinstance(raw, str):
        return str(raw)
    if re.search("[\udc80-\udcff]", raw):
        raw = text_decode(raw.encode("ascii", "surrogateescape"))
    return re.sub(r"\r?\n", "", raw)


def _header(message: Message, name: str):
    """The header object, with raw 8-bit bytes (not allowed, but common) read as text."""
    value = message.get(name)
    if value is None:
        return None
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
    if isinstance(raw, str) and re.search("[\udc80-\udcff]", raw):
        value = policy.default.header_factory(name, _header_raw(message, name))
    return value


def _header_text(message: Message, name: str) -> str:
    value = _header(message, name)
    return _clean(str(value)).strip() if value is not None else ""


def _addresses(values: list[str]) -> list[str]:
    return [_clean(address).lower() for _name, address in getaddresses(values) if address]


def _sender(message: Message) -> tuple[str, str]:
    """The sender's address and the name their mail program shows ("" if none)."""
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        header = _header(message, name)
        if header is None:
            continue
        addresses: tuple[Address, ...] = getattr(header, "addresses", ())
        for address in addresses:
            if address.addr_spec and address.addr_spec != "<>":
                shown = " ".join(_clean(address.display_name or "").split())
                return _clean(address.addr_spec).lower(), shown
    text = _header_text(message, "From")  # no address, but something ("Undisclosed sender")
    return text.lower(), ""


def _date_parse(text: str, *, zoneless_in_london: bool) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        if re.search(r"-0000\s*(?:\(.*\))?\s*$", text):
            return when.replace(tzinfo=UTC)  # RFC 5322 3.3: UTC, the sender's zone unknown
        if not zoneless_in_london:
            return None
        return when.replace(tzinfo=LONDON)
    return when


def _dates(message: Message) -> list[tuple[datetime, str]]:
    # As sent: the parsed header writes a date with no zone as "-0000", which would read as UTC.
    date_header = _clean(_header_raw(message, "Date")).strip()
    found = []
    when = _date_parse(date_header, zoneless_in_london=False) if date_header else None
    if when is not None:
        found.append((when, "Date header"))
    for key, received in message.raw_items():  # newest first: the mailbox's own server
        if key.lower() != "received" or not isinstance(received, str):
            continue
        stamp = re.sub(r"\s+", " ", received).rpartition(";")[2].strip()
        arrived = _date_parse(stamp, zoneless_in_london=False) if stamp else None
        if arrived is not None:
            found.append((arrived, "Received header"))
            break
    if date_header and when is None:
        zoneless = _date_parse(date_header, zoneless_in_london=True)
        if zoneless is not None:
            found.append((zoneless, "Date header (no time zone: read as UK time)"))
    return found


def _leaves(part: Message, in_alternative: bool = False):
    """Every part that is not a container, with whether it is one rendering of an alternative."""
    if part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        if isinstance(payload, list):
            alternative = in_alternative or part.get_content_subtype() == "alternative"
            for sub in payload:
                yield from _leaves(sub, alternative)
        return
    yield part, in_alternative


def _safe_file_name(name: str) -> str:
    name = _clean(name).replace("\r", "").replace("\n", "").replace("\t", " ")
    name = re.split(r"[\\/]", name)[-1].strip().lstrip(".").strip()
    return name


def _attachment_name(part: Message, payload: bytes, inner: Message | None) -> str:
    try:
        name = _safe_file_name(part.get_filename() or "")
    except (ValueError, LookupError):  # a broken RFC 2231 or encoded-word file name
        name = ""
    if name:
        return name
    if inner is not None:
        subject = _safe_file_name(_header_text(inner, "Subject"))[:150]
        return f"{subject or 'attached message'}.eml"
    content_type = part.get_content_type()
    if content_type == "application/octet-stream":
        from waymark.documents.sniffing import sniff_content_type

        content_type = sniff_content_type(payload) or content_type
    from waymark.documents.rules import ALLOWED_CONTENT_TYPES

    extensions = ALLOWED_CONTENT_TYPES.get(content_type)
    extension = extensions[0] if extensions else (mimetypes.guess_extension(content_type) or "")
    return f"attachment{extension}"


def _attachment(part: Message) -> ParsedAttachment | None:
    inner = None
    payload = part.get_payload(decode=True)
    if part.get_content_type() == "message/rfc822" or payload is None:
        body = part.get_payload()
        if isinstance(body, list) and body and isinstance(body[0], Message):
            inner = body[0]
            payload = inner.as_bytes(policy=policy.default.clone(linesep="\r\n"))
    if not isinstance(payload, bytes):
        return None
    return ParsedAttachment(
        _attachment_name(part, payload, inner), payload, part.get_content_type()
    )


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = text_decode(payload, part.get_content_charset())
    return html_to_text(text) if part.get_content_subtype() == "html" else text.strip()


def _prepare(raw: bytes) -> bytes:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # saved as UTF-16 by a Windows tool
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return raw
    return raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n\t ")


def eml_parse(raw: bytes) -> ParsedEmail:
    if not raw or not raw.strip():
        raise EmlError("The file is empty")
    if raw.startswith(_OLE2):
        raise EmlError(
            "The file is an Outlook message (.msg), not an email saved as .eml: "
            "save or export it from Outlook in .eml (or the mailbox as .mbox) and import that"
        )
    raw = _prepare(raw)
    if b"\x00" in raw[:4096]:
        raise EmlError("The file is not an email message (.eml)")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything it raises means a broken file
        raise EmlError(f"The email could not be read: {exc}") from exc
    if not any(message.get(name) is not None for name in _EMAIL_HEADERS):
        raise EmlError(
            "The file is not an email message (.eml): it has none of the headers of an email "
            "(From, To, Subject, Date)"
        )
    sender, sender_name = _sender(message)
    if not sender:
        raise EmlError("The email has no sender: it has no From address")
    dates = _dates(message)

    body_part = message.get_body(preferencelist=("plain", "html"))
    body = _part_text(body_part) if body_part is not None else ""
    extra_text = []
    attachments = []
    if message.get_content_maintype() == "multipart":
        leaves = list(_leaves(message))
        payload = message.get_payload()
        if isinstance(payload, str) and not body:  # its boundary never comes: the text is all
            body = text_decode(payload.encode("utf-8", "surrogateescape")).strip()
    elif body_part is None:
        leaves = [(message, False)]  # the whole message is one file (a scanner's PDF)
    else:
        leaves = []
    for part, in_alternative in leaves:
        if part is body_part or part.get_content_type() in _SIGNATURES:
            continue
        if (
            part.get_content_maintype() == "text"
            and part.get_content_subtype() in {"plain", "html"}
            and not part.is_attachment()
            and not part.get_filename()
        ):
            if not in_alternative:  # more of the body, after an inline image or file
                extra_text.append(_part_text(part))
            continue
        attachment = _attachment(part)
        if attachment is not None:
            attachments.append(attachment)
    body = "\n\n".join(text for text in [body, *extra_text] if text)

    return ParsedEmail(
        sender=sender,
        sender_name=sender_name,
        recipients=_addresses([str(v) for key in ("To", "Cc") for v in message.get_all(key, [])]),
        subject=_header_text(message, "Subject"),
        body=_clean(body),
        received_at=dates[0][0] if dates else None,
        message_id=_header_text(message, "Message-ID"),
        attachments=attachments,
        dates=dates,
    )
