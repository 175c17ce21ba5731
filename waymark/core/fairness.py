"""Decision points for fairness and safeguarding monitoring (issue 20 item 5; oversight.md §3).

Oversight watches outcomes at each decision point broken down by vulnerability, protected
characteristic, nationality, sector and team, but it may not import a module. So each module
declares its decision points here, from the fairness section of its ``register_oversight_feeds()``:

    register_decision_point(
        "casework.detention",                    # key: "<module>.<what>"
        "Detention gatekeeping",                 # label, as the page shows it
        "casework",                              # the module that owns the rows
        "Detention accepted",                    # what a True outcome means
        detention_rows,                          # rows_fn(start, end) -> iterable of DecisionRow
    )

``rows_fn(start, end)`` returns, for the dates ``start`` to ``end`` inclusive, one
``DecisionRow(person_id, team_id, outcome, on)`` per decision from the module's own tables: the
person decided about (``None`` when the decision names no Waymark person, e.g. an encounter not
yet linked), the team accountable for it, whether the outcome happened, and the date it was
decided. A row may also carry the ``sector`` (operations: the premises' business sector) and the
``nationality`` as recorded on the decision itself (used when no person is linked); a point that
fills them says so in ``carries``.

The rows hold ids only: the person's attributes (nationality, vulnerability, and the protected
characteristics behind their restricted permission) are read by oversight through the people
app, never by the module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from waymark.core import clock


class DecisionRow(NamedTuple):
    person_id: int | None
    team_id: int | None
    outcome: bool
    on: date
    sector: str = ""
    nationality: str = ""


RowsFn = Callable[[date, date], Iterable[DecisionRow | tuple]]
# Optional, for large volumes: the same decisions as a QuerySet annotated with
# ``fairness_person_id``, ``fairness_team_id`` and ``fairness_outcome`` (a boolean expression), and
# ``fairness_sector`` / ``fairness_nationality`` for a point that carries them. Oversight then
# counts each group in the database instead of in Python; the rows and the counts must agree.
QuerysetFn = Callable[[date, date], Any]

# The extra dimensions a decision point's rows may carry beyond the person and the team.
CARRIED_DIMENSIONS = frozenset({"sector", "nationality"})


@dataclass(frozen=True)
class DecisionPoint:
    key: str
    label: str
    module: str
    outcome_label: str
    rows_fn: RowsFn
    description: str = ""
    carries: tuple[str, ...] = ()
    queryset_fn: QuerysetFn | None = None

    def rows(self, start: date, end: date) -> list[DecisionRow]:
        return [
            r if isinstance(r, DecisionRow) else DecisionRow(*r) for r in self.rows_fn(start, end)
        ]


_POINTS: dict[str, DecisionPoint] = {}


def register_decision_point(
    key: str,
    label: str,
    module: str,
    outcome_label: str,
    rows_fn: RowsFn,
    *,
    description: str = "",
    carries: Iterable[str] = (),
    queryset_fn: QuerysetFn | None = None,
) -> DecisionPoint:
    """Declare a decision point. The same definition again is harmless; a different one under a
    key already taken is an error at start-up."""
    carried = tuple(sorted(set(carries)))
    unknown = set(carried) - CARRIED_DIMENSIONS
    if unknown:
        raise ValueError(f"Decision point {key!r} carries unknown dimensions {sorted(unknown)}")
    if not key.startswith(f"{module}."):
        raise ValueError(f"Decision point {key!r} must be named '{module}.<what>'")
    point = DecisionPoint(
        key, label, module, outcome_label, rows_fn, description, carried, queryset_fn
    )
    existing = _POINTS.get(key)
    if existing is not None and existing != point:
        raise ValueError(f"Decision point {key!r} is already registered by {existing.module}")
    _POINTS[key] = point
    return point


def decision_points() -> list[DecisionPoint]:
    """Every registered decision point, by module then label."""
    return sorted(_POINTS.values(), key=lambda p: (p.module, p.label))


def decision_point(key: str) -> DecisionPoint | None:
    return _POINTS.get(key)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as ``[start 00:00, the day after end 00:00)`` in London time, for filtering a
    date-time column with ``__gte`` / ``__lt`` (an index can serve it; ``__date`` cannot)."""
    return (
        datetime.combine(start, time.min, tzinfo=clock.LONDON),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=clock.LONDON),
    )


def local_day(at: datetime | None) -> date:
    """The London date of a stored (UTC) date-time (the row functions filter out empty ones)."""
    if at is None:
        raise ValueError("A decision row needs the date it was decided")
    return at.astimezone(clock.LONDON).date()
