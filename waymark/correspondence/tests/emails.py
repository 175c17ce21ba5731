"""Build .eml bytes for tests with the standard library."""

from __future__ import annotations

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
