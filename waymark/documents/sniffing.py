"""Recognise a file's real type from its first bytes, not from the name or the browser's word."""

from __future__ import annotations

import io
import re
import zipfile

from waymark.documents.rules import ALLOWED_CONTENT_TYPES

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TEXT_TYPES = {"text/plain", "text/csv", "message/rfc822"}
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
_EML_HEADERS = {b"from", b"to", b"subject", b"date", b"message-id", b"received", b"mime-version"}


def _looks_like_text(content: bytes) -> bool:
    if b"\x00" in content[:8192]:
        return False
    try:
        content[:65536].decode("utf-8")
    except UnicodeDecodeError:
        try:
            content[:65536].decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True


def _looks_like_eml(content: bytes) -> bool:
    seen = set()
    for line in content[:16384].splitlines()[:60]:
        if not line.strip():
            break
        if _HEADER_LINE.match(line):
            seen.add(line.split(b":", 1)[0].strip().lower())
    return len(seen & _EML_HEADERS) >= 2


def _zip_member_names(content: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return set()


def sniff_content_type(content: bytes) -> str | None:
    """The content type the bytes show, among the ones we know; None if unrecognised."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04"):
        names = _zip_member_names(content)
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
        return None
    if content and _looks_like_text(content):
        return "message/rfc822" if _looks_like_eml(content) else "text/plain"
    return None


def content_type_for_extension(file_name: str) -> str | None:
    lower = file_name.lower()
    for content_type, extensions in ALLOWED_CONTENT_TYPES.items():
        if any(lower.endswith(ext) for ext in extensions):
            return content_type
    return None


def agreed_content_type(file_name: str, content: bytes) -> str | None:
    """The allowed type on which the extension and the content agree, or None.

    Text files are told apart only by their extension (a CSV is text), so a ``.csv`` whose bytes
    are text is ``text/csv``; an ``.eml`` must also carry mail headers.
    """
    by_name = content_type_for_extension(file_name)
    by_content = sniff_content_type(content)
    if by_name is None or by_content is None:
        return None
    if by_name == by_content:
        return by_name
    if by_name in {"text/plain", "text/csv"} and by_content in _TEXT_TYPES:
        return by_name
    return None
