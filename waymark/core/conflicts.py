"""A write the database refused because another request had just made the same one.

Services check "already recorded / one open" and, where two people can act at the same moment,
check again under a lock (``docs/platform-contracts.md``). A unique key that still refuses a write
is a race a service does not yet close: the person is told it was done at the same moment by
someone else (409 Conflict, a page or problem details), nothing was saved, and the error is logged
with its traceback so the service can be fixed. Any other integrity error stays a 500."""

from __future__ import annotations

from django.db import IntegrityError, InterfaceError, OperationalError

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for unique_violation


def is_unique_violation(exc: BaseException | None) -> bool:
    if not isinstance(exc, IntegrityError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:  # psycopg 3
        return sqlstate == UNIQUE_VIOLATION
    return str(exc).startswith("UNIQUE constraint failed")  # SQLite


# SQLSTATE classes and codes that say the database cannot answer now but may in a moment: a
# connection lost or refused (08), not enough resources (53: too many connections, disk full),
# an operator's intervention (57: shutdown, restart, a statement cancelled by its timeout), a
# transaction rolled back to be retried (40: deadlock, serialization), a lock not had in time
# (55P03). Anything else an OperationalError carries (54: a value past a limit, such as a text too
# long to index) fails the same way every time: a 500 to fix, not a 503 to retry.
_TRANSIENT_CLASSES = ("08", "40", "53", "57")
_TRANSIENT_CODES = ("55P03",)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached or cannot answer for now (answer 503
    with a time to retry), rather than refusing this request's statement (a 500)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if not sqlstate:  # no answer from the server at all (connection failed), or SQLite (locked)
        return True
    return sqlstate.startswith(_TRANSIENT_CLASSES) or sqlstate in _TRANSIENT_CODES
