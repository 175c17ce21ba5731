"""The set-based archive replay: many ``breach.created`` rows with the outcome of one by one.

One by one, each row costs about fifteen statements (the event, the person, the condition, the
first-breach check, the breach, the battery rule's read, the actionable count, the task, the audit
entries, a savepoint). Here the rows are staged once (``COPY`` into a temporary table on
PostgreSQL), the facts the rules need are read once for every person in the batch, the rules are
run per person in memory, in row order, exactly as ``breach_ingest`` runs them, and the
module's own rows are written in bulk (``archive_writes.write``): the supplier events, the
breaches (final disposition, priority, ladder step), the accumulated violations and the event
audit entries (``audit_record_many``), each table in one ``COPY`` on PostgreSQL
(``core.bulk_insert``). Tasks and timeline events belong to the platform and go through its bulk
services, in the order one-by-one ingestion makes them: ``timeline_events_bulk_record`` and
``tasks_create_each`` (the tasks, and the ``task.created`` audit entry ``task_create`` writes for
each). A 5,000-row batch is about twenty statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from waymark.core import clock
from waymark.monitoring import rules
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    Condition,
    ConditionStatus,
    Mitigation,
    MitigationDecision,
    SupplierEvent,
)
from waymark.monitoring.services._common import breaches_lock
from waymark.monitoring.services.archive_writes import EVENT_TYPE, row_body, write
from waymark.people.models import Person

_RESOLVE_SQL = """
SELECT s.event_id, s.person_reference, e.id IS NOT NULL, COALESCE(p.merged_into_id, p.id)
FROM unnest(%s::text[], %s::text[]) AS s(event_id, person_reference)
LEFT JOIN LATERAL (
    SELECT e.id FROM monitoring_supplierevent e
    WHERE e.client_label = %s AND e.event_id = s.event_id LIMIT 1
) e ON true
LEFT JOIN LATERAL (
    SELECT p.id, p.merged_into_id FROM people_person p WHERE p.reference = s.person_reference LIMIT 1
) p ON true
"""


def row_errors(row: dict[str, Any], person_id: int | None, now: datetime) -> dict[str, str]:
    """Why one-by-one ingestion would refuse the row, field by field, in the words of
    ``person_by_reference`` and ``breach_ingest`` (the person first, alone, as it is checked
    first); empty if it would store it. A row with no start is refused rather than failing."""
    if person_id is None:
        return {"person_reference": f"No person with the reference {row.get('person_reference')!r}"}
    errors: dict[str, str] = {}
    started, ended = row.get("started_at"), row.get("ended_at")
    if row.get("breach_type") not in rules.BREACH_TYPE_LABELS:
        errors["breach_type"] = f"Unknown breach type {row.get('breach_type')!r}"
    if started is None:
        errors["started_at"] = "A breach needs its start"
    elif ended is not None and ended < started:
        errors["ended_at"] = "The end of a breach must not be before its start"
    if started is not None and started > now + rules.SIGNATURE_TOLERANCE:
        errors["started_at"] = "A breach cannot start in the future"
    return errors


def row_refusal(row: dict[str, Any], person_id: int | None, now: datetime) -> bool:
    """True if one-by-one ingestion would refuse the row (``row_errors``)."""
    return bool(row_errors(row, person_id, now))


@dataclass
class Replayed:
    """What a set-based replay did, row by row: the answers of the rows it stored (each event's
    ``response_body``, in row order), the rows it refused with why (by index in ``rows``), and
    the rows it skipped because their event id was stored before (by index)."""

    answers: list[dict[str, Any]] = field(default_factory=list)
    refused: dict[int, dict[str, str]] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)
    actionable: int = 0
    violations: int = 0


@dataclass
class _Pending:
    """A battery breach not counted yet, ended: what the battery rule reads."""

    started_at: datetime
    order: int  # the breach's pk for stored ones; after every stored pk for new ones, in row order
    ended_at: datetime
    new: _NewBreach | None = None  # None: a breach stored before this replay
    pk: int | None = None


@dataclass
class _NewViolation:
    person_id: int
    window_start: datetime
    window_end: datetime
    total: timedelta
    priority: int
    reason: str
    step: rules.LadderStep
    breaches: int
    counted_new: list[_NewBreach] = field(default_factory=list)
    counted_stored: list[int] = field(default_factory=list)
    obj: AccumulatedViolation | None = None


@dataclass
class _NewBreach:
    row: dict[str, Any]
    person_id: int
    condition: Condition | None
    disposition: str
    priority: int = 0
    priority_reason: str = ""
    step: rules.LadderStep | None = None
    violation: _NewViolation | None = None
    raised: list[_NewViolation] = field(default_factory=list)  # by the battery rule on arrival
    first_since_fitting: bool = False
    obj: Breach | None = None


@dataclass
class _PersonState:
    person: Person
    condition: Condition | None
    since_fitting: bool  # a breach on or after the fitting is stored
    actionable: int  # ``breaches._actionable_count``
    pending: list[_Pending]


def replay_set_based(*, rows: list[dict[str, Any]], client_label: str) -> Replayed:
    """Replay ``rows`` (inside the caller's transaction). A row may carry ``body`` (the bytes its
    ``body_sha256`` covers; ``row_body`` otherwise) and ``payload`` (what the event stores)."""
    now = clock.now()
    seen, person_of = _stage_and_resolve(rows, client_label)
    result = Replayed()
    accepted: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if row["event_id"] in seen:
            result.skipped.append(index)
            continue
        errors = row_errors(row, person_of.get(row["person_reference"]), now)
        if errors:  # a refused row is not "seen": a later row with its id may be stored
            result.refused[index] = errors
            continue
        seen.add(row["event_id"])
        accepted.append(row)
    if not accepted:
        return result
    owner = {row["event_id"]: int(person_of[row["person_reference"]] or 0) for row in accepted}
    states = _person_states(set(owner.values()))
    breaches = [_rules_apply(row, states[owner[row["event_id"]]]) for row in accepted]
    events = write(breaches, states, client_label, now)
    result.answers = [event.response_body for event in events]
    result.actionable = sum(b.disposition == BreachDisposition.ACTIONABLE for b in breaches)
    result.violations = sum(len(b.raised) for b in breaches)
    return result


def _stage_and_resolve(
    rows: list[dict[str, Any]], client_label: str
) -> tuple[set[str], dict[str, int | None]]:
    """The event ids already stored for this client, and each reference's person (a merged
    record's survivor). On PostgreSQL one statement: the rows' keys as two arrays, each probed in
    its unique index (``LATERAL ... LIMIT 1``). A temporary table joined here had no statistics,
    so PostgreSQL hashed every event the client had ever sent for each batch (18,300 events read
    for a batch of 100, growing with the table); the probes read one index entry a row. Elsewhere
    two ``IN`` queries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _RESOLVE_SQL,
                [
                    [row["event_id"] for row in rows],
                    [row["person_reference"] for row in rows],
                    client_label,
                ],
            )
            found = cursor.fetchall()
        return {e for e, _, stored, _ in found if stored}, {r: p for _, r, _, p in found}
    ids = [row["event_id"] for row in rows]
    seen = set(
        SupplierEvent.objects.filter(client_label=client_label, event_id__in=ids).values_list(
            "event_id", flat=True
        )
    )
    people = Person.objects.filter(reference__in={row["person_reference"] for row in rows})
    person_of: dict[str, int | None] = {
        ref: merged or pk
        for ref, pk, merged in people.values_list("reference", "pk", "merged_into_id")
    }
    return seen, person_of


