"""Fixtures for guidance tests: a publisher (assurance role), a reader without the permission,
and the seeded operations pages (re-seeded, because a transactional flush removes them)."""

from __future__ import annotations

import itertools

import pytest

from waymark import testing
from waymark.accounts.models import User
from waymark.accounts.services import roles_sync
from waymark.testing import reference_data

_seq = itertools.count(1)


def user_make(role_key: str) -> User:
    roles_sync()
    return testing.user_make(
        role_key, username=f"{role_key}-g{next(_seq)}", first_name="Test", last_name=role_key
    )


@pytest.fixture
def publisher(db) -> User:
    return user_make("assurance")


@pytest.fixture
def reader(db) -> User:
    return user_make("field_officer")


@pytest.fixture
def seeded(db) -> None:
    reference_data.guidance()
