"""RFC 9457 problem details for every API error.

Body: ``type``, ``title``, ``status``, ``detail``, ``instance`` and, for invalid input, ``errors``:
a list of ``{"field": ..., "detail": ...}``. Served as ``application/problem+json``. An object the
caller may not see is a 404, the same as one that does not exist.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from waymark.core.conflicts import is_database_unavailable, is_unique_violation
from waymark.core.rules import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://waymark.example/problems/"

TITLES = {
    400: "Your request is not valid",
    401: "You need to authenticate",
    403: "You may not do this",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "The request conflicts with another one",
    415: "Unsupported media type",
    422: "The request breaks a rule",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "The service is unavailable",
}
TYPES = {
    400: "invalid-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    415: "unsupported-media-type",
    422: "rule-broken",
    429: "throttled",
    500: "server-error",
    503: "unavailable",
}


class Problem(exceptions.APIException):
    """Raise from API code to answer with a problem of any status."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        problem_type: str = "",
    ):
        self.status_code = status_code
        self.errors = errors or []
        self.problem_type = problem_type
        super().__init__(detail)


def problem_body(
    status_code: int, detail: str, *, instance: str = "", errors=None, problem_type: str = ""
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (problem_type or TYPES.get(status_code, "error")),
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return body


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail -> [{"field": "references[0].value", "detail": "..."}]."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if isinstance(key, int):  # DRF keys a list's errors by index
                out += _flatten(value, f"{prefix}[{key}]")
                continue
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": prefix, "detail": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:
                out += _flatten(item, f"{prefix}[{index}]")
        return out
    return [{"field": prefix, "detail": str(detail)}]


def _django_validation_errors(exc: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": "" if field == "__all__" else field, "detail": str(message)}
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    return [{"field": "", "detail": str(message)} for message in exc.messages]


def problem_response(
    status_code: int,
    detail: str,
    *,
    request=None,
    errors=None,
    problem_type: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    instance = request.path if request is not None else ""
    response = Response(
        problem_body(
            status_code, detail, instance=instance, errors=errors, problem_type=problem_type
        ),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )
    return response


def _challenge(context) -> str:
    """The view's own ``WWW-Authenticate`` challenge, or the bearer credential's."""
    view, request = context.get("view"), context.get("request")
    header = (
        view.get_authenticate_header(request) if view is not None and request is not None else None
    )
    return header or 'Bearer realm="waymark"'


def problem_exception_handler(exc, context):
    request = context.get("request")
    headers: dict[str, str] = {}
    if isinstance(exc, Problem):
        return problem_response(
            exc.status_code,
            str(exc.detail),
            request=request,
            errors=exc.errors,
            problem_type=exc.problem_type,
        )
    if isinstance(exc, DjangoValidationError):
        errors = _django_validation_errors(exc)
        return problem_response(
            422, "The request breaks a rule: see errors.", request=request, errors=errors
        )
    if isinstance(exc, Http404 | exceptions.NotFound):
        return problem_response(
            404, "There is no such record, or you may not see it.", request=request
        )
    if isinstance(exc, DjangoPermissionDenied):
        return problem_response(403, str(exc) or "You may not do this.", request=request)
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            400,
            "The request is not valid: see errors.",
            request=request,
            errors=_flatten(exc.detail),
        )
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = exc.status_code
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            # Only a missing or failed authentication is a 401 (DRF says 403 when no authenticator
            # offers a challenge). A refusal such as a session's CSRF failure stays 403: the caller
            # is known, and a new credential would not help.
            code = status.HTTP_401_UNAUTHORIZED
        if code == status.HTTP_401_UNAUTHORIZED:
            headers.setdefault("WWW-Authenticate", _challenge(context))  # RFC 9110 §11.6.1: always
        problem_type = "csrf-failed" if str(exc.detail).startswith("CSRF Failed") else ""
        detail = exc.detail if isinstance(exc.detail, str) else "See errors."
        errors = None if isinstance(exc.detail, str) else _flatten(exc.detail)
        return problem_response(
            code,
            str(detail),
            request=request,
            errors=errors,
            problem_type=problem_type,
            headers=headers or None,
        )
    if is_unique_violation(exc):
        logger.error("A unique key refused a write: answered 409", exc_info=exc)
        return problem_response(
            409,
            "Someone else made the same change at the same moment: nothing was saved. Read the "
            "record again before retrying.",
            request=request,
            problem_type="conflict",
        )
    if is_database_unavailable(exc):
        # The database cannot be reached (core.conflicts.is_database_unavailable): a 503 to retry, as a
        # request whose first query is outside DRF gets, not a 500 that pages someone about a bug.
        logger.error("Database unavailable: answered 503 for %s", getattr(request, "path", ""))
        return problem_response(
            503,
            "The service is unavailable for a moment (its database cannot be reached). Try again.",
            request=request,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
        )
    logger.exception("Unhandled API error", exc_info=exc)
    return problem_response(500, "The error has been logged.", request=request)


def problem_json_response(request, status_code: int, detail: str) -> JsonResponse:
    """For Django-level errors under /api/ (unknown URL, server error) outside DRF's handler."""
    return JsonResponse(
        problem_body(status_code, detail, instance=request.path),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )
