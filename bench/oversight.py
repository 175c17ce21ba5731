"""Oversight benchmarks (issue 20, "Benchmarks" second row), PostgreSQL. Each row is a ratio
against a baseline measured in the same run on the same machine:

- the fairness page (``oversight:fairness``, detention gatekeeping by nationality, and by
  ethnicity behind the protected-characteristics permission), p95 of its GETs as a performance
  analyst, against the same per-group counts, reference rate and Katz intervals computed in DuckDB
  over an export of the same rows (the export is not timed); target ratio <= 1.5.

Volumes: x1 = 5,000 gatekeeping decisions in a year about 2,500 people in 8 teams (an assumption:
the seeds give no yearly count); x10 and x100 scale both.

- the data-quality dashboard (``oversight:data-quality``), p95 of its GETs, against each rule's
  latest every-team score and its last 12 in DuckDB (a window function) over an export of the
  same score rows; x1 = a year of daily measurements of every registered rule for 25 teams and
  every team, x10 and x100 scale the teams (database ``..._oversight_dq_x<scale>``).

Usage: ``.venv/bin/python bench/oversight.py [--quick] [--scales 10,100]
[--parts fairness,data_quality]`` (``OVERSIGHT_BENCH_ARGS``
in ``make bench``). Databases ``<DATABASE_URL name or waymark_bench>_oversight_x<scale>`` are
created, loaded once (marker table ``bench_marker``) and reused. ``--quick`` uses x0.01 of each
scale and fewer requests.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "oversight-latest.md"
DATA_VERSION = "oversight-1"
DQ_DATA_VERSION = "oversight-dq-1"


def ratio(a, b) -> str:
    if not a or not b:
        return "-"
    value = a / b
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def data_quality_row(args, label: str, scale: float) -> tuple[str, str, str, str]:
    """The data-quality dashboard against DuckDB over the same scores (its own database)."""
    url = harness.db_url("oversight_dq", f"x{scale:g}".replace(".", "_"))
    marker = f"{DQ_DATA_VERSION}|{scale:g}"
    if not harness.db_prepare(url, marker):
        load = harness.run_part(
            "oversight_parts.py", "load_dq", url, args, scale=scale, marker=marker
        )
        if "error" in load:
            return (f"load data quality {label}", load["error"], "", "")
        print(
            f"  {label}: {load['scores']:,} scores ({load['rules']} rules, {load['teams']} teams, "
            f"a year) loaded in {load['load_seconds']:.0f} s",
            flush=True,
        )
    d = harness.run_part("oversight_parts.py", "data_quality", url, args, scale=scale)
    if "error" in d:
        return (f"data-quality dashboard, {label}", d["error"], "", "")
    page, duck = d["page_p95_ms"], d["duckdb_p95_ms"]
    return (
        f"data-quality dashboard, {label} ({d['scores']:,} scores)",
        f"{page:.0f} ms",
        f"{duck:.1f} ms",
        ratio(page, duck),
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="x0.01 of each scale")
    parser.add_argument("--scales", default="10,100")
    parser.add_argument(
        "--parts", default="fairness,data_quality", help="fairness, data_quality (comma-separated)"
    )
    args = parser.parse_args(argv)
    parts = {p for p in args.parts.split(",") if p}
    started = time.monotonic()
    rows: list[tuple[str, str, str, str]] = []
    for nominal in [float(s) for s in args.scales.split(",") if s]:
        label = f"x{nominal:g}"
        scale = nominal / 100 if args.quick else nominal
        if "data_quality" in parts:
            rows.append(data_quality_row(args, label, scale))
        if "fairness" not in parts:
            continue
        url = harness.db_url("oversight", f"x{scale:g}".replace(".", "_"))
        marker = f"{DATA_VERSION}|{scale:g}"
        if not harness.db_prepare(url, marker):
            copies = 10 if scale >= 100 else 1  # x100: x10's decisions copied in SQL
            load = harness.run_part(
                "oversight_parts.py", "load", url, args, scale=scale, marker=marker, copies=copies
            )
            if "error" in load:
                rows.append((f"load {label}", load["error"], "", ""))
                continue
            print(
                f"  {label}: {load['decisions']:,} decisions about {load['people']:,} people "
                f"loaded in {load['load_seconds']:.0f} s",
                flush=True,
            )
        f = harness.run_part("oversight_parts.py", "fairness", url, args, scale=scale)
        if "error" in f:
            rows.append((f"fairness page, {label}", f["error"], "", ""))
            continue
        for dimension in ("nationality", "ethnicity"):
            page, duck = f[f"page_{dimension}_p95_ms"], f[f"duckdb_{dimension}_p95_ms"]
            rows.append(
                (
                    f"fairness page by {dimension}, {label} ({f['decisions']:,} decisions; "
                    f"read model rebuilt in {f['rebuild_s']:.1f} s)",
                    f"{page:.0f} ms",
                    f"{duck:.1f} ms",
                    ratio(page, duck),
                )
            )
    lines = [
        "| benchmark | Waymark p95 | DuckDB p95 | ratio (target <= 1.5) |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
    ]
    print("\n" + "\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("# Oversight benchmarks\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"\n({time.monotonic() - started:.0f} s; written to {RESULTS.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
