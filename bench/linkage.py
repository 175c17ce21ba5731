"""Record-linkage benchmarks (issue 6). Every time is set beside a baseline measured in the same run:

- accuracy: pairwise and cluster precision, recall and F1 against the generator's truth at the
  configured thresholds (``waymark.linkage.rules``), with a sweep of other thresholds (the table in
  docs/modules/linkage.md that the thresholds were chosen from), and the clerical-review queue per
  10,000 records (pairs of clusters between the thresholds);
- pipeline: the whole path at 100k and 1M input rows on PostgreSQL (import through the import
  services with validation and standardisation, train, score, cluster, write people and the review
  queue), against bare Splink ``predict`` + connected-components clustering on the same
  standardised records with the same model; and how run time grows from 100k to 1M;
- incremental: one record matched against a population of 1M, p50/p95, against the candidate
  lookup alone (the in-process index) and the DuckDB scan it replaced;
- endpoint: ``POST /api/v1/linkage/match/`` against the population each pipeline run linked (its
  database), p50/p95 with a machine client (issue 18's "the incremental match endpoint, with its
  p95 at 1M");
- peak memory of each part's process (the 1M pipeline is the national-scale figure), the
  pipeline's per phase; its input files are generated in a process of their own.

- matrix (issue 18 item 6): the evaluation matrix, each cell a shape the generator does not make by
  itself (identifiers removed, nationality removed, a tenth without a date of birth, non-UK
  addresses, two files linked, faults doubled, an outside-shaped file), with our engine at the
  shipped thresholds beside a plain Splink model configured and trained as Splink's own example;

Usage: ``.venv/bin/python bench/linkage.py [--quick] [--rows 100000,1000000]
[--parts matrix,accuracy,pipeline,endpoint,incremental] [--matrix-rows 6000]``
(``make bench`` runs it; ``LINK_BENCH_ARGS``). ``--quick`` uses 10k and 30k rows. Pipeline
databases ``<DATABASE_URL name or waymark_bench>_link_<rows>`` are created afresh each run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "linkage-latest.md"
SEED = 2026
ROWS_PER_FILE = 150_000  # a national extract arrives split into files under the 50 MB upload limit


def _f(x: float) -> str:
    return f"{x:.4f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--parts", default="matrix,accuracy,pipeline,endpoint,incremental")
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument(
        "--matrix-rows",
        type=int,
        default=6000,
        help="generated rows per evaluation-matrix cell (8 cells, about 3 minutes at 6000 on 2 cores)",
    )
    args = parser.parse_args(argv)
    scales = [10_000, 30_000] if args.quick else [int(s) for s in args.rows.split(",") if s]
    parts = [p for p in args.parts.split(",") if p]
    started = time.monotonic()
    lines: list[str] = []

    def out(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    def run(part: str, url: str, **extra) -> dict:
        return harness.run_part(
            "linkage_parts.py", part, url, argparse.Namespace(), seed=SEED, **extra
        )

    url_any = harness.db_url("link", "engine")
    endpoints: list[tuple[int, dict]] = []
    if "matrix" in parts:
        m = run("matrix", url_any, rows=3000 if args.quick else args.matrix_rows)
        out(
            f"\n## Linkage evaluation matrix ({m.get('rows', '?')} generated rows a cell; "
            "issue 18 item 6)"
        )
        if "error" in m:
            out(m["error"])
        else:
            out(
                f"Waymark at its shipped thresholds (link at p >= {m['upper']}, review from "
                f"{m['lower']}); 'reviewed' = F1 if every review pair were decided correctly; "
                "'best' = F1 at the best threshold; baseline = a plain Splink model configured and "
                "trained as Splink's own example (ForenameSurname, DateOfBirth, Postcode, address "
                "Jaro-Winkler; its blocking rules), F1 at its best threshold, same records."
            )
            out(
                "| cell | records | true pairs | pairwise P | pairwise R | pairwise F1 | cluster F1 | "
                "reviewed F1 | best F1 | blocking recall | comparisons a record | baseline best F1 | "
                "F1 - baseline |"
            )
            out("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for c in m["cells"]:
                cluster = _f(c["cluster"]["f1"]) if c["cluster"] else "n/a (two files)"
                out(
                    f"| {c['name']} | {c['records']:,} | {c['true_pairs']:,} | {_f(c['pair']['precision'])} | "
                    f"{_f(c['pair']['recall'])} | **{_f(c['pair']['f1'])}** | {cluster} | "
                    f"{_f(c['reviewed_f1'])} | {_f(c['best_f1'])} | {_f(c['blocking_recall'])} | "
                    f"{c['comparisons_per_record']:.1f} | {_f(c['baseline']['best_f1'])} | "
                    f"{c['pair']['f1'] - c['baseline']['best_f1']:+.4f} |"
                )
            out(
                "\nRestricted to pairs whose two records both have a forename, a surname, a date "
                "of birth and an address (postcode or street): the target's 'where names, date of "
                "birth and address are present'. True pairs and predicted pairs alike."
            )
            out(
                "| cell | complete records | true pairs | pairwise P | pairwise R | pairwise F1 | "
                "best F1 | baseline best F1 | F1 - baseline |"
            )
            out("|---|---|---|---|---|---|---|---|---|")
            for c in m["cells"]:
                f = c["full"]
                out(
                    f"| {c['name']} | {f['records']:,} | {f['true_pairs']:,} | "
                    f"{_f(f['pair']['precision'])} | {_f(f['pair']['recall'])} | "
                    f"**{_f(f['pair']['f1'])}** | {_f(f['best_f1'])} | "
                    f"{_f(c['baseline']['full_best_f1'])} | "
                    f"{f['pair']['f1'] - c['baseline']['full_best_f1']:+.4f} |"
                )
            notes = [
                f"{c['name']}: {'; '.join(c['baseline']['notes'])}"
                for c in m["cells"]
                if c["baseline"]["notes"]
            ]
            if notes:
                out("baseline notes: " + " / ".join(notes))
    if "accuracy" in parts:
        a = run("accuracy", url_any, rows=scales[0])
        out(f"\n## Linkage accuracy on {scales[0]:,} generated rows (truth from the generator)")
        if "error" in a:
            out(a["error"])
        else:
            out(
                f"thresholds: link at p >= {a['upper']}, review between {a['lower']} and {a['upper']}; "
                f"{a['rows']:,} records, {a['true_pairs']:,} true pairs, {a['scored_pairs']:,} pairs scored"
            )
            out("| measure | precision | recall | F1 |")
            out("|---|---|---|---|")
            out(
                f"| pairwise links | {_f(a['pair']['precision'])} | {_f(a['pair']['recall'])} | {_f(a['pair']['f1'])} |"
            )
            out(
                f"| final clusters (pairs within clusters) | {_f(a['cluster']['precision'])} | "
                f"{_f(a['cluster']['recall'])} | {_f(a['cluster']['f1'])} |"
            )
            out(
                f"clerical review queue: {a['review_per_10k']:.1f} pairs per 10,000 records; "
                f"train {a['train_s']:.1f} s, score {a['predict_s']:.1f} s; peak memory {a['peak_memory_mb']:,} MB"
            )
            out("\nThreshold sweep (upper, lower): pairwise P/R/F1, cluster F1, review per 10k")
            for s in a["sweep"]:
                out(
                    f"- {s['upper']}, {s['lower']}: {_f(s['pair']['precision'])} / {_f(s['pair']['recall'])} / "
                    f"{_f(s['pair']['f1'])}; clusters F1 {_f(s['cluster']['f1'])}; review {s['review_per_10k']:.1f}"
                )

    if "pipeline" in parts:
        out("\n## Linkage pipeline end to end (PostgreSQL) against bare Splink predict + cluster")
        out(
            "| rows | import+standardise s | train s | score s | write s | pipeline s | bare Splink s | ratio | "
            "pairwise F1 | people | pipeline peak MB | peak MB (with bare) |"
        )
        out("|---|---|---|---|---|---|---|---|---|---|---|---|")
        totals = {}
        phases = []
        for rows in scales:
            url = harness.db_url("link", str(rows))
            harness.db_prepare(url, f"fresh-{time.time()}")
            with tempfile.TemporaryDirectory(prefix="waymark-link-bench-") as folder:
                made = run("files", url, rows=rows, rows_per_file=ROWS_PER_FILE, dir=folder)
                p = made if "error" in made else run("pipeline", url, rows=rows, dir=folder)
            if "error" in p:
                out(f"| {rows:,} | {p['error']} |")
                continue
            t = p["run"]
            totals[rows] = p["total_s"]
            out(
                f"| {p['rows']:,} | {p['import_s']:.1f} | {t['train']:.1f} | {t['predict']:.1f} | {t['write']:.1f} | "
                f"{p['total_s']:.1f} | {p['bare_s']:.1f} | {p['total_s'] / p['bare_s']:.1f} | "
                f"{p['accuracy']['pairwise']['f1']:.4f} | {p['people']:,} | "
                f"{p['pipeline_peak_memory_mb']:,} | {p['peak_memory_mb']:,} |"
            )
            peaks = ", ".join(f"{k} {v:,}" for k, v in p.get("phase_peaks_mb", {}).items())
            phases.append(f"- {p['rows']:,} rows: {peaks}")
            if "endpoint" in parts:
                endpoints.append((rows, run("endpoint", url, probes=args.probes)))
        if phases:
            out("\nResident memory at its peak in each phase (MB; sampled every 0.2 s):")
            for line in phases:
                out(line)
        if len(totals) >= 2:
            (r1, t1), (r2, t2) = sorted(totals.items())[:2]
            out(
                f"run time grows x{t2 / t1:.1f} for x{r2 / r1:.0f} the rows "
                f"({r1:,} -> {r2:,}: {t1 / r1 * 1e6:.0f} -> {t2 / r2 * 1e6:.0f} microseconds a row)"
            )

    if endpoints:
        out("\n## Incremental match through the endpoint (POST /api/v1/linkage/match/)")
        out(
            "A machine client with the linkage:match scope sends the names, date of birth and "
            "postcode of records drawn from the population the pipeline linked, one a request; "
            "each request is audited with its reason."
        )
        out(
            "| input rows | linked records | probes | p50 ms | p95 ms | first request (builds the "
            "matcher) s | statements a request | top candidate the same person |"
        )
        out("|---|---|---|---|---|---|---|---|")
        for rows, e in endpoints:
            if "error" in e:
                out(f"| {rows:,} | {e['error']} |")
                continue
            out(
                f"| {rows:,} | {e['population']:,} | {e['probes']} | {e['p50'] * 1000:.1f} | "
                f"**{e['p95'] * 1000:.1f}** | {e['first_s']:.1f} | {e['statements_median']:.0f} | "
                f"{e['top_is_same_person']:.1%} |"
            )

    if "incremental" in parts:
        population = scales[-1]
        i = run("incremental", url_any, rows=population, probes=args.probes)
        out(f"\n## Incremental match: one record against {population:,} rows")
        if "error" in i:
            out(i["error"])
        else:
            out(
                f"p50 {i['p50'] * 1000:.1f} ms, p95 {i['p95'] * 1000:.1f} ms over {i['probes']} probes "
                f"(indexed candidate lookup alone p50 {i['lookup_p50'] * 1000:.1f} ms, p95 "
                f"{i['lookup_p95'] * 1000:.1f} ms: ratio {i['p95'] / i['lookup_p95']:.1f} at p95; the DuckDB "
                f"scan it replaced p50 {i['scan_p50'] * 1000:.1f} ms, p95 {i['scan_p95'] * 1000:.1f} ms); "
                "top candidate is the same person for "
                f"{i['top_is_same_person']:.1%}; population of {i['population']:,} loaded in {i['build_s']:.1f} s; "
                f"peak memory {i['peak_memory_mb']:,} MB"
            )
    out(f"\n(linkage benchmarks took {time.monotonic() - started:.0f} s)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
