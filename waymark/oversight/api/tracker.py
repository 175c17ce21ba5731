"""API v1: the recommendations tracker (issue 20 item 6), read-only, for the directorate's and
the inspectorate's own reporting tools.

``GET /api/v1/oversight/recommendations/`` every recommendation of the five inspection reports
with its response and its actions (owner, milestone, due date and the original one, how often the
date was revised, status, the evidence that closes it, sign-off), filtered by ``seed`` and
``status`` (``no_actions``, ``open``, ``closed``), paged; ``GET .../recommendations/<id>/`` one.
The same rows as the tracker page (``selectors.tracker``). Governance records naming staff, not
the people Waymark holds records on: no consultation entry. Session users need
``oversight.view_tracker``; machine clients the ``oversight:read`` scope as well."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from waymark.api.views import WaymarkApiView, problems
from waymark.core.permissions import no_personal_data
from waymark.oversight import permissions as perms
from waymark.oversight.api import SCOPE, staff_name
from waymark.oversight.models import Recommendation
from waymark.oversight.selectors import tracker as sel

STATUSES = (sel.REC_NO_ACTIONS, sel.REC_OPEN, sel.REC_CLOSED)


class ActionOutput(serializers.Serializer):
    id = serializers.IntegerField(source="action.pk")
    description = serializers.CharField(source="action.description")
    owner = serializers.SerializerMethodField()
    milestone = serializers.CharField(source="action.milestone")
    due_on = serializers.DateField(source="action.due_on")
    original_due_on = serializers.DateField(source="action.original_due_on")
    date_revisions = serializers.SerializerMethodField()
    slipping = serializers.BooleanField()
    overdue = serializers.BooleanField()
    status = serializers.CharField(source="action.status")
    evidence = serializers.CharField(source="evidence_label")
    signed_off_by = serializers.SerializerMethodField()
    signed_off_at = serializers.DateTimeField(source="action.signed_off_at", allow_null=True)
    closure_note = serializers.CharField(source="action.closure_note")

    def get_owner(self, row) -> str | None:
        return staff_name(row.action.owner)

    def get_date_revisions(self, row) -> int:
        return len(row.revisions)

    def get_signed_off_by(self, row) -> str | None:
        return staff_name(row.action.signed_off_by)


class RecommendationOutput(serializers.Serializer):
    id = serializers.IntegerField(source="recommendation.pk")
    seed = serializers.CharField(source="recommendation.seed")
    report = serializers.CharField(source="recommendation.source_title")
    number = serializers.CharField(source="recommendation.number")
    theme = serializers.CharField(source="recommendation.theme")
    text = serializers.CharField(source="recommendation.text")
    response = serializers.CharField(source="recommendation.response")
    response_text = serializers.CharField(source="recommendation.response_text")
    status = serializers.ChoiceField(choices=STATUSES)
    slipping = serializers.BooleanField()
    actions = ActionOutput(many=True)


class TrackerQuery(serializers.Serializer):
    seed = serializers.RegexField(
        r"^\d{3}$", required=False, help_text="A report's file number, e.g. 002"
    )
    status = serializers.ChoiceField(choices=STATUSES, required=False)


class _TrackerView(WaymarkApiView):
    queryset = Recommendation.objects.none()  # for the schema only: reads go through selectors
    required_perms = {"GET": [perms.VIEW]}
    required_scope = {"GET": SCOPE}


@no_personal_data
class RecommendationListView(_TrackerView):
    serializer_class = RecommendationOutput

    @extend_schema(
        summary="The inspections' recommendations with their responses and actions",
        parameters=[
            OpenApiParameter("seed", str, description="A report's file number, e.g. 002"),
            OpenApiParameter("status", str, enum=list(STATUSES)),
        ],
        responses={200: RecommendationOutput(many=True), **problems(400, 401, 403)},
    )
    def get(self, request):
        query = TrackerQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = sel.tracker_rows(
            seed=query.validated_data.get("seed", ""),
            status=query.validated_data.get("status", ""),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RecommendationOutput(page, many=True).data)


@no_personal_data
class RecommendationDetailView(_TrackerView):
    serializer_class = RecommendationOutput
    pagination_class = None

    @extend_schema(
        summary="One recommendation with its response and actions",
        responses={200: RecommendationOutput, **problems(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(RecommendationOutput(sel.access_recommendation(request.user, pk)).data)


urlpatterns = [
    path(
        "recommendations/",
        RecommendationListView.as_view(),
        name="oversight-recommendations",
    ),
    path(
        "recommendations/<int:pk>/",
        RecommendationDetailView.as_view(),
        name="oversight-recommendation",
    ),
]
