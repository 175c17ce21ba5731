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
import zlib
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


def part_files(args: dict) -> None:
    """Generate the pipeline's input files and truth into ``args["dir"]`` (its own process, so the
    generator's gigabytes at 1M rows are not in the pipeline's peak memory: Python keeps freed
    memory, and the pipeline's high-water mark would sit on top of it)."""
    _setup()
    from waymark.linkage import generator
    from waymark.linkage.models import SourceKind

    folder = Path(args["dir"])
    folder.mkdir(parents=True, exist_ok=True)
    gen = generator.generate(args["rows"], seed=args["seed"])
    names = []
    for kind in (SourceKind.LEGACY_CASE, SourceKind.CASEWORK, SourceKind.TRACKER):
        for i, content in enumerate(_csv_chunks(gen.rows[kind], args["rows_per_file"])):
            name = f"{kind}-{i}.csv"
            (folder / name).write_bytes(content)
            names.append([str(kind), name])
    truth = {f"{kind}:{ref}": person for (kind, ref), person in gen.truth.items()}
    (folder / "truth.json").write_text(json.dumps(truth))
    (folder / "files.json").write_text(json.dumps(names))
    _done({"files": len(names)})


class _MemorySampler:
    """The process's resident memory every 0.2 s, its peak kept per phase (the import, then each
    step of the linkage run as the run itself names it)."""

    def __init__(self):
        import threading

        self.phase = "start"
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _rss_mb(self) -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self._page // (1024 * 1024)

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def sample(self) -> None:
        rss = self._rss_mb()
        if rss > self.peaks.get(self.phase, 0):
            self.peaks[self.phase] = rss

    def enter(self, phase: str) -> None:
        self.sample()
        self.phase = phase
        self.sample()

    def stop(self) -> dict[str, int]:
        self.sample()
        self._stop.set()
        self._thread.join()
        return dict(self.peaks)


def part_pipeline(args: dict) -> None:
    """Import the files ``part_files`` wrote through the import services, link through the linkage
    service (train, score, cluster, write people), then bare Splink predict + clustering on the
    same records. Peak memory is measured per phase."""
    _setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from waymark.core import context
    from waymark.linkage import engine, import_services, importers, services
    from waymark.linkage.services import runs as run_services
    from waymark.people.models import Person

    sampler = _MemorySampler()
    step_start = run_services.step_start

    def step_start_sampled(*a, **kw):
        sampler.enter(kw["key"])
        return step_start(*a, **kw)

    run_services.step_start = step_start_sampled
    folder = Path(args["dir"])
    truth = json.loads((folder / "truth.json").read_text())
    sampler.enter("import")
    with context.acting("command"):
        began = time.perf_counter()
        rows_imported = 0
        for kind, name in json.loads((folder / "files.json").read_text()):
            content = (folder / name).read_bytes()
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
            del content, job
        import_s = time.perf_counter() - began
        run = services.linkage_run_execute(services.linkage_run_start(actor=None).pk, truth=truth)
        assert run.status == "completed", run.failure_reason
    pipeline_peak = _peak_mb()  # before the bare run, whose DuckDB takes what it likes
    sampler.enter("bare Splink")
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
            "pipeline_peak_memory_mb": round(pipeline_peak),
            "phase_peaks_mb": sampler.stop(),
        }
    )


