"""Fixtures for guidance tests: a publisher (assurance role), a reader without the permission,
and the seeded operations pages (re-seeded, because a transactional flush removes them)."""

from __future__ import annotations

import importlib
import itertools

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group

from waymark.accounts.models import User
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync

_seq = itertools.count(1)
SEED = importlib.import_module("waymark.guidance.migrations.0002_h4_operations_guidance")


def user_make(role_key: str) -> User:
    roles_sync()
    user = User.objects.create_user(
        username=f"{role_key}-g{next(_seq)}",
        password="a-long-test-password-123",
        grade=ROLES[role_key].demo_grade,
        first_name="Test",
        last_name=role_key,
    )
    user.groups.add(Group.objects.get(name=role_key))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def publisher(db) -> User:
    return user_make("assurance")


@pytest.fixture
def reader(db) -> User:
    return user_make("field_officer")


@pytest.fixture
def seeded(db) -> None:
    SEED.seed(django_apps, None)
