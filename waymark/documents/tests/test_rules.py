"""The numbers and lists in documents.rules: changing one must be deliberate."""

from waymark.documents import rules
from waymark.documents.sniffing import agreed_content_type, sniff_content_type
from waymark.documents.tests.factories import JPEG, PDF, PNG, docx_bytes


def test_max_document_size_is_20_mib():
    assert rules.MAX_DOCUMENT_BYTES == 20 * 1024 * 1024


def test_allowed_content_types_are_pinned():
    assert rules.ALLOWED_CONTENT_TYPES == {
        "application/pdf": (".pdf",),
        "image/png": (".png",),
        "image/jpeg": (".jpg", ".jpeg"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
        "message/rfc822": (".eml",),
        "text/plain": (".txt",),
        "text/csv": (".csv",),
    }


def test_html_is_never_an_upload_type():
    assert "text/html" not in rules.ALLOWED_CONTENT_TYPES
    assert agreed_content_type("letter.html", b"<html></html>") is None


def test_magic_bytes_are_recognised():
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(JPEG) == "image/jpeg"
    assert sniff_content_type(docx_bytes()).endswith("wordprocessingml.document")
    assert sniff_content_type(b"MZ\x90\x00\x03\x00\x00\x00") is None  # a Windows executable


def test_extension_and_content_must_agree():
    assert agreed_content_type("scan.pdf", PDF) == "application/pdf"
    assert agreed_content_type("photo.JPEG", JPEG) == "image/jpeg"
    assert agreed_content_type("scan.pdf", PNG) is None  # renamed image
    assert agreed_content_type("photo.png", PDF) is None
    assert agreed_content_type("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00") is None
    assert agreed_content_type("notes.txt", b"hello") == "text/plain"
    assert agreed_content_type("list.csv", b"a,b\n1,2\n") == "text/csv"
    assert agreed_content_type("mail.eml", b"From: a@b.c\nSubject: hi\n\nbody") == "message/rfc822"
    assert agreed_content_type("mail.eml", b"just some text") is None


def test_macro_extensions_and_upload_chunk_are_pinned():
    assert rules.MACRO_ENABLED_EXTENSIONS == (
        ".docm",
        ".dotm",
        ".xlsm",
        ".xltm",
        ".xlam",
        ".pptm",
        ".potm",
        ".ppsm",
        ".ppam",
        ".sldm",
    )
    assert rules.UPLOAD_CHUNK_BYTES == 64 * 1024


def test_compressed_or_random_bytes_are_not_taken_for_a_second_type():
    """Polyglot checks look for structure (a valid ZIP directory, markup, a PDF header where readers
    look for it), so 8 MB of noise after an image or PDF header is still one type."""
    import random

    from waymark.documents.sniffing import content_types_found

    noise = random.Random(14).randbytes(8 * 1024 * 1024)
    assert content_types_found(JPEG + noise) == ["image/jpeg"]
    assert content_types_found(PNG + noise) == ["image/png"]
    assert content_types_found(PDF + noise) == ["application/pdf"]
    assert content_types_found(docx_bytes()) == [sniff_content_type(docx_bytes())]
