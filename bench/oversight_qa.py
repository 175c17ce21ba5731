"""Quality-assurance sampling benchmark (issue 20, "Benchmarks" first row), PostgreSQL: drawing a
month's samples (10% of each kind, one rule per kind) over x10 of a month's decisions across four
modules' kinds, against a bare SQL random draw of the same size per kind. Waymark's draw records
what an auditor needs to re-derive it (seed, population, strata, cap), the items, their review
tasks and the audit entry; the baseline records nothing. Ratio = Waymark / baseline.

Usage: ``.venv/bin/python bench/oversight_qa.py [--quick] [--scales 10]`` (``make bench`` runs it;
``QA_BENCH_ARGS``). The database ``<DATABASE_URL name or waymark_bench>_oversight_qa_x<scale>`` is
created, loaded once (marker table ``bench_marker``) and reused. ``--quick`` uses x0.1 of each
scale and fewer repeats."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "oversight-qa-latest.md"
DATA_VERSION = "oversight-qa-1"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="x0.1 of each scale")
    parser.add_argument("--scales", default="10")
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows: list[tuple[str, str, str, str, str]] = []
    for nominal in [float(s) for s in args.scales.split(",") if s]:
        label = f"x{nominal:g}"
        scale = nominal / 10 if args.quick else nominal
        url = harness.db_url("oversight_qa", f"x{scale:g}".replace(".", "_"))
        marker = f"{DATA_VERSION}|{scale:g}"
        if not harness.db_prepare(url, marker):
            load = harness.run_part(
                "oversight_qa_parts.py", "load", url, args, scale=scale, marker=marker
            )
            if "error" in load:
                rows.append((f"load {label}", "", load["error"], "", ""))
                continue
        d = harness.run_part("oversight_qa_parts.py", "draw", url, args, scale=scale)
        if "error" in d:
            rows.append((f"month's QA draw, {label}", "", d["error"], "", ""))
            continue
        rows.append(
            (
                f"a month's QA samples drawn and recorded, {label}",
                f"{d['work']:,} decisions, {d['drawn']:,} drawn",
                f"{d['waymark_ms']:.0f} ms",
                f"{d['bare_ms']:.1f} ms",
                f"{d['waymark_ms'] / d['bare_ms']:.1f}" if d["bare_ms"] else "-",
            )
        )
    elapsed = time.monotonic() - started
    header = ("measure", "data", "Waymark", "bare SQL random()", "ratio")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    lines = [
        "| " + " | ".join(str(c).ljust(widths[i]) for i, c in enumerate(header)) + " |",
        "| " + " | ".join("-" * w for w in widths) + " |",
    ]
    lines += [
        "| " + " | ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)) + " |" for r in rows
    ]
    text = (
        f"Quality-assurance sampling benchmark, PostgreSQL{' (--quick)' if args.quick else ''}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed / 60:.1f} min. "
        "Ratio = Waymark / baseline (Waymark also records the draw, its items, tasks and audit)."
        "\n\n" + "\n".join(lines) + "\n"
    )
    print("\n" + text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
