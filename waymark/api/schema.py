"""The API's OpenAPI description of errors: every operation documents the RFC 9457 problems it can
answer, served as ``application/problem+json`` (``waymark.api.problems``).

Views annotate only their success responses and any unusual problem (422 for a broken rule);
``WaymarkAutoSchema`` adds the problems every operation shares, so no view can forget them and
the schema always names the media type the exception handler really sends.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from waymark.api.problems import PROBLEM_CONTENT_TYPE, TITLES

IDEMPOTENCY_HEADER = "Idempotency-Key"
PAGING = ("page", "page_size")  # a bad page is 404 and a bad page size is ignored: never 400


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text="The field, e.g. `references[0].value`; empty for the request"
    )
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details. ``instance`` is absent only from the second-factor refusal."""

    type = serializers.CharField(help_text="A URI naming the kind of problem")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False, help_text="The path that was requested")
    # The metaclass moves declared fields off the class, so this does not hide Serializer.errors.
    errors = FieldErrorSerializer(  # type: ignore[assignment]
        many=True, required=False, help_text="For invalid input: what is wrong where"
    )


WHEN = {
    400: "The request is not valid: `errors` says what is wrong where.",
    401: "No credential or session, or the credential is unknown or revoked.",
    403: "The role or the credential's scopes do not allow this, a session's CSRF token is missing or "
    "wrong, or the session has not proved its second factor.",
    404: "No such record, or one you may not see (the answer is the same); or no such page of results.",
    409: "Another request made the same change at the same moment: nothing was saved. Read the "
    "record again before deciding whether to retry.",
    422: "The request breaks a rule, or this Idempotency-Key was used for a different request.",
}
IN_FLIGHT = (
    "The first request with this Idempotency-Key is still being processed: retry later. Or "
    "another request made the same change at the same moment: nothing was saved."
)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def problem_codes(operation: dict, method: str = "GET") -> set[int]:
    """The problems an operation can answer, from what it takes: every call can fail
    authentication (401) and authorisation (403); input can be invalid (400); a path names a
    record, and a page number a page, that may not exist (404); an idempotent create's key can
    have been used for another request (422); any write can meet another request making the same
    change at the same moment (409, ``core.conflicts``), as can an idempotent create whose key is
    still in flight."""
    codes = {401, 403}
    if method.upper() in WRITES:
        codes.add(409)
    parameters = operation.get("parameters", [])
    checked = [
        p
        for p in parameters
        if p["in"] == "header" or (p["in"] == "query" and p["name"] not in PAGING)
    ]
    if operation.get("requestBody") or checked:
        codes.add(400)
    if any(p["in"] == "path" or (p["in"] == "query" and p["name"] == "page") for p in parameters):
        codes.add(404)
    if any(p["in"] == "header" and p["name"] == IDEMPOTENCY_HEADER for p in parameters):
        codes.add(422)
    return codes


class WaymarkAutoSchema(AutoSchema):
    """Documents every 4xx answer of an operation as a problem (``problem_codes`` plus any the view
    declares), with the ``WWW-Authenticate`` challenge every 401 carries."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        declared = {int(code) for code in responses if code.isdigit() and 400 <= int(code) < 500}
        problem = self.resolve_serializer(ProblemSerializer, "response").ref
        for code in declared | problem_codes(operation, self.method):
            # A view that can find its Idempotency-Key still in flight declares 409 itself.
            when = IN_FLIGHT if code == 409 and code in declared else WHEN.get(code, "")
            response = {
                "description": f"{TITLES.get(code, 'Error')}. {when}".strip(),
                "content": {PROBLEM_CONTENT_TYPE: {"schema": problem}},
            }
            if code == 401:
                response["headers"] = {
                    "WWW-Authenticate": {
                        "schema": {"type": "string"},
                        "required": True,
                        "description": "The challenge: the scheme to authenticate with.",
                    }
                }
            responses[str(code)] = response
        operation["responses"] = dict(sorted(responses.items()))
        return operation
