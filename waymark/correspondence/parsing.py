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
  content and are left out;
- a forwarded message (``message/rfc822``) is kept as an .eml attachment, and its text and its
  attachments are added to the message's own, so nothing in it is hidden inside a file;
- an encoded word (``=?charset?B?...?=``) in a charset Python does not know, or whose bytes are not
  in the charset it names, is read as UTF-8, else Windows-1252, and ``notes`` says so; a From
  header with only a name is kept as the name.

``winmail_dat_unpack`` opens an Outlook winmail.dat (TNEF) with ``tnefparse``; ``mbox_messages``
reads an mbox file one message at a time. A message larger than ``rules.MAX_MESSAGE_BYTES`` is
refused before it is parsed.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy, quoprimime
from email.headerregistry import Address
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import BinaryIO

from waymark.core.clock import LONDON
from waymark.correspondence import rules


class EmlError(ValueError):
    pass


class WinmailError(ValueError):
    """A winmail.dat that cannot be opened; the message says why, as the end of a sentence."""


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
    # Sentences for the import report: what was read best-effort (a charset not known, a sender
    # with no address).
    notes: list[str] = field(default_factory=list)


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


def charset_codec(declared: str | None) -> str:
    """The Python codec for a charset a mail program declared, or "" when there is none.

    Some names mail programs use are not Python's: ``iso-8859-8-i`` (Hebrew in logical order, the
    same bytes as ``iso-8859-8``), ``x-mac-cyrillic``, ``windows-874``. Only text encodings count
    (``base64`` or ``rot13`` as a charset is not one).
    """
    if not declared:
        return ""
    name = declared.strip().strip('"').lower()
    candidates = [
        name,
        re.sub(r"-[ie]$", "", name),
        name.removeprefix("x-"),
        re.sub(r"^(?:x-)?windows-", "cp", name),
    ]
    for candidate in candidates:
        try:
            info = codecs.lookup(candidate)
        except (LookupError, ValueError, TypeError):
            continue
        if getattr(info, "_is_text_encoding", True) and info.name not in {"idna", "punycode"}:
            return info.name
    return ""


def text_decode(data: bytes, declared: str | None = None) -> str:
    """Bytes as text: the declared charset if it reads them, else UTF-8, else Windows-1252.

    A declared ASCII or ISO-8859-1 is read as Windows-1252 (as browsers do): those senders mean
    it, and 0x80-0x9F are its curly quotes, dashes and euro sign, not control characters.
    """
    tried: list[str] = []
    name = charset_codec(declared)
    if name:
        tried.append("cp1252" if name in _SINGLE_BYTE_LATIN and name != "ascii" else name)
    for charset in [*tried, "utf-8", "cp1252"]:
        try:
            return data.decode(charset)
        except (UnicodeError, LookupError):
            continue
    return data.decode("latin-1")  # cp1252 leaves five bytes undefined; latin-1 reads everything


_SURROGATES = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """No NUL or other control characters (PostgreSQL refuses NUL in text); newlines and tabs kept.

    Undecodable bytes the ``email`` package left as lone surrogates (no database can store them)
    are read as text the way a body is (UTF-8, else Windows-1252).
    """
    if _SURROGATES.search(text):
        try:
            text = text_decode(text.encode("utf-8", "surrogateescape"))
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("", text)


# An RFC 2047 encoded word: =?charset(*language)?B or Q?text?=
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")


def _encoded_word_bytes(encoding: str, text: str) -> bytes:
    if encoding.lower() == "q":
        return quoprimime.header_decode(text).encode("latin-1", "replace")
    letters = re.sub(r"[^A-Za-z0-9+/]", "", text)
    if len(letters) % 4 == 1:  # one letter over cannot be a byte
        letters = letters[:-1]
    return base64.b64decode(letters + "=" * (-len(letters) % 4))


def _encoded_words_mended(raw: str) -> tuple[str, list[str]]:
    """The header with every encoded word the ``email`` package would garble rewritten in UTF-8,
    and the charsets read best-effort (unknown, or the bytes not in them) rather than as declared.

    The ``email`` package reads an encoded word in a charset Python does not know, or with bytes
    that charset does not have, as lone surrogates (or U+FFFD): a name that cannot be stored and
    a subject of question marks. Here such a word is read as ``charset_codec`` knows the charset
    (``iso-8859-8-i`` as ``iso-8859-8``), else as UTF-8, else as Windows-1252.
    """
    unread: list[str] = []

    def mend(match: re.Match[str]) -> str:
        charset, encoding, text = match.groups()
        try:
            data = _encoded_word_bytes(encoding, text)
        except (binascii.Error, ValueError):
            return match.group(0)
        for name in dict.fromkeys([_codec_exact(charset), charset_codec(charset)]):
            if not name:
                continue
            try:
                decoded = data.decode(name)
            except (UnicodeError, LookupError):
                continue
            if name == _codec_exact(charset):
                return match.group(0)  # the email package reads it as it is
            break
        else:
            unread.append(charset)
            decoded = text_decode(data, charset)
        return f"=?utf-8?b?{base64.b64encode(decoded.encode('utf-8')).decode('ascii')}?="

    return _ENCODED_WORD.sub(mend, raw), unread


