"""Django's database sessions, with the one read every signed-in request makes on a kept cursor.

Every page and API call with a session reads its row first. Django's store builds that read with
the ORM (``Session.objects.get(...)``): about 0.4 ms of Python a request on PostgreSQL, against
0.15 ms for the same statement on the connection's kept cursor (``core.kept_cursors``; measured on
the fairness page, whose whole budget at x10 is about 4 ms). The statement and its answer are the
same as Django's: the row of this key that has not expired, or none, in which case the key is
dropped as Django drops it. Everything else (creating, saving, deleting, cycling a key) is
Django's own code. On SQLite the read is Django's; a connection that logs its statements runs
the statement on Django's cursor.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

from waymark.core.kept_cursors import fetch_one, numbered

_SQL = (
    'SELECT "session_key", "session_data", "expire_date" FROM "django_session"'
    ' WHERE "session_key" = %s AND "expire_date" > %s'
)
_SQL_NUMBERED = numbered(_SQL)


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        """Django's test (8 characters or more), and no NUL: a cookie may carry anything
        (``"\\000"`` in a quoted cookie is a NUL once unquoted), and PostgreSQL refuses a NUL in
        the key read below (a 500 on every page). Any other key simply matches no row."""
        return super()._validate_session_key(key) and "\x00" not in key

    def _get_session_from_db(self):
        connection = connections[router.db_for_read(self.model)]
        if connection.vendor != "postgresql":
            return super()._get_session_from_db()
        key = self.session_key
        if key is None:  # no key, or one that failed the key's own validation
            return None
        now = timezone.now()  # noqa: TID251 - Django's sessions expire on Django's clock, not Waymark's
        row = fetch_one(connection, _SQL, (key, now), sql_numbered=_SQL_NUMBERED)
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=row[0], session_data=row[1], expire_date=row[2])
