"""Read-only queries one module publishes for others (docs/platform-contracts.md).

Modules never import each other (import-linter enforces it). When one module's figures need a
fact another module owns — the reporting population criminal casework defines, the removal
outcomes it records — the owner publishes a named query in its ``registrations.py`` and the
consumer asks for it by name. If the owner is not installed the consumer gets ``None`` and says so
on its page, instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_QUERIES: dict[str, Callable[..., Any]] = {}


def publish(name: str, query: Callable[..., Any]) -> None:
    """Publish ``query`` under ``name`` (``"<app>.<what>"``). The same query again is harmless; a
    different one under a name already taken is an error at start-up."""
    existing = _QUERIES.get(name)
    if existing is not None and existing is not query:
        raise ValueError(f"Query {name!r} is already published by {existing.__module__}")
    _QUERIES[name] = query


def published(name: str) -> Callable[..., Any] | None:
    """The query published under ``name``, or None when its owner is not installed."""
    return _QUERIES.get(name)


def published_names() -> list[str]:
    return sorted(_QUERIES)
