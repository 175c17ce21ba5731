"""Suite-wide test settings.

Test users sign in with a fast password hasher: the production hasher (PBKDF2, about 0.76 s a
hash on a 2-core machine) protects stored passwords, not tests, and paid for every test user it
made the suite several minutes slower. Nothing in the suite asserts the hasher.

The mandatory second factor (``WAYMARK_OTP_REQUIRED``) is off for the suite, as for the demo, so that
tests can sign users in with ``force_login``; waymark/accounts/tests/test_second_factor.py turns it
on and tests it.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    from django.test.utils import override_settings

    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        WAYMARK_OTP_REQUIRED=False,
    )
    fast.enable()  # sends setting_changed, which clears Django's cached hashers
    yield
    fast.disable()
