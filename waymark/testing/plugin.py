"""The suite's pytest plugin, loaded by the root ``conftest.py``.

- Settings for the whole session: a fast password hasher and the second factor off (see the root
  ``conftest.py`` for why), WhiteNoise finding static files on request (the test client builds a
  new handler, so a new WhiteNoise, for every test), and a private ``MEDIA_ROOT`` per test
  process, so that documents the tests write neither land in ``var/media`` nor meet another
  pytest-xdist worker's files.
- ``django_db_setup`` copies the data migrations' reference rows once the test database exists
  (:mod:`waymark.testing.reference_data`).
- ``frozen``: the clock frozen at ``frozen_at`` (default :data:`waymark.testing.NOW`).
- Tests that use a ``module_data`` fixture (:mod:`waymark.testing.data`) run after the other tests
  of their module, so that none of those sees its data.

Under pytest-xdist every worker has its own test database (pytest-django adds ``_gw0``, ``_gw1``
to its name), its own ``tmp_path`` root and so its own media root; live servers and the tests'
other servers (clamd, the supplier simulator) use sockets in private temporary directories or
ports the system picks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from waymark.testing.clock import NOW
from waymark.testing.data import uses_module_data

TEST_AUDIT_VERBS = {"test.changed": "alteration", "test.exported": "disclosure"}


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher(tmp_path_factory):
    from django.test.utils import override_settings

    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        WAYMARK_OTP_REQUIRED=False,
        # Recording an audit verb no app declared (registrations.AUDIT_VERBS) is an error here.
        WAYMARK_AUDIT_VERBS_STRICT=True,
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        # WhiteNoise finds a static file when it is asked for, not by reading all 1,400 files
        # into memory each time a handler starts: the test client starts one for every test,
        # and that scan was about half of an average page test's time.
        WHITENOISE_AUTOREFRESH=True,
    )
    fast.enable()  # sends setting_changed, which clears Django's cached hashers
    from waymark.core.audit import declared_verbs

    # Verbs only the tests record (the audit chain's and the exports' own tests).
    declared_verbs().update(TEST_AUDIT_VERBS)
    yield
    fast.disable()


def _flush_by_delete(truncate: list[str], tables: list[str], quote) -> str:
    """One statement that empties ``tables`` with a DELETE each, triggers and foreign-key checks
    off for the transaction (``session_replication_role = replica``, which needs a superuser; as
    any other role it runs the ``truncate`` statements instead).

    TRUNCATE gives each of the 200 tables, their indexes and TOAST tables new files, and took
    0.7 s on PostgreSQL 15 even when the tables were empty; the transactional tests (about 230,
    every browser journey among them) paid it each, about a tenth of the PostgreSQL suite. A
    DELETE of a table a test left empty reads nothing: the flush takes about 10 ms. The rows are
    gone either way; only sequences are not reset, and a test that asks for that
    (``reset_sequences``) keeps TRUNCATE ... RESTART IDENTITY."""
    names = ", ".join(f"$n${quote(table)}$n$" for table in tables)
    fallback = " ".join(f"EXECUTE $s${statement}$s$;" for statement in truncate)
    # The table names and statements are Django's own.
    return (
        "DO $flush$ DECLARE t text; BEGIN "  # noqa: S608
        "IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN "
        f"{fallback} RETURN; END IF; "
        "SET LOCAL session_replication_role = replica; "
        f"FOREACH t IN ARRAY ARRAY[{names}]::text[] LOOP EXECUTE 'DELETE FROM ' || t; END LOOP; "
        "END $flush$"
    )


@pytest.fixture(autouse=True, scope="session")
def _flush_may_truncate_the_audit_log():
    """On PostgreSQL the audit tables refuse TRUNCATE (decision 0015), which is how Django empties
    the database after a transactional test. The refusal lets a flush through only in a test
    database (its name starts ``test_``) whose flush says so; this makes the test flush say so.
    Unless the test resets sequences, the flush deletes rather than truncates
    (:func:`_flush_by_delete`)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_saying_so(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = sql_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements:
            return statements
        if not reset_sequences:
            statements = [_flush_by_delete(statements, sorted(tables), self.quote_name)]
        return ["SELECT set_config('waymark.test_flush', 'on', true)", *statements]

    DatabaseOperations.sql_flush = flush_saying_so  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _audit_checkpoints_per_test(settings, tmp_path_factory):
    """Each test's audit checkpoints in a store of its own (the log starts again with each test's
    database, so batch 1 of one test must not meet another's)."""
    settings.WAYMARK_AUDIT_CHECKPOINT_DIR = str(tmp_path_factory.mktemp("audit-checkpoints"))


@pytest.fixture(autouse=True, scope="session")
def _live_server_serial_on_sqlite():
    """On SQLite the live server answers one request at a time.

    The test database is in memory there, so the live server's threads share the test's one
    connection; a browser sending requests in parallel (a service worker caching the field forms
    while the page loads) made two threads use it at once and one failed ("cannot release
    savepoint - SQL statements in progress") with a bare 500 page. PostgreSQL gives each thread
    its own connection, so there the server stays threaded, as in production."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = SerialWSGIServer
    yield
    LiveServerThread.server_class = threaded


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, then a copy of the reference rows the migrations wrote.

    On PostgreSQL the test database commits without waiting for its WAL to reach the disk
    (``synchronous_commit = off``): a crash loses a test database anyway, and the tests that
    commit (transactional tests, the live server behind the browser tests, the concurrency
    tests) no longer wait on the disk at each commit. What a commit makes visible, and when,
    is unchanged."""
    from django.db import connections

    from waymark.testing import reference_data

    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor != "postgresql" or connection.settings_dict.get("TEST", {}).get(
                "MIRROR"
            ):
                continue
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
                cursor.execute("SET synchronous_commit = off")
        reference_data.capture()


@pytest.fixture
def app_role() -> Iterator[str]:
    """PostgreSQL: a login role granted what the application's database role is granted
    (``core.audit_roles.database_roles_grant``; docs/deployment.md "Database roles"), for this
    test database only (roles are the cluster's), dropped after. Tests connect as it, or
    ``SET ROLE`` to it, to show what the application may and may not do."""
    from django.db import connection
    from psycopg import sql

    from waymark.core.audit_roles import database_roles_grant

    name = f"{connection.settings_dict['NAME']}_app"[:63]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    database_roles_grant(app_role=name)
    yield name
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture
def frozen_at() -> datetime:
    """The moment ``frozen`` freezes the clock at; override it for another."""
    return NOW


@pytest.fixture
def frozen(frozen_at) -> Iterator[datetime]:
    """The clock (``waymark.core.clock``) frozen at ``frozen_at`` for the test."""
    from waymark.core import clock

    with clock.frozen(frozen_at) as at:
        yield at


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In each run of consecutive tests from one module, run the tests that use a ``module_data``
    fixture last (order otherwise kept), so that its data, built once and rolled back after the
    module's last test, is never under a test that did not ask for it. Tests move only within
    such a run, so pytest-django's order (transactional tests after the others) stands."""
    reordered: list[pytest.Item] = []
    run: list[pytest.Item] = []
    for item in [*items, None]:
        if run and (item is None or item.path != run[0].path):
            reordered += sorted(run, key=uses_module_data)  # stable: the others first
            run = []
        if item is not None:
            run.append(item)
    items[:] = reordered
