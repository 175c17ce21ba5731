"""A write the database refused because another request had just made the same one.

Services check "already recorded / one open" and, where two people can act at the same moment,
check again under a lock (``docs/platform-contracts.md``). A unique key that still refuses a write
is a race a service does not yet close: the person is told it was done at the same moment by
someone else (409 Conflict, a page or problem details), nothing was saved, and the error is logged
with its traceback so the service can be fixed. Any other integrity error stays a 500."""

from __future__ import annotations

from django.db import IntegrityError

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for unique_violation


def is_unique_violation(exc: BaseException | None) -> bool:
    if not isinstance(exc, IntegrityError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:  # psycopg 3
        return sqlstate == UNIQUE_VIOLATION
    return str(exc).startswith("UNIQUE constraint failed")  # SQLite
