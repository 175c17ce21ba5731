"""The measures' read model (issue 17 item 4): rebuild ``MeasureFact`` from the records.

Every measure is over the visits undertaken (deployed or closed), so every row is dated by its
visit's planned day (London) and carries its visit's team: a period and a team on the page are a
SUM over rows (``selectors.measures_read_model``). Definitions are those of
``selectors.measures`` (the live computation, which the tests hold these rows to). Counts of
distinct visits are additive because a visit has one day and one team; the offenders of the
measure of effect are kept one row per person and day (a person met twice in a period is counted
once when read), with the outcome criminal casework publishes for them at rebuild time.

Between whole rebuilds (``core.read_models``: every ``READ_MODEL_FULL_REBUILD_EVERY``),
``measures_read_model_update`` recounts only the (team, day) groups whose records changed: on
PostgreSQL triggers note each changed group in ``MeasureChange`` (migration 0004). The offenders'
rows depend on records of other modules (a person merged, a removal outcome published), which
note nothing here, and the overdue visits on the clock: both are counted whole every time, and
only their difference written.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate

from waymark.core.clock import LONDON
from waymark.core.published import published
from waymark.core.read_models import WRITE_ALIAS, FactsWriter
from waymark.operations import rules
from waymark.operations.models import (
    CriticalIncident,
    Debrief,
    EmployerSanction,
    Encounter,
    MeasureChange,
    MeasureFact,
    SafeguardingRecord,
    Visit,
    VisitOfficer,
    VisitStatus,
)
from waymark.operations.selectors.measures import UNDERTAKEN, _accepted_q, _joint_q

READ_MODEL = "operations.measures"
# Measures counted whole on every update (see the module's docstring).
WHOLE = frozenset({"offender", "overdue_now"})
_GROUPS = "waymark_measure_groups"  # temporary tables of an update
_VISITS = "waymark_measure_visits"


def _visits() -> QuerySet[Visit]:
    return Visit.objects.filter(status__in=UNDERTAKEN)


def _visit_keys(prefix: str) -> dict[str, Any]:
    return {
        "day": TruncDate(f"{prefix}planned_start", tzinfo=LONDON),
        "team": F(f"{prefix}team_id"),
    }


def _in_scope(qs: QuerySet, scope: RawSQL | None, prefix: str) -> QuerySet:
    """Only the records of the visits an update recounts (all of them when ``scope`` is None)."""
    if scope is None:
        return qs
    return qs.filter(**{"pk__in" if prefix == "" else f"{prefix}id__in": scope})


def _write_by_visit(
    writer: FactsWriter,
    qs: QuerySet,
    measure: str,
    prefix: str = "visit__",
    scope: RawSQL | None = None,
    **keys,
) -> None:
    """Rows of a table hanging off a visit, dated and teamed by the visit, counted and written by
    the database (the rows never come to Python)."""
    undertaken = _in_scope(qs.filter(**{f"{prefix}status__in": UNDERTAKEN}), scope, prefix)
    writer.grouped(undertaken, measure=measure, **_visit_keys(prefix), **keys)


def _offender_rows(writer: FactsWriter, scope: RawSQL | None) -> list[dict[str, Any]]:
    offenders = Encounter.objects.filter(visit__status__in=UNDERTAKEN, result="offender")
    unlinked = offenders.filter(person__isnull=True)
    _write_by_visit(writer, unlinked, "offender_unlinked", scope=scope)
    linked = (
        offenders.filter(person__isnull=False)
        .annotate(
            pid=Coalesce("person__merged_into", "person"),
            d=TruncDate("visit__planned_start", tzinfo=LONDON),
        )
        .order_by()
        .values_list("d", "visit__team_id", "pid")
        .distinct()
    )
    triples = list(linked)
    query = published("casework.removal_outcomes_for_people")
    pids = {pid for _d, _t, pid in triples}
    outcomes = query(sorted(pids)) if query and pids else {}
    counts: Counter = Counter(triples)
    return [
        {
            "measure": "offender",
            "day": d,
            "team_id": team,
            "k1": str(pid),
            "k2": outcomes.get(pid, "not_known"),
            "n": n,
        }
        for (d, team, pid), n in counts.items()
    ]


def _closure_rows(writer: FactsWriter, scope: RawSQL | None) -> list[dict[str, Any]]:
    closed = _in_scope(
        _visits().filter(status=VisitStatus.CLOSED, closed_at__isnull=False), scope, ""
    )
    on_time = ExpressionWrapper(
        Q(closure_due_at__isnull=False, closed_at__lte=F("closure_due_at")),
        output_field=BooleanField(),
    )
    _write_by_visit(writer, closed.annotate(on_time=on_time), "closed", prefix="", k1=F("on_time"))
    hours: Counter = Counter()
    for start, closed_at, team in (
        closed.order_by().values_list("planned_start", "closed_at", "team_id").iterator()
    ):
        assert closed_at is not None  # filtered above; the stubs cannot see it
        value = (closed_at - start).total_seconds() / 3600
        hours[(start.astimezone(LONDON).date(), team, repr(value))] += 1
    return [
        {"measure": "closure_hours", "day": d, "team_id": t, "k1": v, "n": n}
        for (d, t, v), n in hours.items()
    ]


def _write(writer: FactsWriter, as_of: datetime, scope: RawSQL | None) -> None:
    """Every measure's rows; with ``scope``, of the visits it holds only (but ``WHOLE``)."""

    def by_visit(qs: QuerySet, measure: str, prefix: str = "visit__", **keys) -> None:
        _write_by_visit(writer, qs, measure, prefix, scope, **keys)

    visits = _visits()
    by_visit(visits, "visit_rating", prefix="", k1=F("risk_rating"), k2=F("intended_power"))
    by_visit(visits, "visit_sector", prefix="", k1=F("premises__sector__name"))
    by_visit(visits.filter(_joint_q()), "visit_joint", prefix="")
    by_visit(Encounter.objects.all(), "encounter", k1=F("nationality"), k2=F("action"))
    by_visit(Encounter.objects.all(), "encounter_result", k1=F("result"), k2=F("action"))
    by_visit(EmployerSanction.objects.all(), "sanction", k1=F("kind"))
    by_visit(SafeguardingRecord.objects.all(), "safeguarding", k1=F("kind"))
    by_visit(CriticalIncident.objects.all(), "incident")
    by_visit(Debrief.objects.all(), "debrief", k1=F("intelligence_accuracy"))
    accepted = ExpressionWrapper(_accepted_q(), output_field=BooleanField())
    by_visit(VisitOfficer.objects.annotate(ok=accepted), "officer", k1=F("ok"))
    short = VisitOfficer.objects.filter(visit=OuterRef("pk")).exclude(_accepted_q())
    by_visit(visits.filter(Exists(short)), "visit_short", prefix="")
    records = SafeguardingRecord.objects.filter(visit=OuterRef("pk"))
    flagged = visits.filter(Exists(records.filter(kind__in=["vulnerability", "nrm"])))
    by_visit(flagged, "nrm_flagged", prefix="")
    by_visit(flagged.filter(Exists(records.filter(kind="nrm"))), "nrm_flagged_referred", prefix="")
    writer.grouped(
        Visit.objects.filter(status=VisitStatus.DEPLOYED, closure_due_at__lt=as_of),
        measure="overdue_now",
        team=F("team_id"),
    )
    writer.rows(_closure_rows(writer, scope) + _offender_rows(writer, scope))


