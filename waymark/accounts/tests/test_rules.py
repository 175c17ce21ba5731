from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from waymark.accounts import rules
from waymark.accounts.models import GRADE_ORDER, Grade

ORDER = ["AO", "EO", "HEO", "SEO", "G7", "G6"]


def _user(grade, machine=False):
    return SimpleNamespace(is_authenticated=True, is_machine=machine, grade=grade)


def test_grade_order_is_ao_eo_heo_seo_g7_g6():
    assert [str(g) for g in GRADE_ORDER] == ORDER
    assert [rules.grade_rank(g) for g in ORDER] == list(range(6))


@pytest.mark.parametrize("held", ORDER)
@pytest.mark.parametrize("needed", ORDER)
def test_grade_at_least(held, needed):
    assert rules.grade_at_least(_user(held), needed) is (ORDER.index(held) >= ORDER.index(needed))


def test_heo_sign_off_examples():
    assert rules.grade_at_least(_user(Grade.HEO), Grade.HEO)
    assert not rules.grade_at_least(_user(Grade.EO), Grade.HEO)
    assert rules.grade_at_least(_user(Grade.G7), Grade.G7)
    assert not rules.grade_at_least(_user(Grade.SEO), Grade.G7)


def test_anonymous_and_machine_users_never_qualify():
    assert not rules.grade_at_least(AnonymousUser(), Grade.AO)
    assert not rules.grade_at_least(None, Grade.AO)
    assert not rules.grade_at_least(_user(Grade.G6, machine=True), Grade.AO)
    assert not rules.grade_at_least(_user("XX"), Grade.AO)


def test_sign_in_numbers():
    assert timedelta(minutes=2) == rules.SESSION_WARNING_BEFORE_EXPIRY
    assert timedelta(seconds=60) == rules.SESSION_TOUCH_INTERVAL
    assert timedelta(minutes=5) == rules.SECOND_FACTOR_PENDING_LIMIT
    assert rules.TOTP_DIGITS == 6


def test_session_timeout_warns_two_minutes_before_the_session_ends(settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    assert rules.session_timeout() == {"session_seconds": 1800, "warning_seconds": 120}
    settings.SESSION_COOKIE_AGE = 60
    assert rules.session_timeout() == {"session_seconds": 60, "warning_seconds": 60}


def test_settings_lock_out_after_five_failures_for_thirty_minutes_and_idle_out_after_thirty():
    from django.conf import settings as live

    assert live.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=30) == live.AXES_COOLOFF_TIME
    assert live.SESSION_COOKIE_AGE == 30 * 60
