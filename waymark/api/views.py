"""Base for API views, and the schema and documentation pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from waymark.api.permissions import ScopedPermission

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description="A unique value per new request (a UUID). A repeat returns the first result.",
)

ProblemSerializer = inline_serializer(
    "Problem",
    {
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "instance": serializers.CharField(),
        "errors": serializers.ListField(
            child=inline_serializer("FieldError", {"field": serializers.CharField(),
                                                   "detail": serializers.CharField()}),
            required=False,
        ),
    },
)


def problems(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ProblemSerializer, description="RFC 9457 problem details") for code in codes}


READ_PROBLEMS = problems(401, 403, 404)
CREATE_PROBLEMS = problems(400, 401, 403, 409, 422)


class WaymarkApiView(GenericAPIView):
    """Declare ``required_perms`` and ``required_scope`` per method; every view gets both gates."""

    permission_classes = [ScopedPermission]
    required_perms: dict[str, list[str]] = {}
    required_scope: dict[str, str] = {}

    @classmethod
    def as_view(cls, **initkwargs):
        # The API authenticates every request itself: Django's LoginRequiredMiddleware must not
        # redirect it to the sign-in page.
        return login_not_required(super().as_view(**initkwargs))
