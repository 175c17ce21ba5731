"""``WaymarkModelBackend.get_all_permissions`` reads a user's own and group permissions in one
statement: the same set Django's ModelBackend reads in two, for every kind of user."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.accounts.backends import WaymarkModelBackend
from waymark.accounts.models import User


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permission cache


def _perm(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def user(db):
    user = User.objects.create_user("perm-reader", password="x")
    both = _perm("people", "view_person")
    readers = Group.objects.create(name="perm-readers")
    readers.permissions.add(both, _perm("work", "view_task"))
    writers = Group.objects.create(name="perm-writers")
    writers.permissions.add(_perm("people", "change_person"))
    user.groups.add(readers, writers)
    user.user_permissions.add(both, _perm("core", "view_auditevent"))
    return user


def test_the_set_is_modelbackends_in_one_statement(user):
    expected = ModelBackend().get_all_permissions(_fresh(user))
    assert expected == {
        "people.view_person",
        "work.view_task",
        "people.change_person",
        "core.view_auditevent",
    }
    fresh = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        got = WaymarkModelBackend().get_all_permissions(fresh)
        again = WaymarkModelBackend().get_all_permissions(fresh)  # kept for the request
    assert got == again == expected
    assert len(queries) == 1


def test_a_user_with_no_groups_or_only_groups(user, db):
    alone = User.objects.create_user("perm-alone", password="x")
    assert WaymarkModelBackend().get_all_permissions(_fresh(alone)) == set()
    user.user_permissions.clear()
    assert WaymarkModelBackend().get_all_permissions(
        _fresh(user)
    ) == ModelBackend().get_all_permissions(_fresh(user))


def test_a_superuser_holds_every_permission_and_an_inactive_user_none(user):
    user.is_superuser = True
    user.save()
    everything = WaymarkModelBackend().get_all_permissions(_fresh(user))
    assert everything == ModelBackend().get_all_permissions(_fresh(user))
    assert "people.delete_person" in everything
    user.is_superuser = False
    user.is_active = False
    user.save()
    fresh = _fresh(user)
    assert WaymarkModelBackend().get_all_permissions(fresh) == set()
    assert not fresh.has_perm("people.view_person")


def test_has_perm_answers_through_it(user):
    fresh = _fresh(user)
    assert fresh.has_perm("people.change_person")
    assert fresh.has_perm("core.view_auditevent")
    assert not fresh.has_perm("people.delete_person")
    assert not fresh.has_perm("people.view_person", obj=object())  # object permissions: not here
