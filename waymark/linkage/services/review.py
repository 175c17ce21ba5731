"""Candidate pairs and the clerical review (brief linkage.md §2): the pairs a run keeps with their
review tasks, a reviewer's decision on one pair, and incremental matching of one new set of
details against everyone linked.

A decision needs a reason. 'match' merges the two people (reversible with ``person_unmerge``);
'not_match' keeps them apart for every later run; 'unsure' refers the pair to a senior reviewer,
who must be someone else. A decided pair is never decided again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.bulk_insert import JsonText, bulk_insert, bulk_insert_rows
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.linkage import engine, rules
from waymark.linkage.models import DECIDED, CandidatePair, PairStatus, SourceRecord
from waymark.linkage.permissions import LINK_RECORDS, REVIEW_LINKS, require
from waymark.linkage.services._common import (
    _matcher_invalidate,
    _survivor,
    _user,
    matcher_get,
)
from waymark.linkage.workflows import PAIR
from waymark.people.models import Person

DECISION_LABELS: dict[str, str] = {
    PairStatus.MATCH: "the same person",
    PairStatus.NOT_MATCH: "not the same person",
    PairStatus.UNSURE: "unsure",
}


class PairAlreadyDecided(ValidationError):
    """A clerical decision on a pair someone has already decided."""


# ------------------------------------------------------------------------------------------------
# The pairs a run keeps


def _compact(contributions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: c[k] for k in ("field", "description", "label", "weight")} for c in contributions]


_PAIR_COLUMNS = (
    "run_id",
    "record_l_id",
    "record_r_id",
    "match_probability",
    "match_weight",
    "contributions",
    "status",
    "created_at",
    "updated_at",
)


def _compact_text(
    brief: list[tuple[str, str, str, float]], heads: dict[tuple[str, str, str], str]
) -> JsonText:
    """``json.dumps(_compact(contributions))`` from ``engine.contributions_brief``'s tuples,
    each reason's text up to its weight made once (``heads``)."""
    parts = []
    for field, description, label, weight in brief:
        head = heads.get((field, description, label))
        if head is None:
            head = heads[(field, description, label)] = (
                json.dumps({"field": field, "description": description, "label": label})[:-1]
                + ', "weight": '
            )
        number = (
            float.__repr__(weight)
            if type(weight) is float and math.isfinite(weight)
            else json.dumps(weight)
        )
        parts.append(f"{head}{number}}}")
    return JsonText(f"[{', '.join(parts)}]")


def _pairs_write(run, scores, found, decided, key, now) -> tuple[int, int, int]:
    """Keep the links that joined each record (a spanning tree per cluster, with its reasons) and
    every review-band pair between two different clusters, one task per pair of clusters."""
    from waymark.work.services import tasks_create_each

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

    auto_rows: list[tuple[tuple[int, int], engine.PairScore]] = []
    review_best: dict[tuple[str, str], tuple[tuple[int, int], engine.PairScore]] = {}
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
    updates = []
    fresh = []
    for k, s in auto_rows:
        if k in existing:
            updates.append((existing[k][0], s, PairStatus.AUTO))
        else:
            fresh.append((k, s))
    engine.contributions_fill(
        [s for _pk, s, _status in updates] + [s for _k, s in review_best.values()]
    )
    # The new links a chunk at a time, their reasons read and let go with the chunk: a national
    # run writes hundreds of thousands, and every link's reasons at once took gigabytes. Rows as
    # tuples, the reasons as JSON text made from pieces shared by every link (a few hundred
    # distinct reasons among hundreds of thousands).
    heads: dict[tuple[str, str, str], str] = {}
    for start in range(0, len(fresh), rules.RUN_WRITE_CHUNK):
        chunk = fresh[start : start + rules.RUN_WRITE_CHUNK]
        reasons = engine.contributions_brief([s for _k, s in chunk])
        bulk_insert_rows(
            CandidatePair,
            _PAIR_COLUMNS,
            [
                (
                    run.pk,
                    k[0],
                    k[1],
                    s.match_probability,
                    s.match_weight,
                    _compact_text(brief, heads),
                    PairStatus.AUTO,
                    now,
                    now,
                )
                for (k, s), brief in zip(chunk, reasons, strict=True)
            ],
        )
        del reasons
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
    bulk_insert(CandidatePair, review_new)
    created_review = review_new
    _pairs_update(run, updates, now)
    # The review tasks as ``task_create`` writes them one by one (each with its audit entry), in
    # a few statements: one at a time took 1.5 s for a 100,000-row run's 414 tasks.
    tasks = 0
    for start in range(0, len(created_review), rules.RUN_WRITE_CHUNK):
        batch = created_review[start : start + rules.RUN_WRITE_CHUNK]
        made = tasks_create_each(
            actor=None,
            specs=[
                {
                    "task_type": rules.TASK_REVIEW_PAIR,
                    "title": f"Are these the same person? Records {pair.record_l_id} and "
                    f"{pair.record_r_id} ({pair.match_probability:.0%})",
                    "description": "Compare the two records side by side and decide: the same "
                    "person, not the same person, or unsure.",
                    "subject": pair,
                    "dedupe_key": f"linkage-pair-{pair.record_l_id}-{pair.record_r_id}",
                }
                for pair in batch
            ],
        )
        for pair, task in zip(batch, made, strict=True):
            pair.task = task
        tasks += len(made)
    CandidatePair.objects.bulk_update(
        [p for p in created_review if p.task_id], ["task"], batch_size=2000
    )
    return len(auto_rows), len(review_best), tasks


