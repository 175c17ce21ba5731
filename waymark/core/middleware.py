from __future__ import annotations

import uuid

from waymark.core import context


class ChannelMiddleware:
    """Marks the request's channel (web or api) for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        token = context.set_current(context.ActingContext(channel=channel, request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-Id"] = request_id
        return response