def _person_states(person_ids: set[int]) -> dict[int, _PersonState]:
    """Everything the rules read about each person, in five queries for the whole batch, after
    taking each person's breach lock (``breaches_lock``: the same lock one-by-one ingestion takes)."""
    breaches_lock(person_ids)
    people = Person.objects.in_bulk(person_ids)
    conditions: dict[int, Condition] = {}
    for condition in (
        Condition.objects.filter(person_id__in=person_ids)
        .exclude(status=ConditionStatus.CEASED)
        .order_by("person_id", "-decided_at")
    ):
        conditions.setdefault(condition.person_id, condition)  # ``_current_condition``
    # Asked of each fitted condition, so the look-up stops at a person's first breach since
    # fitting (asked of the breaches, it read every breach of every person in the batch).
    since = set(
        Condition.objects.filter(
            pk__in=[c.pk for c in conditions.values() if c.fitted_at is not None]
        )
        .filter(
            Exists(
                Breach.objects.filter(
                    person_id=OuterRef("person_id"), started_at__gte=OuterRef("fitted_at")
                )
            )
        )
        .values_list("person_id", flat=True)
    )
    accepted = Mitigation.objects.filter(
        breach=OuterRef("pk"), decision=MitigationDecision.ACCEPTED
    )
    actionable = dict(
        Breach.objects.filter(person_id__in=person_ids, disposition=BreachDisposition.ACTIONABLE)
        .exclude(Exists(accepted))
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    for person_id, n in (
        AccumulatedViolation.objects.filter(person_id__in=person_ids)
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    ):
        actionable[person_id] = actionable.get(person_id, 0) + n
    pending: dict[int, list[_Pending]] = {pk: [] for pk in person_ids}
    for pk, person_id, started, ended in (
        Breach.objects.select_for_update()  # as ``battery_evaluate`` locks them
        .filter(
            Q(person_id__in=person_ids),
            breach_type=rules.BATTERY,
            disposition=BreachDisposition.BATTERY_BELOW,
            ended_at__isnull=False,
        )
        .order_by("started_at", "pk")
        .values_list("pk", "person_id", "started_at", "ended_at")
    ):
        pending[person_id].append(_Pending(started, pk, ended, pk=pk))  # type: ignore[arg-type]
    return {
        pk: _PersonState(
            person=people[pk],
            condition=conditions.get(pk),
            since_fitting=pk in since,
            actionable=actionable.get(pk, 0),
            pending=pending[pk],
        )
        for pk in person_ids
    }


_order = iter(range(2**62, 2**63))  # new breaches sort after every stored pk, in row order


def _rules_apply(row: dict[str, Any], state: _PersonState) -> _NewBreach:
    """``breach_ingest`` for one row against the person's state in memory (updated in place)."""
    condition = state.condition
    started, ended = row["started_at"], row.get("ended_at")
    is_battery = row["breach_type"] == rules.BATTERY
    breach = _NewBreach(
        row=row,
        person_id=state.person.pk,
        condition=condition,
        disposition=BreachDisposition.BATTERY_BELOW if is_battery else BreachDisposition.ACTIONABLE,
        first_since_fitting=(
            condition is not None and condition.fitted_at is not None and not state.since_fitting
        ),
    )
    if condition is not None and condition.fitted_at is not None and started >= condition.fitted_at:
        state.since_fitting = True
    if is_battery:
        if ended is not None:
            state.pending.append(_Pending(started, next(_order), ended, new=breach))
            state.pending.sort(key=lambda p: (p.started_at, p.order))
        _battery_evaluate(state, breach)
    else:
        duration = ended - started if ended is not None else None
        breach.priority, breach.priority_reason = rules.breach_priority(
            row["breach_type"], duration if row["breach_type"] == "out_of_contact" else None
        )
        state.actionable += 1
        breach.step = rules.ladder_step_for(state.actionable, row["breach_type"])
    return breach


def _battery_evaluate(state: _PersonState, arriving: _NewBreach) -> None:
    """``breaches.battery_evaluate`` and ``_violation_raise`` over the pending list."""
    pending = state.pending
    spans = [(p.started_at, p.ended_at) for p in pending]
    counted_all: set[int] = set()
    for first, last, total in rules.battery_violations(spans):
        counted = pending[first : last + 1]
        longest = max(p.ended_at - p.started_at for p in counted)
        priority, reason = rules.breach_priority(rules.BATTERY, longest)
        if priority == rules.PRIORITY_OTHER:
            reason = (
                f"{total.total_seconds() / 3600:.1f} hours out of contact (battery) within "
                f"{rules.battery_window().days} days: one accumulated violation (000 §5.16)"
            )
        state.actionable += 1
        violation = _NewViolation(
            person_id=state.person.pk,
            window_start=counted[0].started_at,
            window_end=counted[-1].ended_at,
            total=total,
            priority=priority,
            reason=reason,
            step=rules.ladder_step_for(state.actionable, rules.BATTERY),
            breaches=len(counted),
        )
        for p in counted:
            counted_all.add(id(p))
            if p.new is not None:
                p.new.disposition = BreachDisposition.BATTERY_COUNTED
                p.new.violation = violation
                violation.counted_new.append(p.new)
            else:
                violation.counted_stored.append(p.pk)  # type: ignore[arg-type]
        arriving.raised.append(violation)
    if counted_all:
        state.pending = [p for p in pending if id(p) not in counted_all]


__all__ = [
    "EVENT_TYPE",
    "Replayed",
    "replay_set_based",
    "row_body",
    "row_errors",
    "row_refusal",
]
