"""Linkage runs (brief linkage.md §2): starting one, and the pipeline the background job runs.

A run trains the model on every non-police source record, scores the blocked pairs, links
automatically at or above the upper threshold (never across a pair a person decided was not a
match), joins the links into clusters and writes each cluster to one person:

- a cluster with no person yet becomes a new person (bulk-created with every reference), unless
  one of its references already belongs to a person, who then gains the records;
- a cluster whose records already belong to one person adds the new records to that person, so a
  re-import of the same files creates nobody;
- a cluster spanning two or more existing people merges them (``people.services.person_merge``:
  audited and reversible with ``person_unmerge``).

Pairs between the thresholds become one clerical-review task per pair of people. The whole write
is one transaction: a failed run changes no one.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.notifications import notify
from waymark.core.types import Actor
from waymark.linkage import engine, rules
from waymark.linkage.models import (
    DECIDED,
    CandidatePair,
    LinkageRun,
    PairStatus,
    RunStatus,
    SourceKind,
    SourceRecord,
)
from waymark.linkage.permissions import REVIEW_LINKS, require
from waymark.linkage.services._common import (
    _matcher_invalidate,
    _survivor,
    _survivors_load,
    _user,
    engine_records,
    linkable_records,
)
from waymark.linkage.services._progress import step_spans, step_start
from waymark.linkage.services._run_people import (
    _person_spec,
    _records_assign,
    _references_attach,
    _references_of,
)
from waymark.linkage.services.review import _pairs_write
from waymark.linkage.workflows import RUN
from waymark.people.models import Person
from waymark.people.selectors import references_held

_RUN_START_LOCK = 0x4C1_4B00  # advisory lock key: starting a linkage run


def linkage_run_start(*, actor: Actor) -> LinkageRun:
    """Queue a run over every source record. One run at a time."""
    require(actor, REVIEW_LINKS, "start a linkage run")
    with transaction.atomic():
        if connection.vendor == "postgresql":  # one starter at a time (SQLite serialises writers)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RUN_START_LOCK])
        busy = LinkageRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
        if busy is not None:
            raise ValidationError(
                f"Linkage run {busy.pk} is already {busy.get_status_display().lower()}: "
                "wait for it to finish"
            )
        if not linkable_records().exists():
            raise ValidationError("There are no imported records to link yet: import a file first")
        run = LinkageRun.objects.create(
            upper_threshold=rules.upper_threshold(),
            lower_threshold=rules.lower_threshold(),
            created_by=_user(actor),
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COMBINATION,
            verb="linkage.run_started",
            target=run,
            payload={
                "upper_threshold": run.upper_threshold,
                "lower_threshold": run.lower_threshold,
            },
        )
    from waymark.linkage.tasks import linkage_run_task

    transaction.on_commit(lambda: linkage_run_task.enqueue(run.pk))
    return run


def _run_spans() -> dict[str, tuple[int, int]]:
    """The run's steps on the progress scale, weighed by the last completed run's timings."""
    last = LinkageRun.objects.filter(status=RunStatus.COMPLETED).order_by("-finished_at").first()
    return step_spans(rules.RUN_STEPS, last.timings if last is not None else None)


@contextlib.contextmanager
def _duckdb(session: engine.Session | None) -> Iterator[engine.Session]:
    """The caller's session, or a session of the run's own with DuckDB's memory limited
    (``rules.duckdb_memory_limit``), closed (its tables freed) when the step is done."""
    if session is not None:
        yield session
        return
    own = engine.Session(memory_limit=rules.duckdb_memory_limit())
    try:
        yield own
    finally:
        own.close()


@contextlib.contextmanager
def _gc_frozen() -> Iterator[None]:
    """Keep the objects made before the write (the run's records and scores: millions at a
    national run) out of the garbage collector's full passes while the write makes its rows:
    each pass walked them all (a tenth of the write at 20,000 rows)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def linkage_run_execute(
    run_id: int, *, truth: dict[str, Any] | None = None, session: engine.Session | None = None
) -> LinkageRun:
    """Run the pipeline (what the background task calls). ``truth`` (unique_id as
    ``source_kind:source_ref`` -> person key) is known only for generated data: the run then
    records its measured accuracy."""
    run = LinkageRun.objects.get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run
    RUN.move(run, RunStatus.RUNNING)
    run.started_at = clock.now()
    run.save(update_fields=["status", "started_at"])
    timings: dict[str, float] = {}
    spans = _run_spans()

    def step(key: str) -> None:
        step_start(LinkageRun, run.pk, steps=rules.RUN_STEPS, spans=spans, key=key)

    try:
        started = time.perf_counter()
        step("read")
        records = engine_records(linkable_records())
        if len(records) < 2:
            raise engine.EngineError("At least two records are needed to link")
        timings["read"] = time.perf_counter() - started

        t = time.perf_counter()
        step("train")
        with _duckdb(session) as duck:
            model, training = engine.model_fit(
                records,
                session=duck,
                max_pairs=rules.TRAINING_MAX_PAIRS,
                max_records=rules.TRAINING_MAX_RECORDS,
            )
        timings["train"] = time.perf_counter() - t

        t = time.perf_counter()
        step("predict")
        # Built once: a run with a truth measures its blocking recall on the same table.
        table = engine.records_table(records)
        with _duckdb(session) as duck:
            scores = engine.pairs_predict(table, model, threshold=run.lower_threshold, session=duck)
        if truth is None:
            del table
        timings["predict"] = time.perf_counter() - t

        t = time.perf_counter()
        step("write")
        with _gc_frozen(), transaction.atomic():
            outcome = _write_results(run, records, scores)
        timings["write"] = time.perf_counter() - t

        if truth is not None:
            run.accuracy = _measure(table, scores, outcome["clusters"], truth, run)
        run.calibration = engine.calibration(
            scores,
            upper=run.upper_threshold,
            lower=run.lower_threshold,
            bands=rules.CALIBRATION_BANDS,
            truth=_truth_by_id(truth) if truth is not None else None,
        )
        run.model, run.training = model, training
        run.records = len(records)
        run.comparisons = outcome["comparisons"]
        run.pairs_auto = outcome["pairs_auto"]
        run.pairs_review = outcome["pairs_review"]
        run.clusters = len(set(outcome["clusters"].values()))
        run.people_created = outcome["people_created"]
        run.people_updated = outcome["people_updated"]
        run.people_merged = outcome["people_merged"]
        run.review_tasks = outcome["review_tasks"]
        timings["total"] = time.perf_counter() - started
        run.timings = timings
        RUN.move(run, RunStatus.COMPLETED)
        run.phase, run.finished_at = "Finished", clock.now()
        run.progress_done = run.progress_total = rules.PROGRESS_SCALE
        run.save()
        notify(
            user=run.created_by,
            text=f"Linkage run {run.pk} has finished: {run.clusters:,} people from "
            f"{run.records:,} records, {run.pairs_review:,} pairs for review",
            url=reverse("linkage:run-detail", args=[run.pk]),
            kind="job_finished",
        )
        audit_record(
            actor=None,
            action=AuditAction.COMBINATION,
            verb="linkage.run_completed",
            target=run,
            payload={
                k: getattr(run, k)
                for k in (
                    "records",
                    "pairs_auto",
                    "pairs_review",
                    "clusters",
                    "people_created",
                    "people_updated",
                    "people_merged",
                )
            },
        )
    except Exception as error:
        run.refresh_from_db()
        RUN.move(run, RunStatus.FAILED)
        run.finished_at = clock.now()
        run.failure_reason = f"{type(error).__name__}: {error}"[:2000]
        run.timings = timings
        run.save(update_fields=["status", "finished_at", "failure_reason", "timings"])
        audit_record(
            actor=None,
            action=AuditAction.COMBINATION,
            verb="linkage.run_failed",
            target=run,
            payload={"reason": run.failure_reason},
        )
        if not isinstance(error, engine.EngineError | ValidationError):
            raise
    _matcher_invalidate()
    return run


