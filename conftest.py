"""Suite-wide test settings.

Test users sign in with a fast password hasher: the production hasher (PBKDF2, about 0.76 s a
hash on a 2-core machine) protects stored passwords, not tests, and paid for every test user it
made the suite several minutes slower. Nothing in the suite asserts the hasher.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    from django.test.utils import override_settings

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    fast.enable()  # sends setting_changed, which clears Django's cached hashers
    yield
    fast.disable()
