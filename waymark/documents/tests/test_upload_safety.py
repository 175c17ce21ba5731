"""Issue 14 item 12, uploads: polyglots, macro-enabled Office files and viruses are refused with a
GOV.UK error and nothing is stored; the size is checked while the file is read; a real ClamAV
daemon scans (started by ``conftest.clamd_socket``); a scanner with no answer refuses the file;
production will not start without a scanner unless told to."""

from __future__ import annotations

import io
import logging
import os
import random
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile, UploadedFile

from waymark.core.models import AuditEvent
from waymark.documents import scanning
from waymark.documents.models import Document
from waymark.documents.rules import MAX_DOCUMENT_BYTES
from waymark.documents.tests.conftest import CLAMD_TEST_SIGNATURE
from waymark.documents.tests.factories import EICAR, JPEG, PDF, docx_bytes, person_make
from waymark.people.models import TimelineEvent


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Reference", "Reported on"])
    book.active.append(["WM-0000001", "2026-03-02"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about=""/></rdf:RDF></x:xmpmeta>'
)
PHOTO = (
    b"\xff\xd8\xff\xe1"
    + len(XMP).to_bytes(2, "big")
    + XMP
    + random.Random(12).randbytes(256 * 1024)
    + b"\xff\xd9"
)  # metadata, then high-entropy data
SCANNED_PDF = PDF.replace(
    b"trailer", b"2 0 obj <</Type /Metadata>> stream\n" + XMP + b"\nendstream endobj\ntrailer"
)
EMAIL_WITH_HTML_PART = (
    b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Reporting\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHello\r\n'
    b"--b\r\nContent-Type: text/html\r\n\r\n<html><body><p>Hello</p></body></html>\r\n--b--\r\n"
)

PAYLOAD_ZIP = _zip({"payload.html": b"<script>alert(document.domain)</script>"})
PDF_HTML_ZIP = (
    PDF + b"<html><body><script>alert(document.domain)</script></body></html>\n" + PAYLOAD_ZIP
)
JPEG_THEN_SCRIPT = JPEG + b"\xff\xd9<script>fetch('/documents/').then(r => r.text())</script>"
TEXT_THAT_IS_HTML = b"<!DOCTYPE html>\n<html><script>alert(1)</script></html>\n"
TEXT_THEN_ZIP = b"Case notes, nothing unusual.\n" * 3000 + PAYLOAD_ZIP  # 87 KB of text, then a ZIP
DOCM_NAMED_DOCX = _zip(
    {
        "[Content_Types].xml": b'<Types><Override PartName="/word/document.xml" '
        b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
        "word/document.xml": b"<w:document/>",
        "word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
    }
)
LEGACY_DOC_WITH_VBA = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + b"\x00" * 504
    + "_VBA_PROJECT".encode("utf-16-le")
    + b"\x00" * 64
)
EICAR_INSIDE_DOCX = _zip(
    {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"<w:document/>",
        "word/embeddings/note.txt": EICAR,
    }
)  # compressed: the bytes never show EICAR


@pytest.fixture
def client_in(client, caseworker):
    client.force_login(caseworker)
    return client


def _upload(client, person, name: str, content: bytes):
    return client.post(
        f"/documents/person/{person.pk}/upload/",
        {
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
            "document_type": "other",
        },
    )


def _assert_refused(response, message: str, settings) -> None:
    """A GOV.UK error summary naming the problem, and no document, file, audit or timeline entry."""
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and 'class="govuk-error-message"' in html
    assert message in html
    assert Document.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    assert not AuditEvent.objects.filter(verb="document.stored").exists()
    assert not TimelineEvent.objects.filter(event_type="document.added").exists()


# ---------------------------------------------------------------------------------------------
# Polyglots and macros: refused before any scanner is asked


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "report.pdf",
            PDF_HTML_ZIP,
            "This one is a PDF, a web page (HTML) and a ZIP archive",
            id="pdf-html-zip-polyglot",
        ),
        pytest.param(
            "photo.jpg",
            JPEG_THEN_SCRIPT,
            "This one is a JPEG and a web page (HTML)",
            id="jpeg-then-script",
        ),
        pytest.param(
            "notes.txt",
            TEXT_THAT_IS_HTML,
            "This one is a text file and a web page (HTML)",
            id="text-that-is-html",
        ),
        pytest.param(
            "notes.txt",
            TEXT_THEN_ZIP,
            "This one is a text file and a ZIP archive",
            id="text-then-zip",
        ),
        pytest.param(
            "letter.docx", DOCM_NAMED_DOCX, "must not contain macros", id="docm-renamed-docx"
        ),
        pytest.param("letter.docm", docx_bytes(), "must not contain macros", id="docm-by-name"),
        pytest.param(
            "letter.doc", LEGACY_DOC_WITH_VBA, "must not contain macros", id="legacy-doc-with-vba"
        ),
    ],
)
def test_polyglot_or_macro_upload_is_refused_with_the_error_summary(
    client_in, settings, name, content, message
):
    _assert_refused(_upload(client_in, person_make(), name, content), message, settings)