def _pairs_update(run, updates: Sequence[tuple[int, engine.PairScore, str]], now) -> None:
    """Pairs kept before, scored again by this run: never a decided or unsure pair, only the
    moves the workflow allows (or a re-score). On PostgreSQL one ``UPDATE ... FROM unnest`` per
    status and chunk (a re-run keeps every link again: one UPDATE each was O(links) queries);
    elsewhere one UPDATE a pair."""
    for status in (PairStatus.AUTO, PairStatus.PENDING):
        group = [(pk, s) for pk, s, wanted in updates if wanted == status]
        allowed = [str(status), *PAIR.may_move_from(status)]
        full = status == PairStatus.PENDING  # a pair for review keeps every detail of its reasons

        def reasons(s: engine.PairScore, full: bool = full) -> list[dict[str, Any]]:
            return s.contributions if full else _compact(s.contributions)

        if connection.vendor != "postgresql":
            for pk, s in group:
                CandidatePair.objects.filter(pk=pk, status__in=allowed).update(
                    run=run,
                    match_probability=s.match_probability,
                    match_weight=s.match_weight,
                    contributions=reasons(s),
                    status=status,
                    updated_at=now,
                )
            continue
        # The reasons as one JSON array: psycopg quotes a text array's values one by one in
        # Python (1.3 s for 12,000 links' reasons), one text at once.
        table = CandidatePair._meta.db_table
        for start in range(0, len(group), rules.RUN_WRITE_CHUNK):
            chunk = group[start : start + rules.RUN_WRITE_CHUNK]
            texts = json.dumps([reasons(s) for _pk, s in chunk])
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS p SET run_id = %s, match_probability = v.probability,"  # noqa: S608
                    " match_weight = v.weight, contributions = v.reasons, status = %s,"
                    " updated_at = %s FROM (SELECT a.id, a.probability, a.weight, r.reasons"
                    " FROM unnest(%s::bigint[], %s::float8[], %s::float8[]) WITH ORDINALITY"
                    " AS a(id, probability, weight, n) JOIN jsonb_array_elements(%s::jsonb)"
                    " WITH ORDINALITY AS r(reasons, n) ON r.n = a.n) AS v"
                    " WHERE p.id = v.id AND p.status = ANY(%s::text[])",
                    [
                        run.pk,
                        str(status),
                        now,
                        [pk for pk, _s in chunk],
                        [s.match_probability for _pk, s in chunk],
                        [s.match_weight for _pk, s in chunk],
                        texts,
                        allowed,
                    ],
                )


# ------------------------------------------------------------------------------------------------
# Clerical decisions


def _person_of(record: SourceRecord) -> Person | None:
    if record.person_id is None:
        return None
    person = Person.objects.get(pk=_survivor(record.person_id, {}))
    return person


def pair_decide(*, actor: Actor, pair: CandidatePair, decision: str, reason: str) -> CandidatePair:
    """Record a clerical decision with its reason. 'match' merges the two people (reversible);
    'not_match' keeps them apart for every later run; 'unsure' refers the pair to a senior
    reviewer, who must be someone else. A decided pair is never decided again."""
    from waymark.people.services import person_merge
    from waymark.work.models import TaskStatus
    from waymark.work.services import task_complete

    require(actor, REVIEW_LINKS, "decide whether records are the same person")
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
        PAIR.move(pair, decision)
        pair.decided_by = _user(actor)
        pair.decided_at = clock.now()
        pair.decision_reason = reason
        pair.updated_at = pair.decided_at
        pair.save()
        audited: list[Person | None] = list(people) or [None]
        for person in audited:
            audit_record(
                actor=actor,
                action=AuditAction.COMBINATION
                if decision == PairStatus.MATCH
                else AuditAction.ALTERATION,
                # A match joins two records into one person (combination); otherwise a decision.
                verb="linkage.pair_matched"
                if decision == PairStatus.MATCH
                else "linkage.pair_decided",
                target=pair,
                person_id=person.pk if person else None,
                payload={
                    "old": old,
                    "new": {"status": decision},
                    "reason": reason,
                    "records": [left.unique_id, right.unique_id],
                },
            )
        task = pair.task if pair.task_id and decision in DECIDED else None
        if task is not None and task.status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
            task_complete(actor=actor, task=task, outcome=decision, note=reason)
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


def person_match(
    *,
    actor: Actor,
    given_names: str = "",
    family_name: str = "",
    date_of_birth=None,
    nationality: str = "",
    postcode: str = "",
    address: str = "",
    phone: str = "",
    home_office_ref: str = "",
    pnc_id: str = "",
    sex: str = "",
    limit: int | None = None,
    purpose: str = "",
) -> list[MatchCandidate]:
    """The people whose records best match these details, with the model's reasons (intake,
    encounters in the field, correspondence; the page and ``POST /api/v1/linkage/match/``).
    Audited: the check itself with its reason and how many people it found (even none), and a
    consultation of each person returned."""
    from waymark.linkage import standardise
    from waymark.people.selectors import person_can_view

    require(actor, LINK_RECORDS, "match details against people")
    mapped = {
        "source_ref": "incremental",
        "given_names": given_names,
        "family_name": family_name,
        "date_of_birth": date_of_birth.isoformat()
        if hasattr(date_of_birth, "isoformat")
        else (date_of_birth or ""),
        "nationality": nationality,
        "postcode": postcode,
        "address": address,
        "phone": phone,
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
    scores = (
        []
        if matcher is None  # nobody linked yet: the check is still recorded
        else matcher.match(
            record,
            limit=(limit or rules.INCREMENTAL_MAX_CANDIDATES) * 3,
            threshold=rules.lower_threshold(),
        )
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
    audit_record(
        actor=actor,
        action=AuditAction.CONSULTATION,
        verb="linkage.match_checked",
        target_type="linkage.match",
        purpose=purpose,
        payload={"people_found": len(found), "people": [c.person.reference for c in found]},
    )
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
