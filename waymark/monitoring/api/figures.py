"""API v1: the EM Hub's management information, the same figures as the page (brief §7).

``GET /api/v1/monitoring/figures/?start=YYYY-MM-DD&end=YYYY-MM-DD`` (end exclusive; default the
last six whole months and this month so far). "How many were exempted, and why" is in
``exemptions`` (000 §5.22).

The figures are the page's: read from the EM read model's summary rows (``selectors.
mi_figures_summary``, at most 60 seconds old), with the rows' time in ``as_of``.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from waymark.api.views import WaymarkApiView, problems
from waymark.core.permissions import no_personal_data
from waymark.monitoring import rules, selectors
from waymark.monitoring.models import Condition

MAX_PERIOD_DAYS = rules.MI_MAX_PERIOD_DAYS


class FiguresQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False, help_text="Exclusive")

    def validate(self, attrs):
        default = selectors.period_default()
        start, end = attrs.get("start", default.start), attrs.get("end", default.end)
        if end <= start:
            raise serializers.ValidationError({"end": "The end must be after the start"})
        if end - start > timedelta(days=MAX_PERIOD_DAYS):
            raise serializers.ValidationError(
                {"end": f"The period may be at most {MAX_PERIOD_DAYS} days"}
            )
        return {"start": start, "end": end}


@no_personal_data
class FiguresView(WaymarkApiView):
    queryset = Condition.objects.none()  # for the schema only
    required_perms = {"GET": ["monitoring.view_em_mi"]}
    required_scope = {"GET": "monitoring:read"}
    pagination_class = None

    @extend_schema(
        summary="EM management information for a period",
        description="The same figures as the EM figures page, from its summary rows; ``as_of`` "
        "is the time they were counted (at most 60 seconds before the request).",
        parameters=[FiguresQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, **problems(400, 401, 403)},
    )
    def get(self, request):
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = selectors.mi_figures_summary(selectors.Period(**query.validated_data))
        # Decimals and dates as JSON (ISO 8601 dates; ratios as strings keep their precision).
        return Response(json.loads(json.dumps(figures, cls=DjangoJSONEncoder)))
