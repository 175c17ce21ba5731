"""The set-based archive replay: many ``breach.created`` rows with the outcome of one by one.

One by one, each row costs about fifteen statements (the event, the person, the condition, the
first-breach check, the breach, the battery rule's read, the actionable count, the task, the audit
entries, a savepoint). Here the rows are staged once (``COPY`` into a temporary table on
PostgreSQL), the facts the rules need are read once for every person in the batch, the rules are
run per person in memory, in row order, exactly as ``breach_ingest`` runs them, and the
module's own rows are written in bulk: the supplier events, the breaches (final disposition,
priority, ladder step), the accumulated violations and the event audit entries
(``audit_record_many``). Tasks and timeline events belong to the platform and go through its
bulk services, in the order one-by-one ingestion makes them: ``timeline_events_bulk_record``
(one INSERT per 2,000 events) and ``tasks_create_each`` (the tasks in one INSERT, and the
``task.created`` audit entry ``task_create`` writes for each in another).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from waymark.core import clock
from waymark.core.audit import audit_record_many
from waymark.core.bulk_insert import bulk_insert, ids_reserve
from waymark.core.models import AuditAction
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
from waymark.monitoring.services._common import MODULE
from waymark.people.models import Person
from waymark.people.services import timeline_events_bulk_record
from waymark.work import services as work
from waymark.work.models import Queue

EVENT_TYPE = "breach.created"
STAGING = "monitoring_archive_staging"


def row_body(row: dict[str, Any]) -> bytes:
    """What the event's ``body_sha256`` covers (the same for both paths)."""
    fields = (
        row["event_id"],
        row["person_reference"],
        row["breach_type"],
        row["started_at"],
        row.get("ended_at"),
    )
    return "|".join(str(value) for value in fields).encode()


def row_refusal(row: dict[str, Any], person_id: int | None, now: datetime) -> bool:
    """True if one-by-one ingestion would refuse the row (``person_by_reference`` and
    ``breach_ingest``'s checks); a row with no start is refused rather than failing."""
    started, ended = row.get("started_at"), row.get("ended_at")
    return (
        person_id is None
        or row.get("breach_type") not in rules.BREACH_TYPE_LABELS
        or started is None
        or (ended is not None and ended < started)
        or started > now + rules.SIGNATURE_TOLERANCE
    )


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


def replay_set_based(*, rows: list[dict[str, Any]], client_label: str) -> tuple[int, int, int, int]:
    """Replay ``rows`` (inside the caller's transaction); ``(stored, rejected, actionable,
    violations)``."""
    now = clock.now()
    seen, person_of = _stage_and_resolve(rows, client_label)
    accepted: list[dict[str, Any]] = []
    rejected = 0
    for row in rows:
        if row["event_id"] in seen:
            continue
        if row_refusal(row, person_of.get(row["person_reference"]), now):
            rejected += 1  # a refused row is not "seen": a later row with its id may be stored
            continue
        seen.add(row["event_id"])
        accepted.append(row)
    if not accepted:
        return 0, rejected, 0, 0
    owner = {row["event_id"]: int(person_of[row["person_reference"]] or 0) for row in accepted}
    states = _person_states(set(owner.values()))
    breaches = [_rules_apply(row, states[owner[row["event_id"]]]) for row in accepted]
    _write(breaches, states, client_label, now)
    actionable = sum(b.disposition == BreachDisposition.ACTIONABLE for b in breaches)
    violations = sum(len(b.raised) for b in breaches)
    return len(breaches), rejected, actionable, violations


