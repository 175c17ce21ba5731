"""Recognise a file's real type from its bytes, not from the name or the browser's word.

Besides the type a file starts as, ``content_types_found`` looks for a second type a reader would
find in the same bytes (a polyglot: a PDF that is also a web page or a ZIP, an image followed by
script), and ``has_macros`` finds Office files that carry a VBA project whatever their name says.
Both are cheap: fixed-size windows, a regular expression, and a ZIP's central directory.
"""

from __future__ import annotations

import io
import re
import zipfile

from waymark.documents.rules import ALLOWED_CONTENT_TYPES, MACRO_ENABLED_EXTENSIONS

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TEXT_TYPES = {"text/plain", "text/csv", "message/rfc822"}
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
_EML_HEADERS = {b"from", b"to", b"subject", b"date", b"message-id", b"received", b"mime-version"}
PDF = "application/pdf"
ZIP = "application/zip"
HTML = "text/html"
_ZIP_BASED = {DOCX, XLSX}
_BINARY_DOCUMENTS = {PDF, "image/png", "image/jpeg"}
TYPE_NAMES = {  # for error messages: "This one is a PDF, a web page (HTML) and a ZIP archive"
    PDF: "a PDF",
    "image/png": "a PNG",
    "image/jpeg": "a JPEG",
    DOCX: "a Word document (DOCX)",
    XLSX: "an Excel spreadsheet (XLSX)",
    "message/rfc822": "an email (EML)",
    "text/plain": "a text file",
    "text/csv": "a CSV",
    HTML: "a web page (HTML)",
    ZIP: "a ZIP archive",
}
# Markup a browser would run, anywhere in a PDF or an image (which never legitimately hold it).
_ACTIVE_MARKUP = re.compile(rb"<(?:html|head|body|script|iframe|svg)\b|<\?php", re.IGNORECASE)
# The WHATWG MIME-sniffing patterns that make a browser treat a "text" file as HTML.
_HTML_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
)
# PDF readers accept the header anywhere in the first 1024 bytes.
_PDF_HEADER_WINDOW = 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE2_VBA_STREAM = "_VBA_PROJECT".encode("utf-16-le")


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
    """Member names if the bytes hold a ZIP (also one appended to other data), else empty.

    Only the end-of-central-directory record and the central directory are read, and both must
    be well formed, so random bytes in an image or a compressed PDF stream do not count.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return set()


def _zip_member_head(content: bytes, name: str, limit: int = 1024 * 1024) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(name) as member:
            return member.read(limit)
    except (KeyError, zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return b""


def _starts_as_html(content: bytes) -> bool:
    head = content[:1024].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\n\x0c\r").lower()
    return any(
        head.startswith(tag) and head[len(tag) : len(tag) + 1] in {b" ", b">"}
        for tag in _HTML_STARTS
    )


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


def content_types_found(content: bytes) -> list[str]:
    """Every type a reader could take these bytes for: the one they start as, then the others.

    More than one is a polyglot, refused whatever the first type is, because a browser, a PDF
    reader or an unzipper opening the stored file would see something other than what was checked.
    An email (EML) may carry HTML parts, so only its ZIP or PDF content counts.
    """
    lead = sniff_content_type(content)
    found = [lead] if lead else []
    if lead in _BINARY_DOCUMENTS and _ACTIVE_MARKUP.search(content):
        found.append(HTML)
    if lead in {"text/plain", "text/csv"} and _starts_as_html(content):
        found.append(HTML)
    if lead != PDF and b"%PDF-" in content[:_PDF_HEADER_WINDOW]:
        found.append(PDF)
    if (
        lead not in _ZIP_BASED
        and not content.startswith(b"PK\x03\x04")
        and _zip_member_names(content)
    ):
        found.append(ZIP)
    return found


def has_macros(file_name: str, content: bytes) -> bool:
    """Whether the file is a macro-enabled Office file, by its name or by what it holds.

    OOXML: a VBA project (``vbaProject.bin``), Excel 4.0 macro sheets, or a macro-enabled main
    part in ``[Content_Types].xml`` (a .docm renamed .docx still has these). Legacy OLE2 (.doc,
    .xls): a ``_VBA_PROJECT`` stream in the directory.
    """
    if file_name.lower().endswith(MACRO_ENABLED_EXTENSIONS):
        return True
    if content.startswith(_OLE2):
        return _OLE2_VBA_STREAM in content
    names = {name.lower() for name in _zip_member_names(content)}
    if not names:
        return False
    if any(
        name.rsplit("/", 1)[-1] == "vbaproject.bin" or "/macrosheets/" in f"/{name}"
        for name in names
    ):
        return True
    return b"macroenabled" in _zip_member_head(content, "[Content_Types].xml").lower()


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
