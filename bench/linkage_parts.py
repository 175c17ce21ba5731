"""The parts of bench/linkage.py, each run in its own process (so its peak memory is its own):
``python bench/linkage_parts.py <part> '<json args>'`` prints one ``BENCH-RESULT {json}`` line."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _setup():
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _done(result: dict) -> None:
    result["peak_memory_mb"] = round(_peak_mb())
    print("BENCH-RESULT " + json.dumps(result), flush=True)


def _generated(rows: int, seed: int):
    from waymark.linkage import generator

    gen = generator.generate(rows, seed=seed)
    records, truth = generator.engine_records(gen)
    return gen, [r for r in records if r["source_kind"] != "police"], truth


def _band(scores, found, lower, upper) -> int:
    pairs = set()
    for s in scores:
        if lower <= s.match_probability and (s.match_probability < upper or s.guarded):
            a, b = sorted((found[s.id_l], found[s.id_r]))
            if a != b:
                pairs.add((a, b))
    return len(pairs)


def part_accuracy(args: dict) -> None:
    """Engine only, at the chosen thresholds and a sweep around them (the threshold table)."""
    _setup()
    from waymark.linkage import engine, rules

    _gen, records, truth = _generated(args["rows"], args["seed"])
    ids = [r["unique_id"] for r in records]
    began = time.perf_counter()
    model = engine.model_train(records, max_records=rules.TRAINING_MAX_RECORDS)
    train = time.perf_counter() - began
    began = time.perf_counter()
    scores = engine.pairs_predict(records, model, threshold=0.3, with_contributions=False)
    predict = time.perf_counter() - began
    # A guarded pair (forenames differ, no identifier agrees) is never linked automatically.
    triples = [(s.id_l, s.id_r, s.match_probability if not s.guarded else 0.0) for s in scores]
    upper, lower = rules.upper_threshold(), rules.lower_threshold()
    sweep = []
    for u in (0.9, 0.95, 0.99, 0.999):
        found = engine.clusters(ids, [(a, b) for a, b, p in triples if p >= u])
        pair = engine.pairwise_accuracy(triples, truth, threshold=u, ids=ids)
        cluster = engine.clusters_accuracy(found, {i: truth[i] for i in ids})
        for lo in (0.5, 0.8, 0.9):
            if lo >= u:
                continue
            sweep.append(
                {
                    "upper": u,
                    "lower": lo,
                    "pair": pair,
                    "cluster": cluster,
                    "review_per_10k": _band(scores, found, lo, u) / len(ids) * 10_000,
                }
            )
    chosen = next(s for s in sweep if s["upper"] == upper and s["lower"] == lower)
    _done(
        {
            "rows": len(records),
            "true_pairs": chosen["pair"]["true_pairs"],
            "upper": upper,
            "lower": lower,
            "pair": chosen["pair"],
            "cluster": chosen["cluster"],
            "review_per_10k": chosen["review_per_10k"],
            "sweep": sweep,
            "train_s": train,
            "predict_s": predict,
            "scored_pairs": len(scores),
        }
    )


def _csv_chunks(rows: list[dict], per_file: int) -> list[bytes]:
    out = []
    for start in range(0, len(rows), per_file):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[start : start + per_file])
        out.append(buffer.getvalue().encode())
    return out


def part_pipeline(args: dict) -> None:
    """Import the four files through the import services, link through the linkage service (train,
    score, cluster, write people), then bare Splink predict + clustering on the same records."""
    _setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from waymark.core import context
    from waymark.linkage import engine, import_services, importers, services
    from waymark.linkage.models import SourceKind
    from waymark.people.models import Person

    gen, _records, _truth = _generated(args["rows"], args["seed"])
    files = []
    for kind in (SourceKind.LEGACY_CASE, SourceKind.CASEWORK, SourceKind.TRACKER):
        for i, content in enumerate(_csv_chunks(gen.rows[kind], args["rows_per_file"])):
            files.append((kind, f"{kind}-{i}.csv", content))
    with context.acting("command"):
        began = time.perf_counter()
        rows_imported = 0
        for kind, name, content in files:
            job = import_services.import_upload(
                actor=None, source_kind=kind, label=name, file_name=name, content=content
            )
            job = import_services.import_map(
                actor=None, job=job, mapping=importers.mapping_suggest(kind, job.headers)
            )
            job = import_services.import_check(actor=None, job=job)
            job = import_services.import_confirm(actor=None, job=job, accept_valid_rows=False)
            job = import_services.import_execute(job.pk)
            assert job.status == "completed", job.failure_reason
            rows_imported += job.rows_read
        import_s = time.perf_counter() - began
        truth = {f"{kind}:{ref}": person for (kind, ref), person in gen.truth.items()}
        run = services.linkage_run_execute(services.linkage_run_start(actor=None).pk, truth=truth)
        assert run.status == "completed", run.failure_reason
    records = services.engine_records(services.linkable_records())
    began = time.perf_counter()
    bare = engine.splink_clusters(records, run.model, threshold=run.upper_threshold)
    bare_s = time.perf_counter() - began
    _done(
        {
            "rows": rows_imported,
            "import_s": import_s,
            "run": run.timings,
            "accuracy": run.accuracy,
            "people": Person.objects.count(),
            "review_pairs": run.pairs_review,
            "bare_s": bare_s,
            "bare_clusters": len(set(bare.values())),
            "clusters": run.clusters,
            "total_s": import_s + run.timings["total"],
        }
    )


def part_incremental(args: dict) -> None:
    """One record at a time against a population, with the model trained on a sample."""
    _setup()
    from waymark.linkage import engine

    _gen, records, truth = _generated(args["rows"], args["seed"])
    rng = random.Random(args["seed"])
    from waymark.linkage import rules

    model = engine.model_train(records, max_records=rules.TRAINING_MAX_RECORDS)
    began = time.perf_counter()
    matcher = engine.Matcher(model, records)
    build_s = time.perf_counter() - began
    probes = rng.sample(records, args["probes"])
    times, lookups, hits = [], [], 0
    for record in probes:
        probe = dict(record, unique_id="probe")
        began = time.perf_counter()
        found = matcher.match(probe, limit=5)
        times.append(time.perf_counter() - began)
        hits += bool(found) and truth[found[0].id_r] == truth[record["unique_id"]]
        began = time.perf_counter()
        matcher._candidates(probe)
        lookups.append(time.perf_counter() - began)
    matcher.close()

    def pct(values, q):
        return statistics.quantiles(values, n=100)[q - 1]

    _done(
        {
            "population": len(records),
            "probes": len(probes),
            "build_s": build_s,
            "p50": pct(times, 50),
            "p95": pct(times, 95),
            "lookup_p50": pct(lookups, 50),
            "lookup_p95": pct(lookups, 95),
            "top_is_same_person": hits / len(probes),
        }
    )


PARTS = {"accuracy": part_accuracy, "pipeline": part_pipeline, "incremental": part_incremental}

if __name__ == "__main__":
    PARTS[sys.argv[1]](json.loads(sys.argv[2]))
