"""Accounts rules: grade order for sign-off, and the numbers that govern signing in.

Grade order is the Civil Service order AO < EO < HEO < SEO < G7 < G6 (platform brief §6:
"authorisation rules that depend on grade ... are enforced by the system, not by trust").
The lockout limit and the idle session length are deployment settings (``AXES_FAILURE_LIMIT``,
``SESSION_COOKIE_AGE`` in ``config/settings.py``); the numbers below are the ones the product fixes.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from waymark.accounts.models import GRADE_ORDER, Grade

# The session timeout warning appears this long before an idle session ends (platform brief §6,
# "session timeout"; the MOJ / HMRC timeout-warning pattern uses 2 minutes).
SESSION_WARNING_BEFORE_EXPIRY = timedelta(minutes=2)

# An idle session's expiry is pushed back by a request at most this often (``SessionTouchMiddleware``),
# not by every request: a page then costs no session write, and a session ends between
# SESSION_COOKIE_AGE - 60 s and SESSION_COOKIE_AGE after the last request, always after the
# warning (2 minutes before) has shown.
SESSION_TOUCH_INTERVAL = timedelta(seconds=60)

# After a correct password, a user with a second factor has this long to enter their code before
# they must start signing in again.
SECOND_FACTOR_PENDING_LIMIT = timedelta(minutes=5)

# Authenticator apps show 6-digit codes (RFC 6238 default, django-otp's TOTPDevice default).
TOTP_DIGITS = 6

# Whoever holds one of these permissions, and every staff user, must sign in with a second factor
# (and enrols on first sign-in): they can see people nationally, restricted records or trail data.
SECOND_FACTOR_PERMISSIONS = frozenset(
    {
        "people.view_any_person",
        "people.view_restricted_person",
        "monitoring.view_trail_data",
    }
)


def second_factor_required(user) -> bool:
    """True when ``user`` may only use Waymark after proving a second factor in this session.

    ``WAYMARK_OTP_REQUIRED`` may be off only outside production (the local demo and the tests).
    Machine clients authenticate with credentials, not sessions, and are never asked.
    """
    if not getattr(settings, "WAYMARK_OTP_REQUIRED", True):
        return False
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or getattr(user, "is_machine", False)
    ):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return any(user.has_perm(permission) for permission in SECOND_FACTOR_PERMISSIONS)


# The demo's password is printed in the README and by ``demo_load``: in production no account may
# sign in with it, whoever set it (``waymark.accounts.backends``).
DEMO_PASSWORD = "Waymark-demo-2026"  # noqa: S105 - published on purpose; refused in production
PUBLISHED_DEMO_PASSWORDS = frozenset({DEMO_PASSWORD})


def refuses_demo_password(password: str | None) -> bool:
    """True when ``password`` is a published demo password and this is a production deployment."""
    return bool(getattr(settings, "PRODUCTION", False)) and password in PUBLISHED_DEMO_PASSWORDS


def demo_data_refused_reason() -> str:
    """Why demo data may not be loaded here, or "" when it may (anything but production)."""
    if getattr(settings, "PRODUCTION", False):
        return (
            "Demo data is never loaded in production: it creates accounts with the published demo "
            "password and a supplier client with the published signing secret. Nothing was written."
        )
    return ""


def grade_rank(grade: str) -> int:
    """0 for AO up to 5 for G6."""
    return GRADE_ORDER.index(Grade(grade))


def grade_at_least(user, grade: str) -> bool:
    """True if the user's grade is ``grade`` or higher (e.g. HEO sign-off: ``Grade.HEO``).

    Anonymous users, machine clients and users without a recognised grade never qualify.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_machine", False):
        return False
    try:
        return grade_rank(user.grade) >= grade_rank(grade)
    except ValueError:
        return False


def session_timeout() -> dict[str, int]:
    """Seconds for the page's timeout warning: the idle session length and the warning lead."""
    session_seconds = int(settings.SESSION_COOKIE_AGE)
    warning_seconds = int(SESSION_WARNING_BEFORE_EXPIRY.total_seconds())
    return {
        "session_seconds": session_seconds,
        "warning_seconds": min(warning_seconds, session_seconds),
    }
