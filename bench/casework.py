"""Criminal-casework benchmarks (issue 4), PostgreSQL. Each row is a ratio against a baseline
measured in the same run on the same machine:

- generating reporting events (``services.events_generate``: one INSERT ... SELECT ... ON CONFLICT
  DO NOTHING) against a plain INSERT ... SELECT generate_series of the same rows into the same
  table, truncated before each (same indexes and constraints); and the re-run, which must create 0;
- the missed-event sweep (``services.outcomes_missing_chase``) over a week of past events against
  the bare SELECT that finds the same rows (median of 3, ``chased_at`` reset between runs);
- the reporting centre's day list and the case owner's caseload page, p95 of 50 requests through
  Django's test client, against a minimal view (same middleware and login) that runs the page's
  list query for one page and returns a tiny response.

Reporting population x1 = 85,000 people (x10 = 850,000), every one with an open case and a
reporting restriction (weekly; 15% fortnightly), spread over 40 reporting centres per x1 (about
300 events a centre a day) and 20 criminal-casework teams per x1. The benchmarked case owner owns
150 cases.

Usage: ``.venv/bin/python bench/casework.py [--quick] [--scales 1,10] [--parts generate,sweep,pages,figures]``
(``make bench`` runs it after bench/em.py). Databases ``<DATABASE_URL name or waymark_bench>_cw_x<scale>``
are created, loaded once (marker table ``bench_marker``) and reused.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "casework-latest.md"
DATA_VERSION = "cw-2"


def db_url(suffix: str) -> str:
    return harness.db_url("cw", suffix)


db_prepare = harness.db_prepare


def run_part(part: str, url: str, args, **extra) -> dict:
    return harness.run_part("casework_parts.py", part, url, args, **extra)


def ratio(a, b) -> str:
    return "-" if not a or not b else f"{a / b:.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="Smoke run: tiny volumes (x0.01 of each scale)"
    )
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--parts", default="generate,sweep,pages,figures")
    parser.add_argument(
        "--horizon", type=int, default=365, help="Days of events generated (x1 and below)"
    )
    parser.add_argument(
        "--large-horizon",
        type=int,
        default=91,
        help="Days of events generated at scales above x1 (a year at x10 is about 44M rows)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows: list[tuple[str, str, str, str, str]] = []
    parts = [p for p in args.parts.split(",") if p]
    for scale in [float(s) for s in args.scales.split(",") if s]:
        label = f"x{scale:g}"
        if args.quick:
            scale = scale / 100
        url = db_url(f"x{scale:g}".replace(".", "_"))
        marker = f"{DATA_VERSION}|{scale:g}"
        if not db_prepare(url, marker):
            load = run_part("load", url, args, scale=scale, marker=marker)
            if "error" in load:
                rows.append((f"load {label}", "", load["error"], "", ""))
                continue
            print(
                f"  loaded {load['people']:,} people, {load['centres']} centres, {load['teams']} teams "
                f"in {load['load_seconds']:.0f} s",
                flush=True,
            )
        horizon = args.horizon if scale <= 1 else args.large_horizon
        if "generate" in parts:
            g = run_part("generate", url, args, scale=scale, horizon=horizon)
            if "error" in g:
                rows.append((f"generate reporting events, {label}", "", g["error"], "", ""))
            else:
                span = "a year" if horizon == 365 else f"{horizon} days"
                rows += [
                    (
                        f"generate {span} of reporting events, sweep, {label}",
                        f"{g['restrictions']:,} restrictions, {g['created']:,} events",
                        f"{g['app_rate']:,.0f} rows/s",
                        f"{g['base_rate']:,.0f} rows/s",
                        ratio(g["app_rate"], g["base_rate"]),
                    ),
                    (
                        f"sweep re-run creates, {label}",
                        f"{g['rerun_seconds']:.1f} s to find nothing to do",
                        str(g["rerun_created"]),
                        "0",
                        "must be 0",
                    ),
                ]
        if "sweep" in parts:
            s = run_part("sweep", url, args, scale=scale)
            if "error" in s:
                rows.append((f"missed-event sweep over a week, {label}", "", s["error"], "", ""))
            else:
                rows.append(
                    (
                        f"missed-event sweep over a week, {label}",
                        f"{s['events']:,} events, {s['blank']:,} blank",
                        f"{s['app_seconds'] * 1000:,.0f} ms",
                        f"{s['base_seconds'] * 1000:,.1f} ms",
                        ratio(s["app_seconds"], s["base_seconds"]),
                    )
                )
        if "pages" in parts:
            p = run_part("pages", url, args, scale=scale)
            if "error" in p:
                rows.append((f"centre day list / caseload pages, {label}", "", p["error"], "", ""))
            else:
                rows += [
                    (
                        f"centre day list page p95, {label}",
                        f"{p['day_rows']} events that day, {p['events']:,} in table",
                        f"{p['day_p95_ms']:.1f} ms",
                        f"{p['day_bare_p95_ms']:.1f} ms",
                        ratio(p["day_p95_ms"], p["day_bare_p95_ms"]),
                    ),
                    (
                        f"owner's caseload page p95, {label}",
                        f"{p['caseload']} cases, {p['team_people']:,} in the team",
                        f"{p['mine_p95_ms']:.1f} ms",
                        f"{p['mine_bare_p95_ms']:.1f} ms",
                        ratio(p["mine_p95_ms"], p["mine_bare_p95_ms"]),
                    ),
                ]
        if "figures" in parts:
            f = run_part("figures", url, args, scale=scale)
            if "error" in f:
                rows.append(
                    (f"casework figures page (read model), {label}", "", f["error"], "", "")
                )
            else:
                rows.append(
                    (
                        f"casework figures page p95 (read model) vs DuckDB (every figure), {label}",
                        f"{f['cases']:,} cases; rebuild {f['refresh_seconds']:.2f} s, "
                        f"{f['refresh_rows']:,} rows; rows {f['rows_age_seconds']:.0f} s old; "
                        f"as-of shown {f['as_of_shown']}",
                        f"{f['page_p95_ms']:.0f} ms",
                        f"{f['duck_p95_ms']:.1f} ms",
                        ratio(f["page_p95_ms"], f["duck_p95_ms"]),
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
        f"Casework benchmarks, PostgreSQL{' (--quick: x0.01 volumes)' if args.quick else ''}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed / 60:.1f} min. "
        "Ratio = Waymark / baseline (rates: higher is better; times: lower).\n\n"
        + "\n".join(lines)
        + "\n"
    )
    print("\n" + text)
    print(f"Run time: {elapsed:.0f} s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