def _truth_by_id(truth: dict[str, Any]) -> dict[str, Any]:
    """The truth (``source_kind:source_ref`` -> person key) by source record id."""
    refs = {
        str(pk): f"{kind}:{ref}"
        for pk, kind, ref in SourceRecord.objects.exclude(
            source_kind=SourceKind.POLICE
        ).values_list("pk", "source_kind", "source_ref")
    }
    return {uid: truth[refs[uid]] for uid in refs if refs[uid] in truth}


def _measure(table, scores: engine.Scores, found, truth, run) -> dict[str, Any]:
    """The run against a truth (generated data): pairwise and cluster accuracy, and blocking
    recall over the records the truth knows. The comparisons a record are the pairs the run's
    blocking compared (Splink's count), not enumerated again (18 s of a 340,000-record run)."""
    keyed = _truth_by_id(truth)
    ids = list(keyed)
    pairwise = engine.pairwise_accuracy(
        [
            (s.id_l, s.id_r, s.match_probability if not s.guarded else 0.0)
            for s in scores
            if s.id_l in keyed and s.id_r in keyed
        ],
        keyed,
        threshold=run.upper_threshold,
        ids=ids,
    )
    clustered = engine.clusters_accuracy({i: found[i] for i in ids}, keyed)
    blocking = engine.blocking_recall(
        engine.records_among(table, keyed), keyed, count_comparisons=False
    )
    blocking.pop("missed")
    blocking["comparisons"] = scores.compared
    blocking["comparisons_per_record"] = scores.compared / table.num_rows if table.num_rows else 0.0
    return {
        "pairwise": pairwise,
        "clusters": clustered,
        "blocking": blocking,
        "records_with_truth": len(ids),
    }


