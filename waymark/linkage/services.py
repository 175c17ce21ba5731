"""Linking source records to people (brief linkage.md §2): runs, clerical decisions, and
incremental matching of one new set of details.

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

import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
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
from waymark.people.models import ExternalReference, Person, RecordStatus, ReferenceType, Sex

MODULE = "linkage"
# Which ExternalReference type each source's own reference is kept as on the person.
SOURCE_REFERENCE_TYPE = {
    SourceKind.LEGACY_CASE: ReferenceType.LEGACY_CASEWORK,
    SourceKind.CASEWORK: ReferenceType.NEW_CASEWORK,
}
# The record a new person's details come from: the newest system first.
SOURCE_PREFERENCE = [SourceKind.CASEWORK, SourceKind.LEGACY_CASE, SourceKind.TRACKER]
SEX = {"M": Sex.MALE, "F": Sex.FEMALE}
DECISION_LABELS = {
    PairStatus.MATCH: "the same person",
    PairStatus.NOT_MATCH: "not the same person",
    PairStatus.UNSURE: "unsure",
}


_RUN_START_LOCK = 0x4C1_4B00  # advisory lock key: starting a linkage run


class PairAlreadyDecided(ValidationError):
    """A clerical decision on a pair someone has already decided."""


def _require(actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {doing}")


# ------------------------------------------------------------------------------------------------
# Engine records


ENGINE_FIELDS = [
    "pk",
    "source_kind",
    "given_std",
    "middle_std",
    "family_std",
    "given_phonetic",
    "family_phonetic",
    "date_of_birth",
    "sex",
    "nationality",
    "postcode_std",
    "home_office_ref",
    "pnc_id",
]


def engine_records(queryset) -> list[dict[str, Any]]:
    """Engine dicts for a queryset of source records, read in one streamed query."""
    out = []
    for row in queryset.values_list(*ENGINE_FIELDS).iterator(chunk_size=20000):
        pk, kind, given, middle, family, given_ph, family_ph, dob, sex, nat, postcode, ho, pnc = row
        dob_s = dob.isoformat() if dob else None
        out.append(
            {
                "unique_id": str(pk),
                "source_kind": kind,
                "given_std": given or None,
                "middle_std": middle or None,
                "family_std": family or None,
                "given_phonetic": given_ph or None,
                "family_phonetic": family_ph or None,
                "dob": dob_s,
                "birth_year": dob_s[:4] if dob_s else None,
                "sex": sex or None,
                "nationality": nat or None,
                "postcode_std": postcode or None,
                "postcode_district": postcode.split(" ")[0] if postcode else None,
                "home_office_ref": ho or None,
                "pnc_id": pnc or None,
            }
        )
    return out


def linkable_records():
    """Records linked into people: everything but the police file (that is for bulk checks)."""
    return SourceRecord.objects.exclude(source_kind=SourceKind.POLICE)


# ------------------------------------------------------------------------------------------------
# Runs


def linkage_run_start(*, actor) -> LinkageRun:
    """Queue a run over every source record. One run at a time."""
    _require(actor, "linkage.review_links", "start a linkage run")
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
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
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


def _phase(run: LinkageRun, phase: str) -> None:
    run.phase = phase
    LinkageRun.objects.filter(pk=run.pk).update(phase=phase)


def _survivor(person_id: int, cache: dict[int, int]) -> int:
    """The active person a (possibly merged) person id now lives on."""
    if person_id in cache:
        return cache[person_id]
    current = person_id
    seen = set()
    while current not in seen:
        seen.add(current)
        row = (
            Person.objects.filter(pk=current).values_list("record_status", "merged_into_id").first()
        )
        if row is None or row[0] != RecordStatus.MERGED or row[1] is None:
            break
        current = row[1]
    cache[person_id] = current
    return current


def _references_of(record: dict[str, Any]) -> list[tuple[str, str]]:
    refs = []
    if record["home_office_ref"]:
        refs.append((ReferenceType.HOME_OFFICE, record["home_office_ref"]))
    if record["pnc_id"]:
        refs.append((ReferenceType.PNC, record["pnc_id"]))
    kind_type = SOURCE_REFERENCE_TYPE.get(record["source_kind"])
    if kind_type:
        refs.append((kind_type, record["source_ref"]))
    return refs


def linkage_run_execute(
    run_id: int, *, truth: dict[str, Any] | None = None, session: engine.Session | None = None
) -> LinkageRun:
    """Run the pipeline (what the background task calls). ``truth`` (unique_id as
    ``source_kind:source_ref`` -> person key) is known only for generated data: the run then
    records its measured accuracy."""
    run = LinkageRun.objects.get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run
    run.status, run.started_at = RunStatus.RUNNING, clock.now()
    run.save(update_fields=["status", "started_at"])
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        _phase(run, "Reading the records")
        records = engine_records(linkable_records())
        if len(records) < 2:
            raise engine.EngineError("At least two records are needed to link")
        timings["read"] = time.perf_counter() - started

        t = time.perf_counter()
        _phase(run, "Training the model (m and u probabilities)")
        model = engine.model_train(
            records,
            session=session,
            max_pairs=rules.TRAINING_MAX_PAIRS,
            max_records=rules.TRAINING_MAX_RECORDS,
        )
        timings["train"] = time.perf_counter() - t

        t = time.perf_counter()
        _phase(run, "Scoring the blocked pairs")
        scores = engine.pairs_predict(
            records, model, threshold=run.lower_threshold, session=session
        )
        timings["predict"] = time.perf_counter() - t

        t = time.perf_counter()
        _phase(run, "Writing people and the review queue")
        with transaction.atomic():
            outcome = _write_results(run, records, scores)
        timings["write"] = time.perf_counter() - t

        if truth is not None:
            run.accuracy = _measure(records, scores, outcome["clusters"], truth, run)
        run.model = model
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
        run.status, run.phase, run.finished_at = RunStatus.COMPLETED, "Finished", clock.now()
        run.save()
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
        run.status, run.finished_at = RunStatus.FAILED, clock.now()
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


def _measure(records, scores, found, truth, run) -> dict[str, Any]:
    refs = {
        str(pk): f"{kind}:{ref}"
        for pk, kind, ref in SourceRecord.objects.exclude(
            source_kind=SourceKind.POLICE
        ).values_list("pk", "source_kind", "source_ref")
    }
    keyed = {uid: truth[refs[uid]] for uid in refs if refs[uid] in truth}
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
    return {"pairwise": pairwise, "clusters": clustered, "records_with_truth": len(ids)}


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
    new_specs: list[dict[str, Any]] = []
    new_members: list[list[str]] = []
    attach: dict[int, list[str]] = defaultdict(list)  # person id -> records to add
    merges: list[tuple[int, list[int], str]] = []
    unowned: list[list[str]] = []
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
            for value, person_id in ExternalReference.objects.filter(
                reference_type=reference_type, value_normalised__in=values[i : i + 900]
            ).values_list("value_normalised", "person_id"):
                owner_of.setdefault(
                    wanted[(reference_type, value)], _survivor(person_id, survivors)
                )
    for index, uids in enumerate(unowned):
        if index in owner_of:
            attach[owner_of[index]].extend(uids)
        else:
            new_specs.append(_person_spec([record_by_id[u] for u in uids]))
            new_members.append(uids)

    from waymark.people.services import people_bulk_create, person_merge

    created, _clashes = people_bulk_create(
        actor=None, people=new_specs, source=f"Linkage run {run.pk}"
    )
    assignments: dict[int, list[int]] = defaultdict(list)
    for person, uids in zip(created, new_members, strict=True):
        assignments[person.pk].extend(int(u) for u in uids)
    for person_id, uids in attach.items():
        if uids:
            assignments[person_id].extend(int(u) for u in uids)
    for person_id, pks in assignments.items():
        for i in range(0, len(pks), 900):
            SourceRecord.objects.filter(pk__in=pks[i : i + 900]).update(
                person_id=person_id, updated_at=now
            )
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
        "comparisons": len(scores),
        "pairs_auto": pairs_auto,
        "pairs_review": pairs_review,
        "people_created": len(created),
        "people_updated": people_updated,
        "people_merged": merged,
        "review_tasks": review_tasks,
    }


def _references_attach(
    attach: dict[int, list[str]], record_by_id: dict[str, dict[str, Any]]
) -> None:
    """Records that joined an existing person bring their references with them (audited through
    ``people.services.reference_add``); a reference another person already holds is left off, as
    the pair of people is then for review."""
    from waymark.people.services import reference_add

    for person_id, uids in attach.items():
        if not uids:
            continue
        held = {
            (t, v)
            for t, v in ExternalReference.objects.filter(person_id=person_id).values_list(
                "reference_type", "value_normalised"
            )
        }
        person = None
        for uid in uids:
            for reference_type, value in _references_of(record_by_id[uid]):
                key = (reference_type, "".join(value.split()).upper())
                if key in held:
                    continue
                held.add(key)
                if ExternalReference.objects.filter(
                    reference_type=reference_type, value_normalised=key[1]
                ).exists():
                    continue
                person = person or Person.objects.get(pk=person_id)
                reference_add(
                    actor=None,
                    person=person,
                    reference_type=reference_type,
                    value=value,
                    source="Record linkage",
                )


def _person_spec(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A new person's details from their records: the preferred source's record first; other
    spellings as aliases; every date of birth, nationality and reference."""
    ordered = sorted(
        records,
        key=lambda r: (
            SOURCE_PREFERENCE.index(r["source_kind"])
            if r["source_kind"] in SOURCE_PREFERENCE
            else 9,
            int(r["unique_id"]),
        ),
    )
    lead = ordered[0]
    names = []
    for r in ordered:
        name = ((r.get("given_std") or "").title(), (r.get("family_std") or "").title())
        if name not in names:
            names.append(name)
    refs: list[tuple[str, str]] = []
    for r in ordered:
        for ref in _references_of(r):
            if ref not in refs:
                refs.append(ref)
    dobs = [r["dob"] for r in ordered if r.get("dob")]
    from datetime import date

    return {
        "given_names": names[0][0] or "Unknown",
        "family_name": names[0][1] or "Unknown",
        "date_of_birth": date.fromisoformat(dobs[0]) if dobs else None,
        "dates_of_birth": [date.fromisoformat(d) for d in dict.fromkeys(dobs)],
        "sex": SEX.get(lead.get("sex") or "", Sex.NOT_RECORDED),
        "nationalities": list(
            dict.fromkeys(r["nationality"] for r in ordered if r.get("nationality"))
        ),
        "references": refs,
        "aliases": names[1:],
    }


