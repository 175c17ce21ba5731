"""The cost of the competence gate (issue 20 item 2; docs/decisions/0016-competence-gate.md),
PostgreSQL: "get next" pressed by one user until a queue of waiting tasks is empty, with the gate
(every module's declared competences and a benchmark one, so the statement carries one EXISTS per
competence) against the same presses with no task type gated (the statement without the
predicate). Same rows, same user, same process; the ratio is the mean time per press, target
<= 1.2.

Volumes: x1 = 2,000 waiting tasks, half of a gated type the user holds, in one queue among 20,000
rows of other work. ``--quick`` uses x0.1.

Usage: ``.venv/bin/python bench/competence.py [--quick] [--scales 1]`` (``make bench`` runs it;
``COMP_BENCH_ARGS``). A database ``<DATABASE_URL name or waymark_bench>_competence_x<scale>`` is
created and migrated once (marker table ``bench_marker``) and reused.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "competence-latest.md"
DATA_VERSION = "competence-1"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="x0.1 of each scale")
    parser.add_argument("--scales", default="1")
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows = []
    for nominal in [float(s) for s in args.scales.split(",") if s]:
        scale = nominal / 10 if args.quick else nominal
        url = harness.db_url("competence", f"x{scale:g}".replace(".", "_"))
        marker = f"{DATA_VERSION}|{scale:g}"
        if not harness.db_prepare(url, marker):
            load = harness.run_part("competence_parts.py", "load", url, args, marker=marker)
            if "error" in load:
                rows.append((f"load x{nominal:g}", "", load["error"], "", ""))
                continue
        r = harness.run_part("competence_parts.py", "presses", url, args, scale=scale)
        if "error" in r:
            rows.append((f"get next with the gate, x{nominal:g}", "", r["error"], "", ""))
            continue
        rows.append(
            (
                f"get next with the competence gate vs without, x{nominal:g}",
                f"{r['presses']:,} presses, {r['gates']} competences gated",
                f"{r['gated_ms']:.2f} ms",
                f"{r['plain_ms']:.2f} ms",
                f"{r['gated_ms'] / r['plain_ms']:.2f}" if r["plain_ms"] else "-",
            )
        )
    elapsed = time.monotonic() - started
    header = ("measure", "data", "Waymark (gate)", "baseline (no gate)", "ratio")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(5)]
    lines = [
        "| " + " | ".join(str(c).ljust(widths[i]) for i, c in enumerate(header)) + " |",
        "| " + " | ".join("-" * w for w in widths) + " |",
    ]
    lines += [
        "| " + " | ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)) + " |" for r in rows
    ]
    text = (
        f"Competence gate benchmark, PostgreSQL{' (--quick)' if args.quick else ''}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed / 60:.1f} min. "
        "Mean time per get-next press; ratio = with the gate / without (target <= 1.2).\n\n"
        + "\n".join(lines)
        + "\n"
    )
    print("\n" + text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