def _stage_and_resolve(
    rows: list[dict[str, Any]], client_label: str
) -> tuple[set[str], dict[str, int | None]]:
    """The event ids already stored for this client, and each reference's person (a merged
    record's survivor). On PostgreSQL the rows' keys are copied into a temporary table and joined
    in one statement; elsewhere two ``IN`` queries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} "
                "(event_id text, person_reference text) ON COMMIT DELETE ROWS"
            )
            cursor.execute(f"TRUNCATE {STAGING}")
            with cursor.cursor.copy(
                f"COPY {STAGING} (event_id, person_reference) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row((row["event_id"], row["person_reference"]))
            cursor.execute(
                f"SELECT s.event_id, s.person_reference, e.id IS NOT NULL, "  # noqa: S608
                "COALESCE(p.merged_into_id, p.id) "
                f"FROM {STAGING} s "
                "LEFT JOIN monitoring_supplierevent e "
                "ON e.client_label = %s AND e.event_id = s.event_id "
                "LEFT JOIN people_person p ON p.reference = s.person_reference",
                [client_label],
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
    """Everything the rules read about each person, in five queries for the whole batch."""
    people = Person.objects.in_bulk(person_ids)
    conditions: dict[int, Condition] = {}
    for condition in (
        Condition.objects.filter(person_id__in=person_ids)
        .exclude(status=ConditionStatus.CEASED)
        .order_by("person_id", "-decided_at")
    ):
        conditions.setdefault(condition.person_id, condition)  # ``_current_condition``
    since = set(
        Breach.objects.filter(
            person_id__in=[p for p, c in conditions.items() if c.fitted_at is not None]
        )
        .filter(
            Exists(
                Condition.objects.filter(
                    pk__in=[c.pk for c in conditions.values()],
                    person_id=OuterRef("person_id"),
                    fitted_at__lte=OuterRef("started_at"),
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


def _write(
    breaches: list[_NewBreach], states: dict[int, _PersonState], client_label: str, now: datetime
) -> None:
    """Write what the rules decided: the module's rows in bulk (``core.bulk_insert``: ``COPY`` on
    PostgreSQL), the platform's through its bulk services, in row order.

    On PostgreSQL the breaches' and violations' keys are reserved first, so every row is written
    once, complete: the tasks (whose subjects they are) first, then the violations and breaches
    naming their tasks, and the events with their answers. Elsewhere the rows are numbered as they
    are inserted, and the tasks and answers are filled in afterwards."""
    violations = [v for b in breaches for v in b.raised]
    for v in violations:
        v.obj = AccumulatedViolation(
            person_id=v.person_id,
            window_start=v.window_start,
            window_end=v.window_end,
            total_seconds=int(v.total.total_seconds()),
            raised_at=now,
        )
    events = [
        SupplierEvent(
            event_id=b.row["event_id"],
            event_type=EVENT_TYPE,
            body_sha256=hashlib.sha256(row_body(b.row)).hexdigest(),
            payload={"archive": True},
            received_at=now,
            client_label=client_label,
        )
        for b in breaches
    ]
    for b in breaches:
        b.obj = Breach(
            person_id=b.person_id,
            condition=b.condition,
            breach_type=b.row["breach_type"],
            started_at=b.row["started_at"],
            ended_at=b.row.get("ended_at"),
            received_at=now,
            details=(b.row.get("details") or "")[:2000],
            disposition=b.disposition,
            priority=b.priority,
            priority_reason=b.priority_reason,
            ladder_step=b.step.number if b.step else None,
        )
    breach_ids = ids_reserve(Breach, len(breaches))
    violation_ids = ids_reserve(AccumulatedViolation, len(violations))
    reserved = breach_ids is not None and violation_ids is not None
    if reserved:
        for b, pk in zip(breaches, breach_ids or [], strict=True):
            b.obj.pk = pk  # type: ignore[union-attr]
        for v, pk in zip(violations, violation_ids or [], strict=True):
            v.obj.pk = pk  # type: ignore[union-attr]
        _platform_write(breaches, states)  # the tasks, then the rows that name them
        _answers(breaches, events)
        bulk_insert(SupplierEvent, events)
        bulk_insert(AccumulatedViolation, [v.obj for v in violations])  # type: ignore[misc]
        _breaches_link(breaches, events)
        bulk_insert(Breach, [b.obj for b in breaches])  # type: ignore[misc]
    else:
        bulk_insert(SupplierEvent, events)
        bulk_insert(AccumulatedViolation, [v.obj for v in violations])  # type: ignore[misc]
        _breaches_link(breaches, events)
        bulk_insert(Breach, [b.obj for b in breaches])  # type: ignore[misc]
        _platform_write(breaches, states)
        Breach.objects.bulk_update(
            [b.obj for b in breaches if b.obj is not None and b.obj.task_id is not None],
            ["task"],
            batch_size=1000,
        )
        AccumulatedViolation.objects.bulk_update(
            [v.obj for v in violations],  # type: ignore[misc]
            ["task"],
            batch_size=1000,
        )
        _answers(breaches, events)
        SupplierEvent.objects.bulk_update(events, ["response_body"], batch_size=1000)
    _stored_counted(violations)
    audit_record_many(
        actor=None,
        entries=[
            {
                "action": AuditAction.COLLECTION,
                "verb": f"em.supplier.{EVENT_TYPE}",
                "target_type": SupplierEvent._meta.label_lower,
                "target_id": event.pk,
                "person_id": b.person_id,
                "payload": {"new": {"event_id": event.event_id}},
            }
            for b, event in zip(breaches, events, strict=True)
        ],
    )


def _stored_counted(violations: list[_NewViolation]) -> None:
    """Breaches stored before this replay that a new violation counts (a few per person): one
    UPDATE on PostgreSQL, one per violation elsewhere."""
    pairs = [(pk, v.obj.pk) for v in violations for pk in v.counted_stored]  # type: ignore[union-attr]
    if not pairs:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE monitoring_breach b SET disposition = %s, accumulated_id = v.violation "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(breach, violation) "
                "WHERE b.id = v.breach",
                [
                    BreachDisposition.BATTERY_COUNTED.value,
                    [p for p, _ in pairs],
                    [v for _, v in pairs],
                ],
            )
        return
    for v in violations:
        if v.counted_stored:
            Breach.objects.filter(pk__in=v.counted_stored).update(
                disposition=BreachDisposition.BATTERY_COUNTED, accumulated=v.obj
            )


def _breaches_link(breaches: list[_NewBreach], events: list[SupplierEvent]) -> None:
    """Each breach names its stored event and, if counted, its violation."""
    for b, event in zip(breaches, events, strict=True):
        b.obj.event = event  # type: ignore[union-attr]
        if b.violation is not None:
            b.obj.accumulated = b.violation.obj  # type: ignore[union-attr]


def _answers(breaches: list[_NewBreach], events: list[SupplierEvent]) -> None:
    """Each event's answer, as the supplier's API gives it for the event."""
    for b, event in zip(breaches, events, strict=True):
        event.response_body = {
            "event_id": event.event_id,
            "event_type": EVENT_TYPE,
            "person_id": b.person_id,
            "record_id": b.obj.pk,  # type: ignore[union-attr]
            "outcome": BreachDisposition.BATTERY_BELOW
            if b.row["breach_type"] == rules.BATTERY
            else BreachDisposition.ACTIONABLE,
        }


def _platform_write(breaches: list[_NewBreach], states: dict[int, _PersonState]) -> None:
    """The timeline events and tasks, through the platform's bulk services, in row order; each
    new task is set on the breach or violation it is for (``breach.task``, ``violation.task``)."""
    # The breaches queue, read once and handed to the task service (which would look it up by slug
    # for every task); if it is missing, the service refuses as ``task_create`` would one by one.
    queue = Queue.objects.select_related("team").filter(slug=rules.QUEUE_BREACHES).first()
    timeline: list[dict[str, Any]] = []
    tasks: list[tuple[dict[str, Any], Breach | AccumulatedViolation | None]] = []
    for b in breaches:
        _platform_rows(b, states[b.person_id], queue, timeline, tasks)
    timeline_events_bulk_record(events=timeline)
    made = work.tasks_create_each(actor=None, specs=[spec for spec, _ in tasks])
    for (_, holder), task in zip(tasks, made, strict=True):
        if holder is not None:
            holder.task = task


def _platform_rows(
    b: _NewBreach,
    state: _PersonState,
    queue: Queue | None,
    timeline: list[dict[str, Any]],
    tasks: list[tuple[dict[str, Any], Breach | AccumulatedViolation | None]],
) -> None:
    """The timeline events and tasks ``breach_ingest`` makes for this breach, in its order,
    appended to ``timeline`` (``timeline_event_record``'s arguments) and ``tasks``
    (``task_create``'s arguments, and the row whose ``task`` the new task becomes)."""
    person, breach, row = state.person, b.obj, b.row
    timeline.append(
        {
            "person": person,
            "module": MODULE,
            "event_type": "em.breach_received",
            "summary": f"Breach reported: {rules.BREACH_TYPE_LABELS[row['breach_type']]}",
            "occurred_at": row["started_at"],
            "related": breach,
            "detail": {"started_at": row["started_at"], "ended_at": row.get("ended_at")},
        }
    )
    for v in b.raised:
        spec = {
            "task_type": rules.TASK_ACCUMULATED_BATTERY,
            "title": f"Accumulated battery violation: {person.full_name}",
            "person": person,
            "subject": v.obj,
            "queue": queue,
            "priority": v.priority,
            "priority_reason": v.reason,
            "dedupe_key": f"em-accumulated-{v.obj.pk}",  # type: ignore[union-attr]
            "description": f"{v.breaches} battery breaches. Escalation ladder: step {v.step.number}, {v.step.label}.",
        }
        tasks.append((spec, v.obj))
        timeline.append(
            {
                "person": person,
                "module": MODULE,
                "event_type": "em.accumulated_violation",
                "summary": f"Accumulated battery violation ({v.total.total_seconds() / 3600:.1f} hours)",
                "related": v.obj,
                "detail": {"breaches": v.breaches},
            }
        )
    if b.step is not None:
        spec = {
            "task_type": rules.TASK_BREACH,
            "title": f"{rules.BREACH_TYPE_LABELS[row['breach_type']]}: {person.full_name}",
            "person": person,
            "subject": breach,
            "queue": queue,
            "priority": b.priority,
            "priority_reason": b.priority_reason,
            "dedupe_key": f"em-breach-{breach.pk}",  # type: ignore[union-attr]
            "description": f"Escalation ladder: step {b.step.number}, {b.step.label}.",
        }
        tasks.append((spec, breach))
    if b.first_since_fitting and b.condition is not None:
        phone = b.condition.issued_phone_number
        spec = {
            "task_type": rules.TASK_FIRST_BREACH_CONTACT,
            "title": f"Phone {person.full_name} about their first breach",
            "person": person,
            "subject": breach,
            "queue": queue,
            "dedupe_key": f"em-first-breach-{b.condition.pk}",
            "description": (
                f"Call the phone issued at fitting: {phone}"
                if phone
                else "No phone number was recorded at fitting: record it, then call (data quality)"
            ),
        }
        tasks.append((spec, None))
