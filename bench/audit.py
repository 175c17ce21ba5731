"""Audit log benchmarks (issue 17), PostgreSQL. Each ratio is against a baseline measured in the
same run on the same machine:

- audited appends: 8 writer processes appending through ``core.audit.audit_record``, one entry a
  transaction (autocommit), with the sequencer (``manage.py audit_seal``) running, against 8 processes doing a
  plain psycopg INSERT of the same rows into a table of the same columns with only a primary key
  (run before and after, the mean: the machine is shared);
  every entry stored once, sealed, and ``audit_verify`` passing afterwards;
- sealing lag while those writers append: per entry, its batch's ``sealed_at`` less the moment
  its commit returned; max and p95 against the 5-second target (``rules.AUDIT_SEALING_LAG_TARGET``).

Usage: ``.venv/bin/python bench/audit.py [--quick] [--scale N]``. A fresh database
``<DATABASE_URL name or waymark_bench>_audit_appends`` each run (the bench writes), and a signing
key and checkpoint store of its own in a temporary directory. Results: stdout and
bench/results/audit-latest.md.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "audit-latest.md"
PER_WRITER_X1 = 2000


def ratio(a, b) -> str:
    return "-" if not a or not b else f"{a / b:.2f}"


def main(argv=None) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="Smoke run: 200 entries a writer")
    parser.add_argument("--scale", type=float, default=1.0, help="x1: 2,000 entries a writer")
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args(argv)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="waymark-bench-audit-"))
    (work / "checkpoints").mkdir()
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    os.environ["WAYMARK_AUDIT_CHECKPOINT_DIR"] = str(work / "checkpoints")
    os.environ["WAYMARK_AUDIT_SIGNING_KEY"] = base64.b64encode(key).decode()
    per_writer = 200 if args.quick else round(PER_WRITER_X1 * args.scale)
    url = harness.db_url("audit", "appends")
    harness.db_prepare(url, "never-reused")  # a fresh database each run: the bench writes
    try:
        result = harness.run_part(
            "audit_parts.py", "appends", url, args, per_writer=per_writer, work=str(work)
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows: list[tuple[str, str, str, str, str]] = []
    if "error" not in result:
        lost_ok = result["lost"] == 0 and result["stored_twice"] == 0 and not result["unsealed"]
        rows += [
            (
                f"audited appends, {result['writers']} concurrent writers (processes), "
                "vs plain INSERT of the same rows",
                f"{result['entries']:,} entries",
                f"{result['audited_rate']:,.0f}/s",
                f"{result['plain_rate']:,.0f}/s",
                ratio(result["audited_rate"], result["plain_rate"]) + " (target >= 0.40)",
            ),
            (
                "entries lost / stored twice / not sealed",
                "",
                f"{result['lost']} / {result['stored_twice']} / {result['unsealed']}",
                "0 / 0 / 0",
                "ok" if lost_ok else "FAIL",
            ),
            (
                "audit_verify after the run",
                f"{result['batches']:,} batches",
                "passes" if result["verified"] else f"FAILS: {result['verify_problem']}",
                "passes",
                "ok" if result["verified"] else "FAIL",
            ),
            (
                "sealing lag while those writers append, max",
                "sequencer running",
                f"{result['lag_max']:.2f} s" if result["lag_max"] is not None else "-",
                "5 s target",
                "ok" if result["lag_max"] is not None and result["lag_max"] <= 5 else "FAIL",
            ),
            (
                "sealing lag while those writers append, p95",
                "",
                f"{result['lag_p95']:.2f} s",
                "5 s target",
                "ok" if result["lag_p95"] <= 5 else "FAIL",
            ),
        ]
    elapsed = time.monotonic() - started
    header = ("measure", "data", "Waymark", "baseline", "ratio")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    lines = [
        "| " + " | ".join(str(c).ljust(widths[i]) for i, c in enumerate(header)) + " |",
        "| " + " | ".join("-" * w for w in widths) + " |",
    ]
    lines += [
        "| " + " | ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)) + " |" for r in rows
    ]
    text = (
        f"Audit log benchmarks, PostgreSQL, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{elapsed / 60:.1f} min. Ratio = Waymark / baseline (rates: higher is better).\n\n"
        + "\n".join(lines)
        + "\n"
    )
    print("\n" + text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
