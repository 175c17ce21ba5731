"""The virus-scan hook point (brief platform §4).

``scan(content)`` is called on every file before it is stored. The default returns
``not_scanned`` and lets the file through: Waymark has no scanner of its own. To plug one in (for
example ClamAV through ``clamd``), set ``WAYMARK_VIRUS_SCANNER`` to the dotted path of a function
with the same signature; it returns ``ScanResult("clean")`` or ``ScanResult("infected", detail)``.
An infected file is refused and nothing is stored; ``error`` is stored but flagged on the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

NOT_SCANNED = "not_scanned"
CLEAN = "clean"
INFECTED = "infected"
ERROR = "error"


@dataclass(frozen=True)
class ScanResult:
    status: str
    detail: str = ""


def _pass_through(content: bytes) -> ScanResult:
    return ScanResult(NOT_SCANNED, "No virus scanner configured")


def scan(content: bytes) -> ScanResult:
    scanner_path = getattr(settings, "WAYMARK_VIRUS_SCANNER", "")
    scanner = import_string(scanner_path) if scanner_path else _pass_through
    return scanner(content)
