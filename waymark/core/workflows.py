"""The shape every state machine in Waymark takes (docs/platform-contracts.md, "workflows.py").

Each module's ``workflows.py`` declares, for every model with a ``status`` field, one
``Workflow``: the model, its ``Status`` choices and a ``TRANSITIONS`` table (state -> the states it
may move to). Services change a status only through ``workflow.move(obj, to)``, which refuses a
move the table does not allow with a ``TransitionNotAllowed`` (a ``ValidationError``, so pages
and the API show it as a clear error and nothing is saved).

Every workflow registers itself when its module is imported; ``registered()`` is what the
architecture test (tests/test_architecture.py) compares with the models that have a status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError


class TransitionNotAllowed(ValidationError):
    """A status change the model's TRANSITIONS table does not allow."""


@dataclass(frozen=True)
class Workflow:
    """One model's state machine: ``transitions[state]`` is the set of states it may move to.
    A state with no onward moves is final."""

    model: Any
    transitions: Mapping[str, frozenset[str]]
    field: str = "status"
    label: str = ""

    def __post_init__(self) -> None:
        choices = {str(value) for value, _ in self.model._meta.get_field(self.field).choices or ()}
        states = {str(s) for s in self.transitions}
        targets = {str(t) for moves in self.transitions.values() for t in moves}
        missing = choices - states
        unknown = (states | targets) - choices if choices else set()
        if missing or unknown:
            raise ImproperlyConfigured(
                f"{self.model._meta.label}.{self.field}: TRANSITIONS must name every state exactly "
                f"(missing {sorted(missing)}, unknown {sorted(unknown)})"
            )
        _register(self)

    @property
    def final(self) -> frozenset[str]:
        return frozenset(str(s) for s, moves in self.transitions.items() if not moves)

    def allowed(self, current: str, to: str) -> bool:
        return str(to) == str(current) or str(to) in {str(t) for t in self.transitions[current]}

    def _label(self, state: str) -> str:
        choices = dict(self.model._meta.get_field(self.field).choices or ())
        return str(choices.get(state, state)).lower()

    def check(self, obj: Any, to: str) -> None:
        """Raise ``TransitionNotAllowed`` unless ``obj`` may move from its status to ``to``."""
        current = getattr(obj, self.field)
        if not self.allowed(current, to):
            noun = self.label or self.model._meta.verbose_name
            raise TransitionNotAllowed(
                f"A {noun} that is {self._label(current)} cannot become {self._label(to)}"
            )

    def move(self, obj: Any, to: str) -> str:
        """Check the move, set the new status on ``obj`` (the caller saves it) and return the old
        status."""
        self.check(obj, to)
        old = getattr(obj, self.field)
        setattr(obj, self.field, to)
        return old

    def may_move_from(self, to: str) -> list[str]:
        """The states from which ``to`` may be reached (for conditional bulk updates)."""
        return [
            str(s) for s, moves in self.transitions.items() if str(to) in {str(t) for t in moves}
        ]


_REGISTRY: dict[tuple[str, str], Workflow] = {}


def _register(workflow: Workflow) -> None:
    key = (workflow.model._meta.label_lower, workflow.field)
    existing = _REGISTRY.get(key)
    if existing is not None and existing.transitions != workflow.transitions:
        raise ImproperlyConfigured(f"Two different workflows for {key[0]}.{key[1]}")
    _REGISTRY[key] = workflow


def registered() -> dict[tuple[str, str], Workflow]:
    return dict(_REGISTRY)


def for_model(model: Any, field: str = "status") -> Workflow:
    return _REGISTRY[(model._meta.label_lower, field)]


def table(pairs: Iterable[tuple[Any, Iterable[Any]]]) -> dict[str, frozenset[str]]:
    """Build a TRANSITIONS table from ``(state, onward states)`` pairs, as plain strings."""
    return {str(state): frozenset(str(t) for t in onward) for state, onward in pairs}