def _compact(contributions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: c[k] for k in ("field", "description", "label", "weight")} for c in contributions]


def _pairs_write(run, scores, found, decided, key, now) -> tuple[int, int, int]:
    """Keep the links that joined each record (a spanning tree per cluster, with its reasons) and
    every review-band pair between two different clusters, one task per pair of clusters."""
    from waymark.work.services import task_create

    upper = run.upper_threshold
    existing = {
        (l_id, r_id): (pk, status)
        for pk, l_id, r_id, status in CandidatePair.objects.values_list(
            "pk", "record_l_id", "record_r_id", "status"
        ).iterator()
    }
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    auto_rows, review_best = [], {}
    for s in sorted(scores, key=lambda s: -s.match_probability):
        k = key(s.id_l, s.id_r)
        if decided.get(k) in DECIDED:
            continue
        if engine.linked(s, upper):
            a, b = find(s.id_l), find(s.id_r)
            if a != b:
                parent[a] = b
                auto_rows.append((k, s))
        else:
            ca, cb = sorted((found[s.id_l], found[s.id_r]))
            if ca == cb or decided.get(k) == PairStatus.UNSURE:
                continue
            review_best.setdefault((ca, cb), (k, s))
    new_auto, updates = [], []
    for k, s in auto_rows:
        if k in existing:
            updates.append((existing[k][0], s, PairStatus.AUTO))
        else:
            new_auto.append(
                CandidatePair(
                    run=run,
                    record_l_id=k[0],
                    record_r_id=k[1],
                    match_probability=s.match_probability,
                    match_weight=s.match_weight,
                    contributions=_compact(s.contributions),
                    status=PairStatus.AUTO,
                    created_at=now,
                    updated_at=now,
                )
            )
    CandidatePair.objects.bulk_create(new_auto, batch_size=2000)
    review_new = []
    for k, s in review_best.values():
        if k in existing:
            updates.append((existing[k][0], s, PairStatus.PENDING))
        else:
            review_new.append(
                CandidatePair(
                    run=run,
                    record_l_id=k[0],
                    record_r_id=k[1],
                    match_probability=s.match_probability,
                    match_weight=s.match_weight,
                    contributions=s.contributions,
                    status=PairStatus.PENDING,
                    created_at=now,
                    updated_at=now,
                )
            )
    created_review = CandidatePair.objects.bulk_create(review_new, batch_size=2000)
    for pk, s, status in updates:
        CandidatePair.objects.filter(pk=pk).exclude(
            status__in=[*DECIDED, PairStatus.UNSURE]
        ).update(
            run=run,
            match_probability=s.match_probability,
            match_weight=s.match_weight,
            contributions=s.contributions
            if status == PairStatus.PENDING
            else _compact(s.contributions),
            status=status,
            updated_at=now,
        )
    tasks = 0
    for pair in created_review:
        pair.task = task_create(
            actor=None,
            task_type=rules.TASK_REVIEW_PAIR,
            title=f"Are these the same person? Records {pair.record_l_id} and {pair.record_r_id} "
            f"({pair.match_probability:.0%})",
            description="Compare the two records side by side and decide: the same person, not the same "
            "person, or unsure.",
            subject=pair,
            dedupe_key=f"linkage-pair-{pair.record_l_id}-{pair.record_r_id}",
        )
        tasks += 1
    CandidatePair.objects.bulk_update(
        [p for p in created_review if p.task_id], ["task"], batch_size=2000
    )
    return len(auto_rows), len(review_best), tasks


