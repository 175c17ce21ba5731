"""The measures' read model (issue 17 item 4): rebuild ``MeasureFact`` from the records.

Every measure is over the visits undertaken (deployed or closed), so every row is dated by its
visit's planned day (London) and carries its visit's team: a period and a team on the page are a
SUM over rows (``selectors.measures_read_model``). Definitions are those of
``selectors.measures`` (the live computation, which the tests hold these rows to). Counts of
distinct visits are additive because a visit has one day and one team; the offenders of the
measure of effect are kept one row per person and day (a person met twice in a period is counted
once when read), with the outcome criminal casework publishes for them at rebuild time.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, TruncDate

from waymark.core.clock import LONDON
from waymark.core.published import published
from waymark.core.read_models import FactsWriter
from waymark.operations.models import (
    CriticalIncident,
    Debrief,
    EmployerSanction,
    Encounter,
    MeasureFact,
    SafeguardingRecord,
    Visit,
    VisitOfficer,
    VisitStatus,
)
from waymark.operations.selectors.measures import UNDERTAKEN, _accepted_q, _joint_q

READ_MODEL = "operations.measures"


def _visits() -> QuerySet[Visit]:
    return Visit.objects.filter(status__in=UNDERTAKEN)


def _visit_keys(prefix: str) -> dict[str, Any]:
    return {
        "day": TruncDate(f"{prefix}planned_start", tzinfo=LONDON),
        "team": F(f"{prefix}team_id"),
    }


def _write_by_visit(
    writer: FactsWriter, qs: QuerySet, measure: str, prefix: str = "visit__", **keys
) -> None:
    """Rows of a table hanging off a visit, dated and teamed by the visit, counted and written by
    the database (the rows never come to Python)."""
    undertaken = qs.filter(**{f"{prefix}status__in": UNDERTAKEN})
    writer.grouped(undertaken, measure=measure, **_visit_keys(prefix), **keys)


def _offender_rows(writer: FactsWriter) -> list[dict[str, Any]]:
    offenders = Encounter.objects.filter(visit__status__in=UNDERTAKEN, result="offender")
    _write_by_visit(writer, offenders.filter(person__isnull=True), "offender_unlinked")
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


def _closure_rows(writer: FactsWriter) -> list[dict[str, Any]]:
    closed = _visits().filter(status=VisitStatus.CLOSED, closed_at__isnull=False)
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


def measures_read_model_rebuild(as_of: datetime) -> int:
    """Rewrite every summary row of the measures (in the caller's transaction:
    ``core.read_models.read_model_refresh``). The counts are made and written by the database;
    only the closure hours and the offenders' outcomes pass through Python."""
    writer = FactsWriter(MeasureFact)

    def by_visit(qs: QuerySet, measure: str, prefix: str = "visit__", **keys) -> None:
        _write_by_visit(writer, qs, measure, prefix, **keys)

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
    writer.rows(_closure_rows(writer) + _offender_rows(writer))
    return writer.finish()