def _codec_exact(declared: str) -> str:
    """The text codec Python itself finds for the name, as the ``email`` package looks it up."""
    try:
        info = codecs.lookup(declared)
    except (LookupError, ValueError, TypeError):
        return ""
    return info.name if getattr(info, "_is_text_encoding", True) else ""


def _header_raw(message: Message, name: str) -> str:
    """The header's text as sent (the first of that name), unfolded, raw 8-bit bytes read as text."""
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
    if not isinstance(raw, str):
        return str(raw)
    if re.search("[\udc80-\udcff]", raw):
        raw = text_decode(raw.encode("ascii", "surrogateescape"))
    return re.sub(r"\r?\n", "", raw)


def _header(message: Message, name: str):
    """The header object, with raw 8-bit bytes (not allowed, but common) read as text and encoded
    words the ``email`` package would garble read best-effort (``_encoded_words_mended``)."""
    value = message.get(name)
    if value is None:
        return None
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
    text = _header_raw(message, name)
    mended, _unread = _encoded_words_mended(text)
    if mended != text or (isinstance(raw, str) and re.search("[\udc80-\udcff]", raw)):
        value = policy.default.header_factory(name, mended)
    return value


def _header_charset_notes(message: Message) -> list[str]:
    notes = []
    for name in ("Subject", "From"):
        _mended, unread = _encoded_words_mended(_header_raw(message, name))
        if unread:
            charsets = ", ".join(dict.fromkeys(_clean(charset) for charset in unread))
            notes.append(
                f"the {name} header is in a character set Waymark does not know ({charsets}): "
                "it was read as UTF-8 or Windows-1252, check that it reads correctly"
            )
    return notes


def _header_text(message: Message, name: str) -> str:
    value = _header(message, name)
    return _clean(str(value)).strip() if value is not None else ""


def _addresses(values: list[str]) -> list[str]:
    return [_clean(address).lower() for _name, address in getaddresses(values) if address]


def _sender(message: Message) -> tuple[str, str, str]:
    """The sender's address, the name their mail program shows ("" if none), and a note when
    there is no address at all (then the first is the name, or the From header as written)."""
    name_only = ""
    for header_name in ("From", "Sender", "Reply-To", "Return-Path"):
        header = _header(message, header_name)
        if header is None:
            continue
        addresses: tuple[Address, ...] = getattr(header, "addresses", ())
        for address in addresses:
            shown = " ".join(_clean(address.display_name or "").split())
            spec = _clean(address.addr_spec or "").strip()
            if "@" in spec:  # not "<>", and not a name read as an address with no domain
                return spec.lower(), shown or name_only, ""
            if not name_only and header_name == "From":
                name_only = shown or " ".join(_clean(address.username or "").split())
    text = name_only or _header_text(message, "From")  # "Undisclosed sender", "Jo Smith"
    text = " ".join(re.sub(r":\s*;$", "", text.strip()).strip('"').split())  # an empty group
    if not text:
        return "", "", ""
    return text, "", f'the sender gave no email address, only "{text}": there is none to reply to'


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


def _name_from_type(content_type: str, payload: bytes) -> str:
    """ "attachment.pdf": a name for a file that came with none, from its type (or its bytes)."""
    if content_type == "application/octet-stream":
        from waymark.documents.sniffing import sniff_content_type

        content_type = sniff_content_type(payload) or content_type
    from waymark.documents.rules import ALLOWED_CONTENT_TYPES

    extensions = ALLOWED_CONTENT_TYPES.get(content_type)
    extension = extensions[0] if extensions else (mimetypes.guess_extension(content_type) or "")
    return f"attachment{extension}"


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
    return _name_from_type(part.get_content_type(), payload)


