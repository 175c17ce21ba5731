import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from waymark.documents.tests.factories import CASEWORKER_PERMS, EICAR, user_make

# The name our own signature database gives EICAR (clamd appends ".UNOFFICIAL" to local signatures),
# so a test can tell a verdict from the real daemon from the development stand-in's.
CLAMD_TEST_SIGNATURE = "Waymark.Test.EICAR"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def caseworker(db):
    return user_make(*CASEWORKER_PERMS)


def _clamd_binary() -> str | None:
    found = shutil.which("clamd")
    if found:
        return found
    return next(
        (path for path in ("/usr/sbin/clamd", "/usr/local/sbin/clamd") if os.access(path, os.X_OK)),
        None,
    )


def _clamd_answers(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(1)
            conn.connect(path)
            conn.sendall(b"zPING\0")
            return conn.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def clamd_socket():
    """A real ClamAV daemon for the session, on a unix socket in a private temporary directory.

    Its database is one signature we write ourselves (EICAR as a ``.ndb`` body signature): the
    official databases come from freshclam downloads, which are not possible here, and a one-line
    database makes clamd start in well under a second. A missing clamd fails the tests rather than
    skipping them, so the virus-scan tests can never silently stop running.
    """
    binary = _clamd_binary()
    if binary is None:
        pytest.fail(
            "clamd is not installed: run `make scanner-deps` (Debian's clamav-daemon package)"
        )
    # A short directory: unix socket paths are limited to 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="waymark-clamd-"))
    database = root / "db"
    database.mkdir()
    (database / "waymark-test.ndb").write_text(f"{CLAMD_TEST_SIGNATURE}:0:*:{EICAR.hex()}\n")
    sock, log = root / "clamd.sock", root / "clamd.log"
    (root / "clamd.conf").write_text(
        f"LocalSocket {sock}\nForeground yes\nDatabaseDirectory {database}\nTemporaryDirectory {root}\n"
        f"LogFile {log}\nPidFile {root / 'clamd.pid'}\nStreamMaxLength 25M\n"
    )
    process = subprocess.Popen(
        [binary, f"--config-file={root / 'clamd.conf'}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not _clamd_answers(str(sock)):
            if process.poll() is not None or time.monotonic() > deadline:
                detail = log.read_text()[-2000:] if log.exists() else "(no log)"
                pytest.fail(f"clamd did not start (exit code {process.poll()}):\n{detail}")
            time.sleep(0.05)
        yield str(sock)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def clamd_scanner(settings, clamd_socket):
    """Point the documents app at the session's real clamd, as WAYMARK_CLAMD_SOCKET would."""
    settings.WAYMARK_VIRUS_SCANNER = "waymark.documents.scanning.clamd_scan"
    settings.WAYMARK_CLAMD_SOCKET = clamd_socket
    settings.WAYMARK_CLAMD_HOST = ""
    return clamd_socket
