"""Virus scanning of every file before it is stored (brief platform §4, issue 14 item 12).

``scan(content)`` runs the scanner named by ``settings.WAYMARK_VIRUS_SCANNER`` (a dotted path to a
function ``(bytes) -> ScanResult``), which ``config/settings.py`` chooses from the environment:

- ``clamd_scan``: a ClamAV daemon (Debian's ``clamav-daemon``) over ``WAYMARK_CLAMD_SOCKET`` (a unix
  socket) or ``WAYMARK_CLAMD_HOST``/``WAYMARK_CLAMD_PORT`` (TCP), spoken to with ``INSTREAM``;
- ``development_scan`` when no daemon is configured (never in production unless
  ``WAYMARK_ALLOW_UNSCANNED_UPLOADS=1``): not a virus scan, see its docstring.

The caller refuses ``infected`` and, failing closed, ``error`` (the scanner could not give an
answer). A scanner that raises is logged and treated as ``error``.
"""

from __future__ import annotations

import logging
import socket
import struct
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from waymark.documents.rules import UPLOAD_CHUNK_BYTES

logger = logging.getLogger(__name__)

NOT_SCANNED = "not_scanned"
CLEAN = "clean"
INFECTED = "infected"
ERROR = "error"

# The industry-standard anti-virus test file (https://www.eicar.org/download-anti-malware-testfile/).
EICAR_SIGNATURE = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
DEFAULT_SCANNER = "waymark.documents.scanning.development_scan"


@dataclass(frozen=True)
class ScanResult:
    status: str
    detail: str = ""


class ScannerUnavailable(Exception):
    """The scanner gave no answer (daemon down, timed out, or replied with an error)."""


def development_scan(content: bytes) -> ScanResult:
    """NOT a virus scanner: the stand-in used when no ClamAV daemon is configured.

    It refuses the EICAR test file by its signature, so that refusal can be tried on a laptop,
    and marks everything else ``not_scanned`` (shown as "Not scanned" on the document), never
    ``clean``. Production refuses to start with it unless WAYMARK_ALLOW_UNSCANNED_UPLOADS=1.
    """
    if EICAR_SIGNATURE in content:
        return ScanResult(INFECTED, "EICAR-Test-File (development signature check)")
    return ScanResult(NOT_SCANNED, "No virus scanner configured")


def _clamd_connect() -> socket.socket:
    timeout = float(getattr(settings, "WAYMARK_CLAMD_TIMEOUT", 30))
    path = getattr(settings, "WAYMARK_CLAMD_SOCKET", "")
    if path:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        try:
            conn.connect(path)
        except OSError:
            conn.close()
            raise
        return conn
    host = getattr(settings, "WAYMARK_CLAMD_HOST", "")
    if not host:
        raise ScannerUnavailable(
            "No ClamAV daemon configured (WAYMARK_CLAMD_SOCKET or WAYMARK_CLAMD_HOST)"
        )
    return socket.create_connection(
        (host, int(getattr(settings, "WAYMARK_CLAMD_PORT", 3310))), timeout=timeout
    )


def _read_reply(conn: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        reply += chunk
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def clamd_instream(content: bytes) -> str:
    """Send ``content`` to clamd with the INSTREAM command and return its reply line.

    Protocol (clamd(8)): ``zINSTREAM\\0``, then chunks each prefixed by its length as a 4-byte
    big-endian integer, then a zero length; clamd answers ``stream: OK`` or
    ``stream: <name> FOUND`` (or ``... ERROR``), terminated by a NUL because of the ``z`` prefix.
    clamd closes the connection early if the stream passes its StreamMaxLength, so a failed send
    still reads the reply it left.
    """
    with _clamd_connect() as conn:
        try:
            conn.sendall(b"zINSTREAM\0")
            view = memoryview(content)
            for start in range(0, len(view), UPLOAD_CHUNK_BYTES):
                chunk = view[start : start + UPLOAD_CHUNK_BYTES]
                conn.sendall(struct.pack(">I", len(chunk)))
                conn.sendall(chunk)
            conn.sendall(struct.pack(">I", 0))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the reply below says why clamd stopped reading
        return _read_reply(conn)


def clamd_scan(content: bytes) -> ScanResult:
    """Scan with the configured ClamAV daemon; raise ScannerUnavailable if it gives no verdict."""
    try:
        reply = clamd_instream(content)
    except OSError as exc:
        raise ScannerUnavailable(f"ClamAV daemon unreachable: {exc}") from exc
    if reply == "stream: OK":
        return ScanResult(CLEAN, "ClamAV: no virus found")
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return ScanResult(INFECTED, reply.removeprefix("stream: ").removesuffix(" FOUND"))
    raise ScannerUnavailable(f"ClamAV daemon replied {reply!r}")


def scan(content: bytes) -> ScanResult:
    """Run the configured scanner. Any failure is logged and returned as ``error`` (fail closed)."""
    scanner_path = getattr(settings, "WAYMARK_VIRUS_SCANNER", "") or DEFAULT_SCANNER
    try:
        result = import_string(scanner_path)(content)
    except Exception as exc:  # any scanner failure must refuse the file, never a 500
        logger.error(
            "Virus scanner %s failed; the file was refused: %s",
            scanner_path,
            exc,
            exc_info=not isinstance(exc, ScannerUnavailable),
        )
        return ScanResult(ERROR, "The virus scanner could not be reached")
    if result.status not in {NOT_SCANNED, CLEAN, INFECTED, ERROR}:
        logger.error("Virus scanner %s returned unknown status %r", scanner_path, result.status)
        return ScanResult(ERROR, "The virus scanner gave no verdict")
    return result
