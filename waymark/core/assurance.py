"""The quality-assurance work registry: each module declares the kinds of work oversight may
sample and review (issue 20 item 1), so oversight never imports a module.

A module registers a ``WorkKind`` from ``register_oversight_feeds()`` in its registrations.py:
a key (``"monitoring.em_review_decision"``), a label, and a population function that returns the
candidate items done between two dates (inclusive), each a ``WorkItem`` with its id, the user who
did the work, their team, the date of the work, the person it is about and the page to open it.
Population functions read only their own module's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class WorkItem:
    id: int
    worker_id: int | None
    team_id: int | None
    on: date
    person_id: int | None = None
    url: str = ""
    category: str = ""  # e.g. a decision's outcome: what "100% of a category" rules select on


Population = Callable[[date, date], list[WorkItem]]


@dataclass(frozen=True)
class WorkKind:
    key: str
    label: str
    module: str
    population: Population = field(compare=False)
    categories: tuple[tuple[str, str], ...] = ()  # (value, label) a category rule may name


_KINDS: dict[str, WorkKind] = {}


def register_work_kind(kind: WorkKind) -> WorkKind:
    """Add a kind. The same key from the same module again replaces it harmlessly (a re-run of
    registrations); a key already taken by another module raises ``ValueError``."""
    existing = _KINDS.get(kind.key)
    if existing is not None and (existing.module, existing.label) != (kind.module, kind.label):
        raise ValueError(f"Work kind {kind.key!r} is already registered by {existing.module}")
    _KINDS[kind.key] = kind
    return kind


def work_kind(key: str) -> WorkKind | None:
    return _KINDS.get(key)


def work_kinds() -> list[WorkKind]:
    return sorted(_KINDS.values(), key=lambda k: k.label)


def work_kind_label(key: str) -> str:
    found = _KINDS.get(key)
    return found.label if found else key


def population(key: str, start: date, end: date) -> list[WorkItem]:
    """The candidate items of ``key`` done from ``start`` to ``end`` inclusive ([] if unknown)."""
    found = _KINDS.get(key)
    if found is None or end < start:
        return []
    return list(found.population(start, end))


def worker_teams(user_ids) -> dict[int, int]:
    """Each user's primary team id (their first team), for population functions to fill
    ``WorkItem.team_id`` in one query."""
    from waymark.accounts.models import User

    through = User.teams.through
    teams: dict[int, int] = {}
    for user_id, team_id in (
        through.objects.filter(user_id__in={u for u in user_ids if u})
        .order_by("user_id", "team_id")
        .values_list("user_id", "team_id")
    ):
        teams.setdefault(user_id, team_id)
    return teams
