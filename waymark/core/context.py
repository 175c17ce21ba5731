"""Who is acting, and through which channel, for the audit trail.

The web middleware, the API authentication, management commands and the job worker each set this
so that services can audit without every caller passing the channel down.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ActingContext:
    channel: str = "system"  # web, api, job, command, system
    client_label: str = ""  # a machine client, for the API
    request_id: str = ""


_current: contextvars.ContextVar[ActingContext] = contextvars.ContextVar(
    "waymark_acting",
    default=ActingContext(),  # noqa: B039 - frozen dataclass, immutable
)


def current() -> ActingContext:
    return _current.get()


@contextlib.contextmanager
def acting(channel: str, client_label: str = "", request_id: str = "") -> Iterator[ActingContext]:
    ctx = ActingContext(channel=channel, client_label=client_label, request_id=request_id)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_current(ctx: ActingContext) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
