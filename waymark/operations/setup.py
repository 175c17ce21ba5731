"""Registrations with the platform: task types, deadline rules, sweeps and visibility rules."""

from __future__ import annotations

import contextlib


def _safely(register, *args) -> None:
    with contextlib.suppress(ValueError):
        register(*args)


def task_types_register() -> None:
    """Task types and deadline rules (filled in by the services layer)."""


def visibility_register() -> None:
    """Widen person visibility for officers who encountered someone on a visit (selectors)."""
