"""One definition per figure (issue 20 item 3; oversight.md §3 "Insight", §6 "One definition per
figure"): the metric registry and the reconciliation checks.

Each module registers its management figures from ``register_oversight_feeds()`` in its
``registrations.py``; the platform's own figures (work's backlog) from ``work/registrations.py``.
A :class:`Metric` says what the figure is (name, definition, population, unit, whether higher is
better, who owns it) and how to compute it: ``compute(team=None)``, the value now, over the whole
population or one team's share of it. The figure's pages and exports name it with the same
``name`` and show the same ``definition`` (the ``metric`` template global and the
``core/_metric_definitions.html`` partial), so a page cannot define it its own way; ``pages`` lists
those pages' URL names and a test walks the registry to check each one shows the definition.

A :class:`Reconciliation` names two metrics that count the same thing from two sides (visits
overdue for closure, and the overdue closure tasks in the queues) and the difference tolerated; it
fails, and oversight shows it failing with both numbers, until the two agree.

Oversight reads this registry (and snapshots every metric daily, so a figure can be shown "as at"
a past date); it never imports a module, and no module imports oversight.

**Period and team** (issue 20 item 3's dashboards). A figure may declare that its computation can
be asked for one team (``by_team``) and for a period of days (``by_period``): ``compute`` is then
called with ``team=`` and with ``start=`` and ``end=`` (dates, both included) as keywords.
``value(team, start=, end=)`` asks for them; a figure that cannot be split that way gives None
(``splits(team=..., period=...)`` says whether it can), never its unsplit value under another
name. Figures that declare neither are called as before, ``compute(team=None)``.

``batch()`` lets figures that are read from one shared computation (the EM figures are one summary
of the period) compute it once while a page asks for many of them: inside ``with batch():``,
``shared(key, fn)`` returns ``fn()``'s result the first time and the same object after; outside
it, ``shared`` simply calls ``fn()``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from waymark.core import clock

UNITS = ("count", "percent", "hours", "days", "rate")


@dataclass(frozen=True)
class Metric:
    """A management figure, defined once.

    ``compute(team)`` returns the value now (an int, a float or None when there is nothing to
    count), for everyone or for one team (``team`` an ``accounts.Team``); ``by_team`` says whether
    the figure can be split by team at all. ``by_period`` says whether ``compute`` also takes
    ``start`` and ``end`` (dates, both included) and counts over those days instead of its default
    ``period``. ``as_of`` returns the time the value is true at (the figures read model's as-of
    time for figures read from summary rows); by default, now.
    """

    key: str  # "<module>.<figure>", unique
    name: str  # the label every page and export uses
    definition: str  # what is counted, in words, shown beside the figure
    population: str  # the records it counts over
    unit: str  # one of UNITS
    higher_is_better: bool | None  # None: neither (a workload count)
    owner: str  # the role or team that answers for the figure
    module: str  # the app that registers it
    compute: Callable[..., Any]
    by_team: bool = False
    pages: tuple[str, ...] = ()  # URL names of the pages and exports that show it
    as_of: Callable[[], datetime] | None = None
    period: str = "now"  # "now", or the period the figure covers (the page's default period)
    by_period: bool = False  # compute(team=, start=, end=) counts over the days asked for
    by_person: bool = False  # compute(team=, person=) counts one member of staff's share

    def splits(self, *, team: bool = False, period: bool = False, person: bool = False) -> bool:
        """Whether the figure can be asked for one team, a period of days and/or one person."""
        return (
            (not team or self.by_team)
            and (not period or self.by_period)
            and (not person or self.by_person)
        )

    def value(
        self,
        team: Any = None,
        *,
        start: date | None = None,
        end: date | None = None,
        person: Any = None,
    ) -> Any:
        """The value for everyone, or for ``team``, over its default period or (both given) the
        days ``start`` to ``end`` included, or (``person``) one member of staff's share (within
        ``team`` when given). None when the figure cannot be split that way."""
        if (start is None) != (end is None):
            raise ValueError("Give both the start and the end of a period, or neither")
        if not self.splits(
            team=team is not None, period=start is not None, person=person is not None
        ):
            return None
        extra: dict[str, Any] = {"person": person} if person is not None else {}
        if start is not None:
            return self.compute(team=team, start=start, end=end, **extra)
        return self.compute(team=team, **extra)

    def value_as_of(self) -> datetime:
        return self.as_of() if self.as_of is not None else clock.now()


@dataclass(frozen=True)
class Reconciliation:
    """Two figures that should agree, within ``tolerance`` (an absolute difference)."""

    key: str
    label: str
    left_metric: str
    right_metric: str
    tolerance: float = 0
    explanation: str = ""  # why they should agree, and what a difference means


@dataclass(frozen=True)
class ReconciliationResult:
    check: Reconciliation
    left: Metric
    right: Metric
    left_value: Any
    right_value: Any

    @property
    def difference(self) -> float | None:
        if self.left_value is None or self.right_value is None:
            return None
        return abs(self.left_value - self.right_value)

    @property
    def passed(self) -> bool:
        difference = self.difference
        return difference is not None and difference <= self.check.tolerance


_METRICS: dict[str, Metric] = {}
_RECONCILIATIONS: dict[str, Reconciliation] = {}


def register_metric(metric: Metric) -> None:
    """Register a figure. The same key twice with a different definition is an error at start-up;
    registering the very same definition again (a second ``ready()``) is not."""
    if metric.unit not in UNITS:
        raise ValueError(f"Metric {metric.key!r}: unit must be one of {', '.join(UNITS)}")
    existing = _METRICS.get(metric.key)
    if existing is not None and _identity(existing) != _identity(metric):
        raise ValueError(f"Metric {metric.key!r} is already registered")
    _METRICS[metric.key] = metric


def _identity(metric: Metric) -> tuple:
    # Two registrations from two ready() calls build new lambdas: compare what they say.
    return (
        metric.key,
        metric.name,
        metric.definition,
        metric.population,
        metric.unit,
        metric.higher_is_better,
        metric.owner,
        metric.module,
        metric.by_team,
        metric.pages,
        metric.period,
        metric.by_period,
        metric.by_person,
    )


def register_reconciliation(
    key: str,
    label: str,
    left_metric: str,
    right_metric: str,
    tolerance: float = 0,
    explanation: str = "",
) -> Reconciliation:
    """Declare that two registered figures should agree (within ``tolerance``)."""
    if tolerance < 0:
        raise ValueError(f"Reconciliation {key!r}: the tolerance cannot be negative")
    check = Reconciliation(key, label, left_metric, right_metric, tolerance, explanation)
    existing = _RECONCILIATIONS.get(key)
    if existing is not None and existing != check:
        raise ValueError(f"Reconciliation {key!r} is already registered")
    _RECONCILIATIONS[key] = check
    return check


def metrics() -> dict[str, Metric]:
    """Every registered figure, by key (sorted)."""
    return dict(sorted(_METRICS.items()))


def metric(key: str) -> Metric:
    try:
        return _METRICS[key]
    except KeyError:
        raise KeyError(f"No metric is registered as {key!r}") from None


def metrics_for_page(url_name: str) -> list[Metric]:
    """The figures a page (or export) shows, in the order registered."""
    return [m for m in _METRICS.values() if url_name in m.pages]


def metrics_for_module(module: str) -> list[Metric]:
    """A module's figures, by key."""
    return [m for m in metrics().values() if m.module == module]


