"""Waymark benchmarks: each row is a ratio against a baseline measured in the same run.

    .venv/bin/python bench/run.py [--scales 1,10] [--quick] [--engines postgresql,sqlite]

Rows (docs/benchmarks.md says what each measures):
- get-next allocation on PostgreSQL: tasks per second with 8 processes calling
  ``work.services.task_get_next`` against a bare psycopg SKIP LOCKED loop; double allocations.
- person search p50/p95 per scale and engine against the same SQL run with a raw cursor.
- person page and queue page p95 (Django test client, signed in) against a bare view running
  the same SELECT statements; on PostgreSQL also against a bare view running each of them as a
  prepared statement (planned once a connection, as the pages' own prepared statements are).

Each (engine, scale) runs in its own subprocess with its own database (PostgreSQL
``<name>_x<scale>``, SQLite ``var/bench/waymark-x<scale>.sqlite3``), loaded once with
``demo_load`` and reused while the marker table says the scale, seed and data version match.
Results go to stdout and bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS = BENCH_DIR / "results" / "latest.md"
SQLITE_DIR = ROOT / "var" / "bench"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/waymark_bench"
SEED = 2026
ANCHOR = "2026-11-20T09:00:00+00:00"
# Bump when the generator changes shape so that stored bench databases are reloaded.
DATA_VERSION = "3"  # 3: EM records in the demo
MARKER_TABLE = "bench_marker"


def scale_label(scale: float) -> str:
    return f"x{scale:g}".replace(".", "_")


# ------------------------------------------------------------------------------------------
# Parent: databases and orchestration


def pg_url(scale: float) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = DEFAULT_PG
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "waymark_bench"
    return urlunsplit(parts._replace(path=f"/{name}_{scale_label(scale)}"))


def sqlite_url(scale: float) -> str:
    return f"sqlite:///{SQLITE_DIR / f'waymark-{scale_label(scale)}.sqlite3'}"


def marker_wanted(scale: float) -> str:
    return f"{scale}|{SEED}|{DATA_VERSION}"


def _pg_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin, autocommit=True), parts.path.lstrip("/")


def pg_prepare(url: str, scale: float) -> None:
    """Create the database if missing; drop and recreate it if it holds another scale."""
    import psycopg

    admin, name = _pg_admin(url)
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            marker = None
            with psycopg.connect(url) as conn:
                try:
                    row = conn.execute(f"SELECT value FROM {MARKER_TABLE}").fetchone()  # noqa: S608
                    marker = row[0] if row else None
                except psycopg.errors.UndefinedTable:
                    marker = None
            if marker == marker_wanted(scale):
                return
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def sqlite_prepare(url: str, scale: float) -> None:
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        try:
            with sqlite3.connect(path) as conn:
                row = conn.execute(f"SELECT value FROM {MARKER_TABLE}").fetchone()  # noqa: S608
        except sqlite3.Error:
            row = None
        if row and row[0] == marker_wanted(scale):
            return
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def run_phase(engine: str, scale: float, args) -> dict:
    url = pg_url(scale) if engine == "postgresql" else sqlite_url(scale)
    (pg_prepare if engine == "postgresql" else sqlite_prepare)(url, scale)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "AXES_ENABLED": "false",
        "WAYMARK_ENV": "development",
    }
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        engine,
        "--phase-scale",
        str(scale),
        "--iterations",
        str(args.iterations),
    ]
    if args.quick:
        cmd.append("--quick")
    if args.get_next and engine == "postgresql" and scale == min(args.scale_list):
        cmd.append("--get-next")
    print(f"\n== {engine} x{scale:g} ({url.rsplit('/', 1)[-1]})", flush=True)
    result = None
    with subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:  # noqa: S603
        for line in proc.stdout:  # streamed, so that loading progress shows as it happens
            if line.startswith("BENCH-RESULT "):
                result = json.loads(line.removeprefix("BENCH-RESULT "))
            else:
                print(line, end="", flush=True)
    if proc.returncode != 0 or result is None:
        return {"engine": engine, "scale": scale, "error": f"phase failed (exit {proc.returncode})"}
    return result


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f} ms"


def ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    return f"{a / b:.2f}"


def report(results: list[dict], args, elapsed: float) -> str:
    rows = [("measure", "engine", "scale", "Waymark", "baseline", "ratio")]
    notes = []
    for res in results:
        engine, scale = res["engine"], f"x{res['scale']:g}"
        if "error" in res:
            rows.append(("phase", engine, scale, res["error"], "", ""))
            continue
        load = res.get("load", {})
        notes.append(
            f"- {engine} x{res['scale']:g}: {load.get('people', 0):,} people, "
            f"{load.get('events', 0):,} timeline events, {load.get('tasks', 0):,} tasks"
            + (f" (loaded in {load['seconds']:.0f} s)" if load.get("seconds") else " (reused)")
        )
        gn = res.get("get_next")
        if gn:
            if "error" in gn:
                rows.append(
                    ("get-next allocation (8 processes)", engine, scale, gn["error"], "", "")
                )
            else:
                rows.append(
                    (
                        "get-next allocations per second (8 processes)",
                        engine,
                        scale,
                        f"{gn['waymark_per_s']:.0f}/s",
                        f"{gn['bare_per_s']:.0f}/s",
                        ratio(gn["waymark_per_s"], gn["bare_per_s"]),
                    )
                )
                rows.append(
                    (
                        "get-next double allocations",
                        engine,
                        scale,
                        str(gn["waymark_doubles"]),
                        str(gn["bare_doubles"]),
                        "must be 0",
                    )
                )

        def timed(label: str, shown: str, mine: float, bare: float, at=(engine, scale)) -> tuple:
            return (label, *at, shown, fmt_ms(bare), ratio(mine, bare))

        s = res.get("search")
        if s:
            for q in ("p50", "p95"):
                rows.append(timed(f"person search {q}", fmt_ms(s[q]), s[q], s[f"bare_{q}"]))
        for key, label in (("person_page", "person page p95"), ("queue_page", "queue page p95")):
            p = res.get(key)
            if p and "error" in p:
                rows.append((label, engine, scale, p["error"], "", ""))
            elif p:
                shown = f"{fmt_ms(p['p95'])} ({p['queries']} queries)"
                rows.append(timed(label, shown, p["p95"], p["bare_p95"]))
                if "bare_prepared_p95" in p:  # the stricter baseline: each statement planned once
                    rows.append(
                        timed(
                            f"{label}, vs each statement prepared",
                            fmt_ms(p["p95"]),
                            p["p95"],
                            p["bare_prepared_p95"],
                        )
                    )
    # Growth: how cost changes from the smallest to the largest scale, per engine.
    by = {(r["engine"], r["scale"]): r for r in results if "error" not in r}
    lo, hi = min(args.scale_list), max(args.scale_list)
    if lo != hi:
        for engine in args.engine_list:
            a, b = by.get((engine, lo)), by.get((engine, hi))
            if a and b and a.get("search") and b.get("search"):
                rows.append(
                    (
                        f"growth: search p50 x{hi:g} over x{lo:g}",
                        engine,
                        f"{hi / lo:g}x data",
                        fmt_ms(b["search"]["p50"]),
                        fmt_ms(a["search"]["p50"]),
                        ratio(b["search"]["p50"], a["search"]["p50"]),
                    )
                )
                rows.append(
                    (
                        f"growth: search p95 x{hi:g} over x{lo:g}",
                        engine,
                        f"{hi / lo:g}x data",
                        fmt_ms(b["search"]["p95"]),
                        fmt_ms(a["search"]["p95"]),
                        ratio(b["search"]["p95"], a["search"]["p95"]),
                    )
                )
            for key in ("person_page", "queue_page"):
                if a and b and a.get(key, {}).get("p95") and b.get(key, {}).get("p95"):
                    rows.append(
                        (
                            f"growth: {key.replace('_', ' ')} p95 x{hi:g} over x{lo:g}",
                            engine,
                            f"{hi / lo:g}x data",
                            fmt_ms(b[key]["p95"]),
                            fmt_ms(a[key]["p95"]),
                            ratio(b[key]["p95"], a[key]["p95"]),
                        )
                    )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    header = [
        f"# Waymark benchmarks ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Scales {', '.join(f'x{s:g}' for s in args.scale_list)}; engines "
        f"{', '.join(args.engine_list)}; {'quick' if args.quick else 'full'} run in {elapsed / 60:.1f} min "
        f"on {os.cpu_count()} CPUs. Ratio = Waymark ÷ baseline (for get-next, allocations per "
        "second, so higher is better; for latencies lower is better; growth rows compare the "
        "largest scale with the smallest).",
        "",
    ]
    return "\n".join([*header, *lines, "", "Data:", *notes, ""])


def main_parent(args) -> int:
    started = time.monotonic()
    results = []
    for engine in args.engine_list:
        for scale in args.scale_list:
            results.append(run_phase(engine, scale, args))
    text = report(results, args, time.monotonic() - started)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print("\n" + text)
    print(f"Written to {RESULTS.relative_to(ROOT)}")
    return 0 if all("error" not in r for r in results) else 1


# ------------------------------------------------------------------------------------------
# Phase: runs inside one Django process against one database


def main_phase(args) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH_DIR))
    import django

    django.setup()
    import phases  # bench/phases.py

    result = phases.run(
        engine=args.phase,
        scale=args.phase_scale,
        quick=args.quick,
        iterations=args.iterations,
        get_next=args.phase_get_next,
        seed=SEED,
        anchor=ANCHOR,
        marker=marker_wanted(args.phase_scale),
        marker_table=MARKER_TABLE,
    )
    print("BENCH-RESULT " + json.dumps(result), flush=True)
    return 0


def parse(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales",
        default="",
        help="Comma-separated multiples of the seeds' volumes (default 1,10; add 100 for x100)",
    )
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument(
        "--quick", action="store_true", help="Smoke run: small scales, few iterations"
    )
    parser.add_argument("--iterations", type=int, default=0, help="Repeats per search query")
    parser.add_argument("--no-get-next", dest="get_next", action="store_false")
    parser.add_argument("--phase", default="", help=argparse.SUPPRESS)
    parser.add_argument("--phase-scale", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--get-next", dest="phase_get_next", action="store_true", help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if not args.scales:
        args.scales = "0.02,0.1" if args.quick else "1,10"
    args.scale_list = sorted(float(s) for s in args.scales.split(",") if s.strip())
    args.engine_list = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not args.iterations:
        args.iterations = 2 if args.quick else 5
    return args


if __name__ == "__main__":
    parsed = parse()
    sys.exit(main_phase(parsed) if parsed.phase else main_parent(parsed))
