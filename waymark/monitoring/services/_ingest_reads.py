"""The reads every ingested breach makes (``breaches.breach_ingest``): the current condition, the
escalation ladder's count, the pending battery breaches. On PostgreSQL each is a statement written
once on the connection's kept cursor (``core.kept_cursors``): the ORM compiled each for every
breach, most of an event's Python. Elsewhere, and in the tests that compare them
(``tests/test_ingest_reads.py``), the ORM's queries."""

from __future__ import annotations

from functools import cache
from typing import cast

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from waymark.core import row_models
from waymark.core.kept_cursors import fetch_all, fetch_one
from waymark.monitoring import rules
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    Condition,
    ConditionStatus,
    MitigationDecision,
)
from waymark.people.models import Person


def _condition_current(person: Person) -> tuple[Condition | None, bool]:
    """The person's current condition (the newest decided that has not ceased) and whether a
    breach since its fitting is stored: one query. On PostgreSQL a statement written once (every
    ingested breach asks; the ORM compiled it each time)."""
    if connection.vendor != "postgresql":
        found = (
            Condition.objects.filter(person=person)
            .exclude(status=ConditionStatus.CEASED)
            .annotate(
                breach_since_fitting=Exists(
                    Breach.objects.filter(person=person, started_at__gte=OuterRef("fitted_at"))
                )
            )
            .order_by("-decided_at")
            .first()
        )
        return found, bool(getattr(found, "breach_since_fitting", False))
    row = fetch_one(connection, _condition_current_sql(), (person.pk, person.pk))
    if row is None:
        return None, False
    condition = cast(Condition, row_models.instance(Condition, row[:-1], connection.alias))
    return condition, bool(row[-1])


@cache
def _condition_current_sql() -> str:
    return (
        f"SELECT {row_models.columns_sql(Condition, 'c')}, EXISTS ("  # noqa: S608 - names from models
        "SELECT 1 FROM monitoring_breach b WHERE b.person_id = %s AND b.started_at >= c.fitted_at"
        f") FROM monitoring_condition c WHERE c.person_id = %s AND c.status <> "
        f"'{ConditionStatus.CEASED.value}' ORDER BY c.decided_at DESC LIMIT 1"
    )


_ACTIONABLE_COUNT_SQL = f"""
SELECT (
    SELECT count(*) FROM monitoring_breach b
    WHERE b.person_id = %s AND b.disposition = '{BreachDisposition.ACTIONABLE.value}'
      AND NOT EXISTS (
          SELECT 1 FROM monitoring_mitigation m
          WHERE m.breach_id = b.id AND m.decision = '{MitigationDecision.ACCEPTED.value}'
      )
) + (SELECT count(*) FROM monitoring_accumulatedviolation v WHERE v.person_id = %s)
"""  # noqa: S608 - constants from the models' choices


def _actionable_count(person: Person) -> int:
    """Actionable breaches and accumulated violations so far, less any whose mitigation was accepted.

    Both counts in one query (two scalar subqueries), as the ingest path calls this per breach;
    on PostgreSQL a statement written once (the ORM compiled it for every breach)."""
    if connection.vendor == "postgresql":
        return int(fetch_one(connection, _ACTIONABLE_COUNT_SQL, (person.pk, person.pk))[0])
    breaches = (
        Breach.objects.filter(person=OuterRef("pk"), disposition=BreachDisposition.ACTIONABLE)
        .exclude(mitigations__decision=MitigationDecision.ACCEPTED)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    violations = (
        AccumulatedViolation.objects.filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    counts = (
        Person._base_manager.filter(pk=person.pk)
        .annotate(
            b=Coalesce(Subquery(breaches), Value(0)), v=Coalesce(Subquery(violations), Value(0))
        )
        .values_list("b", "v")
        .get()
    )
    return counts[0] + counts[1]


def _battery_pending_locked(person: Person) -> list[Breach]:
    """The person's ended battery breaches not yet counted, locked, oldest first. On PostgreSQL
    one statement written once (every battery breach ingested asks)."""
    if connection.vendor != "postgresql":
        return list(
            Breach.objects.select_for_update()
            .filter(
                person=person,
                breach_type=rules.BATTERY,
                disposition=BreachDisposition.BATTERY_BELOW,
                ended_at__isnull=False,
            )
            .order_by("started_at", "pk")
        )
    rows = fetch_all(connection, _battery_pending_sql(), (person.pk,))
    return [cast(Breach, row_models.instance(Breach, row, connection.alias)) for row in rows]


@cache
def _battery_pending_sql() -> str:
    return (
        f"SELECT {row_models.columns_sql(Breach, 'b')} FROM monitoring_breach b "  # noqa: S608 - names and constants from the models
        f"WHERE b.person_id = %s AND b.breach_type = '{rules.BATTERY}' "
        f"AND b.disposition = '{BreachDisposition.BATTERY_BELOW.value}' "
        "AND b.ended_at IS NOT NULL ORDER BY b.started_at, b.id FOR UPDATE"
    )
