"""The EM figures' read model (issue 17 item 4): rebuild ``FigureFact`` from the records.

One GROUP BY per figure, each row dated by the London day its figure is dated by, so any period
the page asks for is a SUM over rows (``selectors.figures_read_model``). The definitions are those
of ``selectors.figures`` (the live computation, which the tests hold these rows to):

- people on EM at a moment: a condition decided before it and not ended before it. A condition
  decided on day d and ended on day e is in force at the start of every day T with d < T <= e,
  so its row runs from d + 1 (``day``) until e + 1 (``until``). People are counted once: each
  person's conditions are merged into disjoint runs first, so a SUM over runs in force is a count
  of people.
- everything else: the count of records by the London date of their timestamp (or their date).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate

from waymark.core.clock import LONDON
from waymark.core.read_models import facts_grouped, facts_replace
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    Challenge,
    Condition,
    ConditionStatus,
    DeviceFault,
    DeviceStock,
    Exemption,
    FigureFact,
    FittingOrder,
    OrderStatus,
    Review,
    ReviewStatus,
    ServiceFigure,
    TrailDataRequest,
)
from waymark.monitoring.selectors.figures import awaiting_device_counts
from waymark.monitoring.selectors.lists import current_exemptions
from waymark.people.models import BailGrant, PersonNationality

READ_MODEL = "monitoring.figures"


def _day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=LONDON)


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _london_day(moment: datetime | None):
    return None if moment is None else moment.astimezone(LONDON).date()


def _on_em_rows() -> list[dict[str, Any]]:
    """Runs of days each person is on EM (merged), by sex and by nationality; and conditions in
    force by status and device."""
    one = timedelta(days=1)
    by_person: dict[int, list[tuple[Any, Any]]] = {}
    sex: dict[int, str] = {}
    condition_runs: Counter = Counter()
    for person_id, person_sex, decided_at, ended_at, status, device in (
        Condition.objects.order_by()
        .values_list("person_id", "person__sex", "decided_at", "ended_at", "status", "device_type")
        .iterator(chunk_size=10000)
    ):
        start = _london_day(decided_at) + one
        end = None if ended_at is None else _london_day(ended_at) + one
        if end is not None and end <= start:
            continue  # ended before any day it was decided before: never in force at a midnight
        by_person.setdefault(person_id, []).append((start, end))
        sex[person_id] = person_sex
        condition_runs[(start, end, status, device)] += 1
    runs: list[tuple[int, Any, Any]] = []
    for person_id, spans in by_person.items():
        spans.sort(key=lambda s: s[0])
        cur_start, cur_end = spans[0]
        for start, end in spans[1:]:
            if cur_end is None or start <= cur_end:
                cur_end = None if cur_end is None or end is None else max(cur_end, end)
            else:
                runs.append((person_id, cur_start, cur_end))
                cur_start, cur_end = start, end
        runs.append((person_id, cur_start, cur_end))
    countries: dict[int, set[str]] = {}
    for person_id, country in (
        PersonNationality.objects.filter(person_id__in=list(by_person))
        .order_by()
        .values_list("person_id", "country")
        .iterator(chunk_size=10000)
    ):
        countries.setdefault(person_id, set()).add(country)
    person_rows: Counter = Counter()
    country_rows: Counter = Counter()
    for person_id, start, end in runs:
        person_rows[(start, end, sex[person_id])] += 1
        for country in countries.get(person_id, ()):
            country_rows[(start, end, country)] += 1
    rows = [
        {"measure": "on_em_person", "day": s, "until": e, "k1": k or "", "n": n}
        for (s, e, k), n in person_rows.items()
    ]
    rows += [
        {"measure": "on_em_country", "day": s, "until": e, "k1": k or "", "n": n}
        for (s, e, k), n in country_rows.items()
    ]
    rows += [
        {"measure": "on_em_condition", "day": s, "until": e, "k1": st, "k2": dev, "n": n}
        for (s, e, st, dev), n in condition_runs.items()
    ]
    return rows


def _supplier_rows() -> list[dict[str, Any]]:
    orders = FittingOrder.objects.filter(kind="install")
    flags = orders.annotate(
        answered=_flag(Q(slot_answered_at__isnull=False)),
        slot=_flag(Q(confirmed_slot_start__isnull=False)),
        silent=_flag(Q(silence_flagged_at__isnull=False)),
    )
    rows = []
    for row in (
        flags.order_by()
        .annotate(d=_day("created_at"))
        .values("d", "status", "answered", "slot", "silent")
        .annotate(n=Count("pk"))
    ):
        code = ("a" if row["answered"] else "") + ("c" if row["slot"] else "")
        code += "s" if row["silent"] else ""
        rows.append(
            {
                "measure": "install_order",
                "day": row["d"],
                "k1": row["status"],
                "k2": code,
                "n": row["n"],
            }
        )
    # Hours from order to fitting, exactly as the live figure computes them (its median is of
    # these values), so a period's median is the median of the values its rows hold.
    hours: Counter = Counter()
    for created_at, outcome_at in (
        orders.filter(status=OrderStatus.FITTED, outcome_at__isnull=False)
        .order_by()
        .values_list("created_at", "outcome_at")
        .iterator(chunk_size=10000)
    ):
        assert outcome_at is not None  # filtered above; the stubs cannot see it
        value = (outcome_at - created_at).total_seconds() / 3600
        hours[(_london_day(created_at), repr(value))] += 1
    rows += [{"measure": "fitting_hours", "day": d, "k1": v, "n": n} for (d, v), n in hours.items()]
    return rows


def figures_read_model_rebuild(as_of: datetime) -> int:
    """Rewrite every summary row of the EM figures (in the caller's transaction:
    ``core.read_models.read_model_refresh``)."""
    rows: list[dict[str, Any]] = _on_em_rows()
    rows += facts_grouped(
        Condition.objects.filter(status=ConditionStatus.ACTIVE),
        measure="active_device",
        k1=F("device_type"),
    )
    rows += facts_grouped(
        Breach.objects.all(),
        measure="breach",
        day=_day("received_at"),
        k1=F("breach_type"),
        k2=F("disposition"),
    )
    rows += facts_grouped(
        AccumulatedViolation.objects.all(), measure="violation", day=_day("raised_at")
    )
    rows += facts_grouped(
        Review.objects.filter(status=ReviewStatus.COMPLETED, decided_at__isnull=False),
        measure="review_completed",
        day=_day("decided_at"),
        k1=F("outcome"),
    )
    rows += facts_grouped(
        Review.objects.filter(status__in=[ReviewStatus.DUE, ReviewStatus.AWAITING_SIGN_OFF]),
        measure="review_open",
        day=F("due_on"),
    )
    rows += facts_grouped(
        Challenge.objects.all(),
        measure="challenge",
        day=F("received_on"),
        k1=F("kind"),
        k2=F("outcome"),
    )
    rows += facts_grouped(
        Challenge.objects.filter(is_complaint=True),
        measure="complaint",
        day=F("received_on"),
    )
    rows += facts_grouped(
        TrailDataRequest.objects.all(),
        measure="trail",
        day=_day("requested_at"),
        k1=F("requester_kind"),
        k2=F("outcome"),
    )
    rows += facts_grouped(
        TrailDataRequest.objects.filter(too_broad=True),
        measure="trail_too_broad",
        day=_day("requested_at"),
    )
    rows += facts_grouped(
        ServiceFigure.objects.all(),
        measure="service_met",
        day=F("month"),
        k1=F("measure"),
        n=Sum("met"),
    )
    rows += facts_grouped(
        ServiceFigure.objects.all(),
        measure="service_total",
        day=F("month"),
        k1=F("measure"),
        n=Sum("total"),
    )
    rows += _supplier_rows()
    rows += facts_grouped(
        DeviceFault.objects.all(),
        measure="fault",
        day=_day("reported_at"),
        k1=F("cause"),
    )
    rows += facts_grouped(
        BailGrant.objects.annotate(
            with_em=Exists(Condition.objects.filter(bail_grant=OuterRef("pk")))
        ),
        measure="bail_grant",
        day=_day("granted_at"),
        k1=F("granted_by"),
        k2=F("with_em"),
    )
    rows += facts_grouped(
        Exemption.objects.all(),
        measure="exemption",
        day=F("decided_on"),
        k1=F("ground"),
    )
    rows.append({"measure": "exemption_current", "n": current_exemptions().count()})
    for stock in DeviceStock.objects.all():
        rows.append(
            {"measure": "device_planned", "k1": stock.device_type, "n": stock.planned_in_use}
        )
        rows.append({"measure": "device_available", "k1": stock.device_type, "n": stock.available})
    rows += [
        {"measure": "awaiting_device", "k1": key, "n": n}
        for key, n in awaiting_device_counts().items()
        if key != "released_total"
    ]
    return facts_replace(FigureFact, rows)