def _write_results(
    run: LinkageRun, records: list[dict[str, Any]], scores: list[engine.PairScore]
) -> dict[str, Any]:
    now = clock.now()
    upper = run.upper_threshold
    meta = {
        str(pk): (kind, ref, person_id)
        for pk, kind, ref, person_id in linkable_records()
        .values_list("pk", "source_kind", "source_ref", "person_id")
        .iterator(chunk_size=20000)
    }
    for record in records:
        record["source_ref"] = meta[record["unique_id"]][1]

    def key(a: str, b: str) -> tuple[int, int]:
        x, y = int(a), int(b)
        return (x, y) if x < y else (y, x)

    decided = {
        (l_id, r_id): status
        for l_id, r_id, status in CandidatePair.objects.filter(
            status__in=[*DECIDED, PairStatus.UNSURE]
        ).values_list("record_l_id", "record_r_id", "status")
    }
    links = [
        key(s.id_l, s.id_r)
        for s in scores
        if engine.linked(s, upper) and decided.get(key(s.id_l, s.id_r)) != PairStatus.NOT_MATCH
    ]
    links += [k for k, status in decided.items() if status == PairStatus.MATCH]
    ids = [r["unique_id"] for r in records]
    found = engine.clusters(ids, [(str(a), str(b)) for a, b in links])
    members: dict[str, list[str]] = defaultdict(list)
    for uid in ids:
        members[found[uid]].append(uid)

    survivors: dict[int, int] = {}
    record_by_id = {r["unique_id"]: r for r in records}
    new_members: list[list[str]] = []
    attach: dict[int, list[str]] = defaultdict(list)  # person id -> records to add
    merges: list[tuple[int, list[int], str]] = []
    unowned: list[list[str]] = []
    _survivors_load((m[2] for m in meta.values()), survivors)
    for cluster_id, uids in members.items():
        people = sorted({_survivor(meta[u][2], survivors) for u in uids if meta[u][2]})
        if not people:
            unowned.append(uids)
            continue
        target = people[0]
        if len(people) > 1:
            merges.append((target, people[1:], cluster_id))
        attach[target].extend(
            u for u in uids if meta[u][2] is None or _survivor(meta[u][2], survivors) != target
        )

    # Clusters with no person yet: does one of their references already belong to someone?
    wanted: dict[tuple[str, str], int] = {}
    for index, uids in enumerate(unowned):
        for u in uids:
            for ref in _references_of(record_by_id[u]):
                wanted.setdefault((ref[0], "".join(ref[1].split()).upper()), index)
    owner_of: dict[int, int] = {}
    by_type: dict[str, list[str]] = defaultdict(list)
    for reference_type, value in wanted:
        by_type[reference_type].append(value)
    for reference_type, values in by_type.items():
        for i in range(0, len(values), 900):
            for value, person_id in references_held(reference_type, values[i : i + 900]):
                owner_of.setdefault(
                    wanted[(reference_type, value)], _survivor(person_id, survivors)
                )
    for index, uids in enumerate(unowned):
        if index in owner_of:
            attach[owner_of[index]].extend(uids)
        else:
            new_members.append(uids)

    from waymark.people.services import people_bulk_create, person_merge

    # A chunk of people at a time: their details and rows (names, references, timeline, audit)
    # are Python objects until written, a national run's every person at once gigabytes.
    assignments: dict[int, list[int]] = defaultdict(list)
    people_created = 0
    for start in range(0, len(new_members), rules.RUN_WRITE_CHUNK):
        chunk = new_members[start : start + rules.RUN_WRITE_CHUNK]
        specs: list[Mapping[str, Any]] = [
            _person_spec([record_by_id[u] for u in uids]) for uids in chunk
        ]
        created, _clashes = people_bulk_create(
            actor=None, people=specs, source=f"Linkage run {run.pk}"
        )
        for person, uids in zip(created, chunk, strict=True):
            assignments[person.pk].extend(int(u) for u in uids)
        people_created += len(created)
        del specs, created
    for person_id, uids in attach.items():
        if uids:
            assignments[person_id].extend(int(u) for u in uids)
    _records_assign(assignments, now)
    people_updated = len([p for p, uids in attach.items() if uids])
    _references_attach(attach, record_by_id)
    merged = 0
    for target, others, _cluster in merges:
        for other in others:
            survivor = Person.objects.get(pk=target)
            person_merge(
                actor=None,
                survivor=survivor,
                merged=Person.objects.get(pk=other),
                reason=f"Linkage run {run.pk}: their records were linked at or above the upper "
                f"threshold ({upper:.2f})",
            )
            merged += 1
    if people_updated:
        audit_record(
            actor=None,
            action=AuditAction.COMBINATION,
            verb="linkage.records_attached",
            target=run,
            payload={
                "people": sorted(p for p, uids in attach.items() if uids)[:1000],
                "records": sum(len(u) for u in attach.values()),
            },
        )

    pairs_auto, pairs_review, review_tasks = _pairs_write(run, scores, found, decided, key, now)
    return {
        "clusters": found,
        # Every pair the blocking rules compared (Splink's count), not only those kept (scored at
        # or above the lower threshold): the run page's "Pairs compared after blocking".
        "comparisons": getattr(scores, "compared", len(scores)),
        "pairs_auto": pairs_auto,
        "pairs_review": pairs_review,
        "people_created": people_created,
        "people_updated": people_updated,
        "people_merged": merged,
        "review_tasks": review_tasks,
    }
