"""API v1: correspondence intake by partners and systems (the same service as mailboxes and uploads)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from waymark.api.idempotency import idempotent_create
from waymark.api.views import (
    CREATE_PROBLEMS,
    IDEMPOTENCY_KEY,
    READ_PROBLEMS,
    WaymarkApiView,
    problems,
)
from waymark.correspondence import selectors, services
from waymark.correspondence.models import Channel, CorrespondenceItem, MatchStatus
from waymark.correspondence.serializers import (
    CorrespondenceCreateSerializer,
    CorrespondenceItemSerializer,
    CorrespondenceListQuerySerializer,
    Sight,
)
from waymark.people.selectors import person_visible_queryset
from waymark.work.selectors import task_visible_queryset


def sight(user, items) -> Sight:
    """The people and tasks named by ``items`` that ``user`` may see (two queries a page)."""
    people = {i.person_id for i in items if i.person_id is not None}
    tasks = {t for i in items for t in (i.task_id, i.match_task_id) if t is not None}
    return Sight(
        people=frozenset(
            person_visible_queryset(user).filter(pk__in=people).values_list("pk", flat=True)
        ),
        tasks=frozenset(
            task_visible_queryset(user).filter(pk__in=tasks).values_list("pk", flat=True)
        ),
    )


def _one_as_seen(user, item: CorrespondenceItem):
    return CorrespondenceItemSerializer(item, context={"sight": sight(user, [item])}).data


def _many_as_seen(user, items):
    items = list(items)
    return CorrespondenceItemSerializer(
        items, many=True, context={"sight": sight(user, items)}
    ).data


def _readable(user, match_status: str = "") -> QuerySet[CorrespondenceItem]:
    """Items the caller may read, filtered by the match status *as they see it*: those they may see,
    and those they registered (or sent a copy of) that matched someone they may not see, which
    they see as match-needed. Without the second kind, the item a caller just posted would be
    404 or missing from their list exactly when it named a hidden person: an oracle."""
    visible = selectors.correspondence_visible_queryset(user)
    if match_status:
        visible = visible.filter(match_status=match_status)
    scope = Q(pk__in=visible.values("pk"))
    if match_status in ("", MatchStatus.MATCH_NEEDED) and user.has_perm(
        "correspondence.view_correspondenceitem"
    ):
        own_hidden = CorrespondenceItem.objects.filter(
            Q(registered_by=user) | Q(copies__registered_by=user), person__isnull=False
        ).exclude(person__in=person_visible_queryset(user).values("pk"))
        scope |= Q(pk__in=own_hidden.values("pk"))
    return CorrespondenceItem.objects.filter(scope)


class CorrespondenceListView(WaymarkApiView):
    queryset = (
        CorrespondenceItem.objects.none()
    )  # for the schema only: the views read through selectors
    required_perms = {
        "GET": ["correspondence.view_correspondenceitem"],
        "POST": ["correspondence.add_correspondenceitem"],
    }
    required_scope = {"GET": "correspondence:read", "POST": "correspondence:write"}
    serializer_class = CorrespondenceItemSerializer

    @extend_schema(
        summary="Correspondence you may see, newest first",
        parameters=[CorrespondenceListQuerySerializer],
        responses={200: CorrespondenceItemSerializer(many=True), **problems(400, 401, 403)},
    )
    def get(self, request):
        query = CorrespondenceListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        items = (
            _readable(request.user, query.validated_data.get("match_status", ""))
            .prefetch_related("attachments", "copies")
            .order_by("-received_at", "-pk")
        )
        page = self.paginate_queryset(items)
        return self.get_paginated_response(_many_as_seen(request.user, page))

    @extend_schema(
        summary="Register an inbound message",
        description="Matched to a person by references, or names and date of birth; otherwise it goes "
        "to the match-needed queue. The same message posted twice (same Message-ID, or same sender, "
        "subject and body within the duplicate window) is one item: the answer is then 200 with "
        "the existing item, not 201. A match to a person you may not see is answered exactly as no "
        "match (no person, match_needed); task ids appear only for tasks you may see.",
        request=CorrespondenceCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: CorrespondenceItemSerializer,
            200: CorrespondenceItemSerializer,
            **CREATE_PROBLEMS,
        },
    )
    def post(self, request):
        def create():
            data = CorrespondenceCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            item, created = services.correspondence_register(
                actor=request.user,
                channel=Channel.API,
                sender=values["sender"],
                recipients=values["recipients"],
                subject=values["subject"],
                body=values["body"],
                received_at=values["received_at"],
                message_id=values["message_id"],
                attachments=[dict(a) for a in values["attachments"]],
            )
            # Matched to someone the sender may not see: answered as if it matched nobody.
            return Response(
                _one_as_seen(request.user, item),
                status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            )

        return idempotent_create(request, create)


class CorrespondenceDetailView(WaymarkApiView):
    required_perms = {"GET": ["correspondence.view_correspondenceitem"]}
    required_scope = {"GET": "correspondence:read"}
    serializer_class = CorrespondenceItemSerializer

    @extend_schema(
        summary="One correspondence item",
        responses={200: CorrespondenceItemSerializer, **READ_PROBLEMS},
    )
    def get(self, request, pk: int):
        item = _readable(request.user).filter(pk=pk).first()
        if item is None:
            raise Http404("No such correspondence")
        return Response(_one_as_seen(request.user, item))
