"""Per-process caches of rarely changed rows (a machine client and its permission), and the one
hook that empties them all: each cache registers its ``clear`` here, the test suite calls
``clear_all`` between tests (conftest.py), so no test sees another's rows."""

from __future__ import annotations

from collections.abc import Callable

_CLEARS: list[Callable[[], None]] = []


def register(clear: Callable[[], None]) -> Callable[[], None]:
    """Register a cache's ``clear`` (usable as a decorator); returns it."""
    if clear not in _CLEARS:
        _CLEARS.append(clear)
    return clear


def clear_all() -> None:
    for clear in _CLEARS:
        clear()
