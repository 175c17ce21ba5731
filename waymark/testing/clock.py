"""The suite's frozen moment. Tests ask the ``frozen`` fixture (see :mod:`waymark.testing.plugin`)
for it; a module that needs another moment overrides the ``frozen_at`` fixture."""

from __future__ import annotations

from datetime import datetime

from waymark.core import clock

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=clock.LONDON)  # a Wednesday
