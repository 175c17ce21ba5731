"""API: a referral's decisions (read-only for partners' systems).

``GET /api/v1/nrm/referrals/<pk>/decisions/``: the decisions on the referral, oldest first, with
their stage, outcome, status, legal test, guidance edition and dates. Seen only by the competent
authority's roles and the referral's own referrer (``permissions.may_see_referral``); anyone else
gets 404 (problem details), never 403."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from waymark.api.views import WaymarkApiView, problems
from waymark.nrm import permissions as perms
from waymark.nrm import selectors
from waymark.nrm.models import Decision, Referral


class DecisionSerializer(serializers.ModelSerializer):
    guidance = serializers.CharField(source="guidance.code")
    positive = serializers.BooleanField()
    reconsideration_of = serializers.IntegerField(source="reconsideration_of_id", allow_null=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "stage",
            "outcome",
            "positive",
            "status",
            "legal_test",
            "guidance",
            "made_at",
            "signed_off_at",
            "served_at",
            "service_method",
            "reconsideration_of",
        ]


class ReferralDecisionsView(WaymarkApiView):
    required_perms: dict[str, list[str]] = {"GET": []}
    required_scope = {"GET": "nrm:read"}
    serializer_class = DecisionSerializer
    queryset = Decision.objects.none()  # for the schema only
    pagination_class = None

    @extend_schema(
        summary="The decisions on a referral",
        responses={200: DecisionSerializer(many=True), **problems(401, 403, 404)},
    )
    def get(self, request, pk: int):
        referral = Referral.objects.filter(pk=pk).first()
        if referral is None or not perms.may_see_referral(request.user, referral):
            raise Http404("No such referral")
        decisions = selectors.decisions_for_referral(referral)
        return Response(DecisionSerializer(decisions, many=True).data)


urlpatterns = [
    path(
        "referrals/<int:pk>/decisions/",
        ReferralDecisionsView.as_view(),
        name="nrm-referral-decisions",
    ),
]
