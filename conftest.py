"""Suite-wide test settings, from the test kit (waymark/testing/plugin.py).

Test users sign in with a fast password hasher: the production hasher (PBKDF2, about 0.76 s a
hash on a 2-core machine) protects stored passwords, not tests, and paid for every test user it
made the suite several minutes slower. Nothing in the suite asserts the hasher.

The mandatory second factor (``WAYMARK_OTP_REQUIRED``) is off for the suite, as for the demo, so that
tests can sign users in with ``force_login``; waymark/accounts/tests/test_second_factor.py turns it
on and tests it.

The plugin also gives every test the ``frozen`` clock fixture, copies the data migrations'
reference rows for tests that need them back after a flush (waymark/testing/reference_data.py),
and keeps each pytest-xdist worker's files apart (``make test`` runs two workers).

Per-process caches (``waymark.core.process_caches``) are emptied around every test below.
"""

from __future__ import annotations

pytest_plugins = ["waymark.testing.plugin"]


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _process_caches_cleared():
    """Per-process caches (``waymark.core.process_caches``: a supplier client read once a
    process) are emptied before and after each test, so no test sees another's rows."""
    from waymark.core import process_caches

    process_caches.clear_all()
    yield
    process_caches.clear_all()


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    flags = marker.kwargs if marker else {}
    fixtures = getattr(item, "fixturenames", ())
    return bool(flags.get("transaction") or flags.get("reset_sequences")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )


def _weight(item: pytest.Item) -> int:
    if item.get_closest_marker("browser"):
        return 2
    return 0 if item.get_closest_marker("slow") else 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Among the tests that commit (pytest-django runs them together, after the others), the
    demo-data tests (a minute or more each) start first, and the browser journeys stay last:
    Playwright's synchronous API keeps an event loop running in the worker's thread from the first
    journey on, and every later test whose view is async then fails ("You cannot use AsyncToSync in
    the same thread as an async event loop"; CI run of 2026-12-07). Only the order within that
    group changes (a stable sort), so pytest-django's order stands."""
    positions = [i for i, item in enumerate(items) if _transactional(item)]
    if not positions:
        return
    first, last = positions[0], positions[-1] + 1
    group = items[first:last]
    if any(not _transactional(item) for item in group):
        return  # not one contiguous group: leave the order alone
    group.sort(key=_weight)
    items[first:last] = group