_BATCH: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "waymark_metrics_batch", default=None
)


@contextmanager
def batch() -> Iterator[None]:
    """Within the block, ``shared`` computes each shared result once (a page asking for many
    figures read from one summary). Nested blocks share the outer one's results."""
    if _BATCH.get() is not None:
        yield
        return
    token = _BATCH.set({})
    try:
        yield
    finally:
        _BATCH.reset(token)


def shared(key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per ``key`` inside a ``batch()``; every time outside one."""
    cache = _BATCH.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def reconciliations() -> dict[str, Reconciliation]:
    """Every check whose two figures are both registered (a module not installed drops its
    checks rather than failing them)."""
    return {
        key: check
        for key, check in sorted(_RECONCILIATIONS.items())
        if check.left_metric in _METRICS and check.right_metric in _METRICS
    }


def reconciliation_run(check: Reconciliation, team: Any = None) -> ReconciliationResult:
    left, right = metric(check.left_metric), metric(check.right_metric)
    return ReconciliationResult(check, left, right, left.value(team), right.value(team))


def reconciliations_run(team: Any = None) -> list[ReconciliationResult]:
    return [reconciliation_run(check, team) for check in reconciliations().values()]


@dataclass
class _Unregister:
    """For tests: register figures for the length of a ``with`` block only."""

    metrics: list[Metric] = field(default_factory=list)
    checks: list[Reconciliation] = field(default_factory=list)

    def __enter__(self) -> _Unregister:
        self._before = (dict(_METRICS), dict(_RECONCILIATIONS))
        for m in self.metrics:
            register_metric(m)
        for c in self.checks:
            register_reconciliation(
                c.key, c.label, c.left_metric, c.right_metric, c.tolerance, c.explanation
            )
        return self

    def __exit__(self, *exc: object) -> None:
        _METRICS.clear()
        _METRICS.update(self._before[0])
        _RECONCILIATIONS.clear()
        _RECONCILIATIONS.update(self._before[1])


def registered_for_test(
    metrics: list[Metric] | None = None, checks: list[Reconciliation] | None = None
) -> _Unregister:
    return _Unregister(list(metrics or []), list(checks or []))
