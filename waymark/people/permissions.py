"""Permission codenames of the people app and object predicates (platform §6).

Model permissions (``people.<codename>``) come from ``Person.Meta.permissions`` plus Django's
defaults (``view_person``, ``add_person``, ``change_person``). Whether a user may see one person is
decided by ``selectors.person_visible_queryset`` (team scoping, restricted records); pages that
reach people through something else (their work, a reporting-centre day list) use
``person_withheld`` to show ``RESTRICTED_LABEL`` in place of what names a restricted record.
"""

from __future__ import annotations

VIEW_PERSON = "people.view_person"
ADD_PERSON = "people.add_person"
CHANGE_PERSON = "people.change_person"
VIEW_ANY_PERSON = "people.view_any_person"
VIEW_RESTRICTED_PERSON = "people.view_restricted_person"
VIEW_PROTECTED_CHARACTERISTICS = "people.view_protected_characteristics"
CHANGE_PROTECTED_CHARACTERISTICS = "people.change_protected_characteristics"
MERGE_PERSON = "people.merge_person"
ADD_NOTE = "people.add_note"
CHANGE_OWNERSHIP = "people.change_ownership"
EXPORT_PEOPLE = "people.export_people"
VIEW_ACCESS_HISTORY = "core.view_access_history"


def can_change_record(user, person) -> bool:
    """Active records only: a merged record is kept read-only until the merge is undone."""
    return user.has_perm(CHANGE_PERSON) and not person.is_merged


def can_add_note(user, person) -> bool:
    return user.has_perm(ADD_NOTE) and not person.is_merged


def can_change_ownership(user, person) -> bool:
    return user.has_perm(CHANGE_OWNERSHIP) and not person.is_merged


# What lists show in place of anything that names a restricted record the user may not see.
RESTRICTED_LABEL = "Restricted record"


def sees_restricted(user) -> bool:
    """Whether ``user`` may see restricted records (``people.view_restricted_person``): the rule
    ``selectors.person_visible_queryset`` applies, for pages that reach people through their work
    rather than through that queryset."""
    return bool(user and user.is_authenticated and user.has_perm(VIEW_RESTRICTED_PERSON))


def person_withheld(user, person) -> bool:
    """Whether ``person`` is a restricted record ``user`` may not see: lists show
    ``RESTRICTED_LABEL`` in place of what names them (work pages, the reporting-centre day list)."""
    return bool(person is not None and person.restricted_access and not sees_restricted(user))
