"""One writer a person at a time, for the writes that keep "one open X a person"."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def people_lock(person_ids: Iterable[int]) -> None:
    """Hold, to the end of the caller's transaction, each person's row locked against another
    writer that takes this lock (PostgreSQL; SQLite already has one writer at a time).

    A service that allows one open thing a person (a referral awaiting checks, removal directions,
    a pending detention request, a breach ladder step) takes it before it repeats its "already
    one open" check inside its transaction: two people acting at the same moment are then served
    one after the other and the second is refused with the reason, where otherwise both passed
    the check made before either wrote (two open rows, or a unique constraint's 500).

    A row lock (``FOR NO KEY UPDATE``: it does not block rows that refer to the person, and an
    edit of the person waits at most for one such write) rather than an advisory lock a person:
    a batch of 5,000 people would hold 5,000 advisory locks in PostgreSQL's shared lock table,
    sized by default for 64 a connection. Taken in ascending id order, so batches never deadlock
    on it. The application's database role has UPDATE on ``people_person``, which it needs."""
    if connection.vendor != "postgresql":
        return
    ids = sorted({int(pk) for pk in person_ids})
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM people_person WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE", [ids]
        )
