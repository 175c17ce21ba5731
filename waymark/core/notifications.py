"""Notifications in the product: what a person should know without looking for it.

Modules call ``notify`` from their services when they give someone work, decide something that
person asked for, or finish a long job they started; the header shows the unread count and the
Notifications page lists them. A notification repeats what the audited change already recorded
(it is a message to its user, not a record of the change), so writing and reading them is not
audited separately; opening the page is logged like any other page that may name a person.
"""

from __future__ import annotations

import functools

from django.db import connection, connections, router
from django.db.models import QuerySet

from waymark.core import clock
from waymark.core.models import Notification

KINDS = {
    "work_given": "Work given to you",
    "decision": "A decision on your request",
    "job_finished": "A job you started has finished",
}


def notify(*, user, text: str, url: str = "", kind: str) -> Notification | None:
    """Tell ``user`` (nobody when it is None or a machine client)."""
    if user is None or getattr(user, "is_machine", False) or not getattr(user, "pk", None):
        return None
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}")
    _unread_forget(user)
    return Notification.objects.create(
        user=user, text=text[:300], url=url[:300], kind=kind, created_at=clock.now()
    )


def unread_count(user) -> int:
    """The header's count, on every signed-in page: one statement written once (the ORM's
    building of this COUNT cost more than the database's answer)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    cached = getattr(user, "_unread_count", None)  # read with the user (accounts.backends)
    if cached is not None:
        return int(cached)
    with connections[router.db_for_read(Notification)].cursor() as cursor:
        cursor.execute(unread_sql(), [user.pk])
        return int(cursor.fetchone()[0])


@functools.cache
def unread_sql() -> str:
    """The unread count of the user whose id is the one parameter."""
    q = connection.ops.quote_name
    meta = Notification._meta
    return (
        f"SELECT COUNT(*) FROM {q(meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {q(meta.get_field('user').column)} = %s "
        f"AND {q(meta.get_field('read_at').column)} IS NULL"
    )


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def notifications_mark_read(user) -> int:
    """Mark every unread notification of ``user`` read; returns how many were."""
    _unread_forget(user)
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=clock.now())


def _unread_forget(user) -> None:
    """Drop the unread count read with the user (``accounts.backends``): no longer true."""
    if getattr(user, "_unread_count", None) is not None:
        user._unread_count = None