# ------------------------------------------------------------------------------------------------
# Clerical decisions


def _person_of(record: SourceRecord) -> Person | None:
    if record.person_id is None:
        return None
    person = Person.objects.get(pk=_survivor(record.person_id, {}))
    return person


def pair_decide(*, actor, pair: CandidatePair, decision: str, reason: str) -> CandidatePair:
    """Record a clerical decision with its reason. 'match' merges the two people (reversible);
    'not_match' keeps them apart for every later run; 'unsure' refers the pair to a senior
    reviewer, who must be someone else. A decided pair is never decided again."""
    from waymark.people.services import person_merge
    from waymark.work.models import TaskStatus
    from waymark.work.services import task_complete

    _require(actor, "linkage.review_links", "decide whether records are the same person")
    reason = (reason or "").strip()
    errors = {}
    if decision not in (PairStatus.MATCH, PairStatus.NOT_MATCH, PairStatus.UNSURE):
        errors["decision"] = "Select whether the records are the same person"
    if not reason:
        errors["reason"] = "Enter the reason for your decision"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        pair = CandidatePair.objects.select_for_update().get(pk=pair.pk)
        if pair.status in DECIDED:
            who = (
                pair.decided_by.get_full_name() or pair.decided_by.get_username()
                if pair.decided_by
                else "the system"
            )
            when = (
                timezone.localtime(pair.decided_at).strftime("%-d %B %Y at %H:%M")
                if pair.decided_at
                else ""
            )
            raise PairAlreadyDecided(
                f"This pair was already decided by {who} on {when}: {DECISION_LABELS[pair.status]}. "
                "A decided pair cannot be decided again; undo a wrong merge from the person's record."
            )
        if pair.status == PairStatus.UNSURE and decision == PairStatus.UNSURE:
            raise ValidationError(
                {"decision": "This pair is already marked unsure: a senior reviewer decides it"}
            )
        if pair.status == PairStatus.UNSURE and pair.decided_by_id == getattr(actor, "pk", None):
            raise ValidationError(
                {"decision": "You referred this pair as unsure: another reviewer must decide it"}
            )
        left = SourceRecord.objects.get(pk=pair.record_l_id)
        right = SourceRecord.objects.get(pk=pair.record_r_id)
        people = [p for p in (_person_of(left), _person_of(right)) if p is not None]
        old = {"status": pair.status}
        if decision == PairStatus.MATCH and len(people) == 2 and people[0].pk != people[1].pk:
            survivor, merged = sorted(people, key=lambda p: p.pk)
            pair.person_merge = person_merge(
                actor=actor,
                survivor=survivor,
                merged=merged,
                reason=f"Clerical review of linkage pair {pair.pk}: {reason}",
            )
        elif decision == PairStatus.MATCH and len(people) == 1:
            for record in (left, right):
                if record.person_id is None:
                    SourceRecord.objects.filter(pk=record.pk).update(
                        person=people[0], updated_at=clock.now()
                    )
        pair.status = decision
        pair.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        pair.decided_at = clock.now()
        pair.decision_reason = reason
        pair.updated_at = pair.decided_at
        pair.save()
        for person in people or [None]:
            audit_record(
                actor=actor,
                action=AuditAction.COMBINATION
                if decision == PairStatus.MATCH
                else AuditAction.ALTERATION,
                verb="linkage.pair_decided",
                target=pair,
                person_id=person.pk if person else None,
                payload={
                    "old": old,
                    "new": {"status": decision},
                    "reason": reason,
                    "records": [left.unique_id, right.unique_id],
                },
            )
        if (
            pair.task_id
            and decision in DECIDED
            and pair.task.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)
        ):
            task_complete(actor=actor, task=pair.task, outcome=decision, note=reason)
    _matcher_invalidate()
    return pair


