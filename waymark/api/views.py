"""Base for API views, and the schema and documentation pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.generics import GenericAPIView

from waymark.api import rules
from waymark.api.permissions import ScopedPermission
from waymark.api.schema import ProblemSerializer, WaymarkAutoSchema

__all__ = [
    "CREATE_PROBLEMS",
    "IDEMPOTENCY_KEY",
    "READ_PROBLEMS",
    "MethodCheckedFirst",
    "ProblemSerializer",
    "WaymarkApiView",
    "problems",
]

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=True,
    # What ``idempotency.idempotent_create`` accepts: surrounding spaces are ignored, so the key
    # needs one visible character, and at most IDEMPOTENCY_KEY_MAX_LENGTH.
    type={
        "type": "string",
        "minLength": 1,
        "maxLength": rules.IDEMPOTENCY_KEY_MAX_LENGTH,
        "pattern": r"\S",
    },
    description="A unique value per new request (a UUID). A repeat returns the first result.",
)


def problems(*codes: int) -> dict[int, OpenApiResponse]:
    """Problems a view answers beyond those ``WaymarkAutoSchema`` adds to every operation."""
    return {
        code: OpenApiResponse(ProblemSerializer, description="RFC 9457 problem details")
        for code in codes
    }


READ_PROBLEMS = problems(401, 403, 404)
CREATE_PROBLEMS = problems(400, 401, 403, 409, 422)


class MethodCheckedFirst:
    """A method the resource does not have is 405 Method Not Allowed (with its ``Allow`` header)
    for every caller, before authentication and the permission gate: the gate refuses a method
    without declared permissions, and answered 403 as if the caller lacked a right it could never
    have (an unsigned supplier request, 401). Which methods a resource has is in the schema."""

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class WaymarkApiView(MethodCheckedFirst, GenericAPIView):
    """Declare ``required_perms`` and ``required_scope`` per method; every view gets both gates."""

    permission_classes = [ScopedPermission]
    schema = WaymarkAutoSchema()
    required_perms: dict[str, list[str]] = {}
    required_scope: dict[str, str] = {}

    @classmethod
    def as_view(cls, **initkwargs):
        # The API authenticates every request itself: Django's LoginRequiredMiddleware must not
        # redirect it to the sign-in page.
        return login_not_required(super().as_view(**initkwargs))
