"""Role groups hold exactly their role's permissions (``roles.py`` is the one source)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from waymark.accounts import services
from waymark.accounts.models import User
from waymark.accounts.roles import ROLES


def _expected(role_key: str) -> set[str]:
    """The role's permissions, less those of an installed app that has no models yet (the API
    app's client credentials arrive with the API work). A misspelt app label is not excused."""
    return {
        name
        for name in ROLES[role_key].permissions
        if apps.get_app_config(name.partition(".")[0]).models_module is not None
    }


def _group_permission_names(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role_key", sorted(ROLES))
def test_each_role_group_holds_exactly_its_permissions(role_key):
    services.roles_sync()
    group = Group.objects.get(name=role_key)
    assert _group_permission_names(group) == _expected(role_key)


@pytest.mark.django_db
def test_every_role_permission_exists_so_no_role_is_silently_short():
    missing = services.roles_sync()
    assert {key: set(names) for key, names in missing.items()} == {
        key: ROLES[key].permissions - _expected(key)
        for key in ROLES
        if ROLES[key].permissions - _expected(key)
    }


@pytest.mark.django_db
def test_migrate_has_already_synced_the_groups():
    """The post-migrate hook ran when the test database was migrated."""
    assert set(Group.objects.filter(name__in=list(ROLES)).values_list("name", flat=True)) == set(
        ROLES
    )
    for key in ROLES:
        assert _group_permission_names(Group.objects.get(name=key)) == _expected(key)


@pytest.mark.django_db
def test_sync_removes_permissions_given_by_hand_and_is_idempotent():
    group = Group.objects.get(name="reporting_centre")
    stray = Permission.objects.get(content_type__app_label="accounts", codename="delete_user")
    group.permissions.add(stray)
    services.roles_sync()
    services.roles_sync()
    assert "accounts.delete_user" not in _group_permission_names(group)
    assert _group_permission_names(group) == _expected("reporting_centre")
    assert Group.objects.filter(name="reporting_centre").count() == 1


@pytest.mark.django_db
def test_a_codename_shared_by_two_models_is_granted_for_both():
    matches = Permission.objects.filter(content_type__app_label="people", codename="add_note")
    group = Group.objects.get(name="case_owner")
    services.roles_sync()
    assert matches.count() >= 1
    assert set(matches) <= set(group.permissions.all())


@pytest.mark.django_db
def test_sync_tolerates_permissions_that_do_not_exist_yet(monkeypatch):
    monkeypatch.setitem(ROLES["supplier"].__dict__, "permissions", {"later.view_thing"})
    missing = services.roles_sync()
    assert missing["supplier"] == ["later.view_thing"]
    assert _group_permission_names(Group.objects.get(name="supplier")) == set()


@pytest.mark.django_db
def test_migrate_command_resyncs_groups():
    Group.objects.filter(name="assurance").delete()
    call_command("migrate", verbosity=0)
    assert _group_permission_names(Group.objects.get(name="assurance")) == _expected("assurance")


@pytest.mark.django_db
def test_a_user_given_a_role_has_its_permissions():
    user = User.objects.create_user(username="rita", password="a-long-test-password-123")
    services.user_set_roles(user=user, role_keys=["line_manager"])
    user = User.objects.get(pk=user.pk)
    assert user.has_perms(sorted(ROLES["line_manager"].permissions))
    services.user_set_roles(user=user, role_keys=["reporting_centre"])
    user = User.objects.get(pk=user.pk)
    assert not user.has_perm("work.allocate_tasks")
    assert user.has_perm("people.view_person")


@pytest.mark.django_db
def test_unknown_role_is_refused():
    user = User.objects.create_user(username="rita", password="a-long-test-password-123")
    with pytest.raises(ValueError):
        services.user_set_roles(user=user, role_keys=["wizard"])


@pytest.mark.django_db
def test_demo_generator_uses_the_same_groups():
    """The demo loader calls ``roles_sync`` and looks groups up by role key: no second set."""
    from waymark.demo import generator

    before = Group.objects.count()
    generator.roles_ensure()
    assert Group.objects.count() == before
    for key in ROLES:
        group = generator.role_group(key)
        assert group.name == key
        assert _group_permission_names(group) == _expected(key)
    assert not Group.objects.filter(name__in=[role.name for role in ROLES.values()]).exists()


# --- Issue 14 item 3: no role borrows another's powers ---------------------------------------


def _table_and_registrations(role_key: str) -> set[str]:
    """What the role should hold, rebuilt from the table and the modules' registrations alone."""
    from waymark.accounts.roles import REGISTRATIONS, TABLE_PERMISSIONS

    expected = set(TABLE_PERMISSIONS[role_key])
    for key, permissions in REGISTRATIONS:
        if key == role_key:
            expected |= permissions
    return expected


@pytest.mark.django_db
@pytest.mark.parametrize("role_key", sorted(ROLES))
def test_each_role_holds_exactly_its_table_and_registrations(role_key):
    services.roles_sync()
    group = Group.objects.get(name=role_key)
    expected = {
        name
        for name in _table_and_registrations(role_key)
        if apps.get_app_config(name.partition(".")[0]).models_module is not None
    }
    assert _group_permission_names(group) == expected


def test_no_two_roles_share_a_mutable_permission_set():
    for role in ROLES.values():
        assert isinstance(role.permissions, frozenset), role.key


def test_registering_for_one_role_leaves_every_other_role_alone():
    from waymark.accounts import roles

    before = {key: role.permissions for key, role in ROLES.items()}
    try:
        roles.register_role_permissions("em_caseworker", {"monitoring.test_only_permission"})
        for key, role in ROLES.items():
            if key != "em_caseworker":
                assert role.permissions == before[key], key
        assert "monitoring.test_only_permission" in ROLES["em_caseworker"].permissions
    finally:
        roles.REGISTRATIONS.pop()
        roles.ROLES["em_caseworker"] = roles.replace(
            ROLES["em_caseworker"], permissions=before["em_caseworker"]
        )


def test_nrm_decision_makers_hold_no_electronic_monitoring_power():
    nrm = ROLES["nrm_decision_maker"].permissions
    assert "monitoring.manage_em" not in nrm
    assert "monitoring.view_em_mi" not in nrm


def test_the_system_administrator_may_not_read_linkage_records():
    """Issue 14 item 10: police and legacy records are for linkage roles only."""
    assert not {p for p in ROLES["system_admin"].permissions if p.startswith("linkage.")}
    assert "linkage.link_records" in ROLES["records_manager"].permissions
