"""The fairness read model's sums (issue 20 item 5): the page's counts of the last N months, read
from ``oversight.fairness`` (``services.fairness_read_model`` builds it) as the sum of its bands,
kept per process for one build (``_SUMS``). A protected breakdown is one consultation entry each
time it is read, whether or not its sums were kept."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from waymark.core import clock
from waymark.core.fairness import DecisionPoint

if TYPE_CHECKING:
    from waymark.oversight.selectors.fairness import Dimension


READ_MODEL = "oversight.fairness"
PEOPLE = "__people__"  # the read model's "dimension" holding each band's count of people


def fairness_read_model_as_of() -> datetime:
    """The as-of time of the fairness read model's rows, rebuilding them first when they are
    older than ``core.rules.READ_MODEL_MAX_AGE`` or were built on another day (the page's periods
    end today)."""
    from waymark.core.read_models import read_model_as_of, read_model_refresh

    as_of = read_model_as_of(READ_MODEL)
    if as_of.astimezone(clock.LONDON).date() != clock.today():
        fresh = read_model_refresh(READ_MODEL)
        if fresh is not None:
            as_of = fresh.as_of
    return as_of


# The summed bands of one (as-of, point, dimension, period): the read model's rows change only
# when it is rebuilt, and a rebuild gives a new as-of, so a sum read once is the sum until then.
# Per process, a few entries (points x dimensions x periods of the latest builds); a sum never
# outlives its build's as-of, so a page never shows counts older than the as-of it states.
_SUMS: dict[tuple, tuple[Counter, Counter, int]] = {}
_SUMS_MAX = 512


def forget_band_sums() -> None:
    """Drop this process's sums (the read model was rebuilt here)."""
    _SUMS.clear()


def _band_sums(
    as_of: datetime, point: DecisionPoint, dimension: Dimension, months: int
) -> tuple[Counter, Counter, int]:
    """(totals, outcomes, people) of the last ``months`` months for ``dimension``: the sum of the
    read model's bands up to it, as built at ``as_of``."""
    from django.db.models import Sum

    from waymark.oversight.models import FairnessCount

    key = (as_of, point.key, dimension.key, months)
    if key in _SUMS:
        return _SUMS[key]
    rows = FairnessCount.objects.filter(decision_point=point.key, months__lte=months)
    people = 0
    if dimension.protected:
        people = next(
            iter(rows.filter(dimension=PEOPLE, months=months).values_list("decisions", flat=True)),
            0,
        )
    totals: Counter = Counter()
    outcomes: Counter = Counter()
    for group, n, a in (
        rows.filter(dimension=dimension.key)
        .order_by()
        .values("group")
        .annotate(n=Sum("decisions"), a=Sum("outcomes"))
        .values_list("group", "n", "a")
    ):
        totals[group] += n
        outcomes[group] += a
    if len(_SUMS) >= _SUMS_MAX or any(k[0] != as_of for k in _SUMS):
        _SUMS.clear()  # a new build: the older sums are never read again
    _SUMS[key] = (totals, outcomes, people)
    return _SUMS[key]


def _counts_from_read_model(
    *, actor, point: DecisionPoint, dimension: Dimension, months: int, as_of: datetime
) -> tuple[Counter, Counter, int]:
    """The counts of the last ``months`` months from the read model built at ``as_of``. A
    protected breakdown is still one consultation entry for the reader, every time, naming how
    many people the counts are about (``_resolve`` has checked the permission)."""
    totals, outcomes, people = _band_sums(as_of, point, dimension, months)
    if dimension.protected:
        from waymark.people.services import protected_characteristics_consulted

        protected_characteristics_consulted(
            actor=actor,
            characteristic=dimension.key,
            people_count=people,
            purpose=f"Equality monitoring of outcomes: {point.label}",
        )
    return Counter(totals), Counter(outcomes), sum(totals.values())