# ------------------------------------------------------------------------------------------------
# Incremental matching: one set of details against everyone linked


@dataclass(frozen=True)
class MatchCandidate:
    person: Person
    record: SourceRecord
    match_probability: float
    match_weight: float
    contributions: list[dict[str, Any]]


_matcher_lock = threading.Lock()
_matcher: dict[str, Any] = {"key": None, "matcher": None}


def _matcher_key() -> tuple:
    run = (
        LinkageRun.objects.filter(status=RunStatus.COMPLETED)
        .order_by("-finished_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    latest = (
        SourceRecord.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    )
    return (run, latest, SourceRecord.objects.count())


def _matcher_invalidate() -> None:
    with _matcher_lock:
        old = _matcher.get("matcher")
        _matcher.update(key=None, matcher=None)
    if old is not None:
        old.close()


def matcher_get() -> engine.Matcher | None:
    """The process's matcher over every linked record with the latest run's model, rebuilt when
    the records or the model change."""
    key = _matcher_key()
    with _matcher_lock:
        if _matcher["key"] == key and _matcher["matcher"] is not None:
            return _matcher["matcher"]
    run = (
        LinkageRun.objects.filter(status=RunStatus.COMPLETED)
        .exclude(model={})
        .order_by("-finished_at", "-pk")
        .first()
    )
    if run is None:
        return None
    population = engine_records(linkable_records().filter(person__isnull=False))
    if not population:
        return None
    matcher = engine.Matcher(run.model, population)
    with _matcher_lock:
        old = _matcher.get("matcher")
        _matcher.update(key=key, matcher=matcher)
    if old is not None:
        old.close()
    return matcher


def person_match(
    *,
    actor,
    given_names: str = "",
    family_name: str = "",
    date_of_birth=None,
    nationality: str = "",
    postcode: str = "",
    home_office_ref: str = "",
    pnc_id: str = "",
    sex: str = "",
    limit: int | None = None,
    purpose: str = "",
) -> list[MatchCandidate]:
    """The people whose records best match these details, with the model's reasons (intake,
    encounters in the field, correspondence). Audited as a consultation of each person returned."""
    from waymark.linkage import standardise
    from waymark.people.selectors import person_can_view

    _require(actor, "linkage.link_records", "match details against people")
    mapped = {
        "source_ref": "incremental",
        "given_names": given_names,
        "family_name": family_name,
        "date_of_birth": date_of_birth.isoformat()
        if hasattr(date_of_birth, "isoformat")
        else (date_of_birth or ""),
        "nationality": nationality,
        "postcode": postcode,
        "home_office_ref": home_office_ref,
        "pnc_id": pnc_id,
        "sex": sex,
    }
    try:
        std = standardise.record_standardise(mapped)
    except standardise.RowRejected as rejected:
        raise ValidationError({r["field"]: r["detail"] for r in rejected.reasons}) from rejected
    record = standardise.engine_record("incremental", "incremental", std)
    matcher = matcher_get()
    if matcher is None:
        return []
    scores = matcher.match(
        record,
        limit=(limit or rules.INCREMENTAL_MAX_CANDIDATES) * 3,
        threshold=rules.lower_threshold(),
    )
    records = SourceRecord.objects.in_bulk([int(s.id_r) for s in scores])
    best: dict[int, MatchCandidate] = {}
    survivors: dict[int, int] = {}
    for s in scores:
        source = records.get(int(s.id_r))
        if source is None or source.person_id is None:
            continue
        pid = _survivor(source.person_id, survivors)
        if pid in best:
            continue
        person = Person.objects.get(pk=pid)
        if actor is not None and not person_can_view(actor, person):
            continue
        best[pid] = MatchCandidate(
            person, source, s.match_probability, s.match_weight, s.contributions
        )
    found = list(best.values())[: limit or rules.INCREMENTAL_MAX_CANDIDATES]
    for candidate in found:
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION,
            verb="linkage.person_matched",
            target=candidate.person,
            person_id=candidate.person.pk,
            purpose=purpose,
            payload={"probability": round(candidate.match_probability, 4)},
        )
    return found
