"""Enforcement-operations benchmarks (issue 5), PostgreSQL. Each row is a ratio against a baseline
measured in the same run on the same machine:

- field-entry submission through the HTTP endpoint ``api:operations-entries`` (one note a request,
  Django's test client, a signed-in officer assigned to a deployed visit) and the offline replay
  path ``api:operations-entries-batch`` (batches of 50), entries per second and p95 latency, against
  a raw INSERT of the same rows into the same table (one autocommit INSERT per entry; for the batch,
  one executemany per batch); and the replay of the same batches, which must store nothing new;
- the visit page in the field (``operations:field``: 60 entries, 12 officers) and the planning page
  with its premises history (``operations:visit``, 6 earlier visits with debriefs), p95 of 50
  requests, against a minimal view (same middleware and login) that runs the SQL the page ran;
- the measures page (``operations:measures``, the default 12-month period) against the same
  aggregates computed in DuckDB over an export of the same rows (the export is not timed).

Volumes: x1 = ``rules.DEMO_VISITS_PER_YEAR`` (3,796) visits over the year before the anchor, 20 ICE
teams of 20 officers, 6-12 officers a visit, each visit with arrival and departure entries for every
officer, entry, 0-5 encounters, sanctions, engagement, seizures, safeguarding, critical incidents
and a debrief (about 23 entries a visit); x10 and x100 scale visits, teams, officers and premises in
proportion. A row whose page or endpoint does not exist yet prints "not available: <url name>
missing".

Usage: ``.venv/bin/python bench/operations.py [--quick] [--scales 1,10,100] [--parts entries,pages,measures]``
(``make bench`` runs it after bench/casework.py; ``OPS_BENCH_ARGS``). Databases
``<DATABASE_URL name or waymark_bench>_ops_x<scale>`` are created, loaded once (marker table
``bench_marker``) and reused. ``--quick`` uses x0.01 of each scale and fewer requests.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "operations-latest.md"
DATA_VERSION = "ops-1"
PAGE_SCALES = {10.0}  # the field and planning pages are measured at x10 (issue 5)
MEASURE_SCALES = {10.0, 100.0}


def db_url(suffix: str) -> str:
    return harness.db_url("ops", suffix)


db_prepare = harness.db_prepare


def run_part(part: str, url: str, args, **extra) -> dict:
    return harness.run_part("operations_parts.py", part, url, args, **extra)


def ratio(a, b) -> str:
    if not a or not b:
        return "-"
    value = a / b
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def missing(name: str) -> str:
    return f"not available: {name} missing"


def entries_rows(e: dict, label: str) -> list[tuple]:
    rows = []
    if not e.get("single_url"):
        rows.append(
            (f"field entry, one a request, {label}", "", missing("api:operations-entries"), "", "")
        )
    else:
        data = f"{e['single_n']} notes, replay answered {e['single_replay_status']}"
        rows += [
            (
                f"field entry, one a request, {label}",
                data,
                f"{e['single_rate']:,.0f} entries/s",
                f"{e['single_base_rate']:,.0f} entries/s",
                ratio(e["single_rate"], e["single_base_rate"]),
            ),
            (
                f"field entry p95, {label}",
                data,
                f"{e['single_p95_ms']:.1f} ms",
                f"{e['single_base_p95_ms']:.2f} ms",
                ratio(e["single_p95_ms"], e["single_base_p95_ms"]),
            ),
        ]
        if "single_floor_rate" in e:  # the same requests refused at validation: the ceiling
            floor = f"{e['single_n']} requests, answers {e['single_floor_statuses']}"
            rows += [
                (
                    f"floor: requests refused at validation, {label}",
                    floor,
                    f"{e['single_floor_rate']:,.0f} requests/s",
                    f"{e['single_base_rate']:,.0f} entries/s",
                    ratio(e["single_floor_rate"], e["single_base_rate"]),
                ),
                (
                    f"floor p95, {label}",
                    floor,
                    f"{e['single_floor_p95_ms']:.1f} ms",
                    f"{e['single_base_p95_ms']:.2f} ms",
                    ratio(e["single_floor_p95_ms"], e["single_base_p95_ms"]),
                ),
            ]
    if not e.get("batch_url"):
        rows.append(
            (f"offline replay batch, {label}", "", missing("api:operations-entries-batch"), "", "")
        )
    else:
        data = f"{e['batch_n']} notes in batches of {e['batch_size']}"
        rows += [
            (
                f"offline replay batch, {label}",
                data,
                f"{e['batch_rate']:,.0f} entries/s",
                f"{e['batch_base_rate']:,.0f} entries/s",
                ratio(e["batch_rate"], e["batch_base_rate"]),
            ),
            (
                f"offline batch p95 (per batch), {label}",
                data,
                f"{e['batch_p95_ms']:.1f} ms",
                f"{e['batch_base_p95_ms']:.2f} ms",
                ratio(e["batch_p95_ms"], e["batch_base_p95_ms"]),
            ),
            (
                f"same batches replayed store, {label}",
                f"{e['batch_replay_seconds']:.2f} s; answers {e.get('batch_replay_statuses')}",
                str(e["batch_replay_new"]),
                "0",
                "must be 0",
            ),
        ]
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="Smoke run: tiny volumes (x0.01 of each scale)"
    )
    parser.add_argument(
        "--scales",
        default="1,10,100",
        help="Scales to load and measure (x100 is loaded once, about 13 minutes, for the measures row)",
    )
    parser.add_argument("--parts", default="entries,pages,measures")
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows: list[tuple[str, str, str, str, str]] = []
    loads: list[str] = []
    parts = [p for p in args.parts.split(",") if p]
    for nominal in [float(s) for s in args.scales.split(",") if s]:
        label = f"x{nominal:g}"
        scale = nominal / 100 if args.quick else nominal
        url = db_url(f"x{scale:g}".replace(".", "_"))
        marker = f"{DATA_VERSION}|{scale:g}"
        if not db_prepare(url, marker):
            load = run_part("load", url, args, scale=scale, marker=marker)
            if "error" in load:
                rows.append((f"load {label}", "", load["error"], "", ""))
                continue
            note = (
                f"{label}: {load['visits']:,} visits, {load['officers']:,} officers, {load['assignments']:,} "
                f"assignments, {load['entries']:,} entries, {load['encounters']:,} encounters loaded in "
                f"{load['load_seconds']:.0f} s"
            )
            print("  " + note, flush=True)
            loads.append(note)
        if "entries" in parts and nominal == min(float(s) for s in args.scales.split(",") if s):
            e = run_part("entries", url, args, scale=scale)
            if "error" in e:
                rows.append((f"field entry submission, {label}", "", e["error"], "", ""))
            else:
                rows += entries_rows(e, label)
        if "pages" in parts and (nominal in PAGE_SCALES or args.scales == "1"):
            p = run_part("pages", url, args, scale=scale)
            if "error" in p:
                rows.append((f"field and planning pages, {label}", "", p["error"], "", ""))
            else:
                for key, title, data in (
                    (
                        "field",
                        "visit page in the field p95",
                        f"{p['entries']} entries, {p['officers']} officers",
                    ),
                    (
                        "plan",
                        "planning page with premises history p95",
                        f"{p['history']} earlier visits",
                    ),
                ):
                    r = p.get(key, {})
                    if "missing" in r:
                        rows.append((f"{title}, {label}", data, missing(r["missing"]), "", ""))
                    elif "error" in r:
                        rows.append((f"{title}, {label}", data, r["error"], "", ""))
                    else:
                        rows.append(
                            (
                                f"{title}, {label}",
                                f"{data}, {r['queries']} queries",
                                f"{r['p95_ms']:.1f} ms",
                                f"{r['bare_p95_ms']:.1f} ms",
                                ratio(r["p95_ms"], r["bare_p95_ms"]),
                            )
                        )
        if "measures" in parts and (nominal in MEASURE_SCALES or args.scales == "1"):
            q = run_part("measures", url, args, scale=scale)
            if "error" in q:
                rows.append((f"measures page p95, {label}", "", q["error"], "", ""))
            elif not q.get("url"):
                rows.append(
                    (f"measures page p95, {label}", "", missing("operations:measures"), "", "")
                )
            else:
                rows.append(
                    (
                        f"measures page p95 vs DuckDB, {label}",
                        f"{q['visits_in_period']:,} visits in 12 months",
                        f"{q['page_p95_ms']:.0f} ms",
                        f"{q['duckdb_p95_ms']:.1f} ms",
                        ratio(q["page_p95_ms"], q["duckdb_p95_ms"]),
                    )
                )
                rows.append(
                    (
                        f"measures read model whole rebuild, {label}",
                        f"{q['refresh_rows']:,} summary rows",
                        f"{q['refresh_seconds']:.2f} s",
                        f"the page's last request {q['rows_age_seconds']:.0f} s after it began"
                        + ("" if q["as_of_shown"] else ", as-of NOT shown"),
                        "(hourly in service; next row)",
                    )
                )
                rows.append(
                    (
                        f"measures read model update, {label}",
                        f"{q['update_groups']:,} changed (team, day) groups"
                        + (" (rebuilt whole!)" if q["update_was_whole"] else ""),
                        f"{q['update_seconds']:.2f} s",
                        f"rows {q['in_service_age_seconds']:.0f} s old at most in service "
                        f"(updates every 30 s, whole rebuild {q['refresh_whole_seconds']:.1f} s "
                        "hourly)",
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
        f"Operations benchmarks, PostgreSQL{' (--quick: x0.01 volumes)' if args.quick else ''}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed / 60:.1f} min. "
        "Ratio = Waymark / baseline (rates: higher is better; times: lower).\n\n"
        + "\n".join(lines)
        + "\n"
    )
    if loads:
        text += "\nLoaded this run: " + "; ".join(loads) + ".\n"
    print("\n" + text)
    print(f"Run time: {elapsed:.0f} s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
