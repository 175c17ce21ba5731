"""Data built once for a module's tests: ``@module_data``.

Some tests only read a large body of data (the demo at a small scale, say). Building it for every
test cost most of their time; ``module_data`` builds it once per module, the way Django's
``TestCase.setUpTestData`` builds data once per class: inside a transaction that the module's tests
run in (each in its own savepoint, rolled back as usual) and that is rolled back after the module's
last test. Usage::

    from waymark.testing.data import module_data

    @module_data
    def loaded():
        return demo_load(scale=0.05, seed=2026, anchor=ANCHOR, correspondence=False)

A test that asks for ``loaded`` sees the data, and a change it makes is its own. The module's tests
that do not ask for it run before those that do (the plugin's ``pytest_collection_modifyitems``),
so none of them ever sees the data. Only for tests that use the database without
``transaction=True`` (a transactional test would flush the tables under the open transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

_MARK = "_waymark_module_data"


def module_data(build: Callable[[], Any]) -> Any:
    """Make ``build`` (no arguments) a module-scoped fixture of the same name whose value is what
    ``build`` returns, built inside a transaction rolled back after the module's tests."""

    def fixture(django_db_setup, django_db_blocker):
        from django.db import transaction

        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic._from_testcase = (
                True  # as TestCase's class-wide transaction: durable blocks nest
            )
            atomic.__enter__()
            try:
                value = build()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        yield value
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    fixture.__doc__ = build.__doc__
    fixture.__module__ = build.__module__
    setattr(fixture, _MARK, True)
    return pytest.fixture(scope="module", name=build.__name__)(fixture)


def uses_module_data(item: pytest.Item) -> bool:
    """Whether the test asks for a ``module_data`` fixture (refused for a transactional test)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    uses = any(
        getattr(defs[-1].func, _MARK, False)
        for name, defs in info.name2fixturedefs.items()
        if defs and name in item.fixturenames
    )
    marker = item.get_closest_marker("django_db")
    if uses and marker is not None and marker.kwargs.get("transaction"):
        raise pytest.UsageError(
            f"{item.nodeid}: a module_data fixture needs a non-transactional test"
        )
    return uses
