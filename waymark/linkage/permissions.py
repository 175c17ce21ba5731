"""Permission codenames of record linkage and its object-level predicates.

The model permissions are declared on ``ImportJob.Meta.permissions``; who holds them is registered
in ``registrations.py`` (``records_manager`` all three, ``assurance`` ``link_records`` only).

A source record, a candidate pair or a bulk-check match is visible to a user exactly when the
people it belongs to are (``people.selectors.person_can_view``); a record not yet linked to a
person is visible to anyone with the page's permission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from waymark.core.types import Actor
from waymark.people.selectors import person_can_view, person_visible_queryset

if TYPE_CHECKING:
    from waymark.linkage.models import SourceRecord

# Import legacy and partner files.
IMPORT_RECORDS = "linkage.import_records"
# See runs, pairs, source records, bulk checks and the ownership clean-up.
LINK_RECORDS = "linkage.link_records"
# Start runs and bulk checks, decide pairs and bulk-check matches, run the ownership clean-up.
REVIEW_LINKS = "linkage.review_links"


def require(actor: Actor, permission: str, doing: str) -> None:
    """Refuse a person acting without ``permission`` (the system, ``None``, may do anything)."""
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {doing}")


def may_import(actor: Actor) -> bool:
    """Whether ``actor`` may import files: the system and a job (no signed-in user) always may."""
    return (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or actor.has_perm(IMPORT_RECORDS)
    )


def person_visible_q(user, field: str) -> Q:
    """Rows whose person (through ``field``) is empty or a person the user may see."""
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__in": person_visible_queryset(user).values("pk")}
    )


def record_visible(user, record: SourceRecord) -> bool:
    """Whether ``user`` may see a source record: it has no person, or its person is visible."""
    return record.person is None or person_can_view(user, record.person)