def measures_read_model_rebuild(as_of: datetime) -> int:
    """Rewrite every summary row of the measures (in the caller's transaction:
    ``core.read_models.read_model_refresh``). The counts are made and written by the database;
    only the closure hours and the offenders' outcomes pass through Python. The changes noted so
    far are taken: this rebuild counts them."""
    connection = connections[WRITE_ALIAS]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {MeasureChange._meta.db_table}")  # noqa: S608 - a name
    writer = FactsWriter(MeasureFact)
    _write(writer, as_of, None)
    return writer.finish()


def measures_read_model_update(as_of: datetime) -> int | None:
    """Recount only the (team, day) groups whose records changed since the last rebuild or update
    (``MeasureChange``), and the ``WHOLE`` measures; returns by how much the table's row count
    changed, or None (a whole rebuild is wanted) on SQLite, which notes no changes, or past
    ``rules.MEASURES_UPDATE_MAX_GROUPS`` groups.

    The changes are taken (deleted) in this transaction: a change committed after it is left for
    the next update, and one whose group is recounted here is counted whether it committed
    before or after the take (each statement reads what has committed by then)."""
    connection = connections[WRITE_ALIAS]
    if connection.vendor != "postgresql":
        return None
    changes = MeasureChange._meta.db_table
    with connection.cursor() as cursor:
        for name in (_GROUPS, _VISITS):
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_GROUPS} (team_id bigint, day date) ON COMMIT DROP"
        )
        cursor.execute(
            f"WITH taken AS (DELETE FROM {changes} RETURNING team_id, day) "  # noqa: S608 - names
            f"INSERT INTO {_GROUPS} SELECT DISTINCT team_id, day FROM taken"
        )
        if cursor.rowcount > rules.MEASURES_UPDATE_MAX_GROUPS:
            return None
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_VISITS} ON COMMIT DROP AS "  # noqa: S608 - names only
            f"SELECT v.id FROM {Visit._meta.db_table} v JOIN {_GROUPS} g ON v.team_id = g.team_id "
            "AND v.planned_start >= (CAST(g.day AS timestamp) AT TIME ZONE %s) "
            "AND v.planned_start < (CAST(g.day + 1 AS timestamp) AT TIME ZONE %s)",
            [str(LONDON), str(LONDON)],
        )
        cursor.execute(f"ANALYZE {_GROUPS}")
        cursor.execute(f"ANALYZE {_VISITS}")
    writer = FactsWriter(MeasureFact, groups=_GROUPS, whole=WHOLE)
    visits = RawSQL(f"SELECT id FROM {_VISITS}", ())  # noqa: S608, S611 - a name only
    _write(writer, as_of, visits)
    return writer.finish()
