"""API v1: correspondence intake by partners and systems (the same service as mailboxes and uploads)."""

from __future__ import annotations

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
from waymark.correspondence.models import Channel, CorrespondenceItem
from waymark.correspondence.serializers import (
    CorrespondenceCreateSerializer,
    CorrespondenceItemSerializer,
    CorrespondenceListQuerySerializer,
)


class CorrespondenceListView(WaymarkApiView):
    queryset = CorrespondenceItem.objects.none()  # for the schema only: the views read through selectors
    required_perms = {"GET": ["correspondence.view_correspondenceitem"],
                      "POST": ["correspondence.add_correspondenceitem"]}
    required_scope = {"GET": "correspondence:read", "POST": "correspondence:write"}
    serializer_class = CorrespondenceItemSerializer

    @extend_schema(summary="Correspondence you may see, newest first",
                   parameters=[CorrespondenceListQuerySerializer],
                   responses={200: CorrespondenceItemSerializer(many=True), **problems(400, 401, 403)})
    def get(self, request):
        query = CorrespondenceListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        items = (selectors.correspondence_list(user=request.user,
                                               match_status=query.validated_data.get("match_status", ""))
                 .prefetch_related("attachments", "copies").order_by("-received_at", "-pk"))
        page = self.paginate_queryset(items)
        return self.get_paginated_response(CorrespondenceItemSerializer(page, many=True).data)

    @extend_schema(
        summary="Register an inbound message",
        description="Matched to a person by references, or names and date of birth; otherwise it goes "
        "to the match-needed queue. The same message posted twice (same Message-ID, or same sender, "
        "subject and body within the duplicate window) is one item: the answer is then 200 with "
        "the existing item, not 201.",
        request=CorrespondenceCreateSerializer, parameters=[IDEMPOTENCY_KEY],
        responses={201: CorrespondenceItemSerializer, 200: CorrespondenceItemSerializer, **CREATE_PROBLEMS},
    )
    def post(self, request):
        def create():
            data = CorrespondenceCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            item, created = services.correspondence_register(
                actor=request.user, channel=Channel.API, sender=values["sender"],
                recipients=values["recipients"], subject=values["subject"], body=values["body"],
                received_at=values["received_at"], message_id=values["message_id"],
                attachments=[dict(a) for a in values["attachments"]],
            )
            body = CorrespondenceItemSerializer(item).data
            if not selectors.correspondence_visible_queryset(request.user).filter(pk=item.pk).exists():
                body["person"] = None  # matched to someone the sender may not see: do not name them
            return Response(body,
                            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

        return idempotent_create(request, create)


class CorrespondenceDetailView(WaymarkApiView):
    required_perms = {"GET": ["correspondence.view_correspondenceitem"]}
    required_scope = {"GET": "correspondence:read"}
    serializer_class = CorrespondenceItemSerializer

    @extend_schema(summary="One correspondence item", responses={200: CorrespondenceItemSerializer,
                                                                 **READ_PROBLEMS})
    def get(self, request, pk: int):
        return Response(CorrespondenceItemSerializer(selectors.access_correspondence_item(request.user, pk)).data)
