"""The one source of "now" for Waymark.

Every rule, sweep and service asks ``clock.now()`` instead of ``timezone.now()`` so that tests and
demos can run at a chosen moment: set ``WAYMARK_FROZEN_TIME`` (ISO 8601) for a whole process, or
use ``with clock.frozen(dt):`` in a test.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")
_frozen: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "waymark_frozen", default=None
)


def _from_settings() -> datetime | None:
    raw = getattr(settings, "WAYMARK_FROZEN_TIME", "")
    if not raw:
        return None
    value = datetime.fromisoformat(raw)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=LONDON)
    return value


def now() -> datetime:
    """The current time, aware, in UTC (or the frozen time)."""
    frozen = _frozen.get() or _from_settings()
    if frozen is not None:
        return frozen.astimezone(ZoneInfo("UTC"))
    return timezone.now()


def today() -> date:
    """Today's date in Europe/London, where the caseworkers are."""
    return now().astimezone(LONDON).date()


@contextlib.contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Run the block as if it were ``at`` (naive values are read as Europe/London)."""
    if timezone.is_naive(at):
        at = at.replace(tzinfo=LONDON)
    token = _frozen.set(at)
    try:
        yield at
    finally:
        _frozen.reset(token)
