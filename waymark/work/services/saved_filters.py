"""A user's named queue filters."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.accounts.models import User
from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.work.models import Queue, SavedFilter


def saved_filter_create(
    *, actor: User, name: str, query_string: str, queue: Queue | None
) -> SavedFilter:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the filter"})
    if SavedFilter.objects.filter(user=actor, name=name).exists():
        raise ValidationError({"name": "You already have a filter with this name"})
    query_string = query_string.lstrip("?")[:1000]
    with transaction.atomic():
        saved = SavedFilter.objects.create(
            user=actor,
            queue=queue,
            name=name[:100],
            query_string=query_string,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.COLLECTION,
            verb="saved_filter.created",
            target=saved,
            payload={"new": {"name": saved.name, "query": query_string}},
        )
    return saved


def saved_filter_delete(*, actor: User, saved_filter: SavedFilter) -> None:
    if saved_filter.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.ERASURE,
            verb="saved_filter.deleted",
            target=saved_filter,
            payload={"old": {"name": saved_filter.name, "query": saved_filter.query_string}},
        )
        saved_filter.delete()
