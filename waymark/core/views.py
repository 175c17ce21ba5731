"""Pages that belong to the service rather than a module: error pages (GOV.UK patterns), the
accessibility statement and the cookies page. Error handlers are set in ``config/urls.py``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from waymark.core.permissions import public

logger = logging.getLogger("waymark.core")


_API_DETAIL = {400: "The request is not valid.", 403: "You may not do this.",
               404: "There is no such resource.", 500: "The error has been logged."}


def _error_page(request, template: str, status: int):
    if request.path.startswith("/api/"):  # API clients get problem details, never an HTML page
        from waymark.api.problems import problem_json_response

        return problem_json_response(request, status, _API_DETAIL.get(status, "Error"))
    return render(request, template, {"status": status}, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _error_page(request, "errors/400.html", 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _error_page(request, "errors/403.html", 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _error_page(request, "errors/404.html", 404)


def csrf_failure(request, reason=""):
    """For ``CSRF_FAILURE_VIEW``: usually a form left open after signing out in another tab."""
    return _error_page(request, "errors/403_csrf.html", 403)


@requires_csrf_token
def server_error(request):
    """Keep this one simple: it must not fail itself."""
    try:
        return _error_page(request, "errors/500.html", 500)
    except Exception:  # pragma: no cover - the fallback of last resort
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError(
            "Sorry, there is a problem with the service. Try again later.", content_type="text/plain"
        )


@public
def accessibility(request):
    return render(request, "pages/accessibility.html", {
        "session_minutes": int(settings.SESSION_COOKIE_AGE) // 60,
    })


@public
def cookies(request):
    return render(request, "pages/cookies.html", {
        "session_minutes": int(settings.SESSION_COOKIE_AGE) // 60,
    })
