"""Documents: the numbered rules for what may be stored (brief platform §4).

Each number appears once, here; ``tests/test_rules.py`` fails if one changes without the test.
"""

from __future__ import annotations

# Largest file a user may upload or a correspondence attachment may carry. 20 MiB covers a
# scanned multi-page PDF; larger files are refused with a clear error and nothing is stored.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

# Types a document may have, by canonical content type, with the file-name extensions that may
# carry each. A file is accepted only when its extension AND its content (magic bytes, see
# ``waymark.documents.sniffing``) agree on one of these types.
ALLOWED_CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "message/rfc822": (".eml",),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
}

# Office files that can carry macros (VBA or Excel 4.0 sheets) are refused by name, and an OOXML
# file is refused by content too if it holds a VBA project, whatever its name says.
MACRO_ENABLED_EXTENSIONS: tuple[str, ...] = (
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

# Uploads are read in chunks of this size, so an oversize file is refused after at most one
# chunk past MAX_DOCUMENT_BYTES; files go to the virus scanner in chunks of the same size.
UPLOAD_CHUNK_BYTES = 64 * 1024

# Generated letters are stored as HTML (see docs/modules/documents.md). HTML is never accepted
# from an upload: only Waymark itself writes documents of this type.
GENERATED_LETTER_CONTENT_TYPE = "text/html"

# Fields a letter template may use. Anything else in a template body is refused when the
# template is saved, and a sandboxed Jinja2 environment renders it.
LETTER_MERGE_FIELDS: dict[str, tuple[str, ...]] = {
    "person": (
        "full_name",
        "given_names",
        "family_name",
        "reference",
        "date_of_birth",
        "home_office_reference",
        "address",
        "legal_rep_firm",
    ),
    "letter": ("date", "sender_name", "sender_team"),
    "extra": (),  # free keys supplied by the calling module (e.g. extra.reporting_date)
}
