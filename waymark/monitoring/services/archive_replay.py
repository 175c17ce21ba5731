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
from waymark.monitoring.services.archive_writes import EVENT_TYPE, row_body, write
from waymark.people.models import Person

STAGING = "monitoring_archive_staging"


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
    write(breaches, states, client_label, now)
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


__all__ = ["EVENT_TYPE", "STAGING", "replay_set_based", "row_body", "row_refusal"]
