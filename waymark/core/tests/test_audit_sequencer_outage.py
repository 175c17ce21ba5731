"""The looping audit sequencer outlives its database going away (PostgreSQL, a real process).

Until 2026-12-07 a database that stayed away for a few seconds (a restart, a fail-over) ended
``manage.py audit_seal``: its retry waited for the sequencers' lock on a connection that could not
be made, the error escaped, and sealing stopped until someone restarted it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from waymark.core.audit import audit_record, audit_verify
from waymark.core.audit_verification import sealed_through
from waymark.core.models import AuditAction

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the sequencer's own process reads what is committed
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

ROOT = Path(__file__).resolve().parents[3]


def _append(n: int) -> int:
    last = 0
    for _ in range(n):
        last = audit_record(
            actor=None, action=AuditAction.ALTERATION, verb="test.changed", target_type="test"
        ).sequence
    return last


def _sealed_by(target: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sealed_through() >= target:
            return True
        time.sleep(0.1)
    return False


def _admin(sql: str) -> None:
    """As the server's administrator, from another database (a database cannot refuse
    connections to itself from inside)."""
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(sql)  # type: ignore[arg-type]


def test_the_sequencer_waits_out_a_database_outage_and_seals_what_came_after(settings):
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    settings.WAYMARK_AUDIT_SIGNING_KEY = key.decode()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "WAYMARK_AUDIT_SIGNING_KEY": key.decode(),
        "WAYMARK_AUDIT_CHECKPOINT_DIR": settings.WAYMARK_AUDIT_CHECKPOINT_DIR,
        "WAYMARK_AUDIT_PUBLIC_KEY_FILE": "",
    }
    name = db["NAME"]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "audit_seal", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _sealed_by(_append(3), 60), "the sequencer did not start sealing"
        # The database goes away for longer than the first retry: no new connection is let in
        # and the sequencer's is cut (this test's own connection stays open).
        _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            with connection.cursor() as cursor:  # every other connection to it
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            time.sleep(3)
            assert process.poll() is None, process.communicate()[1][-2000:]
        finally:
            _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        after = _append(4)  # appends went on meanwhile: they wait for the sequencer to return
        assert _sealed_by(after, 30), "sealing did not resume after the database came back"
        assert process.poll() is None
        result = audit_verify()
        assert result.ok, result.problem
        assert result.sealed_through == after and result.unsealed == 0
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-2000:]  # SIGTERM ends it cleanly
    assert "Sealing failed, retrying in" in err
    assert out.count("Audit sequencer running.") == 2  # the lock taken again after the outage
