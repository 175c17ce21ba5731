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