def _attachment(part: Message) -> tuple[ParsedAttachment | None, Message | None]:
    """The part as a file, and the message inside it when it is a forwarded message."""
    inner = None
    payload = part.get_payload(decode=True)
    if part.get_content_type() == "message/rfc822" or payload is None:
        body = part.get_payload()
        if isinstance(body, list) and body and isinstance(body[0], Message):
            inner = body[0]
            payload = inner.as_bytes(policy=policy.default.clone(linesep="\r\n"))
    if not isinstance(payload, bytes):
        return None, None
    attachment = ParsedAttachment(
        _attachment_name(part, payload, inner), payload, part.get_content_type()
    )
    return attachment, inner


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = text_decode(payload, part.get_content_charset())
    return html_to_text(text) if part.get_content_subtype() == "html" else text.strip()


def _forwarded_text(inner: Message, text: str) -> str:
    """A forwarded message's text under a heading as mail programs write one."""
    lines = ["---------- Forwarded message ----------"]
    for name in ("From", "Date", "Subject"):
        value = " ".join(_header_text(inner, name).split())
        if value:
            lines.append(f"{name}: {value}")
    return "\n".join(lines) + (f"\n\n{text}" if text else "")


def _content(message: Message, depth: int = 0) -> tuple[str, list[ParsedAttachment]]:
    """The message's text and its files. A forwarded message inside it is a file (an .eml) and
    its text and files are added to these, ``rules.FORWARDED_MESSAGE_DEPTH`` forwards deep."""
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
        attachment, inner = _attachment(part)
        if attachment is not None:
            attachments.append(attachment)
        if inner is not None and depth < rules.FORWARDED_MESSAGE_DEPTH:
            text, files = _content(inner, depth + 1)
            extra_text.append(_forwarded_text(inner, text))
            attachments.extend(files)
    return "\n\n".join(text for text in [body, *extra_text] if text), attachments


def _prepare(raw: bytes) -> bytes:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # saved as UTF-16 by a Windows tool
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return raw
    return raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n\t ")


def size_shown(size: int) -> str:
    """A size in megabytes as GOV.UK writes it ("50 MB")."""
    megabytes = size / (1024 * 1024)
    return (
        f"{megabytes:.0f} MB"
        if megabytes >= 10 or megabytes.is_integer()
        else f"{megabytes:.1f} MB"
    )


def message_too_large(size: int) -> str:
    """Why a message of ``size`` bytes is not read (it is larger than ``rules.MAX_MESSAGE_BYTES``)."""
    return (
        f"The email is {size_shown(size)}, larger than the {size_shown(rules.MAX_MESSAGE_BYTES)} "
        "Waymark reads in one message: save its attachments from the mail program and register "
        "them as a posted letter"
    )


def eml_parse(raw: bytes) -> ParsedEmail:
    if not raw or not raw.strip():
        raise EmlError("The file is empty")
    if len(raw) > rules.MAX_MESSAGE_BYTES:
        raise EmlError(message_too_large(len(raw)))
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
    sender, sender_name, sender_note = _sender(message)
    if not sender:
        raise EmlError("The email has no sender: it has no From address")
    dates = _dates(message)
    body, attachments = _content(message)
    notes = _header_charset_notes(message)
    if sender_note:
        notes.append(sender_note)
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
        notes=notes,
    )


# Outlook's winmail.dat (TNEF, [MS-OXTNEF]): the signature its first four bytes carry.
_TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"
_TNEF_CONTENT_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_TNEF_ATTACH_DATA = 0x800F  # attAttachData: a file's bytes
_TNEF_FILE_ATTRIBUTES = {_TNEF_ATTACH_DATA, 0x9005}  # and attAttachment, which may hold them
_TNEF_EMBEDDED_DEPTH = 3  # an attached Outlook message inside an attached Outlook message...


def winmail_dat_is(*, file_name: str, content_type: str, content: bytes) -> bool:
    """Whether an attachment is Outlook's winmail.dat (TNEF), by its type, name or first bytes."""
    return (
        content_type.lower() in _TNEF_CONTENT_TYPES
        or file_name.strip().lower() == "winmail.dat"
        or content.startswith(_TNEF_SIGNATURE)
    )


