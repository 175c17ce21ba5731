"""Password sign-in for Waymark accounts.

Django's ModelBackend, except that (1) a user's permissions, their own and their groups', are read
in one statement instead of two (every signed-in page reads them: the navigation and the
second-factor check ask), and on PostgreSQL in the same statement as the signed-in user, with the
header's unread count (one round trip where there were three), and (2) in production a published
demo password never authenticates, whatever account holds it: an operator who copied demo users,
or restored a demo database, must not open a production service with a password printed in the
repository.
"""

from __future__ import annotations

import functools
import logging
from typing import cast

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import connection, connections, router

from waymark.accounts.rules import refuses_demo_password
from waymark.core import row_models
from waymark.core.kept_cursors import fetch_one, numbered

logger = logging.getLogger("waymark.accounts")


class WaymarkModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if refuses_demo_password(password):
            logger.warning("Sign-in with the published demo password refused for %r", username)
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """The session's user; on PostgreSQL with their permissions, unread notifications and
        team ids (``User.team_ids``) in the same statement, kept on the user for this request
        only (as ModelBackend keeps permissions), so a withdrawn role, a read notification or a
        changed team shows on the next page.

        The statement runs on every signed-in request, so it is a prepared statement on the
        connection's kept cursor (``core.kept_cursors``): planning its subqueries was half of its
        0.43 ms, and ``RawQuerySet`` mapped its columns again each time (0.57 -> 0.22 ms). Its
        columns are named, not ``u.*``, so that a column added later cannot change a prepared
        statement's result."""
        from waymark.accounts.models import User

        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        alias = router.db_for_read(User)
        if connections[alias].vendor != "postgresql":
            return super().get_user(pk)
        row = fetch_one(
            connections[alias],
            _user_sql(),
            [pk] * 5,
            sql_numbered=_user_sql_numbered(),
            prepared=True,
        )
        if row is None:
            return None
        user = cast(User, row_models.instance(User, row[:-3], alias))
        user.waymark_perms, user.waymark_unread, user._team_ids = row[-3], row[-2], row[-1]
        if not self.user_can_authenticate(user):
            return None
        if not user.is_superuser:
            user._perm_cache = set(user.waymark_perms)
        user._unread_count = user.waymark_unread
        return user

    def get_all_permissions(self, user_obj, obj=None):
        """The same set as ModelBackend's (user permissions | group permissions, every
        permission for a superuser, none for an inactive user or with ``obj``), in one statement
        written once: building the ORM's two subqueries cost 1.3 ms a page in Python, the
        database 0.2 ms."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list(
                    "content_type__app_label", "codename"
                ).order_by()
            else:
                with connections[router.db_for_read(Permission)].cursor() as cursor:
                    cursor.execute(_permissions_sql(), [user_obj.pk, user_obj.pk])
                    rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache


@functools.cache
def _user_sql() -> str:
    """A user's row, their permissions ('app_label.codename'), unread count and team ids
    (PostgreSQL)."""
    from waymark.accounts.models import User
    from waymark.core.notifications import unread_sql

    q = connection.ops.quote_name
    permissions = _permissions_sql().replace(
        f"SELECT ct.{q('app_label')}, p.{q('codename')} ",
        f"SELECT ct.{q('app_label')} || '.' || p.{q('codename')} ",
        1,
    )
    table = q(User._meta.db_table)
    columns = row_models.columns_sql(User, "u")
    teams = User.teams.through._meta
    team_ids = (
        f"SELECT t.{q(teams.get_field('team').column)} FROM {q(teams.db_table)} t "  # noqa: S608
        f"WHERE t.{q(teams.get_field('user').column)} = %s"
    )
    return (
        f"SELECT {columns}, ARRAY({permissions}) AS waymark_perms, "  # noqa: S608 - names from models
        f"({unread_sql()}) AS waymark_unread, ARRAY({team_ids}) AS waymark_team_ids "
        f"FROM {table} u WHERE u.{q('id')} = %s"
    )  # the user's id five times: the permissions' two, the unread count's, the teams', the user's


@functools.cache
def _user_sql_numbered() -> str:
    return numbered(_user_sql())


@functools.cache
def _permissions_sql() -> str:
    """A user's own and group permissions as (app label, codename), the user's id twice."""
    from django.contrib.contenttypes.models import ContentType

    from waymark.accounts.models import User

    q = connection.ops.quote_name
    user_permissions = User.user_permissions.through._meta.db_table
    user_groups = User.groups.through._meta.db_table
    group_permissions = Group.permissions.through._meta.db_table
    return (
        f"SELECT ct.{q('app_label')}, p.{q('codename')} "  # noqa: S608 - table names from the models
        f"FROM {q(Permission._meta.db_table)} p "
        f"JOIN {q(ContentType._meta.db_table)} ct ON ct.{q('id')} = p.{q('content_type_id')} "
        f"WHERE p.{q('id')} IN ("
        f"SELECT up.{q('permission_id')} FROM {q(user_permissions)} up WHERE up.{q('user_id')} = %s "
        f"UNION SELECT gp.{q('permission_id')} FROM {q(group_permissions)} gp "
        f"JOIN {q(user_groups)} ug ON ug.{q('group_id')} = gp.{q('group_id')} "
        f"WHERE ug.{q('user_id')} = %s)"
    )
