"""Modern-slavery decision benchmarks (issue 19), PostgreSQL. Each row is a ratio against a
baseline measured in the same run on the same machine:

- the decision maker's queue (``nrm:queue``, the busiest decision maker) and the specialist check
  queue (``nrm:check-queue``), p95 of 50 requests, against a minimal view (same middleware and
  login) running the SQL the page ran;
- the figures page (``nrm:figures``, one quarter) against the same aggregates computed in DuckDB
  over an export of the same rows (the export is not timed); target ratio <= 1.5.

Volumes: x1 = the demo loader at ``rules.DEMO_REFERRALS_PER_QUARTER`` (631) referrals a quarter
for a year (2,524 referrals, their RG/CG decisions, checks, safeguarding advice, dip samples);
x10 and x100 scale them.

Usage: ``.venv/bin/python bench/nrm.py [--quick] [--scales 1,10,100] [--parts queues,figures]``
(``make bench`` runs it; ``NRM_BENCH_ARGS``). Databases ``<DATABASE_URL name or
waymark_bench>_nrm_x<scale>`` are created, loaded once (marker table ``bench_marker``) and
reused. ``--quick`` uses x0.01 of each scale and fewer requests.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "nrm-latest.md"
DATA_VERSION = "nrm-2"
QUEUE_SCALES = {1.0, 10.0}
FIGURE_SCALES = {1.0, 10.0, 100.0}


def ratio(a, b) -> str:
    if not a or not b:
        return "-"
    value = a / b
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="x0.01 of each scale")
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--parts", default="queues,figures")
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows: list[tuple[str, str, str, str, str]] = []
    loads: list[str] = []
    parts = [p for p in args.parts.split(",") if p]
    for nominal in [float(s) for s in args.scales.split(",") if s]:
        label = f"x{nominal:g}"
        scale = nominal / 100 if args.quick else nominal
        url = harness.db_url("nrm", f"x{scale:g}".replace(".", "_"))
        marker = f"{DATA_VERSION}|{scale:g}"
        if not harness.db_prepare(url, marker):
            load = harness.run_part("nrm_parts.py", "load", url, args, scale=scale, marker=marker)
            if "error" in load:
                rows.append((f"load {label}", "", load["error"], "", ""))
                continue
            note = (
                f"{label}: {load['referrals']:,} referrals, {load['decisions']:,} decisions "
                f"loaded in {load['load_seconds']:.0f} s"
            )
            print("  " + note, flush=True)
            loads.append(note)
        if "queues" in parts and nominal in QUEUE_SCALES:
            q = harness.run_part("nrm_parts.py", "queues", url, args, scale=scale)
            if "error" in q:
                rows.append((f"queues, {label}", "", q["error"], "", ""))
            else:
                for key, title, data in (
                    ("queue", "decision maker's queue p95", f"{q['open_for_maker']} open"),
                    ("check", "check queue p95", f"{q['checks']:,} checks waiting"),
                ):
                    r = q[key]
                    rows.append(
                        (
                            f"{title}, {label}",
                            f"{data}, {r['queries']} queries",
                            f"{r['p95_ms']:.1f} ms",
                            f"{r['bare_p95_ms']:.1f} ms",
                            ratio(r["p95_ms"], r["bare_p95_ms"]),
                        )
                    )
        if "figures" in parts and nominal in FIGURE_SCALES:
            f = harness.run_part("nrm_parts.py", "figures", url, args, scale=scale)
            if "error" in f:
                rows.append((f"figures page, {label}", "", f["error"], "", ""))
            else:
                rows.append(
                    (
                        f"figures page p95 vs DuckDB, {label}",
                        f"{f['referrals']:,} referrals, {f['decisions']:,} decisions",
                        f"{f['page_p95_ms']:.0f} ms",
                        f"{f['duckdb_p95_ms']:.1f} ms",
                        ratio(f["page_p95_ms"], f["duckdb_p95_ms"]),
                    )
                )
                rows.append(
                    (
                        f"figures read model rebuild, {label}",
                        f"{f['rebuild_rows']:,} summary rows (8 quarters)",
                        f"{f['rebuild_s']:.1f} s",
                        "rows <= 60 s old",
                        "met" if f["rebuild_s"] < 60 else "NOT MET",
                    )
                )
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
        f"Modern-slavery benchmarks, PostgreSQL{' (--quick)' if args.quick else ''}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed / 60:.1f} min. "
        "Ratio = Waymark / baseline (lower is better).\n\n" + "\n".join(lines) + "\n"
    )
    if loads:
        text += "\nLoaded this run: " + "; ".join(loads) + ".\n"
    print("\n" + text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