def _tnef_check(content: bytes) -> None:
    """Refuse, before ``tnefparse`` reads it, a winmail.dat that is not TNEF, has a file in it cut
    short, or would take too long to read.

    Walks the file's attributes as ``tnefparse`` will (level, id, type, a 4-byte length, the
    data, a 2-byte checksum). ``tnefparse`` reads an attribute that runs past the end as if it
    were whole, so a PDF cut short would be kept as if it were the file: a file's data (or the
    properties that may hold it) running past the end is refused; other attributes cut short
    (real files end without their last checksum) are not. ``tnefparse`` also copies the rest of
    the file for every attribute it reads, so a file of very many tiny attributes costs its size
    times their number: ``rules.WINMAIL_DAT_MAX_BYTES_COPIED``.
    """
    if not content.startswith(_TNEF_SIGNATURE):
        raise WinmailError("it is not in Outlook's TNEF format")
    offset, copied = 6, 0
    while offset + 12 < len(content):  # tnefparse's own loop: an attribute is at least 12 bytes
        attribute = int.from_bytes(content[offset + 1 : offset + 3], "little")
        length = int.from_bytes(content[offset + 5 : offset + 9], "little")
        if attribute in _TNEF_FILE_ATTRIBUTES and offset + 9 + length > len(content):
            raise WinmailError("it is incomplete (cut short)")
        copied += len(content) - offset
        if copied > rules.WINMAIL_DAT_MAX_BYTES_COPIED:
            raise WinmailError("it is made of too many parts to be read")
        offset += length + 11


def _tnef_file_name(attachment, data: bytes) -> str:
    try:
        name = attachment.long_filename()
    except (UnicodeError, ValueError, AttributeError, TypeError):
        name = ""
    if isinstance(name, bytes):
        name = text_decode(name.rstrip(b"\x00"))
    name = _safe_file_name(str(name or "").rstrip("\x00"))
    if name:
        return name
    return _name_from_type("application/octet-stream", data)


def _tnef_files(tnef, depth: int) -> list[ParsedAttachment]:
    for part in tnef.objects:  # other attributes' checksums are often wrong in real files
        if part.name == _TNEF_ATTACH_DATA and not getattr(part, "good_checksum", True):
            raise WinmailError("it is damaged (a file in it does not match its checksum)")
    files = []
    for attachment in tnef.attachments:
        embedded = getattr(attachment, "embed", None)
        if embedded is not None:  # an Outlook message attached: the files attached to it
            if depth < _TNEF_EMBEDDED_DEPTH:
                files.extend(_tnef_files(embedded, depth + 1))
            continue
        data = attachment.data if isinstance(attachment.data, bytes) else b""
        name = _tnef_file_name(attachment, data)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        files.append(ParsedAttachment(name, data, content_type))
    return files


def winmail_dat_unpack(content: bytes) -> list[ParsedAttachment]:
    """The files inside an Outlook winmail.dat (TNEF), read with ``tnefparse``.

    Outlook sending rich text to an outside address packs every attachment into winmail.dat, so
    a solicitor's representations arrive as one file no one can open. A winmail.dat that cannot
    be read raises ``WinmailError`` saying why; its message body (RTF) is not read, as Outlook
    sends the same text as the message's own text part.
    """
    _tnef_check(content)
    from tnefparse import TNEF

    try:
        tnef = TNEF(content, do_checksum=True)
    except Exception as exc:  # tnefparse raises whatever a damaged file trips over
        raise WinmailError("it is damaged and could not be read") from exc
    return _tnef_files(tnef, 0)


@dataclass
class MboxMessage:
    number: int  # 1 for the first message in the file
    raw: bytes | None  # None when the message is larger than the limit (it was not held)
    size: int


_MBOX_READ_BYTES = 64 * 1024  # a line longer than this is read in pieces


def mbox_messages(handle: BinaryIO, *, limit: int) -> Iterator[MboxMessage]:
    """The messages of an mbox file, read as a stream: one message in memory at a time.

    A message starts at a line beginning "From " (as the standard library's ``mailbox.mbox``
    reads it; the line itself is not part of the message) and ends before the blank line before
    the next. Lines are read at most ``_MBOX_READ_BYTES`` at a time, and a message over ``limit``
    bytes is counted to its end but not kept, so a huge message (or a file with no line breaks)
    never has to fit in memory.
    """
    number, size, pieces, started, line_start = 0, 0, [], False, True

    def finished() -> MboxMessage:
        if size > limit:
            return MboxMessage(number, None, size)
        raw = b"".join(pieces)
        if raw.endswith(b"\n\n"):  # the blank line before the next "From " line
            raw = raw[:-1]
        return MboxMessage(number, raw, len(raw))

    while line := handle.readline(_MBOX_READ_BYTES):
        was_line_start, line_start = line_start, line.endswith(b"\n")
        if was_line_start and line.startswith(b"From "):
            if started:
                yield finished()
            number, size, pieces, started = number + 1, 0, [], True
            while not line_start and (line := handle.readline(_MBOX_READ_BYTES)):
                line_start = line.endswith(b"\n")  # the rest of a very long "From " line
            continue
        if not started:
            continue
        size += len(line)
        if size <= limit:
            pieces.append(line)
        else:
            pieces = []
    if started:
        yield finished()