# ---------------------------------------------------------------------------------------------
# Size: checked while the file is read


class _EndlessPDF(io.RawIOBase):
    """A PDF that never ends, counting the bytes read from it."""

    def __init__(self):
        self.bytes_read = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        return 0

    def readinto(self, buffer):
        start = self.bytes_read
        data = (
            (b"%PDF-1.7\n" + b"0" * len(buffer))[: len(buffer)]
            if start == 0
            else b"0" * len(buffer)
        )
        buffer[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


def test_an_upload_of_unknown_size_is_refused_one_chunk_past_the_limit():
    from waymark.documents.rules import UPLOAD_CHUNK_BYTES
    from waymark.documents.services import upload_read

    stream = _EndlessPDF()
    upload = UploadedFile(stream, name="huge.pdf", content_type="application/pdf", size=None)
    with pytest.raises(ValidationError, match="smaller than 20 MB"):
        upload_read(upload)
    assert MAX_DOCUMENT_BYTES < stream.bytes_read <= MAX_DOCUMENT_BYTES + UPLOAD_CHUNK_BYTES


def test_an_upload_known_to_be_too_large_is_refused_without_reading_it():
    from waymark.documents.services import upload_read

    stream = _EndlessPDF()
    upload = UploadedFile(
        stream, name="huge.pdf", content_type="application/pdf", size=MAX_DOCUMENT_BYTES + 1
    )
    with pytest.raises(ValidationError, match="smaller than 20 MB"):
        upload_read(upload)
    assert stream.bytes_read == 0


def test_a_larger_limit_is_the_one_the_refusal_names():
    """An email upload may be 50 MB (correspondence.rules.MAX_EML_UPLOAD_BYTES): a 60 MB one was
    told to be smaller than 20 MB."""
    from waymark.documents.services import upload_read

    limit = 50 * 1024 * 1024
    for size in (limit + 1, None):
        stream = _EndlessPDF()
        upload = UploadedFile(stream, name="big.eml", content_type="message/rfc822", size=size)
        with pytest.raises(ValidationError, match="smaller than 50 MB"):
            upload_read(upload, limit=limit)


@pytest.mark.django_db
def test_an_oversize_upload_page_shows_the_error_without_reading_the_file(
    client_in, settings, monkeypatch
):
    bytes_read = []

    def counting_read(self):
        def read(*args):
            data = self.file.read(*args)
            bytes_read.append(len(data))
            return data

        return read

    monkeypatch.setattr(TemporaryUploadedFile, "read", property(counting_read))
    content = b"%PDF-1.7\n" + b"0" * MAX_DOCUMENT_BYTES
    _assert_refused(
        _upload(client_in, person_make(), "huge.pdf", content),
        "The selected file must be smaller than 20 MB",
        settings,
    )
    assert sum(bytes_read) == 0


@pytest.mark.django_db
def test_an_oversize_upload_is_cut_off_while_the_request_body_is_parsed(
    client_in, settings, monkeypatch
):
    """The bytes past the limit never reach Django's temporary file (or memory) handler."""
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    kept = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        kept.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    content = b"%PDF-1.7\n" + b"0" * (MAX_DOCUMENT_BYTES + 4 * 1024 * 1024)
    _assert_refused(
        _upload(client_in, person_make(), "huge.pdf", content),
        "The selected file must be smaller than 20 MB",
        settings,
    )
    assert 0 < sum(kept) <= MAX_DOCUMENT_BYTES < len(content)


@pytest.mark.django_db
def test_the_upload_page_still_checks_the_csrf_token(caseworker):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    response = _upload(client, person_make(), "scan.pdf", PDF)
    assert response.status_code == 403
    assert Document.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Scanning with a real clamd


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("eicar.txt", EICAR, id="eicar-file"),
        pytest.param("statement.docx", EICAR_INSIDE_DOCX, id="eicar-compressed-inside-docx"),
    ],
)
def test_a_virus_is_refused_by_the_real_clamd(client_in, settings, clamd_scanner, name, content):
    assert scanning.scan(content) == scanning.ScanResult(
        scanning.INFECTED, f"{CLAMD_TEST_SIGNATURE}.UNOFFICIAL"
    )
    _assert_refused(
        _upload(client_in, person_make(), name, content),
        "The selected file contains a virus",
        settings,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("scan.pdf", SCANNED_PDF, id="pdf-with-xmp"),
        pytest.param("photo.jpg", PHOTO, id="jpeg-with-xmp"),
        pytest.param("letter.docx", docx_bytes(), id="docx"),
        pytest.param("visits.xlsx", _xlsx(), id="xlsx"),
        pytest.param("message.eml", EMAIL_WITH_HTML_PART, id="eml-with-html-part"),
        pytest.param("visits.csv", b"reference,date\nWM-0000001,2026-03-02\n", id="csv"),
    ],
)
def test_ordinary_files_still_upload_and_are_scanned_clean(client_in, clamd_scanner, name, content):
    response = _upload(client_in, person_make(), name, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get()
    assert (
        document.scan_status == scanning.CLEAN
        and document.get_scan_status_display() == "Scanned: clean"
    )
    assert document.file.read() == content


def _closed_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clamd_replying(path: str, reply: bytes) -> threading.Thread:
    """A stand-in daemon that reads one INSTREAM and answers ``reply`` (as clamd does on a limit)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def serve():
        with server:
            conn, _ = server.accept()
            with conn:
                received = b""
                while not received.endswith(b"\0\0\0\0"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    received += chunk
                conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["socket-missing", "tcp-refused", "error-reply"])
def test_no_answer_from_the_scanner_refuses_the_upload_and_is_logged(
    client_in, settings, tmp_path, caplog, failure
):
    settings.WAYMARK_VIRUS_SCANNER = "waymark.documents.scanning.clamd_scan"
    settings.WAYMARK_CLAMD_SOCKET = str(tmp_path / "clamd.sock")
    settings.WAYMARK_CLAMD_TIMEOUT = 5
    if failure == "tcp-refused":
        settings.WAYMARK_CLAMD_SOCKET, settings.WAYMARK_CLAMD_HOST = "", "127.0.0.1"
        settings.WAYMARK_CLAMD_PORT = _closed_tcp_port()
    elif failure == "error-reply":
        _clamd_replying(settings.WAYMARK_CLAMD_SOCKET, b"INSTREAM size limit exceeded. ERROR\0")
    with caplog.at_level(logging.ERROR, logger="waymark.documents.scanning"):
        response = _upload(client_in, person_make(), "scan.pdf", PDF)
    _assert_refused(
        response, "The selected file could not be checked for viruses. Try again later", settings
    )
    assert any("refused" in record.getMessage() for record in caplog.records)


def test_the_development_scanner_refuses_eicar_and_never_claims_a_file_is_clean(settings):
    settings.WAYMARK_VIRUS_SCANNER = ""
    assert scanning.scan(EICAR).status == scanning.INFECTED
    assert scanning.scan(PDF).status == scanning.NOT_SCANNED
    assert "NOT a virus scanner" in scanning.development_scan.__doc__


# ---------------------------------------------------------------------------------------------
# Settings: the scanner comes from the environment; production needs one


def _settings_in_production(**env: str) -> subprocess.CompletedProcess:
    base = {
        "WAYMARK_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "h",
        "WAYMARK_OTP_REQUIRED": "1",
        "PATH": os.environ["PATH"],
    }
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.WAYMARK_VIRUS_SCANNER)"],
        env={**base, **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_virus_scanner():
    refused = _settings_in_production()
    assert refused.returncode != 0
    assert "ImproperlyConfigured: No virus scanner is configured" in refused.stderr
    for env, scanner in [
        (
            {"WAYMARK_CLAMD_SOCKET": "/run/clamav/clamd.ctl"},
            "waymark.documents.scanning.clamd_scan",
        ),
        (
            {"WAYMARK_CLAMD_HOST": "clamav.internal", "WAYMARK_CLAMD_PORT": "3310"},
            "waymark.documents.scanning.clamd_scan",
        ),
        ({"WAYMARK_ALLOW_UNSCANNED_UPLOADS": "1"}, "waymark.documents.scanning.development_scan"),
    ]:
        started = _settings_in_production(**env)
        assert (started.returncode, started.stdout.strip()) == (0, scanner), started.stderr
