"""Electronic monitoring benchmarks (issue 3), PostgreSQL. Each row is a ratio against a baseline
measured in the same run on the same machine:

- breach ingest through the real HTTP endpoint (gunicorn; signature check, validation,
  de-duplication, the battery rule, task creation), events per second and p95 latency, against a
  raw per-row psycopg INSERT of the same rows into the same table;
- the bulk archive replay (``services.breach_archive_replay``) against a raw ``COPY`` of the same rows;
- the accumulated battery rule over x100 of a year's battery events (about 5,000 devices, 1 million
  events), against one SQL window query over the same table;
- the EM management-information page at x10 and x100 against the same aggregates computed in DuckDB
  over a Parquet export of the same rows.

Usage: ``.venv/bin/python bench/em.py [--quick]`` (``make bench`` runs it after bench/run.py).
Databases ``<DATABASE_URL name or waymark_bench>_em_*`` are created and reused.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "em-latest.md"
ANCHOR = "2026-11-20T09:00:00+00:00"
DATA_VERSION = "em-1"


def db_url(suffix: str) -> str:
    return harness.db_url("em", suffix)


db_prepare = harness.db_prepare


def run_part(part: str, url: str, args, **extra) -> dict:
    return harness.run_part("em_parts.py", part, url, args, **extra)


def ratio(a, b) -> str:
    return "-" if not a or not b else f"{a / b:.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="Smoke run: small volumes")
    parser.add_argument("--mi-scales", default="10,100")
    parser.add_argument("--parts", default="ingest,archive,battery,mi")
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows: list[tuple[str, str, str, str, str]] = []

    parts = set(args.parts.split(","))
    ingest = {"error": "not run"}
    if "ingest" in parts:
        ingest_url = db_url("ingest")
        db_prepare(ingest_url, "never-reused")  # a fresh database each run: ingest writes
        ingest = run_part("ingest", ingest_url, args)
    if "error" not in ingest:
        rows += [
            (
                "breach ingest, HTTP endpoint (8 clients)",
                f"{ingest['events']:,} events",
                f"{ingest['http_rate']:.0f}/s",
                f"{ingest['raw_rate']:.0f}/s",
                ratio(ingest["http_rate"], ingest["raw_rate"]),
            ),
            (
                "breach ingest p95 latency per event",
                "",
                f"{ingest['http_p95_ms']:.1f} ms",
                f"{ingest['raw_p95_ms']:.2f} ms",
                ratio(ingest["http_p95_ms"], ingest["raw_p95_ms"]),
            ),
            (
                "duplicate events stored twice",
                f"{ingest['replays']:,} replays",
                str(ingest["doubles"]),
                "0",
                "must be 0",
            ),
        ]
        if "floor_rate" in ingest:  # the same requests refused at the signature: the ceiling
            rows += [
                (
                    "floor: the same requests refused at the signature (8 clients)",
                    f"{sum(ingest['floor_statuses'].values()):,} requests, {ingest['floor_statuses']}",
                    f"{ingest['floor_rate']:.0f}/s",
                    f"{ingest['raw_rate']:.0f}/s",
                    ratio(ingest["floor_rate"], ingest["raw_rate"]),
                ),
                (
                    "floor p95 latency per request",
                    "",
                    f"{ingest['floor_p95_ms']:.1f} ms",
                    f"{ingest['raw_p95_ms']:.2f} ms",
                    ratio(ingest["floor_p95_ms"], ingest["raw_p95_ms"]),
                ),
            ]
        for batch in ingest.get("batches", {}).values():  # decision 0017, option 2
            rows += [
                (
                    f"breach ingest in batches of {batch['batch_size']}, HTTP (8 clients)",
                    f"{batch['batch_events']:,} events, {batch['batch_statuses']}",
                    f"{batch['batch_rate']:.0f}/s",
                    f"{ingest['raw_rate']:.0f}/s",
                    ratio(batch["batch_rate"], ingest["raw_rate"]),
                ),
                (
                    f"batch of {batch['batch_size']}: p95 latency per request",
                    f"{batch['batch_size']} events a request",
                    f"{batch['batch_p95_ms']:.1f} ms",
                    f"{ingest['raw_p95_ms']:.2f} ms",
                    ratio(batch["batch_p95_ms"], ingest["raw_p95_ms"]),
                ),
                (
                    f"batched events stored twice (a tenth of the batches of {batch['batch_size']} sent again)",
                    str(batch["batch_again_statuses"]),
                    str(batch["batch_doubles"]),
                    "0",
                    "must be 0",
                ),
            ]
    archive = {"error": "not run"}
    if "archive" in parts:
        archive_url = db_url("archive")
        db_prepare(archive_url, "never-reused")  # a fresh database each run: the replay writes
        archive = run_part("archive", archive_url, args)
    if "error" not in archive:
        rows.append(
            (
                "bulk archive replay vs COPY",
                f"{archive['bulk_rows']:,} rows",
                f"{archive['bulk_rate']:.0f}/s",
                f"{archive['copy_rate']:.0f}/s",
                ratio(archive["bulk_rate"], archive["copy_rate"]),
            )
        )
    battery = {"error": "not run"}
    if "battery" in parts:
        battery_url = db_url("battery")
        marker = f"{DATA_VERSION}|{'quick' if args.quick else 'full'}"
        loaded = db_prepare(battery_url, marker)
        battery = run_part("battery", battery_url, args, loaded=loaded, marker=marker)
    if "error" not in battery:
        rows.append(
            (
                "accumulated battery rule (x100 of a year)",
                f"{battery['events']:,} events, {battery['devices']:,} devices",
                f"{battery['rule_seconds']:.2f} s",
                f"{battery['sql_seconds']:.2f} s",
                ratio(battery["rule_seconds"], battery["sql_seconds"]),
            )
        )
    for scale in [float(s) for s in args.mi_scales.split(",") if s and "mi" in parts]:
        if args.quick:
            scale = scale / 100
        url = db_url(f"mi_x{scale:g}".replace(".", "_"))
        marker = f"{DATA_VERSION}|{scale}"
        loaded = db_prepare(url, marker)
        mi = run_part("mi", url, args, scale=scale, loaded=loaded, marker=marker)
        if "error" not in mi:
            rows.append(
                (
                    f"EM figures page p95, x{scale:g}",
                    f"{mi['breaches']:,} breaches, {mi['conditions']:,} conditions",
                    f"{mi['page_p95_ms']:.1f} ms",
                    f"{mi['duckdb_p95_ms']:.1f} ms",
                    ratio(mi["page_p95_ms"], mi["duckdb_p95_ms"]),
                )
            )
            rows.append(
                (
                    f"EM figures read model rebuild, x{scale:g}",
                    f"{mi['refresh_rows']:,} summary rows; live reads {mi['live_p95_ms']:.0f} ms",
                    f"{mi['refresh_seconds']:.2f} s",
                    f"rows {mi['rows_age_seconds']:.0f} s old at most"
                    + ("" if mi["as_of_shown"] else ", as-of NOT shown"),
                    "must be <= 60 s",
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
        f"EM benchmarks, PostgreSQL, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{elapsed / 60:.1f} min. Ratio = Waymark / baseline (rates: higher is better; times: lower).\n\n"
        + "\n".join(lines)
        + "\n"
    )
    print("\n" + text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
