"""Test data for the people app: users, teams and permissions made directly, people made through
the services (so every row is written the way production writes it)."""

from __future__ import annotations

import itertools
from datetime import date

from django.contrib.auth.models import Permission

from waymark.accounts.models import Team, User
from waymark.people import services

_seq = itertools.count(1)


def make_team(name: str | None = None) -> Team:
    n = next(_seq)
    name = name or f"Team {n}"
    return Team.objects.create(slug=f"team-{n}", name=name)


def grant(user: User, *perms: str) -> User:
    """Give ``user`` these ``app_label.codename`` permissions; returns a fresh copy (no perm cache)."""
    for perm in perms:
        app_label, codename = perm.split(".")
        found = list(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
        assert found, f"No permission {perm}"
        user.user_permissions.add(*found)  # people.add_note exists on Person and as Note's default
    return User.objects.get(pk=user.pk)


def make_user(*perms: str, teams=(), username: str | None = None) -> User:
    username = username or f"user{next(_seq)}"
    user = User.objects.create_user(
        username=username, password="a-long-test-password-123", first_name=username.title()
    )
    for team in teams:
        user.teams.add(team)
    return grant(user, *perms)


CASEWORKER_PERMS = (
    "people.view_person",
    "people.add_person",
    "people.change_person",
    "people.add_note",
)


def make_person(
    *,
    given_names: str = "Amir",
    family_name: str = "Haddad",
    date_of_birth=date(1990, 5, 17),
    nationalities=("SYR",),
    owning_team=None,
    **kwargs,
):
    return services.person_create(
        actor=None,
        given_names=given_names,
        family_name=family_name,
        date_of_birth=date_of_birth,
        nationalities=nationalities,
        owning_team=owning_team,
        **kwargs,
    )
