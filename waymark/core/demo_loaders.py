"""The demo loaders each module registers (``registrations.py``), run in order by ``demo_load``.

The demo generator builds the platform's data (teams, staff, people, their work) and then calls
each registered loader, so the platform never imports a module to build the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoLoader:
    name: str
    load: Callable[..., dict[str, Any]]  # (*, anchor, scale, seed, progress) -> counts
    order: int  # lower runs first; modules that read another's demo data run after it
    scale_option: str = ""  # a demo_load option that overrides the scale for this loader


_LOADERS: dict[str, DemoLoader] = {}


def register_demo_loader(loader: DemoLoader) -> None:
    existing = _LOADERS.get(loader.name)
    if existing is not None and existing != loader:
        raise ValueError(f"Demo loader {loader.name!r} is already registered")
    _LOADERS[loader.name] = loader


def demo_loaders() -> list[DemoLoader]:
    return sorted(_LOADERS.values(), key=lambda loader: (loader.order, loader.name))
