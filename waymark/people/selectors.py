"""Reads of the person record, always through the user's visibility (platform §6).

``access_person`` is the one way pages and API views fetch a person: it returns the record if the
user may see it and raises ``Http404`` otherwise, so a forbidden record looks like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.db.models.expressions import Combinable
from django.http import Http404

from waymark.people.models import Person

# Modules widen team scoping for the people their work is about (e.g. the EM Hub sees everyone on
# EM or in the EM duty cohort, wherever their case is owned). Each rule returns a Q over Person for
# this user, or None when it gives them nothing. Registered from the module's ``registrations.py``.
VisibilityRule = Callable[[object], Q | None]
_VISIBILITY_RULES: dict[str, VisibilityRule] = {}


def register_visibility_rule(name: str, rule: VisibilityRule) -> None:
    """Add a rule widening who sees whom. The same rule again is harmless; a different rule under
    a name already taken is an error at start-up."""
    existing = _VISIBILITY_RULES.get(name)
    if existing is not None and existing is not rule:
        raise ValueError(f"Visibility rule {name!r} is already registered")
    _VISIBILITY_RULES[name] = rule


def person_visible_queryset(user) -> QuerySet[Person]:
    """Every person ``user`` may see: by permission, restricted flag, and team scoping."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("people.view_person"):
        return Person.objects.none()
    qs = Person.objects.all()
    if not user.has_perm("people.view_restricted_person"):
        qs = qs.filter(restricted_access=False)
    if user.has_perm("people.view_any_person"):
        return qs
    from waymark.work.selectors import active_work_in_teams_exists

    team_ids = list(user.teams.values_list("pk", flat=True))
    scope: Q | Combinable = Q(owning_team_id__in=team_ids) | active_work_in_teams_exists(team_ids)
    for rule in _VISIBILITY_RULES.values():
        extra = rule(user)
        if extra is not None:
            scope |= extra
    return qs.filter(scope)


def access_person(user, person_id: int | str) -> Person:
    """Fetch one person by primary key or Waymark reference, or 404 if missing or not visible."""
    qs = person_visible_queryset(user)
    lookup = (
        {"reference": person_id}
        if isinstance(person_id, str) and person_id.startswith("WM-")
        else {"pk": person_id}
    )
    try:
        return qs.select_related("owning_team", "case_owner", "merged_into").get(**lookup)
    except (Person.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such person") from exc


def person_can_view(user, person: Person) -> bool:
    return person_visible_queryset(user).filter(pk=person.pk).exists()
