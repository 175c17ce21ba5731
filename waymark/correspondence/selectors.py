"""Reads of correspondence. Unmatched items are visible to anyone who may read correspondence;
an item matched to a person follows that person's visibility (404 otherwise)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from waymark.correspondence.models import CorrespondenceItem, MatchStatus


def correspondence_visible_queryset(user) -> QuerySet[CorrespondenceItem]:
    if not getattr(user, "is_authenticated", False) or not user.has_perm(
        "correspondence.view_correspondenceitem"
    ):
        return CorrespondenceItem.objects.none()
    from waymark.people.selectors import person_visible_queryset

    return CorrespondenceItem.objects.filter(
        Q(person__isnull=True) | Q(person__in=person_visible_queryset(user).values("pk"))
    )


def access_correspondence_item(user, pk) -> CorrespondenceItem:
    try:
        return (
            correspondence_visible_queryset(user)
            .select_related("person", "registered_by")
            .get(pk=pk)
        )
    except (CorrespondenceItem.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such correspondence") from exc


def correspondence_list(
    *, user, match_status: str = "", category: str = "", channel: str = "", q: str = ""
) -> QuerySet[CorrespondenceItem]:
    qs = correspondence_visible_queryset(user).select_related("person")
    if match_status:
        qs = qs.filter(match_status=match_status)
    if category:
        qs = qs.filter(category=category)
    if channel:
        qs = qs.filter(channel=channel)
    if q:
        qs = qs.filter(
            Q(subject__icontains=q)
            | Q(sender__icontains=q)
            | Q(sender_name__icontains=q)
            | Q(person__reference__iexact=q)
        )
    return qs


def match_queue(*, user) -> QuerySet[CorrespondenceItem]:
    return (
        correspondence_visible_queryset(user)
        .filter(match_status=MatchStatus.MATCH_NEEDED)
        .order_by("received_at", "pk")
    )


def task_for(task_id: int | None, *, item: CorrespondenceItem):
    """The item's reply or match-needed task by its id, open or closed (None if it has none),
    read through work's contract."""
    if not task_id:
        return None
    from waymark.work.selectors import tasks_for

    return tasks_for(subject=item, active=False).filter(pk=task_id).first()
