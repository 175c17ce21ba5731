"""The fairness read model's counting (``services.fairness_read_model`` rebuilds
``FairnessCount`` from it): each decision point's decisions and outcomes per period band and
group, for every dimension it can be broken down by, and the people each band is about. Kept
apart from ``selectors.fairness`` (the page's reading) so each stays a readable size."""

from __future__ import annotations

from datetime import date

from waymark.core.fairness import DecisionPoint
from waymark.oversight import rules
from waymark.oversight.selectors.fairness import (
    NOT_RECORDED,
    _group_expression,
    _group_keys,
    fairness_dimensions_of,
    period_for,
)


def fairness_band_counts(
    point: DecisionPoint, *, today: date
) -> dict[str, dict[tuple[int, str], tuple[int, int]]]:
    """``{dimension: {(band, group): (decisions, outcomes)}}`` of the point's decisions in each
    period band ending ``today``, for every dimension the point can be broken down by (the read
    model's rows). For a point with a QuerySet, one statement: a GROUP BY over the band and every
    dimension's group at once (one scan of the decisions, each person's attributes read once),
    added up per dimension here; the band of a decision is the shortest page period whose
    decisions include it. For a point without one, counted from its rows. Read as the system (a
    protected characteristic is one consultation entry for the rebuild)."""
    from django.db.models import Case, Count, IntegerField, Q, Value, When

    bands = sorted(rules.FAIRNESS_PERIOD_MONTHS)
    starts = {m: period_for(m, today=today)[0] for m in bands}
    longest = bands[-1]
    purpose = f"Equality monitoring of outcomes: {point.label} (the fairness figures' read model)"
    dimensions = fairness_dimensions_of(point)
    out: dict[str, dict[tuple[int, str], tuple[int, int]]] = {d.key: {} for d in dimensions}

    def add(dimension: str, band: int, value, n: int, a: int) -> None:
        key = (band, NOT_RECORDED if value in (None, "") else str(value))
        old = out[dimension].get(key, (0, 0))
        out[dimension][key] = (old[0] + n, old[1] + a)

    if point.queryset_fn is not None:
        qs = point.queryset_fn(starts[longest], today)
        if not qs.exists():  # nothing to count, and no protected characteristic read
            return out
        groups = {
            f"fairness_g_{d.key}": _group_expression(
                actor=None, point=point, dimension=d, qs=qs, purpose=purpose
            )
            for d in dimensions
        }
        band = Case(
            *[
                When(pk__in=point.queryset_fn(starts[m], today).values("pk"), then=Value(m))
                for m in bands[:-1]
            ],
            default=Value(longest),
            output_field=IntegerField(),
        )
        counted = (
            qs.annotate(fairness_band=band, **groups)
            .order_by()
            .values("fairness_band", *groups)
            .annotate(n=Count("pk"), a=Count("pk", filter=Q(fairness_outcome=True)))
        )
        for row in counted:
            for d in dimensions:
                add(d.key, row["fairness_band"], row[f"fairness_g_{d.key}"], row["n"], row["a"])
        return out
    rows = [r for r in point.rows(starts[longest], today) if starts[longest] <= r.on <= today]
    row_bands = [next(m for m in bands if r.on >= starts[m]) for r in rows]
    for d in dimensions:
        keys = _group_keys(actor=None, point=point, dimension=d, rows=rows, purpose=purpose)
        for key, row, b in zip(keys, rows, row_bands, strict=True):
            add(d.key, b, key, 1, int(row.outcome))
    return out


def fairness_band_people(point: DecisionPoint, *, today: date) -> dict[int, int]:
    """``{months: people}``: how many distinct people the decisions of the last ``months`` months
    are about (the number a protected breakdown's consultation entry names)."""
    bands = sorted(rules.FAIRNESS_PERIOD_MONTHS)
    starts = {m: period_for(m, today=today)[0] for m in bands}
    if point.queryset_fn is not None:
        return {
            m: point.queryset_fn(starts[m], today)
            .filter(fairness_person_id__isnull=False)
            .order_by()
            .values("fairness_person_id")
            .distinct()
            .count()
            for m in bands
        }
    rows = point.rows(starts[bands[-1]], today)
    return {
        m: len(
            {r.person_id for r in rows if r.person_id is not None and starts[m] <= r.on <= today}
        )
        for m in bands
    }
