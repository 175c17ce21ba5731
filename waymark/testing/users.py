"""One way to make a test user in a role: ``user_make(role, team, grade=..., **fields)``.

Roles are applied as production applies them (``accounts.roles``): membership of the group named
by the role key, whose permissions ``accounts.services.roles_sync`` keeps in step with ``ROLES``
(migrate runs it, so the groups exist in the test database; a transactional test's flush is
followed by migrate's post-migrate hook, which makes them again).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from waymark.accounts.models import Team, User

PASSWORD = "a-long-test-password-123"  # noqa: S105 - test users only

_seq = itertools.count(1)


def user_make(
    role: str | None, team: Team | None = None, *, grade: str | None = None, **fields
) -> User:
    """A user in ``role`` (a key of ``ROLES``; ``None`` for a user with no role), a member of
    ``team`` if given, at ``grade`` (default: the role's demo grade, else EO).

    ``fields`` go to ``User.objects.create_user`` and override the defaults: a unique
    ``username`` (``<role>-<n>``), the suite's ``password`` and a ``first_name`` made from the
    role. Returns a fresh copy of the user, so that its permission cache is empty.
    """
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Grade, User
    from waymark.accounts.roles import ROLES

    label = role or "user"
    fields.setdefault("username", f"{label}-{next(_seq)}")
    fields.setdefault("password", PASSWORD)
    fields.setdefault("first_name", label.replace("_", " ").title())
    if grade is None:
        grade = ROLES[role].demo_grade if role else Grade.EO
    user = User.objects.create_user(grade=grade, **fields)
    if team is not None:
        user.teams.add(team)
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)