def part_endpoint(args: dict) -> None:
    """``POST /api/v1/linkage/match/`` against the population the pipeline part linked (the same
    database): a machine client with the ``linkage:match`` scope sends the details of records drawn
    from the population, one a request; p50/p95 over ``probes``, the first request (which builds
    the process's matcher) timed apart."""
    _setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from waymark.accounts.services import roles_sync
    from waymark.api import services as api_services
    from waymark.linkage.models import SourceRecord
    from waymark.testing.users import user_make

    roles_sync()
    from waymark.accounts.models import User

    user = User.objects.filter(username="bench-intake-system").first() or user_make(
        "records_manager", is_machine=True, username="bench-intake-system"
    )
    issued = api_services.credential_issue(
        actor=None, user=user, label="Bench intake system", scopes=["linkage:match"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    rng = random.Random(args["seed"])
    ids = list(SourceRecord.objects.filter(person__isnull=False).values_list("pk", flat=True))
    probes = list(
        SourceRecord.objects.filter(pk__in=rng.sample(ids, args["probes"] + 1)).select_related(
            "person"
        )
    )

    def details(record) -> dict:
        body = {
            "given_names": record.given_names,
            "family_name": record.family_name,
            "postcode": record.postcode,
            "reason": "Benchmark: intake interview",
        }
        if record.date_of_birth:
            body["date_of_birth"] = record.date_of_birth.isoformat()
        return {k: v for k, v in body.items() if v}

    began = time.perf_counter()
    first = client.post("/api/v1/linkage/match/", details(probes[0]), format="json")
    build_s = time.perf_counter() - began
    assert first.status_code == 200, first.content
    times, hits, statements = [], 0, []
    for record in probes[1:]:
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.post("/api/v1/linkage/match/", details(record), format="json")
            times.append(time.perf_counter() - began)
        assert response.status_code == 200, response.content
        statements.append(len(queries))
        found = response.json()["candidates"]
        hits += bool(found) and found[0]["person"] == record.person.reference
    times.sort()
    _done(
        {
            "population": len(ids),
            "probes": len(times),
            "first_s": build_s,
            "p50": statistics.median(times),
            "p95": times[int(0.95 * (len(times) - 1))],
            "top_is_same_person": hits / len(times),
            "statements_median": statistics.median(statements),
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
    times, lookups, scans, hits = [], [], [], 0
    for record in probes:
        probe = dict(record, unique_id="probe")
        began = time.perf_counter()
        found = matcher.match(probe, limit=5)
        times.append(time.perf_counter() - began)
        hits += bool(found) and truth[found[0].id_r] == truth[record["unique_id"]]
        began = time.perf_counter()
        matcher._candidates(probe)
        lookups.append(time.perf_counter() - began)
        began = time.perf_counter()
        matcher._ranked_scan(probe)  # the DuckDB scan the index replaced (the old lookup)
        scans.append(time.perf_counter() - began)
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
            "scan_p50": pct(scans, 50),
            "scan_p95": pct(scans, 95),
            "top_is_same_person": hits / len(probes),
        }
    )


# --- the evaluation matrix (issue 18 item 6) ---------------------------------------------------------

IDENTIFIERS = ("home_office_ref", "pnc_id")
# Generator fault rates doubled in the "faults x2" cell (module constants read at generation time).
FAULT_RATES = (
    "TYPO_RATE",
    "DAY_MONTH_SWAP_RATE",
    "NAME_SWAP_RATE",
    "ALIAS_PERSON_RATE",
    "MISSING_DOB_RATE",
    "MISSING_POSTCODE_RATE",
    "MOVED_PERSON_RATE",
)
CELLS = (
    ("generated, every field", "dedupe"),
    ("identifiers removed", "dedupe"),
    ("nationality removed", "dedupe"),
    ("identifiers removed, 10% without date of birth", "dedupe"),
    ("identifiers removed, non-UK addresses", "dedupe"),
    ("identifiers removed, two files linked", "link"),
    ("identifiers removed, faults x2", "dedupe"),
    ("outside-shaped file (no identifiers or nationality)", "dedupe"),
)


def _without(records, *columns):
    return [{**r, **dict.fromkeys(columns)} for r in records]


def _foreign(records, seed):
    """Every postcode replaced by a five-digit code (one per UK postcode), no UK district; each
    town by a foreign one: an address from abroad."""
    rng = random.Random(seed)
    codes: dict[str, str] = {}
    towns = ("BERLIN", "PARIS", "ROMA", "MADRID", "LISBOA", "WIEN", "WARSZAWA", "BUDAPEST")
    out = []
    for r in records:
        if r["postcode_std"]:
            codes.setdefault(r["postcode_std"], f"{rng.randint(10000, 99999)}")
        town = r.get("address_locality")
        out.append(
            {
                **r,
                "postcode_std": codes.get(r["postcode_std"] or ""),
                "postcode_district": None,
                # crc32, not hash(): a string's hash() differs from process to process
                # (PYTHONHASHSEED), and so did this cell's towns, model and F1 (seed 7: restricted
                # F1 0.9877 to 0.9884 between runs of the same engine).
                "address_locality": towns[zlib.crc32(town.encode()) % len(towns)] if town else None,
            }
        )
    return out


def _dob_missing(records, share, seed):
    rng = random.Random(seed)
    return [{**r, "dob": None, "birth_year": None} if rng.random() < share else r for r in records]


def _cell_records(name: str, rows: int, seed: int):
    """(records, truth, left ids or None) for one cell of the matrix."""
    from waymark.linkage import generator

    if name.startswith("outside"):
        from waymark.linkage.tests import outside_fixtures

        people = max(50, rows // 3)  # about 2.5 rows a person
        mapped, truth = outside_fixtures.outside_rows(people, seed=seed)
        records, by_id = outside_fixtures.engine_records_of(mapped, truth)
        return records, by_id, None
    saved = {n: getattr(generator, n) for n in FAULT_RATES}
    if "faults x2" in name:
        for n in FAULT_RATES:
            setattr(generator, n, min(0.9, saved[n] * 2))
    try:
        _gen, records, truth = _generated(rows, seed)
    finally:
        for n, v in saved.items():
            setattr(generator, n, v)
    if name != "generated, every field":
        records = _without(records, "nationality" if name.startswith("nationality") else "")
    if name.startswith("identifiers removed"):
        records = _without(records, *IDENTIFIERS)
    records = [{k: v for k, v in r.items() if k} for r in records]
    if "date of birth" in name:
        records = _dob_missing(records, 0.10, seed)
    if "non-UK" in name:
        records = _foreign(records, seed)
    left = None
    if "two files" in name:
        left = {r["unique_id"] for r in records if r["source_kind"] == "legacy_case"}
    return records, {r["unique_id"]: truth[r["unique_id"]] for r in records}, left


def _true_pairs(truth: dict, ids, left: set | None) -> int:
    from collections import Counter

    if left is None:
        return sum(n * (n - 1) // 2 for n in Counter(truth[i] for i in ids).values())
    left_n = Counter(truth[i] for i in ids if i in left)
    right_n = Counter(truth[i] for i in ids if i not in left)
    return sum(n * right_n[k] for k, n in left_n.items())


def _prf(tp: int, predicted: int, actual: int) -> dict:
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _best_f1(scored: list[tuple[float, bool]], actual: int) -> tuple[float, float]:
    """The best pairwise F1 over every threshold, and that threshold (a probability)."""
    best, at, tp, fp = 0.0, 1.0, 0, 0
    for p, same in sorted(scored, key=lambda x: -x[0]):
        tp, fp = tp + same, fp + (not same)
        f1 = _prf(tp, tp + fp, actual)["f1"]
        if f1 > best:
            best, at = f1, p
    return best, at


def _complete(records) -> set:
    """Ids of records with a forename, a surname, a date of birth and an address (a postcode or a
    street): the target's "names, date of birth and address are present"."""
    return {
        r["unique_id"]
        for r in records
        if r.get("given_std")
        and r.get("family_std")
        and r.get("dob")
        and (r.get("postcode_std") or r.get("address_street"))
    }


def _restricted(pairs, truth, complete, left, ids) -> tuple[int, list]:
    """(true pairs, the scored pairs) among pairs whose two records are both complete."""
    actual = _true_pairs(truth, [i for i in ids if i in complete], left)
    return actual, [(p, a, b) for p, a, b in pairs if a in complete and b in complete]


def _waymark_cell(records, truth, left, upper, lower, seed) -> dict:
    from waymark.linkage import engine, rules

    began = time.perf_counter()
    model, report = engine.model_fit(records, seed=seed, max_records=rules.TRAINING_MAX_RECORDS)
    if left is None:
        scores = engine.pairs_predict(records, model, threshold=0.01, with_contributions=False)
    else:
        scores = engine.pairs_between(
            [r for r in records if r["unique_id"] in left],
            [r for r in records if r["unique_id"] not in left],
            model,
            threshold=0.01,
        )
    seconds = time.perf_counter() - began
    ids = [r["unique_id"] for r in records]
    actual = _true_pairs(truth, ids, left)
    auto = [s for s in scores if engine.linked(s, upper)]
    review = [s for s in scores if s.match_probability >= lower and not engine.linked(s, upper)]
    tp_auto = sum(truth[s.id_l] == truth[s.id_r] for s in auto)
    tp_review = sum(truth[s.id_l] == truth[s.id_r] for s in review)
    pairwise = _prf(tp_auto, len(auto), actual)
    reviewed = _prf(tp_auto + tp_review, len(auto) + tp_review, actual)
    cluster = None
    if left is None:
        found = engine.clusters(ids, [(s.id_l, s.id_r) for s in auto])
        cluster = engine.clusters_accuracy(found, truth)
    best, at = _best_f1(
        [
            (0.0 if s.guarded else s.match_probability, truth[s.id_l] == truth[s.id_r])
            for s in scores
        ],
        actual,
    )
    blocking = engine.blocking_recall(records, truth, left_ids=left)
    complete = _complete(records)
    full_actual, kept = _restricted(
        [(s, s.id_l, s.id_r) for s in scores], truth, complete, left, ids
    )
    kept_auto = [s for s, _a, _b in kept if engine.linked(s, upper)]
    full_best, full_at = _best_f1(
        [
            (0.0 if s.guarded else s.match_probability, truth[s.id_l] == truth[s.id_r])
            for s, _a, _b in kept
        ],
        full_actual,
    )
    full = {
        "records": len(complete),
        "true_pairs": full_actual,
        "pair": _prf(
            sum(truth[s.id_l] == truth[s.id_r] for s in kept_auto), len(kept_auto), full_actual
        ),
        "best_f1": full_best,
        "best_at": full_at,
    }
    return {
        "full": full,
        "true_pairs": actual,
        "pair": pairwise,
        "cluster": cluster,
        "reviewed_f1": reviewed["f1"],
        "review_pairs": len(review),
        "best_f1": best,
        "best_at": at,
        "blocking_recall": blocking["recall"],
        "comparisons_per_record": blocking["comparisons_per_record"],
        "untrained": [u["comparison"] for u in report["untrained"]],
        "seconds": seconds,
    }


def _baseline_cell(records, truth, left, seed) -> dict:
    """A plain Splink model configured the way Splink's own example links people
    (docs/demos/examples/duckdb/deduplicate_50k_synthetic): ForenameSurnameComparison (Jaro-Winkler
    levels), DateOfBirthComparison, PostcodeComparison, the address with Jaro-Winkler levels, exact
    matches with term frequencies for the other fields the file has; that example's blocking rules
    and prior rules (recall 0.6); u by random sampling, EM on first name + surname and on date of
    birth. Only the fields with values in this file."""
    import duckdb
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    columns = {
        "given": "given_std",
        "surname": "family_std",
        "dob": "dob",
        "postcode": "postcode_std",
        "nationality": "nationality",
        "home_office_ref": "home_office_ref",
        "pnc_id": "pnc_id",
        "sex": "sex",
    }
    rows = []
    for r in records:
        row = {k: r.get(v) or None for k, v in columns.items()}
        address = " ".join(
            x
            for x in (r.get("address_number"), r.get("address_street"), r.get("address_locality"))
            if x
        )
        row["address"] = address or None
        row["name_concat"] = (
            f"{row['given']} {row['surname']}" if row["given"] and row["surname"] else None
        )
        row["unique_id"] = r["unique_id"]
        rows.append(row)
    present = {k for k in rows[0] if any(row[k] for row in rows)}

    def has(*names):
        return all(n in present for n in names)

    comparisons = []
    if has("given", "surname"):
        comparisons.append(
            cl.ForenameSurnameComparison(
                "given", "surname", forename_surname_concat_col_name="name_concat"
            )
        )
    if has("dob"):
        comparisons.append(cl.DateOfBirthComparison("dob", input_is_string=True))
    if has("postcode"):
        comparisons.append(cl.PostcodeComparison("postcode"))
    if has("address"):
        comparisons.append(cl.JaroWinklerAtThresholds("address", [0.9, 0.7]))
    for name in ("nationality", "home_office_ref", "pnc_id", "sex"):
        if has(name):
            comparisons.append(cl.ExactMatch(name).configure(term_frequency_adjustments=True))
    candidates = [
        (("substr(given,1,3)", "substr(surname,1,4)"), ("given", "surname")),
        (("surname", "dob"), ("surname", "dob")),
        (("given", "dob"), ("given", "dob")),
        (("postcode", "given"), ("postcode", "given")),
        (("postcode", "surname"), ("postcode", "surname")),
        (("substr(postcode,1,3)", "dob"), ("postcode", "dob")),
        (("substr(postcode,1,3)", "given"), ("postcode", "given")),
        (("substr(postcode,1,3)", "surname"), ("postcode", "surname")),
        (
            ("substr(given,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
            ("given", "surname", "dob"),
        ),
    ]
    blocking = [block_on(*expr) for expr, needs in candidates if has(*needs)]
    prior_rules = [
        block_on(*expr)
        for expr, needs in (
            (("given", "surname", "dob"), ("given", "surname", "dob")),
            (
                ("substr(given,1,2)", "surname", "substr(postcode,1,2)"),
                ("given", "surname", "postcode"),
            ),
            (("dob", "postcode"), ("dob", "postcode")),
        )
        if has(*needs)
    ]
    link_type = "dedupe_only" if left is None else "link_only"
    settings = SettingsCreator(
        link_type=link_type,
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
        retain_intermediate_calculation_columns=True,
    )
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)

    def table(part):
        return pa.table({k: pa.array([row[k] for row in part], pa.string()) for k in rows[0]})

    if left is None:
        frames = db_api.register(table(rows))
    else:
        frames = [
            db_api.register(table([r for r in rows if r["unique_id"] in left])),
            db_api.register(table([r for r in rows if r["unique_id"] not in left])),
        ]
    began = time.perf_counter()
    linker = Linker(frames, settings)
    notes = []
    try:
        linker.training.estimate_probability_two_random_records_match(prior_rules, recall=0.6)
    except Exception as error:
        notes.append(f"prior: {type(error).__name__}")
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    for needs in (("given", "surname"), ("dob",)):
        if has(*needs):
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    block_on(*needs), estimate_without_term_frequencies=True
                )
            except Exception as error:
                notes.append(f"EM on {'+'.join(needs)}: {type(error).__name__}")
    predictions = linker.inference.predict(threshold_match_probability=0.01).as_pyarrow_table()
    seconds = time.perf_counter() - began
    ids_l = predictions.column("unique_id_l").to_pylist()
    ids_r = predictions.column("unique_id_r").to_pylist()
    probabilities = predictions.column("match_probability").to_pylist()
    ids = [r["unique_id"] for r in records]
    actual = _true_pairs(truth, ids, left)
    triples = list(zip(probabilities, ids_l, ids_r, strict=True))
    best, at = _best_f1([(p, truth[a] == truth[b]) for p, a, b in triples], actual)
    full_actual, kept = _restricted(triples, truth, _complete(records), left, ids)
    full_best, full_at = _best_f1([(p, truth[a] == truth[b]) for p, a, b in kept], full_actual)
    con.close()
    return {
        "best_f1": best,
        "best_at": at,
        "full_best_f1": full_best,
        "full_best_at": full_at,
        "seconds": seconds,
        "notes": notes,
    }


def part_matrix(args: dict) -> None:
    """Each cell: our engine at the shipped thresholds (pairwise, clusters, with a perfect clerical
    review, best threshold, blocking recall) and a plain Splink model's best F1 on the same records."""
    _setup()
    from waymark.linkage import rules

    upper, lower = rules.upper_threshold(), rules.lower_threshold()
    cells = []
    for name, kind in CELLS:
        records, truth, left = _cell_records(name, args["rows"], args["seed"])
        cell = {"name": name, "kind": kind, "records": len(records)}
        cell.update(_waymark_cell(records, truth, left, upper, lower, args["seed"]))
        cell["baseline"] = _baseline_cell(records, truth, left, args["seed"])
        print(
            f"{name}: F1 {cell['pair']['f1']:.4f}, baseline {cell['baseline']['best_f1']:.4f}, "
            f"blocking {cell['blocking_recall']:.4f}; complete records: F1 "
            f"{cell['full']['pair']['f1']:.4f}, baseline {cell['baseline']['full_best_f1']:.4f}",
            flush=True,
        )
        cells.append(cell)
    _done({"upper": upper, "lower": lower, "rows": args["rows"], "cells": cells})


PARTS = {
    "accuracy": part_accuracy,
    "files": part_files,
    "pipeline": part_pipeline,
    "endpoint": part_endpoint,
    "incremental": part_incremental,
    "matrix": part_matrix,
}

if __name__ == "__main__":
    PARTS[sys.argv[1]](json.loads(sys.argv[2]))
