"""The audit log benchmark's part, in its own Django process (called by bench/audit.py).

``appends``: on a fresh PostgreSQL database, 8 writer processes append audit entries, each its
own transaction (autocommit), through ``core.audit.audit_record`` while the real sequencer
(``manage.py audit_seal``) runs beside them; the baseline is the same rows by 8 processes with a
plain psycopg INSERT (autocommit) into a table of the same columns with a primary key and nothing
else (no triggers, no other index, not partitioned), run before and after the audited run (the
machine is shared: the baseline is the mean of the two). Every entry must be there once, sealed,
and ``audit_verify`` must pass. The sealing lag of each entry is its batch's ``sealed_at`` less
the moment its writer saw the commit return.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

PLAIN_TABLE = "bench_plain_audit"
PLAIN_INSERT = (
    f"INSERT INTO {PLAIN_TABLE} (occurred_at, actor_label, channel, action, verb, target_type, "  # noqa: S608
    "target_id, person_id, payload, recipient, purpose, request_id, entry_hash) "
    "VALUES (now(), %s, %s, %s, %s, %s, %s, %s, %s, '', '', '', %s)"
)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def _row(writer: int, i: int) -> dict:
    """What one page view of a person appends (the commonest entry)."""
    return {
        "target_id": f"{writer}-{i}",
        "person_id": 1 + (writer * 7919 + i) % 50_000,
        "payload": {"page": "summary", "writer": writer},
    }


def _waymark_writer(writer: int, n: int, start, out: str) -> None:
    from waymark.core import context
    from waymark.core.audit import audit_record
    from waymark.core.models import AuditAction

    connection.ensure_connection()
    committed = []
    start.wait()
    began = time.time()
    with context.acting("web"):
        for i in range(n):
            row = _row(writer, i)
            event = audit_record(  # autocommit: one INSERT, its own transaction, as the baseline's
                actor=None,
                action=AuditAction.CONSULTATION,
                verb="person.viewed",
                target_type="people.person",
                target_id=row["target_id"],
                person_id=row["person_id"],
                payload=row["payload"],
            )
            committed.append((event.sequence, time.time()))
    ended = time.time()
    connections.close_all()
    Path(out).write_text(json.dumps({"began": began, "ended": ended, "committed": committed}))


def _plain_writer(writer: int, n: int, start, out: str) -> None:
    import psycopg
    from psycopg.types.json import Jsonb

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        start.wait()
        began = time.time()
        for i in range(n):
            row = _row(writer, i)
            conn.execute(
                PLAIN_INSERT,
                [
                    "system",
                    "web",
                    "consultation",
                    "person.viewed",
                    "people.person",
                    row["target_id"],
                    row["person_id"],
                    Jsonb(row["payload"]),
                    "0" * 64,
                ],
            )
        ended = time.time()
    Path(out).write_text(json.dumps({"began": began, "ended": ended, "committed": []}))


def _run_writers(target, writers: int, n: int, folder: Path, label: str) -> tuple[float, list]:
    context_ = multiprocessing.get_context("fork")
    start = context_.Event()
    files = [folder / f"{label}-{w}.json" for w in range(writers)]
    connections.close_all()  # no connection shared across the fork
    procs = [
        context_.Process(target=target, args=(w, n, start, str(files[w]))) for w in range(writers)
    ]
    for proc in procs:
        proc.start()
    time.sleep(2.0)  # every writer connected and waiting
    start.set()
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit(f"a {label} writer failed (exit {proc.exitcode})")
    results = [json.loads(f.read_text()) for f in files]
    seconds = max(r["ended"] for r in results) - min(r["began"] for r in results)
    return seconds, [c for r in results for c in r["committed"]]


def _sequencer_start(log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 (the sequencer writes it until stopped)
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "audit_seal"],
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(600):
        if "Audit sequencer running" in log.read_text():
            return proc
        time.sleep(0.1)
    raise SystemExit("the sequencer did not start: " + log.read_text()[-2000:])


def part_appends(args: dict) -> dict:
    from django.db.models import Max

    from waymark.core.audit import audit_verify
    from waymark.core.models import AuditBatch, AuditEvent

    writers, n = int(args["writers"]), int(args["per_writer"])
    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN_TABLE}")
        cursor.execute(f"CREATE TABLE {PLAIN_TABLE} (LIKE core_auditevent INCLUDING DEFAULTS)")
        cursor.execute(f"ALTER TABLE {PLAIN_TABLE} DROP COLUMN sequence")
        cursor.execute(
            f"ALTER TABLE {PLAIN_TABLE} ADD COLUMN sequence bigint "
            "GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        )
    folder = Path(args["work"])
    print(f"  plain INSERT: {writers} processes x {n:,} rows", flush=True)
    plain_before, _ = _run_writers(_plain_writer, writers, n, folder, "plain")
    print(f"    {writers * n / plain_before:,.0f}/s", flush=True)

    sequencer = _sequencer_start(folder / "sealer.log")
    try:
        print(f"  audit_record: {writers} processes x {n:,} entries, sequencer running", flush=True)
        audited_seconds, committed = _run_writers(_waymark_writer, writers, n, folder, "audited")
        print(f"    {writers * n / audited_seconds:,.0f}/s", flush=True)
        top = max(sequence for sequence, _ in committed)
        waited = time.monotonic()
        while time.monotonic() - waited < 120:
            sealed = AuditBatch.objects.aggregate(top=Max("last_sequence"))["top"] or 0
            if sealed >= top:
                break
            time.sleep(0.2)
        caught_up = time.monotonic() - waited
    finally:
        os.killpg(sequencer.pid, signal.SIGTERM)
        sequencer.wait(timeout=60)

    print(f"  plain INSERT again: {writers} processes x {n:,} rows", flush=True)
    plain_after, _ = _run_writers(_plain_writer, writers, n, folder, "plain")
    print(f"    {writers * n / plain_after:,.0f}/s", flush=True)
    plain_rate = (writers * n / plain_before + writers * n / plain_after) / 2

    batches = list(AuditBatch.objects.order_by("first_sequence"))
    firsts = [b.first_sequence for b in batches]
    import bisect

    lags = []
    unsealed = 0
    for sequence, committed_at in committed:
        at = bisect.bisect_right(firsts, sequence) - 1
        if at < 0 or batches[at].last_sequence < sequence:
            unsealed += 1
            continue
        lags.append(batches[at].sealed_at.timestamp() - committed_at)
    stored = AuditEvent.objects.count()
    distinct = AuditEvent.objects.values("target_id").distinct().count()
    verified = audit_verify()
    return {
        "writers": writers,
        "entries": writers * n,
        "audited_rate": writers * n / audited_seconds,
        "plain_rate": plain_rate,
        "lost": writers * n - distinct,
        "stored_twice": stored - distinct,
        "unsealed": unsealed,
        "verified": verified.ok and verified.anchored and verified.checked == writers * n,
        "verify_problem": verified.problem or ("unanchored" if not verified.anchored else ""),
        "lag_max": max(lags) if lags else None,
        "lag_p95": p95(lags),
        "batches": len(batches),
        "caught_up_after_writers": caught_up,
    }


PARTS = {"appends": part_appends}

if __name__ == "__main__":
    part = sys.argv[1]
    result = PARTS[part](json.loads(sys.argv[2]))
    print("BENCH-RESULT " + json.dumps(result), flush=True)
