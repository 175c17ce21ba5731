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


def test_get_user_reads_the_user_their_permissions_and_unread_count_together(user):
    """On PostgreSQL one statement answers the session's user, their permissions and the
    header's unread count; elsewhere Django's reads. The same answers either way, and a
    notification given or read in the request is not answered from the stale count."""
    from waymark.core.notifications import notifications_mark_read, notify, unread_count

    notify(user=user, text="One", kind="decision")
    notify(user=user, text="Two", kind="decision")
    with CaptureQueriesContext(connection) as queries:
        got = WaymarkModelBackend().get_user(str(user.pk))
        assert got is not None and got.pk == user.pk and got.username == "perm-reader"
        perms = WaymarkModelBackend().get_all_permissions(got)
        unread = unread_count(got)
    assert perms == ModelBackend().get_all_permissions(_fresh(user))
    assert unread == 2
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
    notify(user=got, text="Three", kind="decision")
    assert unread_count(got) == 3
    notifications_mark_read(got)
    assert unread_count(got) == 0


def test_get_user_refuses_an_inactive_a_missing_or_a_malformed_id(user):
    assert WaymarkModelBackend().get_user(str(user.pk + 1000)) is None
    assert WaymarkModelBackend().get_user("not-a-number") is None
    user.is_active = False
    user.save()
    assert WaymarkModelBackend().get_user(str(user.pk)) is None


def test_get_user_of_a_superuser_leaves_their_permissions_to_the_usual_read(user):
    user.is_superuser = True
    user.save()
    got = WaymarkModelBackend().get_user(str(user.pk))
    assert got is not None
    assert WaymarkModelBackend().get_all_permissions(got) == ModelBackend().get_all_permissions(
        _fresh(user)
    )


def test_get_user_answers_every_field_as_the_orm_reads_it_run_after_run(user):
    """The statement is prepared on PostgreSQL (planned once, then its generic plan): the user it
    answers is the ORM's, field by field, on the first run and after the plan is kept, and saves
    as the ORM's user does."""
    from waymark.core.notifications import notify, unread_count

    notify(user=user, text="One", kind="decision")
    from waymark.accounts.models import Team

    user.teams.add(
        Team.objects.create(slug="t-one", name="One"), Team.objects.create(slug="t-two", name="Two")
    )
    orm = type(user).objects.get(pk=user.pk)
    for _ in range(8):
        got = WaymarkModelBackend().get_user(str(user.pk))
        for field in type(user)._meta.concrete_fields:
            assert getattr(got, field.attname) == getattr(orm, field.attname), field.name
        assert not got._state.adding and got._state.db == "default"
        assert WaymarkModelBackend().get_all_permissions(got) == ModelBackend().get_all_permissions(
            _fresh(user)
        )
        assert unread_count(got) == 1
        assert sorted(got.team_ids()) == sorted(user.teams.values_list("pk", flat=True))
        assert len(got.team_ids()) == 2
    got.first_name = "Renamed"
    got.save(update_fields=["first_name"])
    assert type(user).objects.get(pk=user.pk).first_name == "Renamed"
