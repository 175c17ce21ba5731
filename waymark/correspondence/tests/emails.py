"""Build .eml bytes for tests with the standard library."""

from __future__ import annotations

import struct
from email.message import EmailMessage
from email.utils import format_datetime


def eml(
    *,
    sender="rep@smithlaw.example",
    to="em.hub@waymark.example",
    subject="Enquiry",
    body="Hello",
    when=None,
    message_id="<abc123@smithlaw.example>",
    html=None,
    attachments=(),
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jo Smith <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    if when is not None:
        message["Date"] = format_datetime(when)
    if message_id:
        message["Message-ID"] = message_id
    if html is not None and body is None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
    for name, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def _tnef_attribute(level: int, attribute: int, kind: int, data: bytes) -> bytes:
    """One TNEF attribute ([MS-OXTNEF] 2.1.3.1): level, id, type, length, data, checksum."""
    checksum = sum(data) & 0xFFFF
    return (
        struct.pack("<BHHI", level, attribute, kind, len(data)) + data + struct.pack("<H", checksum)
    )


def winmail_dat(*files: tuple[str, bytes]) -> bytes:
    """An Outlook winmail.dat (TNEF) holding ``files``, as Outlook writes one: for each file its
    rendering, its 8.3 title, its data and its MAPI properties with the long file name."""
    out = b"\x78\x9f\x3e\x22" + struct.pack("<H", 0x0101)
    out += _tnef_attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_attribute(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
    for name, data in files:
        stem, _, extension = name.rpartition(".")
        short = f"{stem[:6].upper()}~1.{extension[:3].upper()}".encode() + b"\x00"
        long_name = (name + "\x00").encode("utf-16-le")
        long_name += b"\x00" * (-len(long_name) % 4)
        mapi = struct.pack("<IHHII", 1, 0x001F, 0x3707, 1, len((name + "\x00").encode("utf-16-le")))
        out += _tnef_attribute(
            2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00"
        )
        out += _tnef_attribute(2, 0x8010, 0x0001, short)  # attAttachTitle
        out += _tnef_attribute(2, 0x800F, 0x0006, data)  # attAttachData
        out += _tnef_attribute(2, 0x9005, 0x0006, mapi + long_name)  # attAttachment
    return out
