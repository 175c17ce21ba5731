"""Facts one module announces for others to act on (docs/platform-contracts.md, "Core").

Modules never import each other. When something recorded in one module must start work in another
(an NRM referral recorded on an enforcement visit becomes a referral for the competent authority),
the owner calls ``emit("operations.nrm_referral_recorded", ...)`` inside its own transaction and
the other module, in its ``registrations.py``, has ``subscribe``d a handler to that name. Handlers
run synchronously in the emitter's transaction, in registration order, so a handler that refuses
(raises) undoes the emitter's write too: nothing is half-recorded. With no subscriber installed,
``emit`` does nothing and returns an empty list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]
_HANDLERS: dict[str, list[Handler]] = {}


def subscribe(name: str, handler: Handler) -> None:
    """Run ``handler(**payload)`` whenever ``name`` is emitted. The same handler twice is harmless."""
    handlers = _HANDLERS.setdefault(name, [])
    if handler not in handlers:
        handlers.append(handler)


def emit(name: str, **payload: Any) -> list[Any]:
    """Call every handler subscribed to ``name`` with ``payload``; return their results."""
    return [handler(**payload) for handler in list(_HANDLERS.get(name, ()))]


def subscribers(name: str) -> list[Handler]:
    return list(_HANDLERS.get(name, ()))
